"""How the specialists see the state: short plain text, no personal identifiers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from teammates.tools.application import ContactInfo
from teammates.tools.compliance import CALLING_HOURS, local_time, permitted_channels


def contact_lines(contact: ContactInfo, facts: Mapping[str, Any], now: datetime) -> list[str]:
    """Channel situation: local time, consent, opt-outs, unanswered requests."""
    local = local_time(now, contact.time_zone)
    start, end = CALLING_HOURS
    quiet = not start <= local.time() < end
    opted = facts.get("opt_outs", [])
    sent = facts.get("channel_attempts", {})
    replies = facts.get("channel_replies", {})
    lines = [
        f"Local time of the person: {local:%a %H:%M}"
        + (" (QUIET HOURS: no texts or calls now; email is fine)" if quiet else ""),
        f"Consent to texts/calls on: {', '.join(contact.consent) or 'none'}; "
        f"preferred channel: {contact.preferred_channel}",
    ]
    if opted:
        lines.append(f"OPTED OUT (never use again): {', '.join(opted)}")
    silent = [
        ch for ch, n in sent.items() if n >= 2 and not replies.get(ch) and ch in ("sms", "voice")
    ]
    if silent:
        lines.append(f"No reply after 2+ messages on: {', '.join(silent)}; switch channel")
    return lines


def consumer_channels(contact: ContactInfo, facts: Mapping[str, Any], now: datetime) -> list[str]:
    """Channels a message to this person may use right now."""
    return list(
        permitted_channels(
            ("sms", "email", "voice"),
            now=now,
            time_zone=contact.time_zone,
            consent=list(contact.consent),
            opted_out=list(facts.get("opt_outs", [])),
        )
    )
