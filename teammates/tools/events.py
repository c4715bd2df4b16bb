"""Taking in what the world sends back: replies, documents, decisions.

Code, not a model, files each inbound event into the facts, so a "STOP" is honoured the moment
it arrives, whoever is awake.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from teammates.tools.compliance import ComplianceEvent, is_opt_out

EventKind = Literal["message", "document", "underwriting_decision", "timer"]
"""Kinds of inbound event."""


class InboundEvent(BaseModel):
    """Something the world did that the task must hear about."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: EventKind
    """What happened."""
    at: str
    """ISO time it happened."""
    channel: str | None = None
    """Channel it came on (messages, documents)."""
    party: str | None = None
    """Who sent it: borrower, patient, provider_office, underwriter."""
    body: str | None = None
    """Text of a message."""
    document_id: str | None = None
    """Inbox id of a document."""
    doc_type: str | None = None
    """Type the sender claims a document is."""
    decision: Literal["approved", "denied"] | None = None
    """Underwriting decision."""
    reasons: list[str] = []
    """Underwriter's principal reasons, when denied."""


def take_in(
    facts: Mapping[str, Any], events: list[InboundEvent]
) -> tuple[dict[str, Any], list[dict[str, Any]], list[ComplianceEvent]]:
    """Fact updates, message-log entries and compliance events for `events`, in order."""
    updates: dict[str, Any] = {}

    def current(key: str, default: Any) -> Any:
        return updates.get(key, facts.get(key, default))

    messages: list[dict[str, Any]] = []
    compliance: list[ComplianceEvent] = []
    for event in events:
        if event.kind == "message":
            messages.append(
                {
                    "at": event.at,
                    "direction": "in",
                    "channel": event.channel,
                    "party": event.party,
                    "purpose": "reply",
                    "body": event.body or "",
                    "status": "received",
                }
            )
            replies = dict(current("channel_replies", {}))
            replies[event.channel or "?"] = replies.get(event.channel or "?", 0) + 1
            updates["channel_replies"] = replies
            if is_opt_out(event.body or ""):
                updates["opt_outs"] = sorted({*current("opt_outs", []), event.channel})
                compliance.append(
                    ComplianceEvent(
                        at=event.at,
                        rule="opt_out_received",
                        channel=event.channel or "sms",
                        detail=f"{event.party} revoked consent on {event.channel}",
                        blocked=False,
                    )
                )
            elif current("credit_consent", None) == "requested" and _is_yes(event.body or ""):
                updates["credit_consent"] = "given"
        elif event.kind == "document":
            inbox = list(current("inbox", []))
            inbox.append(
                {
                    "document_id": event.document_id,
                    "claimed_type": event.doc_type,
                    "received_at": event.at,
                    "reviewed": False,
                }
            )
            updates["inbox"] = inbox
            replies = dict(current("channel_replies", {}))
            replies[event.channel or "upload"] = replies.get(event.channel or "upload", 0) + 1
            updates["channel_replies"] = replies
        elif event.kind == "underwriting_decision":
            underwriting = dict(current("underwriting", {}))
            underwriting.update(
                {"decision": event.decision, "reasons": list(event.reasons), "decided_at": event.at}
            )
            updates["underwriting"] = underwriting
    return updates, messages, compliance


def _is_yes(text: str) -> bool:
    words = text.lower().replace(",", " ").replace(".", " ").replace("!", " ").split()
    return bool(words) and words[0] in {"yes", "y", "agree", "i agree", "ok", "okay"}
