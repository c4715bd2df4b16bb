"""Metrics over trial results: intervals, pass^k, cost per completed task, frontier, summary."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.proportion import proportion_confint

from teammates.evals.metrics import (
    bootstrap_cost_per_completed,
    cost_per_completed,
    pareto_frontier,
    pass_hat_k,
    summarize,
    wilson_interval,
)
from teammates.evals.results import FailureKind, TrialResult
from tests.evals.trials import trial_result


def _trial(
    assignment: str,
    case_id: str,
    trial: int,
    *,
    completed: bool,
    cost_usd: float | None,
    failure: FailureKind | None = None,
    wall_seconds: float = 1.0,
    virtual_days: float | None = 10.0,
    input_tokens: int = 100,
    judge_score: float | None = None,
) -> TrialResult:
    return trial_result(
        case_id,
        completed=completed,
        cost_usd=cost_usd,
        assignment=assignment,
        trial=trial,
        failure=None if completed else (failure or "wrong_decision"),
        wall_seconds=wall_seconds,
        virtual_days=virtual_days,
        input_tokens=input_tokens,
        judge_score=judge_score,
    )


# --- Wilson interval -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n"), [(0, 1), (1, 1), (0, 10), (8, 10), (10, 10), (3, 7), (57, 120)]
)
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_wilson_interval_matches_statsmodels(successes: int, n: int, confidence: float) -> None:
    expected = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")

    assert wilson_interval(successes, n, confidence) == pytest.approx(expected, abs=1e-12)


def test_wilson_interval_of_8_in_10_matches_the_hand_computed_value() -> None:
    # z = 1.959964; centre = (0.8 + z^2/20) / (1 + z^2/10) = 0.716740;
    # half width = z / (1 + z^2/10) * sqrt(0.016 + z^2/400) = 0.226578.
    low, high = wilson_interval(8, 10)

    assert low == pytest.approx(0.716740 - 0.226578, abs=1e-6)
    assert high == pytest.approx(0.716740 + 0.226578, abs=1e-6)


def test_wilson_interval_refuses_no_trials_and_impossible_counts() -> None:
    with pytest.raises(ValueError, match="at least one trial"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match="between 0 and n"):
        wilson_interval(5, 4)
    with pytest.raises(ValueError, match=r"confidence=1\.5"):
        wilson_interval(1, 2, confidence=1.5)


# --- pass^k ----------------------------------------------------------------------------------


def test_pass_hat_k_averages_per_case_combinations_as_tau_bench_defines() -> None:
    cases = [(3, 4), (1, 4)]

    assert pass_hat_k(cases, 1) == pytest.approx((0.75 + 0.25) / 2)
    assert pass_hat_k(cases, 2) == pytest.approx((3 / 6 + 0) / 2)
    assert pass_hat_k(cases, 2) == pytest.approx(0.25)
    assert pass_hat_k(cases, 3) == pytest.approx((1 / 4 + 0) / 2)
    assert pass_hat_k(cases, 4) == 0.0


def test_pass_hat_k_leaves_out_cases_with_fewer_than_k_trials() -> None:
    cases = [(2, 2), (1, 3)]

    assert pass_hat_k(cases, 2) == pytest.approx((1.0 + 0.0) / 2)
    assert pass_hat_k(cases, 3) == 0.0


def test_pass_hat_k_says_how_many_trials_are_needed_when_no_case_has_enough() -> None:
    with pytest.raises(ValueError, match=r"pass\^5 needs cases with at least 5 trials.*k <= 4"):
        pass_hat_k([(3, 4), (1, 4)], 5)
    with pytest.raises(ValueError, match="empty"):
        pass_hat_k([], 1)
    with pytest.raises(ValueError, match="k >= 1"):
        pass_hat_k([(1, 1)], 0)


# --- cost per completed task -----------------------------------------------------------------


def test_cost_per_completed_divides_all_attempts_by_completions() -> None:
    assert cost_per_completed(1.2, 3) == pytest.approx(0.4)


def test_cost_per_completed_is_none_when_the_price_is_unknown_or_nothing_completed() -> None:
    assert cost_per_completed(None, 3) is None
    assert cost_per_completed(1.2, 0) is None
    assert cost_per_completed(0.0, 2) == 0.0


def test_bootstrap_is_deterministic_for_a_seed_and_brackets_the_point_estimate() -> None:
    per_case: list[tuple[float | None, int]] = [
        (0.30, 3),
        (0.25, 1),
        (0.40, 2),
        (0.10, 3),
        (0.35, 0),
        (0.20, 2),
        (0.50, 1),
        (0.15, 3),
    ]
    point = sum(c for c, _ in per_case if c is not None) / sum(n for _, n in per_case)

    first = bootstrap_cost_per_completed(per_case, seed=7)
    again = bootstrap_cost_per_completed(per_case, seed=7)
    other_seed = bootstrap_cost_per_completed(per_case, seed=8)

    assert first == again
    assert first != other_seed
    assert first is not None
    low, high = first
    assert low < point < high


def test_bootstrap_counts_resamples_with_no_completions_as_unbounded() -> None:
    # A quarter of resamples pick the failing case twice: far above the 2.5% upper tail.
    interval = bootstrap_cost_per_completed([(1.0, 0), (1.0, 1)], seed=0)

    assert interval is not None
    assert interval[0] == pytest.approx(1.0)
    assert interval[1] == math.inf


def test_bootstrap_is_none_when_a_cost_is_unknown_or_nothing_completed() -> None:
    assert bootstrap_cost_per_completed([(0.2, 1), (None, 1)]) is None
    assert bootstrap_cost_per_completed([(0.2, 0), (0.3, 0)]) is None
    with pytest.raises(ValueError, match="at least one case"):
        bootstrap_cost_per_completed([])


# --- Pareto frontier -------------------------------------------------------------------------


def test_pareto_frontier_keeps_points_nothing_beats_on_both_cost_and_completion() -> None:
    points: dict[str, tuple[float | None, float]] = {
        "cheap": (1.0, 0.5),
        "strong": (2.0, 0.8),
        "worse_than_strong": (2.5, 0.7),
        "worse_than_cheap": (1.0, 0.4),
        "same_rate_dearer": (3.0, 0.8),
        "twin_of_cheap": (1.0, 0.5),
        "unpriced": (None, 0.99),
    }

    assert pareto_frontier(points) == {"cheap", "twin_of_cheap", "strong"}


def test_pareto_frontier_is_empty_when_every_cost_is_unknown() -> None:
    assert pareto_frontier({"a": (None, 0.9), "b": (None, 0.1)}) == set()
    with pytest.raises(ValueError, match="at least one point"):
        pareto_frontier({})


# --- summarize -------------------------------------------------------------------------------


def _fixture() -> list[TrialResult]:
    outcomes = {
        "small": {"A": [True, False], "B": [False, False]},
        "large": {"A": [True, True], "B": [True, False]},
        "unpriced": {"A": [True, True], "B": [True, True]},
    }
    prices = {"small": 0.01, "large": 0.10, "unpriced": None}
    return [
        _trial(
            name,
            case,
            i,
            completed=done,
            cost_usd=prices[name],
            failure="deadline_missed" if (name, case) == ("small", "B") and i == 1 else None,
            wall_seconds=float(i + 1),
            virtual_days=None if not done else 10.0 + i,
            judge_score=0.5 if name == "large" else None,
        )
        for name, cases in outcomes.items()
        for case, runs in cases.items()
        for i, done in enumerate(runs)
    ]


def test_summarize_reports_completion_cost_and_pass_k_per_assignment() -> None:
    summaries = {s.assignment: s for s in summarize(_fixture())}

    assert list(summaries) == ["large", "small", "unpriced"]
    small, large = summaries["small"], summaries["large"]
    assert (small.cases, small.trials, small.completed) == (2, 4, 1)
    assert small.completion_rate == 0.25
    assert (small.completion_low, small.completion_high) == pytest.approx(wilson_interval(1, 4))
    assert small.pass_k == pytest.approx({1: 0.25, 2: 0.0})
    assert large.pass_k == pytest.approx({1: 0.75, 2: 0.5})
    assert small.total_cost_usd == pytest.approx(0.04)
    assert small.cost_per_completed_usd == pytest.approx(0.04)
    assert large.cost_per_completed_usd == pytest.approx(0.4 / 3)
    assert small.failures["wrong_decision"] == 2
    assert small.failures["deadline_missed"] == 1
    assert large.failures == {
        "wrong_decision": 1,
        "document_missing": 0,
        "deadline_missed": 0,
        "compliance_event": 0,
        "budget_exhausted": 0,
        "error": 0,
    }
    assert small.mean_wall_seconds == 1.5
    assert small.median_virtual_days == 10.0
    assert large.mean_judge_score == 0.5
    assert small.mean_judge_score is None


def test_the_same_results_in_another_order_give_the_same_intervals() -> None:
    trials = [
        _trial(
            "m", f"case-{case:02d}", t, completed=(case + t) % 3 != 0, cost_usd=0.01 * (case + 1)
        )
        for case in range(12)
        for t in range(2)
    ]

    [in_order] = summarize(trials)
    [finished_order] = summarize(trials[::-1])

    assert in_order == finished_order
    assert in_order.cost_per_completed_low != in_order.cost_per_completed_high


def test_summarize_keeps_unknown_cost_unknown_and_off_the_frontier() -> None:
    summaries = {s.assignment: s for s in summarize(_fixture())}

    unpriced = summaries["unpriced"]
    assert unpriced.completion_rate == 1.0
    assert unpriced.total_cost_usd is None
    assert unpriced.cost_per_completed_usd is None
    assert unpriced.cost_per_completed_low is None
    assert not unpriced.on_frontier
    assert summaries["small"].on_frontier
    assert summaries["large"].on_frontier


def test_one_unpriced_trial_makes_the_assignment_cost_unknown_not_zero() -> None:
    results = [
        _trial("mixed", "A", 0, completed=True, cost_usd=0.5),
        _trial("mixed", "A", 1, completed=True, cost_usd=None),
    ]

    (summary,) = summarize(results)

    assert summary.total_cost_usd is None
    assert summary.cost_per_completed_usd is None


def test_summarize_refuses_empty_input_and_one_name_for_two_role_mappings() -> None:
    with pytest.raises(ValueError, match="no trial results"):
        summarize([])
    first = _trial("x", "A", 0, completed=True, cost_usd=0.1)
    second = _trial("x", "A", 1, completed=True, cost_usd=0.1).model_copy(
        update={"roles": {"supervisor": "other"}}
    )
    with pytest.raises(ValueError, match="'x' has two role mappings"):
        summarize([first, second])
