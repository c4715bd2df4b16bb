"""Cost per completed task as a ratio metric: delta-method intervals checked by bootstrap."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from teammates.evals.splittest.stats import StatsRecord, z_value

_BOOTSTRAP_CHUNK = 256
"""Bootstrap draws resampled at once, to bound memory on large arms."""


class RatioEstimate(StatsRecord):
    """Cost per completed task in one arm: sum of cost / number completed."""

    tasks: int
    """Tasks in the arm."""
    completed: int
    """Tasks completed (the denominator)."""
    total_cost_usd: float | None
    """Sum of cost; None when any task's cost is unknown."""
    unknown_cost_tasks: int
    """Tasks whose cost is unknown."""
    value_usd: float | None
    """Cost per completed task; None when cost is unknown or nothing completed."""
    delta_se_usd: float | None
    """Delta-method standard error."""
    delta_low_usd: float | None
    """Lower bound, delta method."""
    delta_high_usd: float | None
    """Upper bound, delta method."""
    bootstrap_low_usd: float | None = None
    """Lower bound, percentile bootstrap over tasks."""
    bootstrap_high_usd: float | None = None
    """Upper bound, percentile bootstrap over tasks."""


class CostComparison(StatsRecord):
    """Cost per completed task per arm and the relative difference agent vs human."""

    agent: RatioEstimate
    """Agent arm."""
    human: RatioEstimate
    """Human arm."""
    relative_difference: float | None
    """agent / human - 1 (e.g. -0.6 = agents cost 60% less per completed task)."""
    delta_low: float | None
    """Lower bound of the relative difference, delta method."""
    delta_high: float | None
    """Upper bound of the relative difference, delta method."""
    bootstrap_low: float | None
    """Lower bound of the relative difference, percentile bootstrap."""
    bootstrap_high: float | None
    """Upper bound of the relative difference, percentile bootstrap."""
    bootstrap_draws: int
    """Bootstrap resamples per arm."""
    bootstrap_seed: int
    """Seed of the bootstrap's random generator."""
    confidence: float
    """Confidence level of the intervals."""


def ratio_delta_method(
    costs: Sequence[float | None], completions: Sequence[bool], confidence: float = 0.95
) -> RatioEstimate:
    """Cost per completed task (sum of cost / sum of completions) with a delta-method interval.

    Treats each task as an i.i.d. pair (cost Y, completed X) and the metric as mean(Y)/mean(X);
    its variance is (1/n) [var Y / mu_X^2 - 2 mu_Y cov(X, Y) / mu_X^3 + mu_Y^2 var X / mu_X^4],
    Deng, Knoblich and Lu 2018, "Applying the Delta Method in Metric Analytics: A Practical
    Guide with Novel Ideas" (KDD), section 3.
    """
    tasks = len(costs)
    unknown = sum(cost is None for cost in costs)
    completed = int(sum(completions))
    base = {"tasks": tasks, "completed": completed, "unknown_cost_tasks": unknown}
    if unknown or tasks == 0:
        return RatioEstimate(
            **base,
            total_cost_usd=None,
            value_usd=None,
            delta_se_usd=None,
            delta_low_usd=None,
            delta_high_usd=None,
        )
    y = np.asarray(costs, dtype=float)
    x = np.asarray(completions, dtype=float)
    value = float(y.sum() / completed) if completed else None
    se = _delta_se(y, x) if completed and tasks > 1 else None
    z = z_value(confidence)
    return RatioEstimate(
        **base,
        total_cost_usd=float(y.sum()),
        value_usd=value,
        delta_se_usd=se,
        delta_low_usd=None if se is None or value is None else value - z * se,
        delta_high_usd=None if se is None or value is None else value + z * se,
    )


def _delta_se(y: NDArray[np.float64], x: NDArray[np.float64]) -> float:
    mu_y, mu_x = float(y.mean()), float(x.mean())
    covariance = np.cov(y, x, ddof=1)
    var_y, cov_yx, var_x = covariance[0, 0], covariance[0, 1], covariance[1, 1]
    variance = (var_y / mu_x**2 - 2.0 * mu_y * cov_yx / mu_x**3 + mu_y**2 * var_x / mu_x**4) / len(
        y
    )
    return math.sqrt(max(float(variance), 0.0))


def relative_difference_delta(
    agent: RatioEstimate, human: RatioEstimate, confidence: float = 0.95
) -> tuple[float | None, float | None, float | None]:
    """Relative difference agent / human - 1 with a delta-method interval.

    For independent arms, var(Ra / Rh) ~ var(Ra) / Rh^2 + Ra^2 var(Rh) / Rh^4 (Deng, Knoblich and
    Lu 2018, section 3.3, percent change). Returns (difference, low, high).
    """
    ra, rh = agent.value_usd, human.value_usd
    if ra is None or rh is None or rh == 0.0:
        return None, None, None
    relative = ra / rh - 1.0
    if agent.delta_se_usd is None or human.delta_se_usd is None:
        return relative, None, None
    se = math.sqrt(agent.delta_se_usd**2 / rh**2 + ra**2 * human.delta_se_usd**2 / rh**4)
    z = z_value(confidence)
    return relative, relative - z * se, relative + z * se


def bootstrap_ratio_draws(
    costs: Sequence[float], completions: Sequence[bool], draws: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Cost per completed task in `draws` resamples of the tasks with replacement (Efron 1979).

    A resample with no completed task gives NaN.
    """
    y = np.asarray(costs, dtype=float)
    x = np.asarray(completions, dtype=float)
    values = np.empty(draws)
    for start in range(0, draws, _BOOTSTRAP_CHUNK):
        size = min(_BOOTSTRAP_CHUNK, draws - start)
        index = rng.integers(0, len(y), size=(size, len(y)))
        done = x[index].sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            values[start : start + size] = np.where(done > 0, y[index].sum(axis=1) / done, np.nan)
    return values


def cost_comparison(
    agent_costs: Sequence[float | None],
    agent_completions: Sequence[bool],
    human_costs: Sequence[float | None],
    human_completions: Sequence[bool],
    *,
    confidence: float = 0.95,
    bootstrap_draws: int = 4000,
    seed: int = 2022,
) -> CostComparison:
    """Cost per completed task per arm and agent vs human, delta method checked by bootstrap.

    Delta method per Deng, Knoblich and Lu 2018; the check is a percentile bootstrap over tasks,
    each arm resampled independently (Efron and Tibshirani 1993, ch. 13), seeded.
    """
    agent = ratio_delta_method(agent_costs, agent_completions, confidence)
    human = ratio_delta_method(human_costs, human_completions, confidence)
    relative, delta_low, delta_high = relative_difference_delta(agent, human, confidence)
    rng = np.random.default_rng(seed)
    agent_draws = _draws_or_none(agent, agent_costs, agent_completions, bootstrap_draws, rng)
    human_draws = _draws_or_none(human, human_costs, human_completions, bootstrap_draws, rng)
    agent = _with_bootstrap(agent, agent_draws, confidence)
    human = _with_bootstrap(human, human_draws, confidence)
    boot_low = boot_high = None
    if agent_draws is not None and human_draws is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            boot_low, boot_high = _percentile_interval(agent_draws / human_draws - 1.0, confidence)
    return CostComparison(
        agent=agent,
        human=human,
        relative_difference=relative,
        delta_low=delta_low,
        delta_high=delta_high,
        bootstrap_low=boot_low,
        bootstrap_high=boot_high,
        bootstrap_draws=bootstrap_draws,
        bootstrap_seed=seed,
        confidence=confidence,
    )


def _draws_or_none(
    estimate: RatioEstimate,
    costs: Sequence[float | None],
    completions: Sequence[bool],
    draws: int,
    rng: np.random.Generator,
) -> NDArray[np.float64] | None:
    if estimate.value_usd is None:
        return None
    known = [float(cost) for cost in costs if cost is not None]
    return bootstrap_ratio_draws(known, completions, draws, rng)


def _with_bootstrap(
    estimate: RatioEstimate, draws: NDArray[np.float64] | None, confidence: float
) -> RatioEstimate:
    if draws is None:
        return estimate
    low, high = _percentile_interval(draws, confidence)
    return estimate.model_copy(update={"bootstrap_low_usd": low, "bootstrap_high_usd": high})


def _percentile_interval(
    values: NDArray[np.float64], confidence: float
) -> tuple[float | None, float | None]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None, None
    tail = 100.0 * (1.0 - confidence) / 2.0
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    return float(low), float(high)
