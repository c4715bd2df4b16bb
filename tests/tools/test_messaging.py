"""Sending: the guard runs first, a refusal is a recorded event, and the outbox sends once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from teammates.tools.application import ContactInfo, MortgageApplication, TaskRequest
from teammates.tools.backends import DeliveryReceipt, OutboundMessage
from teammates.tools.base import ToolContext
from teammates.tools.clock import VirtualClock
from teammates.tools.events import InboundEvent, take_in
from teammates.tools.messaging import send_message, sms_segments
from teammates.tools.mortgage import qualifier_tools
from teammates.tools.outbox import Outbox

CONTACT = ContactInfo(
    phone="+19155550101",
    email="ana.sampleton@example.com",
    time_zone="America/Denver",
    consent=["sms", "email"],
    preferred_channel="sms",
)


class Recorder:
    """A channel provider that records what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, OutboundMessage]] = []

    def send(self, task_id: str, message: OutboundMessage, key: str) -> DeliveryReceipt:
        self.sent.append((key, message))
        return DeliveryReceipt(message_id=f"m{len(self.sent)}", sms_segments=1)


def _request() -> TaskRequest:
    return TaskRequest(
        task_id="t-1",
        text="Originate this loan.",
        mortgage=MortgageApplication(
            borrower_name="Ana Sampleton",
            ssn="900-12-3456",
            date_of_birth=date(1980, 1, 2),
            employment="w2_employee",
            stated_annual_income_usd=80_000,
            contact=CONTACT,
            loan_amount_usd=200_000,
            property_value_usd=250_000,
            purpose="purchase",
            occupancy="principal_residence",
            state="TX",
            county_fips="48141",
            application_date=date(2022, 4, 1),
        ),
    )


def _context(
    now: datetime,
    channels: Recorder,
    outbox: Outbox,
    facts: dict[str, Any] | None = None,
    step: int = 3,
) -> ToolContext:
    return ToolContext(
        task_id="t-1",
        request=_request(),
        facts=facts or {},
        backends=SimpleNamespace(channels=channels),  # type: ignore[arg-type]
        clock=VirtualClock(now),
        outbox=outbox,
        step=step,
    )


def _sms() -> OutboundMessage:
    return OutboundMessage(
        channel="sms",
        recipient="borrower",
        address=CONTACT.phone,
        body="Please send your paystub.",
        purpose="document_request:paystub",
    )


def test_text_at_night_is_refused_as_a_compliance_event_and_never_reaches_the_channel() -> None:
    channels, outbox = Recorder(), Outbox()
    night = datetime(2022, 4, 2, 4, 30, tzinfo=UTC)  # 22:30 in Denver

    result = send_message(_context(night, channels, outbox), _sms(), CONTACT, "request_document")

    assert channels.sent == []
    assert outbox.sent_count("t-1") == 0
    [event] = result.compliance
    assert (event.rule, event.channel, event.blocked) == ("calling_hours", "sms", True)
    assert result.messages[0]["status"] == "blocked"
    assert result.observation.startswith("BLOCKED by compliance (calling_hours)")
    assert "Calling hours open at 2022-04-02T14:00:00+00:00" in result.observation
    assert result.fees == {}


def test_request_consent_tool_blocked_after_sms_opt_out_keeps_consent_unasked() -> None:
    channels, outbox = Recorder(), Outbox()
    tool = next(
        t for t in qualifier_tools("w2_employee", ["paystub"]) if t.name == "request_consent"
    )
    ctx = _context(
        datetime(2022, 4, 1, 16, 0, tzinfo=UTC), channels, outbox, facts={"opt_outs": ["sms"]}
    )

    result = tool.run(ctx, tool.args.model_validate({"channel": "sms"}))

    assert channels.sent == []
    assert [(e.rule, e.channel) for e in result.compliance] == [("opted_out", "sms")]
    assert "credit_consent" not in result.facts


def test_allowed_send_goes_through_the_outbox_once_per_idempotency_key() -> None:
    channels, outbox = Recorder(), Outbox()
    ctx = _context(datetime(2022, 4, 1, 16, 0, tzinfo=UTC), channels, outbox)

    first = send_message(ctx, _sms(), CONTACT, "request_document")
    retried = send_message(ctx, _sms(), CONTACT, "request_document")

    assert len(channels.sent) == 1
    key = channels.sent[0][0]
    assert key.startswith("t-1:3:request_document:")
    assert outbox.sent_count("t-1") == 1
    assert first.messages[0]["status"] == retried.messages[0]["status"] == "sent"
    assert first.facts["channel_attempts"] == {"sms": 1}
    assert first.fees["sms_segments"] == 1


def test_a_later_step_sends_again() -> None:
    channels, outbox = Recorder(), Outbox()
    now = datetime(2022, 4, 1, 16, 0, tzinfo=UTC)

    send_message(_context(now, channels, outbox, step=3), _sms(), CONTACT, "request_document")
    send_message(_context(now, channels, outbox, step=9), _sms(), CONTACT, "request_document")

    assert len(channels.sent) == 2
    assert channels.sent[0][0] != channels.sent[1][0]


def test_outbox_survives_reopening_its_file(tmp_path) -> None:
    channels = Recorder()
    path = tmp_path / "outbox.db"
    now = datetime(2022, 4, 1, 16, 0, tzinfo=UTC)
    first = Outbox(path)
    send_message(_context(now, channels, first), _sms(), CONTACT, "request_document")
    first.close()

    reopened = Outbox(path)
    send_message(_context(now, channels, reopened), _sms(), CONTACT, "request_document")

    assert len(channels.sent) == 1
    assert reopened.sent_count("t-1") == 1


def test_sms_segments_follow_gsm7_concatenation() -> None:
    assert [sms_segments("x" * n) for n in (1, 160, 161, 306, 307)] == [1, 1, 2, 2, 3]


def test_opt_out_reply_is_recorded_and_honoured_at_once() -> None:
    events = [
        InboundEvent(
            kind="message",
            at="2022-04-01T16:05:00+00:00",
            channel="sms",
            party="borrower",
            body="Stop please",
        ),
    ]

    updates, messages, compliance = take_in({"opt_outs": ["voice"]}, events)

    assert updates["opt_outs"] == ["sms", "voice"]
    assert [(c.rule, c.channel, c.blocked) for c in compliance] == [
        ("opt_out_received", "sms", False)
    ]
    assert compliance[0].detail == "borrower revoked consent on sms"
    assert messages[0]["body"] == "Stop please"
    # The very next text is refused, whoever sends it.
    ctx = _context(datetime(2022, 4, 1, 16, 6, tzinfo=UTC), Recorder(), Outbox(), facts={**updates})
    result = send_message(ctx, _sms(), CONTACT, "request_document")
    assert [e.rule for e in result.compliance] == ["opted_out"]


def test_yes_gives_credit_consent_only_when_asked_and_stop_never_does() -> None:
    def reply(body: str) -> list[InboundEvent]:
        return [
            InboundEvent(
                kind="message",
                at="2022-04-01T16:05:00+00:00",
                channel="email",
                party="borrower",
                body=body,
            )
        ]

    assert (
        take_in({"credit_consent": "requested"}, reply("Yes, go ahead"))[0]["credit_consent"]
        == "given"
    )
    assert "credit_consent" not in take_in({}, reply("Yes"))[0]
    stop = take_in({"credit_consent": "requested"}, reply("STOP"))[0]
    assert "credit_consent" not in stop
    assert stop["opt_outs"] == ["email"]
