"""Borrower qualifier: consent, credit, income, eligibility, underwriting, decision notice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from teammates.agents.observe import consumer_channels, contact_lines
from teammates.agents.specialist import Specialist, load_prompt
from teammates.tools.application import TaskRequest
from teammates.tools.base import Tool
from teammates.tools.checklists import mortgage_checklist
from teammates.tools.mortgage import application, qualifier_tools

NAME = "borrower_qualifier"


class QualifierReport(BaseModel):
    """What the qualifier found and decided."""

    consent: str | None = None
    """Credit consent: requested or given."""
    credit_score: int | None = None
    """Score from the pull."""
    program: str | None = None
    """Program the loan falls under."""
    dti: float | None = None
    """Back-end debt-to-income ratio."""
    ltv: float | None = None
    """Loan-to-value ratio."""
    meets_guidelines: bool | None = None
    """Whether the program's guidelines hold."""
    underwriting_decision: str | None = None
    """Approved or denied, once the underwriter answers."""
    notice: str | None = None
    """`loan_estimate` or `adverse_action` once sent."""


def report(request: TaskRequest, facts: Mapping[str, Any]) -> QualifierReport:
    """The qualifier's report from the facts."""
    q = facts.get("qualification", {})
    return QualifierReport(
        consent=facts.get("credit_consent"),
        credit_score=facts.get("credit", {}).get("score"),
        program=q.get("program"),
        dti=q.get("dti"),
        ltv=q.get("ltv"),
        meets_guidelines=q.get("meets_guidelines"),
        underwriting_decision=facts.get("underwriting", {}).get("decision"),
        notice=facts.get("notice", {}).get("kind"),
    )


def observe(request: TaskRequest, facts: Mapping[str, Any], now: datetime) -> str:
    """The qualifier's view: the loan, progress so far, and the channel situation."""
    app = application(request)
    r = report(request, facts)
    docs = facts.get("documents", {})
    valid = [
        d for d in mortgage_checklist(app.employment) if docs.get(d, {}).get("status") == "valid"
    ]
    lines = [
        f"Loan: ${app.loan_amount_usd:,.0f} {app.purpose.replace('_', ' ')}, "
        f"{app.occupancy.replace('_', ' ')}, property ${app.property_value_usd:,.0f}; "
        f"borrower is {app.employment.replace('_', ' ')}.",
        f"Consent: {r.consent or 'not asked'}. Credit: "
        + (f"score {r.credit_score}" if r.credit_score else "not pulled"),
        f"Documents valid: {', '.join(valid) or 'none'} of "
        f"{', '.join(mortgage_checklist(app.employment))}.",
        f"Income read: {', '.join(facts.get('income_figures', {})) or 'none'}.",
    ]
    if r.program:
        lines.append(f"Eligibility: {r.program}, DTI {r.dti:.1%}, LTV {r.ltv:.1%}.")
    if r.underwriting_decision:
        lines.append(f"UNDERWRITER DECISION: {r.underwriting_decision}.")
    lines += contact_lines(app.contact, facts, now)
    return "\n".join(lines)


def toolbox(request: TaskRequest, facts: Mapping[str, Any], now: datetime) -> list[Tool]:
    """Tools fitted to this borrower."""
    app = application(request)
    return qualifier_tools(app.employment, list(mortgage_checklist(app.employment)), now, facts)


def permitted(request: TaskRequest, facts: Mapping[str, Any], now: datetime) -> list[str]:
    """Channels the borrower may be messaged on right now."""
    return consumer_channels(application(request).contact, facts, now)


def specialist() -> Specialist:
    """The borrower qualifier."""
    return Specialist(NAME, load_prompt(__file__, NAME), toolbox, observe, report, permitted)
