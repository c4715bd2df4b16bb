"""Metrics over trial results: completion with intervals, pass^k, cost per completed task.

Every function is pure and refuses empty input with a `ValueError` that says what to pass.
`summarize` turns the rows of `results.jsonl` into one `AssignmentSummary` per model assignment.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import get_args

import numpy as np
from pydantic import BaseModel, ConfigDict

from teammates.evals.results import FailureKind, TrialResult

FAILURE_KINDS: tuple[FailureKind, ...] = get_args(FailureKind)
"""Every failure kind, in the order scoring checks them."""


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    Follows E. B. Wilson, "Probable inference, the law of succession, and statistical
    inference", JASA 22 (1927); matches statsmodels `proportion_confint(method="wilson")`.
    Unlike the normal (Wald) interval it stays inside [0, 1] and is not zero-width at 0/n or n/n,
    which matters for the small trial counts of an eval run.
    """
    if n <= 0:
        raise ValueError(f"n={n!r}: a completion interval needs at least one trial")
    if not 0 <= successes <= n:
        raise ValueError(f"successes={successes!r} must lie between 0 and n={n!r}")
    z = _z_score(confidence)
    p = successes / n
    denominator = 1 + z**2 / n
    center = (p + z**2 / (2 * n)) / denominator
    half_width = z / denominator * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    # At 0/n and n/n the bound is exactly 0 or 1; rounding would leave a speck like 1e-18.
    low = 0.0 if successes == 0 else max(0.0, center - half_width)
    high = 1.0 if successes == n else min(1.0, center + half_width)
    return low, high


def pass_hat_k(successes_per_case: Sequence[tuple[int, int]], k: int) -> float:
    """pass^k: the chance that all k of k trials of a case succeed, averaged over cases.

    Each item is `(successes, trials)` for one case. Follows the unbiased estimator of Yao et
    al., "tau-bench" (arXiv:2406.12045, 2024): per case C(successes, k) / C(trials, k), then
    the mean over cases. Cases with fewer than k trials cannot estimate pass^k and are left out.
    """
    if not successes_per_case:
        raise ValueError("pass^k needs at least one case; got an empty sequence")
    if k < 1:
        raise ValueError(f"k={k!r}: pass^k is defined for k >= 1")
    for successes, trials in successes_per_case:
        if not 0 <= successes <= trials:
            raise ValueError(f"case with {successes!r} successes out of {trials!r} trials")
    eligible = [(c, n) for c, n in successes_per_case if n >= k]
    if not eligible:
        most = max(n for _, n in successes_per_case)
        raise ValueError(
            f"pass^{k} needs cases with at least {k} trials; the most any case has is {most}. "
            f"Run more trials per case or ask for k <= {most}."
        )
    return sum(math.comb(c, k) / math.comb(n, k) for c, n in eligible) / len(eligible)


def cost_per_completed(total_cost: float | None, completed: int) -> float | None:
    """Total cost of all attempts divided by the tasks completed.

    The ratio metric of the design ("cost per completed task"); failed attempts count in the
    numerator, so a model that fails often pays for it. Returns None when the cost is unknown
    (a model price is missing) or nothing completed: reports print the first as "unknown" and
    the second as "n/a", never as infinity or zero.
    """
    if completed < 0:
        raise ValueError(f"completed={completed!r} cannot be negative")
    if total_cost is None or completed == 0:
        return None
    return total_cost / completed


def bootstrap_cost_per_completed(
    per_case: Sequence[tuple[float | None, int]],
    n_resamples: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float] | None:
    """Percentile interval for cost per completed task by a cluster bootstrap over cases.

    Each item is `(total cost of the case's trials, completions of the case)`. Cases, not trials,
    are resampled with replacement, because trials of one case share its difficulty (Efron &
    Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 13 percentile interval; cluster
    resampling as in Field & Welsh, JRSS-B 69, 2007).

    Returns None when any case's cost is unknown or nothing completed at all (the point estimate
    is then unknown or n/a too). A resample whose cases completed nothing has an unbounded cost
    per completed task and counts as +infinity: dropping it would make a flaky assignment look
    cheaper. When such resamples exceed (1 - confidence) / 2 of the total, the upper bound is
    `math.inf`, which reports print as "unbounded".
    """
    if not per_case:
        raise ValueError("the bootstrap needs at least one case; got an empty sequence")
    if n_resamples < 1:
        raise ValueError(f"n_resamples={n_resamples!r} must be at least 1")
    _z_score(confidence)
    if any(cost is None for cost, _ in per_case):
        return None
    costs = np.array([cost for cost, _ in per_case], dtype=float)
    completions = np.array([done for _, done in per_case], dtype=float)
    if completions.sum() == 0:
        return None

    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(per_case), size=(n_resamples, len(per_case)))
    cost_sums = costs[picks].sum(axis=1)
    completed_sums = completions[picks].sum(axis=1)
    ratios = np.full(n_resamples, np.inf)
    np.divide(cost_sums, completed_sums, out=ratios, where=completed_sums > 0)

    # No interpolation between order statistics: interpolating towards +inf would give nan.
    tail = (1 - confidence) / 2
    low, high = np.quantile(ratios, [tail, 1 - tail], method="inverted_cdf")
    return float(low), float(high)


def pareto_frontier(points: Mapping[str, tuple[float | None, float]]) -> set[str]:
    """Names of the points no other point beats on both cost and completion.

    Each point is `(cost per completed task, completion rate)`; lower cost and higher completion
    are better. A point is dominated when another is at least as good on both and strictly
    better on one (Pareto efficiency). Points with unknown cost (None: price missing, or nothing
    completed) are never on the frontier and never dominate: an unknown cost could be anything,
    so it cannot be called efficient, and reports list such points apart. Identical points are
    all on the frontier.
    """
    if not points:
        raise ValueError("the Pareto frontier needs at least one point; got none")
    known: dict[str, tuple[float, float]] = {
        name: (cost, rate) for name, (cost, rate) in points.items() if cost is not None
    }
    return {
        name
        for name, point in known.items()
        if not any(_dominates(other, point) for other in known.values())
    }


class AssignmentSummary(BaseModel):
    """What one model assignment achieved over all its cases and trials."""

    model_config = ConfigDict(frozen=True)

    assignment: str
    """Name of the model assignment."""
    roles: dict[str, str]
    """Model registry name per role."""
    cases: int
    """Distinct cases run."""
    trials: int
    """Trials run, all cases together."""
    completed: int
    """Trials completed."""
    completion_rate: float
    """Completed trials / trials."""
    completion_low: float
    """Lower bound of the 95% Wilson interval of the completion rate."""
    completion_high: float
    """Upper bound of the 95% Wilson interval of the completion rate."""
    pass_k: dict[int, float]
    """pass^k for k = 1 up to the most trials any case has."""
    total_cost_usd: float | None
    """Dollars over all trials; None when any trial's cost is unknown."""
    cost_per_completed_usd: float | None
    """Total cost / completed; None when the cost is unknown or nothing completed."""
    cost_per_completed_low: float | None
    """Lower bound of the 95% case-bootstrap interval of the cost per completed task."""
    cost_per_completed_high: float | None
    """Upper bound of that interval; `math.inf` when too many resamples complete nothing."""
    mean_wall_seconds: float
    """Mean real seconds per trial."""
    median_virtual_days: float | None
    """Median days of case time to an outcome, over trials that reached one."""
    mean_input_tokens: float
    """Mean prompt tokens per trial."""
    mean_output_tokens: float
    """Mean completion tokens per trial."""
    mean_model_calls: float
    """Mean model requests per trial."""
    failures: dict[FailureKind, int]
    """Trials that failed, by the first expectation that failed; every kind present, 0 or more."""
    on_frontier: bool
    """Whether no other assignment is both cheaper per completed task and completes more."""
    mean_judge_score: float | None
    """Mean GEval score over judged trials; None when none was judged."""
    mean_tool_correctness: float | None
    """Mean tool-correctness score over scored trials; None when none was scored."""


def summarize(results: Sequence[TrialResult]) -> list[AssignmentSummary]:
    """One summary per assignment, sorted by assignment name.

    Note: the Wilson interval treats trials as independent, although repeated trials of one
    case are correlated; with several trials per case it is too narrow. The cost interval
    resamples cases and does not have this problem.
    """
    if not results:
        raise ValueError("nothing to summarize: no trial results were given")
    by_assignment: dict[str, list[TrialResult]] = defaultdict(list)
    for result in results:
        by_assignment[result.assignment].append(result)
    drafts = [_summarize_one(name, by_assignment[name]) for name in sorted(by_assignment)]
    frontier = pareto_frontier(
        {s.assignment: (s.cost_per_completed_usd, s.completion_rate) for s in drafts}
    )
    return [s.model_copy(update={"on_frontier": s.assignment in frontier}) for s in drafts]


def _summarize_one(assignment: str, trials: Sequence[TrialResult]) -> AssignmentSummary:
    roles = trials[0].roles
    for trial in trials:
        if trial.roles != roles:
            raise ValueError(
                f"assignment {assignment!r} has two role mappings, {roles!r} and "
                f"{trial.roles!r}; results of different runs share a name. Give each "
                "assignment its own name or summarize the runs separately."
            )
    per_case = _per_case(trials)
    completed = sum(t.completed for t in trials)
    low, high = wilson_interval(completed, len(trials))
    total_cost = _total_or_none(t.cost.total_usd for t in trials)
    cost_interval = bootstrap_cost_per_completed([(cost, done) for cost, done, _ in per_case])
    counts = [(done, n) for _, done, n in per_case]
    failures = Counter(t.failure for t in trials if t.failure is not None)
    return AssignmentSummary(
        assignment=assignment,
        roles=roles,
        cases=len(per_case),
        trials=len(trials),
        completed=completed,
        completion_rate=completed / len(trials),
        completion_low=low,
        completion_high=high,
        pass_k={k: pass_hat_k(counts, k) for k in range(1, max(n for _, n in counts) + 1)},
        total_cost_usd=total_cost,
        cost_per_completed_usd=cost_per_completed(total_cost, completed),
        cost_per_completed_low=cost_interval[0] if cost_interval else None,
        cost_per_completed_high=cost_interval[1] if cost_interval else None,
        mean_wall_seconds=statistics.fmean(t.wall_seconds for t in trials),
        median_virtual_days=_median_or_none(t.virtual_days for t in trials),
        mean_input_tokens=statistics.fmean(t.input_tokens for t in trials),
        mean_output_tokens=statistics.fmean(t.output_tokens for t in trials),
        mean_model_calls=statistics.fmean(t.model_calls for t in trials),
        failures={kind: failures[kind] for kind in FAILURE_KINDS},
        on_frontier=False,
        mean_judge_score=_mean_or_none(t.judge_score for t in trials),
        mean_tool_correctness=_mean_or_none(t.tool_correctness for t in trials),
    )


def _per_case(trials: Sequence[TrialResult]) -> list[tuple[float | None, int, int]]:
    """(total cost, completions, trials) per case, in case id order.

    The order feeds the seeded bootstrap, so it must not depend on the order trials finished in
    (which varies with concurrency): the same results always give the same interval.
    """
    by_case: dict[str, list[TrialResult]] = defaultdict(list)
    for trial in trials:
        by_case[trial.case_id].append(trial)
    return [
        (
            _total_or_none(t.cost.total_usd for t in case_trials),
            sum(t.completed for t in case_trials),
            len(case_trials),
        )
        for _, case_trials in sorted(by_case.items())
    ]


def _z_score(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must lie strictly between 0 and 1, e.g. 0.95")
    return statistics.NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def _dominates(a: tuple[float, float], b: tuple[float, float]) -> bool:
    (cost_a, rate_a), (cost_b, rate_b) = a, b
    return cost_a <= cost_b and rate_a >= rate_b and (cost_a < cost_b or rate_a > rate_b)


def _total_or_none(values: Iterable[float | None]) -> float | None:
    known = []
    for value in values:
        if value is None:
            return None
        known.append(value)
    return math.fsum(known)


def _mean_or_none(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if known else None


def _median_or_none(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None
