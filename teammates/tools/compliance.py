"""The compliance guard every outbound message passes.

Rules (TCPA, 47 U.S.C. 227 and 47 CFR 64.1200): calls and texts to a consumer only between
8:00 and 21:00 in the called party's local time, only with prior express consent, and a
revocation of consent by any reasonable means is honoured at once and for good on that channel.
Business-to-business traffic (a payer's line or fax, a provider's office) is outside these
consumer rules. A blocked send is returned as a `ComplianceEvent`, never dropped silently.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict

from teammates.tools.backends import Channel, OutboundMessage

CALLING_HOURS = (time(8, 0), time(21, 0))
"""Earliest and latest local time a consumer may be called or texted."""

OPT_OUT_WORDS = ("stop", "quit", "end", "revoke", "opt out", "cancel", "unsubscribe")
"""Words that revoke consent on the channel they arrive on (FCC 2024 revocation order)."""

CONSUMERS = ("borrower", "patient")
"""Recipients the consumer-protection rules cover."""

_TIME_SENSITIVE: tuple[Channel, ...] = ("sms", "voice")


class ComplianceEvent(BaseModel):
    """A send the guard refused, or a revocation it recorded."""

    model_config = ConfigDict(frozen=True)

    at: str
    """ISO time of the event."""
    rule: str
    """`calling_hours`, `no_consent`, `opted_out` or `opt_out_received`."""
    channel: Channel
    """Channel concerned."""
    detail: str
    """What happened, without personal data."""
    blocked: bool
    """Whether a send was refused (False for a recorded revocation)."""


ANYWHERE = ("stop", "unsubscribe", "revoke", "opt out", "optout", "quit")
"""Opt-out words that revoke consent wherever they stand in a reply ("please stop")."""

LEADING_ONLY = ("end", "cancel")
"""Opt-out words common in ordinary replies ("by the end of the week"): they revoke consent when
they stand alone or lead the reply."""

REVOKING_PHRASES = (
    "don t text", "do not text", "dont text", "don t contact", "do not contact", "dont contact",
    "don t call", "do not call", "dont call", "no more texts", "no more messages",
    "leave me alone", "remove me", "take me off",
)  # fmt: skip
"""Other reasonable ways of saying no (the FCC's 2024 order: any reasonable means)."""


def is_opt_out(text: str) -> bool:
    """Whether a reply revokes consent.

    Note: a reply that merely mentions stopping ("I stopped by the bank") is read as a
    revocation; erring towards honouring a possible revocation is the compliant side.
    """
    joined = " ".join(re.sub(r"[^a-z ]", " ", text.lower()).split())
    padded = f" {joined} "
    if any(f" {word} " in padded for word in ANYWHERE):
        return True
    if any(joined == word or joined.startswith(word + " ") for word in LEADING_ONLY):
        return True
    return any(f" {phrase} " in padded for phrase in REVOKING_PHRASES)


def local_time(now: datetime, time_zone: str) -> datetime:
    """`now` in the recipient's zone; an unknown zone is a setup error naming the value."""
    try:
        return now.astimezone(ZoneInfo(time_zone))
    except ZoneInfoNotFoundError as exc:
        raise ValueError(
            f"time_zone={time_zone!r} is not an IANA zone; use e.g. 'America/Chicago'"
        ) from exc


def check_send(
    message: OutboundMessage,
    *,
    now: datetime,
    time_zone: str,
    consent: list[Channel],
    opted_out: list[Channel],
) -> ComplianceEvent | None:
    """Return the event that blocks `message`, or None when it may go."""
    if message.recipient not in CONSUMERS:
        return None

    def blocked(rule: str, detail: str) -> ComplianceEvent:
        return ComplianceEvent(
            at=now.isoformat(), rule=rule, channel=message.channel, detail=detail, blocked=True
        )

    if message.channel in opted_out:
        return blocked("opted_out", f"{message.recipient} revoked consent on {message.channel}")
    if message.channel in _TIME_SENSITIVE and message.channel not in consent:
        return blocked("no_consent", f"no prior consent for {message.channel}")
    if message.channel in _TIME_SENSITIVE:
        local = local_time(now, time_zone)
        start, end = CALLING_HOURS
        if not start <= local.time() < end:
            return blocked(
                "calling_hours",
                f"{local:%H:%M} local time is outside {start:%H:%M}-{end:%H:%M}",
            )
    return None


def next_calling_window(now: datetime, time_zone: str) -> datetime:
    """The earliest moment at or after `now` when a consumer may be called or texted."""
    local = local_time(now, time_zone)
    start, end = CALLING_HOURS
    if start <= local.time() < end:
        return now
    opening = local.replace(hour=start.hour, minute=0, second=0, microsecond=0)
    if local.time() >= end:
        opening = opening + timedelta(days=1)
    return opening.astimezone(now.tzinfo)


def permitted_channels(
    candidates: tuple[Channel, ...],
    *,
    now: datetime,
    time_zone: str,
    consent: list[Channel],
    opted_out: list[Channel],
) -> list[Channel]:
    """Channels on which a consumer message would pass the guard right now.

    Tools offer the model only these, so a small model is never handed an illegal choice; the
    guard in `check_send` still runs on every send.
    """
    permitted = []
    for channel in candidates:
        probe = OutboundMessage(
            channel=channel, recipient="borrower", address="-", body="-", purpose="probe"
        )
        if (
            check_send(probe, now=now, time_zone=time_zone, consent=consent, opted_out=opted_out)
            is None
        ):
            permitted.append(channel)
    return permitted


def next_morning(now: datetime, time_zone: str, hour: int = 9) -> datetime:
    """`now` if inside calling hours, else `hour`:00 local on the next morning the window opens."""
    local = local_time(now, time_zone)
    start, end = CALLING_HOURS
    if start <= local.time() < end:
        return now
    morning = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if local.time() >= end:
        morning += timedelta(days=1)
    return morning.astimezone(now.tzinfo)
