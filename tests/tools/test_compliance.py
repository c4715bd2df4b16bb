"""The compliance guard: calling hours in the recipient's zone, consent, and opt-outs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from teammates.tools.backends import Channel, OutboundMessage
from teammates.tools.compliance import (
    OPT_OUT_WORDS,
    check_send,
    is_opt_out,
    next_calling_window,
    next_morning,
    permitted_channels,
)

DENVER = "America/Denver"


def _message(channel: Channel, recipient: str = "borrower") -> OutboundMessage:
    return OutboundMessage(
        channel=channel,
        recipient=recipient,  # type: ignore[arg-type]
        address="+19155550101",
        body="Hi",
        purpose="credit_consent",
    )


def _check(
    channel: Channel,
    now: datetime,
    *,
    consent: list[Channel] | None = None,
    opted_out: list[Channel] | None = None,
    recipient: str = "borrower",
    time_zone: str = DENVER,
):
    return check_send(
        _message(channel, recipient),
        now=now,
        time_zone=time_zone,
        consent=["sms", "voice", "email"] if consent is None else consent,
        opted_out=opted_out or [],
    )


# 2022-04-01 is daylight time in Denver (UTC-6); 2022-01-14 is standard time (UTC-7).
@pytest.mark.parametrize(
    ("utc", "local", "allowed"),
    [
        (datetime(2022, 4, 1, 13, 59, tzinfo=UTC), "07:59", False),
        (datetime(2022, 4, 1, 14, 0, tzinfo=UTC), "08:00", True),
        (datetime(2022, 4, 2, 2, 59, tzinfo=UTC), "20:59", True),
        (datetime(2022, 4, 2, 3, 0, tzinfo=UTC), "21:00", False),
        (datetime(2022, 1, 14, 14, 30, tzinfo=UTC), "07:30", False),
        (datetime(2022, 1, 14, 15, 0, tzinfo=UTC), "08:00", True),
    ],
)
@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_texts_and_calls_only_between_8_and_21_in_the_recipients_zone(
    utc: datetime, local: str, allowed: bool, channel: Channel
) -> None:
    event = _check(channel, utc)

    if allowed:
        assert event is None
    else:
        assert event is not None
        assert (event.rule, event.channel, event.blocked) == ("calling_hours", channel, True)
        assert event.detail == f"{local} local time is outside 08:00-21:00"
        assert event.at == utc.isoformat()


def test_email_goes_out_at_night() -> None:
    assert _check("email", datetime(2022, 4, 2, 8, 0, tzinfo=UTC)) is None  # 02:00 Denver


def test_business_recipients_are_outside_the_consumer_rules() -> None:
    night = datetime(2022, 4, 2, 8, 0, tzinfo=UTC)
    for recipient in ("payer", "provider_office"):
        assert _check("fax", night, recipient=recipient, consent=[]) is None
        assert _check("voice", night, recipient=recipient, consent=[]) is None


@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_text_or_call_without_prior_consent_is_blocked(channel: Channel) -> None:
    event = _check(channel, datetime(2022, 4, 1, 16, 0, tzinfo=UTC), consent=["email"])

    assert event is not None
    assert (event.rule, event.blocked) == ("no_consent", True)
    assert event.detail == f"no prior consent for {channel}"


def test_email_needs_no_prior_express_consent() -> None:
    assert _check("email", datetime(2022, 4, 1, 16, 0, tzinfo=UTC), consent=[]) is None


def test_opted_out_channel_is_blocked_before_any_other_rule() -> None:
    event = _check("sms", datetime(2022, 4, 2, 8, 0, tzinfo=UTC), consent=[], opted_out=["sms"])

    assert event is not None
    assert event.rule == "opted_out"
    assert event.detail == "borrower revoked consent on sms"
    assert _check("email", datetime(2022, 4, 1, 16, 0, tzinfo=UTC), opted_out=["sms"]) is None


def test_unknown_time_zone_is_a_setup_error_naming_the_value() -> None:
    with pytest.raises(ValueError, match=r"time_zone='Mars/Olympus' is not an IANA zone"):
        _check("sms", datetime(2022, 4, 1, 16, 0, tzinfo=UTC), time_zone="Mars/Olympus")


def test_permitted_channels_at_night_leave_only_email() -> None:
    night = datetime(2022, 4, 2, 4, 0, tzinfo=UTC)  # 22:00 Denver

    assert permitted_channels(
        ("sms", "email", "voice"),
        now=night,
        time_zone=DENVER,
        consent=["sms", "voice"],
        opted_out=[],
    ) == ["email"]
    day = datetime(2022, 4, 1, 16, 0, tzinfo=UTC)
    assert permitted_channels(
        ("sms", "email", "voice"), now=day, time_zone=DENVER, consent=["voice"], opted_out=["email"]
    ) == ["voice"]


def test_next_calling_window_and_next_morning_in_local_time() -> None:
    late = datetime(2022, 4, 2, 4, 0, tzinfo=UTC)  # Fri 22:00 Denver
    early = datetime(2022, 4, 1, 12, 0, tzinfo=UTC)  # Fri 06:00 Denver
    inside = datetime(2022, 4, 1, 18, 0, tzinfo=UTC)

    assert next_calling_window(late, DENVER) == datetime(2022, 4, 2, 14, 0, tzinfo=UTC)
    assert next_calling_window(early, DENVER) == datetime(2022, 4, 1, 14, 0, tzinfo=UTC)
    assert next_calling_window(inside, DENVER) == inside
    assert next_morning(late, DENVER) == datetime(2022, 4, 2, 15, 0, tzinfo=UTC)
    assert next_morning(early, DENVER) == datetime(2022, 4, 1, 15, 0, tzinfo=UTC)
    assert next_morning(inside, DENVER) == inside
    assert next_calling_window(late, DENVER).tzinfo == UTC


@pytest.mark.parametrize("word", OPT_OUT_WORDS)
def test_each_opt_out_word_alone_revokes_consent(word: str) -> None:
    assert OPT_OUT_WORDS == ("stop", "quit", "end", "revoke", "opt out", "cancel", "unsubscribe")
    assert is_opt_out(word)
    assert is_opt_out(word.upper())
    assert is_opt_out(f"  {word.title()}!  ")


@pytest.mark.parametrize(
    ("reply", "revokes"),
    [
        ("Stop please", True),
        ("STOP.", True),
        ("stop texting me", True),
        ("Opt-out", True),
        ("unsubscribe me", True),
        # "stop", "quit", "revoke", "unsubscribe", "opt out" revoke wherever they stand, and
        # other reasonable ways of saying no count too (FCC 2024 revocation order).
        ("please stop", True),
        ("Please stop texting me", True),
        ("Don't text me again", True),
        ("Do not contact me", True),
        ("No more texts", True),
        ("I can't stop smiling", True),  # errs towards honouring a possible revocation
        ("Stopping by the branch later", False),
        ("See you by the end of the day", False),
        ("YES", False),
        ("", False),
        # Leading-word rule errs on the side of revocation (47 CFR 64.1200(a)(10)).
        ("End of the week works for me", True),
        ("Cancel that, I found the W-2", True),
    ],
)
def test_is_opt_out_honours_any_reasonable_revocation(reply: str, revokes: bool) -> None:
    assert is_opt_out(reply) is revokes
