"""One trial's row: scoring failure kinds, counts and cost, with no personal data."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from teammates.evals.cases import MortgageCase, PriorAuthCase
from teammates.evals.episode import Episode, run_case
from teammates.evals.trial import failed_episode, trial_result
from tests.evals.policy import careful_model, careful_spec

Case = MortgageCase | PriorAuthCase
SPECS = {"default": careful_spec()}


@pytest.fixture(scope="module")
def finished(all_cases: dict[str, Case]) -> Episode:
    """mtg-0011 replayed to completion by the careful policy."""
    return run_case(all_cases["mtg-0011"], {"default": careful_model()}, task_id="mtg-0011-t0")


def _with_state(episode: Episode, change: Callable[[dict[str, Any]], None]) -> Episode:
    state = copy.deepcopy(episode.state)
    change(state)
    return replace(episode, state=state)


def test_completed_trial_counts_tools_once_in_first_call_order(finished: Episode) -> None:
    result = trial_result(finished, "careful", SPECS, 0)

    assert result.completed and result.failure is None
    assert result.outcome == "loan_estimate"
    assert result.tools_called[:4] == [
        "request_consent", "wait_for_borrower", "pull_credit", "hand_to_document_collector",
    ]  # fmt: skip
    assert len(result.tools_called) == len(set(result.tools_called))
    assert result.model_calls == sum(u["model_calls"] for u in finished.state["usage"].values())
    assert result.agent_steps == finished.state["steps"]
    assert result.virtual_days is not None and 0 < result.virtual_days <= 30
    assert result.roles == {"default": "careful"}


def test_cost_is_tokens_at_the_spec_price_plus_channel_fees(finished: Episode) -> None:
    prices = {"sms": 0.01, "voice": 0.02, "email": 0.001, "fax": 0.07}
    result = trial_result(finished, "careful", SPECS, 0, prices=prices)

    tokens_usd = result.input_tokens / 1e6 * 1.0 + result.output_tokens / 1e6 * 2.0
    fees_usd = result.sms_segments * 0.01 + result.voice_minutes * 0.02 + result.emails * 0.001
    assert result.cost.model_usd == pytest.approx(tokens_usd)
    assert result.cost.total_usd == pytest.approx(tokens_usd + fees_usd + result.fax_pages * 0.07)


def test_row_holds_no_personal_data(finished: Episode) -> None:
    case = finished.case
    assert isinstance(case, MortgageCase)
    row = trial_result(finished, "careful", SPECS, 0).model_dump_json()

    for secret in (case.borrower.ssn, str(case.borrower.date_of_birth), case.borrower.name,
                   case.borrower.contact.phone, case.borrower.contact.email):  # fmt: skip
        assert secret not in row


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        (lambda s: s["outcome"].update(status="adverse_action"), "wrong_decision"),
        (lambda s: s["outcome"].update(program="jumbo"), "wrong_decision"),
        (lambda s: s["facts"]["documents"]["w2"].update(status="invalid"), "document_missing"),
        (lambda s: s["outcome"].update(at="2022-06-30T15:00:00+00:00"), "deadline_missed"),
        (lambda s: s.pop("outcome"), "deadline_missed"),
        (
            lambda s: s.update(outcome={"status": "budget_exhausted", "detail": "max_steps=80"}),
            "budget_exhausted",
        ),
        (
            lambda s: s["compliance_events"].append(
                {"rule": "calling_hours", "channel": "sms", "detail": "21:30", "blocked": True}
            ),
            "compliance_event",
        ),
    ],
)
def test_failure_kind_names_the_first_failed_expectation(
    finished: Episode, change: Callable[[dict[str, Any]], None], kind: str
) -> None:
    result = trial_result(_with_state(finished, change), "careful", SPECS, 0)

    assert not result.completed
    assert result.failure == kind
    assert result.failure_detail


def test_a_trial_that_raised_is_an_error_row_that_keeps_its_spending(finished: Episode) -> None:
    partial = {k: finished.state[k] for k in ("usage", "fees", "steps", "tools_called")}
    episode = failed_episode(finished.case, partial, RuntimeError("server down " + "x" * 900), 1.5)
    result = trial_result(episode, "careful", SPECS, 3)

    assert result.failure == "error" and not result.completed
    assert result.failure_detail is not None
    assert result.failure_detail.startswith("RuntimeError: server down")
    assert len(result.failure_detail) <= 300
    assert "Traceback" not in result.failure_detail
    assert result.model_calls > 0 and result.cost.model_usd is not None
    assert result.virtual_days is None and result.trial == 3
