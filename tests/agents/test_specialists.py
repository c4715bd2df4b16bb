"""The three specialists end to end on recorded cases, driven by scripted model replies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from teammates.evals.episode import Episode, run_case
from teammates.evals.scoring import score
from teammates.models.client import ScriptedModel

Replies = Callable[[str], list[str | dict[str, Any]]]


def _replay(case_id: str, case_by_id: Callable[[str], Any], replies: Replies) -> Episode:
    model = ScriptedModel(replies(case_id))
    episode = run_case(case_by_id(case_id), {"default": model})
    # Replays are exact: every scripted reply is used, none is left over.
    assert len(model.requests) == len(model.replies)
    return episode


def _sent(episode: Episode) -> list[tuple[str, str, str]]:
    return [(m.recipient, m.channel, m.purpose) for _, m in episode.world.sent]


def test_approved_mortgage_ends_with_loan_estimate(case_by_id, replies) -> None:
    episode = _replay("mtg-0011", case_by_id, replies)
    state = episode.state

    outcome = state["outcome"]
    assert outcome["status"] == "loan_estimate"
    assert outcome["program"] == "conforming"
    assert outcome["terms"]["loan_amount_usd"] == 305_000.0
    assert outcome["terms"]["term_months"] == 360
    assert outcome["dti"] == 0.4456
    assert outcome["ltv"] == 0.9385
    assert {d: e["status"] for d, e in state["facts"]["documents"].items()} == {
        "paystub": "valid",
        "w2": "valid",
        "photo_id": "valid",
    }
    assert state["facts"]["income_figures"] == {
        "paystub": {"gross_amount_usd": 2384.62, "period": "biweekly"}
    }
    assert _sent(episode) == [
        ("borrower", "email", "credit_consent"),
        ("borrower", "email", "document_request:paystub"),
        ("borrower", "email", "document_request:w2"),
        ("borrower", "email", "document_request:photo_id"),
        ("borrower", "email", "loan_estimate"),
    ]
    assert episode.world.credit_pulls == 1
    assert state["compliance_events"] == []
    assert state["tools_called"][-1] == "send_loan_estimate"
    assert score(episode).completed


def test_denied_mortgage_sends_adverse_action_with_reasons(case_by_id, replies) -> None:
    episode = _replay("mtg-0025", case_by_id, replies)
    state = episode.state

    outcome = state["outcome"]
    assert outcome["status"] == "adverse_action"
    assert outcome["program"] == "conforming"
    # LTV 108.7% is over the 95% collateral line the underwriter applies.
    assert outcome["ltv"] == 1.087
    assert outcome["reasons"] == ["Value or type of collateral not sufficient"]
    notice = episode.world.sent[-1][1]
    assert (notice.purpose, notice.channel, notice.recipient) == (
        "adverse_action",
        "email",
        "borrower",
    )
    assert "Value or type of collateral not sufficient" in notice.body
    assert "Equal Credit Opportunity Act" in notice.body
    assert state["facts"]["underwriting"]["decision"] == "denied"
    assert "send_loan_estimate" not in state["tools_called"]
    assert score(episode).completed


def test_prior_auth_approved_on_call_gets_reference_number(case_by_id, replies) -> None:
    episode = _replay("pa-0004", case_by_id, replies)
    state = episode.state

    outcome = state["outcome"]
    assert outcome["status"] == "approved"
    assert outcome["reference_number"].startswith("PA-")
    assert len(outcome["reference_number"]) == len("PA-") + 8
    assert outcome["clinical_notes_faxed"] is False
    assert outcome["appeal_filed"] is False
    assert state["tools_called"][:3] == ["check_eligibility", "call_payer", "press_key"]
    assert state["tools_called"].count("give_information") == 9
    assert state["tools_called"][-2:] == ["notify_patient", "close_authorization"]
    # Only the patient hears from us; the payer was reached on the phone line.
    assert _sent(episode) == [("patient", "email", "authorization_approved")]
    assert state["fees"]["voice_minutes"] == 5.5
    assert score(episode).completed


def test_payer_call_transcript_masks_date_of_birth_and_member_id(case_by_id, replies) -> None:
    episode = _replay("pa-0004", case_by_id, replies)
    case = case_by_id("pa-0004")

    call = str(episode.state["facts"]["call"])
    timeline = str(episode.state["timeline"])
    assert "caller: icd10 = M17.11" in call
    for secret in (case.patient.member_id, case.patient.date_of_birth.isoformat()):
        assert secret not in call
        assert secret not in timeline


def test_pended_request_faxes_clinical_notes(case_by_id, replies) -> None:
    episode = _replay("pa-0006", case_by_id, replies)
    state = episode.state
    case = case_by_id("pa-0006")

    outcome = state["outcome"]
    assert outcome["status"] == "approved"
    assert outcome["clinical_notes_faxed"] is True
    assert outcome["reference_number"].startswith("PA-")
    assert state["facts"]["documents"]["clinical_notes"]["status"] == "valid"
    assert _sent(episode) == [
        ("provider_office", "email", "document_request:clinical_notes"),
        ("payer", "fax", "clinical_notes"),
        ("patient", "email", "authorization_approved"),
    ]
    fax = episode.world.sent[1][1]
    assert fax.address == case.payer.fax
    assert outcome["reference_number"] in fax.body
    # After the fax the caller alternates a day's wait and a status check (both forced).
    assert state["tools_called"][-6:] == [
        "wait_for_payer",
        "check_authorization_status",
        "wait_for_payer",
        "check_authorization_status",
        "notify_patient",
        "close_authorization",
    ]
    # Two days of payer review after the fax, on the virtual clock.
    assert (episode.ended_at - episode.started_at).days == 2
    assert score(episode).completed
