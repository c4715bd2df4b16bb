"""Scoring one replay: does the final state match the case's expected outcome?

In the spirit of tau-bench's final-state check: the run completes a case when the outcome,
the documents and the deadline match what the case expects and no consumer-protection rule was
broken. The rules are checked twice: the guard's own events, and an independent re-check of
every message the world received.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from teammates.evals.cases import MortgageCase, PriorAuthCase
from teammates.evals.episode import Episode
from teammates.evals.results import FailureKind
from teammates.tools.compliance import check_send, is_opt_out


@dataclass(frozen=True)
class Score:
    """Whether a replay completed its case, and if not, the first expectation it failed."""

    completed: bool
    """Final state matched and no rule was broken."""
    failure: FailureKind | None
    """First failed expectation, in check order."""
    detail: str | None
    """Expected versus found, in a sentence."""


def score(episode: Episode) -> Score:
    """Score `episode` against its case's expectation."""
    if episode.error:
        return _fail("error", episode.error)
    outcome = episode.state.get("outcome")
    if outcome and outcome.get("status") == "budget_exhausted":
        return _fail("budget_exhausted", outcome.get("detail", "budget exhausted"))
    if outcome and outcome.get("status") == "stalled":
        return _fail("error", f"the task stalled: {outcome.get('detail')}")
    if not outcome:
        days = (episode.ended_at - episode.started_at).total_seconds() / 86400
        return _fail("deadline_missed", f"no outcome after {days:.1f} virtual days")

    case = episode.case
    found = (
        _mortgage(case, episode.state, outcome)
        if isinstance(case, MortgageCase)
        else _prior_auth(case, outcome)
    )
    if found is not None:
        return found

    settled = datetime.fromisoformat(outcome["at"])
    limit = episode.started_at + timedelta(days=case.expected.deadline_days)
    if settled > limit:
        late = (settled - episode.started_at).total_seconds() / 86400
        return _fail(
            "deadline_missed",
            f"settled after {late:.1f} days; the case allows {case.expected.deadline_days}",
        )

    broken = rule_breaks(episode)
    if broken:
        return _fail("compliance_event", broken[0])
    return Score(completed=True, failure=None, detail=None)


def _fail(kind: FailureKind, detail: str) -> Score:
    return Score(completed=False, failure=kind, detail=detail)


def _mortgage(case: MortgageCase, state: dict[str, Any], outcome: dict[str, Any]) -> Score | None:
    expected = case.expected
    if outcome.get("status") != expected.decision:
        return _fail("wrong_decision", f"expected {expected.decision}, got {outcome.get('status')}")
    if outcome.get("program") != expected.program:
        return _fail(
            "wrong_decision", f"expected program {expected.program}, got {outcome.get('program')}"
        )
    documents = state.get("facts", {}).get("documents", {})
    missing = [
        d for d in expected.required_documents if documents.get(d, {}).get("status") != "valid"
    ]
    if missing:
        return _fail("document_missing", f"not collected and valid: {', '.join(missing)}")
    return None


def _prior_auth(case: PriorAuthCase, outcome: dict[str, Any]) -> Score | None:
    expected = case.expected
    if outcome.get("status") != expected.status:
        return _fail("wrong_decision", f"expected {expected.status}, got {outcome.get('status')}")
    if expected.reference_number_required and not outcome.get("reference_number"):
        return _fail("wrong_decision", "no payer reference number on the outcome")
    if expected.appeal_filed and not outcome.get("appeal_filed"):
        return _fail("wrong_decision", "the denial was not appealed")
    if expected.clinical_notes_faxed and not outcome.get("clinical_notes_faxed"):
        return _fail("document_missing", "clinical notes were never faxed to the payer")
    return None


def rule_breaks(episode: Episode) -> list[str]:
    """Blocked sends the guard recorded, plus any message that reached a consumer unlawfully."""
    breaks = [
        f"{e['rule']} on {e['channel']}: {e['detail']}"
        for e in episode.state.get("compliance_events", [])
        if e.get("blocked")
    ]
    case = episode.case
    contact = case.borrower.contact if isinstance(case, MortgageCase) else case.patient.contact
    opt_outs = [
        (datetime.fromisoformat(m["at"]), m["channel"])
        for m in episode.state.get("messages", [])
        if m.get("direction") == "in" and is_opt_out(m.get("body", ""))
    ]
    for at, message in episode.world.sent:
        opted = [channel for when, channel in opt_outs if when <= at]
        event = check_send(
            message,
            now=at,
            time_zone=contact.time_zone,
            consent=list(contact.consent),
            opted_out=opted,
        )
        if event is not None:
            breaks.append(f"{event.rule} on {event.channel} reached the {message.recipient}")
    return breaks
