"""Document collector: checklist, requests, reminders, review, channel switching, report."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from teammates.agents.observe import consumer_channels, contact_lines
from teammates.agents.specialist import Specialist, load_prompt
from teammates.tools.application import TaskRequest
from teammates.tools.base import Tool
from teammates.tools.checklists import mortgage_checklist, prior_auth_checklist
from teammates.tools.documents import checklist_status, collector_tools

NAME = "document_collector"


class CollectorReport(BaseModel):
    """What is in, what is wrong, what is still missing."""

    checklist: list[str]
    """Documents the job needs."""
    valid: list[str]
    """Collected and valid."""
    invalid: list[str]
    """Received but rejected; asked again."""
    missing: list[str]
    """Not yet received (asked or not)."""
    requests_sent: int
    """Requests and reminders sent."""


def checklist(request: TaskRequest) -> list[str]:
    """The checklist for this job."""
    if request.mortgage is not None:
        return list(mortgage_checklist(request.mortgage.employment))
    if request.prior_auth is not None:
        return list(prior_auth_checklist(request.prior_auth.cpt))
    return []


def report(request: TaskRequest, facts: Mapping[str, Any]) -> CollectorReport:
    """The collector's report from the facts."""
    needed = checklist(request)
    status = checklist_status(facts, needed)
    return CollectorReport(
        checklist=needed,
        valid=status["valid"],
        invalid=status["invalid"],
        missing=status["missing"] + status["requested"],
        requests_sent=sum(d.get("requests", 0) for d in facts.get("documents", {}).values()),
    )


def observe(request: TaskRequest, facts: Mapping[str, Any], now: datetime) -> str:
    """The collector's view: checklist state, inbox, and the channel situation."""
    documents = facts.get("documents", {})
    lines = []
    for doc in checklist(request):
        entry = documents.get(doc, {})
        state = entry.get("status", "not requested")
        extra = (
            f", {entry['requests']} request(s) by {entry.get('channel')}"
            if entry.get("requests")
            else ""
        )
        problem = f" - problem: {entry['problem']}" if entry.get("problem") else ""
        lines.append(f"- {doc}: {state}{extra}{problem}")
    inbox = [i for i in facts.get("inbox", []) if not i["reviewed"]]
    text = "Checklist:\n" + "\n".join(lines)
    if inbox:
        text += "\nReceived, not reviewed: " + ", ".join(
            f"{i['document_id']} (says {i['claimed_type']})" for i in inbox
        )
    if request.mortgage is not None:
        holder = f"Documents come from the borrower, {request.mortgage.borrower_name}."
        text += (
            "\n" + holder + "\n" + "\n".join(contact_lines(request.mortgage.contact, facts, now))
        )
    elif request.prior_auth is not None:
        text += (
            f"\nClinical notes come from the office of {request.prior_auth.provider_name} "
            "(email or fax) for the patient's prior authorization."
        )
    return text


def toolbox(request: TaskRequest, facts: Mapping[str, Any], now: datetime) -> list[Tool]:
    """Tools fitted to this checklist and to what may be asked for now."""
    return collector_tools(checklist(request), facts, now, office=request.prior_auth is not None)


def permitted(request: TaskRequest, facts: Mapping[str, Any], now: datetime) -> list[str]:
    """Channels the document holder may be messaged on right now (an office: email, fax)."""
    if request.mortgage is None:
        return ["email", "fax"]
    return consumer_channels(request.mortgage.contact, facts, now)


def specialist() -> Specialist:
    """The document collector."""
    return Specialist(NAME, load_prompt(__file__, NAME), toolbox, observe, report, permitted)
