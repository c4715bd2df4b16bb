"""Insurer caller: eligibility, the payer call, notes, status checks, appeals, the outcome."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from teammates.agents.observe import consumer_channels, contact_lines
from teammates.agents.specialist import Specialist, load_prompt
from teammates.tools.application import TaskRequest
from teammates.tools.base import Tool
from teammates.tools.payer import caller_tools, final_status, prior_auth

NAME = "insurer_caller"


class CallerReport(BaseModel):
    """Where the authorization stands."""

    eligible: bool | None = None
    """Coverage active on the date of service."""
    reference_number: str | None = None
    """Payer's reference or authorization number."""
    status: str | None = None
    """in_review, pended, approved, denied or not_eligible."""
    denial_reason: str | None = None
    """Specific reason, when denied."""
    notes_faxed: bool = False
    """Clinical notes faxed to the payer."""
    appeal_filed: bool = False
    """Appeal or peer-to-peer requested."""
    status_checks: int = 0
    """Follow-ups made."""
    final: str | None = None
    """Final status once it can no longer change."""


def report(request: TaskRequest, facts: Mapping[str, Any]) -> CallerReport:
    """The caller's report from the facts."""
    auth = facts.get("authorization", {})
    return CallerReport(
        eligible=facts.get("eligibility", {}).get("active"),
        reference_number=auth.get("reference_number"),
        status=auth.get("status"),
        denial_reason=auth.get("denial_reason"),
        notes_faxed=bool(auth.get("notes_faxed")),
        appeal_filed=bool(auth.get("appeal_filed")),
        status_checks=auth.get("status_checks", 0),
        final=final_status(facts),
    )


def observe(request: TaskRequest, facts: Mapping[str, Any], now: datetime) -> str:
    """The caller's view: the service, the authorization, and the live call if any."""
    app = prior_auth(request)
    r = report(request, facts)
    lines = [
        f"Service: {app.service_description} (CPT {app.cpt}, ICD-10 {app.icd10}), "
        f"{app.urgency} review, payer {app.payer_name}.",
        f"Eligibility: {_eligibility(r.eligible)}.",
        f"Authorization: {r.status or 'not requested'}"
        + (f", reference {r.reference_number}" if r.reference_number else "")
        + (f", denial reason: {r.denial_reason}" if r.denial_reason else "")
        + (", notes faxed" if r.notes_faxed else "")
        + (", appeal filed" if r.appeal_filed else "")
        + (f", {r.status_checks} status checks" if r.status_checks else "")
        + ".",
    ]
    notes = facts.get("documents", {}).get("clinical_notes", {}).get("status")
    if notes:
        lines.append(f"Clinical notes: {notes}.")
    if r.final:
        lines.append(f"FINAL DECISION: {r.final}.")
    call = facts.get("call", {})
    if call.get("active"):
        lines.append("ON THE CALL. Transcript so far:\n" + "\n".join(call.get("transcript", [])))
        if call.get("asks_for"):
            lines.append("The representative is waiting for your answer.")
        elif call.get("menu"):
            lines.append(
                "The phone menu is playing: pick the option that leads to prior authorization."
            )
    if r.final and "patient_notified_at" not in facts:
        lines += contact_lines(app.patient_contact, facts, now)
    return "\n".join(lines)


def _eligibility(eligible: bool | None) -> str:
    if eligible is None:
        return "not checked"
    return "active" if eligible else "NOT active"


def toolbox(request: TaskRequest, facts: Mapping[str, Any], now: datetime) -> list[Tool]:
    """Tools for this call's state (the phone menu comes from the live call)."""
    return caller_tools(facts)


def permitted(request: TaskRequest, facts: Mapping[str, Any], now: datetime) -> list[str]:
    """Channels the patient may be messaged on right now."""
    return consumer_channels(prior_auth(request).patient_contact, facts, now)


def specialist() -> Specialist:
    """The insurer caller."""
    return Specialist(NAME, load_prompt(__file__, NAME), toolbox, observe, report, permitted)
