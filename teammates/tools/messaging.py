"""Sending one message: compliance guard, then the outbox, then the log and the fees."""

from __future__ import annotations

import math
from typing import Any

from teammates.tools.application import ContactInfo
from teammates.tools.backends import OutboundMessage
from teammates.tools.base import ToolContext, ToolResult
from teammates.tools.compliance import check_send, next_calling_window


def sms_segments(body: str) -> int:
    """Billable segments: 160 characters alone, 153 each once concatenated (GSM-7)."""
    return 1 if len(body) <= 160 else math.ceil(len(body) / 153)


def send_message(
    ctx: ToolContext, message: OutboundMessage, contact: ContactInfo | None, tool: str
) -> ToolResult:
    """Send `message` if the rules allow; a refusal becomes a compliance event."""
    now = ctx.now()
    if contact is not None:
        event = check_send(
            message,
            now=now,
            time_zone=contact.time_zone,
            consent=list(contact.consent),
            opted_out=list(ctx.facts.get("opt_outs", [])),
        )
        if event is not None:
            hint = ""
            if event.rule == "calling_hours":
                opening = next_calling_window(now, contact.time_zone)
                hint = f" Calling hours open at {opening.isoformat()}; wait or use email."
            return ToolResult(
                observation=f"BLOCKED by compliance ({event.rule}): {event.detail}.{hint}",
                compliance=[event],
                messages=[_record(ctx, message, "blocked")],
            )

    receipt, _ = ctx.outbox.send(
        ctx.task_id, ctx.idempotency_key(tool, message), message, ctx.backends.channels
    )
    attempts = dict(ctx.facts.get("channel_attempts", {}))
    attempts[message.channel] = attempts.get(message.channel, 0) + 1
    return ToolResult(
        observation=f"{message.channel} sent to {message.recipient} ({message.purpose}).",
        facts={"channel_attempts": attempts},
        messages=[_record(ctx, message, "sent")],
        fees={
            "sms_segments": receipt.sms_segments,
            "voice_minutes": receipt.voice_minutes,
            "emails": receipt.emails,
            "fax_pages": receipt.fax_pages,
        },
    )


def _record(ctx: ToolContext, message: OutboundMessage, status: str) -> dict[str, Any]:
    return {
        "at": ctx.now().isoformat(),
        "direction": "out",
        "channel": message.channel,
        "party": message.recipient,
        "purpose": message.purpose,
        "body": message.body,
        "status": status,
    }
