"""The split test's statistics: pure functions over per-arm counts and per-task figures.

Each function names the method and the paper or standard it follows. Every function guards
empty or degenerate input by returning None for the figure it cannot compute, never 0.0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy import stats as scipy_stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

from teammates.evals.splittest.assignment import check_agent_share

SRM_P_THRESHOLD = 0.001
"""p-value below which the sample ratio counts as mismatched (Fabijan et al. 2019)."""


class StatsRecord(BaseModel):
    """Base of the split test's frozen result records."""

    model_config = ConfigDict(frozen=True)


class SampleRatioCheck(StatsRecord):
    """Chi-square goodness-of-fit of the observed arm sizes against the planned split."""

    agent_count: int
    """Tasks observed in the agent arm."""
    human_count: int
    """Tasks observed in the human arm."""
    planned_agent_share: float
    """Share of tasks the assignment meant to give the agent arm."""
    expected_agent: float
    """Agent tasks expected under the plan."""
    chi_square: float | None
    """Chi-square statistic (1 degree of freedom); None with no tasks."""
    p_value: float | None
    """Chance of a split at least this uneven under the plan; None with no tasks."""
    threshold: float
    """p-value below which the mismatch is flagged."""
    mismatch: bool
    """True when p_value < threshold: the assignment or logging is broken."""


class ProportionEstimate(StatsRecord):
    """Completion in one arm with its Wilson score interval."""

    completed: int
    """Tasks completed."""
    total: int
    """Tasks in the arm."""
    rate: float | None
    """completed / total; None with no tasks."""
    low: float | None
    """Lower Wilson bound."""
    high: float | None
    """Upper Wilson bound."""


class CompletionComparison(StatsRecord):
    """Agent minus human completion rate, with Newcombe's interval and a z-test."""

    agent: ProportionEstimate
    """Agent arm."""
    human: ProportionEstimate
    """Human arm."""
    difference: float | None
    """Agent rate minus human rate."""
    low: float | None
    """Lower bound, Newcombe hybrid score (method 10)."""
    high: float | None
    """Upper bound, Newcombe hybrid score (method 10)."""
    z_statistic: float | None
    """Pooled two-proportion z; None when either arm is empty or nobody/everybody completed."""
    p_value: float | None
    """Two-sided p-value of the z-test."""
    confidence: float
    """Confidence level of the intervals."""


class TimeToOutcome(StatsRecord):
    """Median days to outcome per arm and a Mann-Whitney U test."""

    agent_tasks: int
    """Agent tasks with a known time."""
    human_tasks: int
    """Human tasks with a known time."""
    agent_median_days: float | None
    """Median days, agent arm."""
    human_median_days: float | None
    """Median days, human arm."""
    u_statistic: float | None
    """Mann-Whitney U of the agent sample; None when an arm has no times."""
    p_value: float | None
    """Two-sided p-value."""


class MinimumDetectableEffect(StatsRecord):
    """Smallest completion difference the test would detect at the observed sizes."""

    control_rate: float | None
    """Human completion rate the effect is measured around."""
    agent_tasks: int
    """Agent arm size."""
    human_tasks: int
    """Human arm size."""
    alpha: float
    """Two-sided significance level."""
    power: float
    """Chance of detecting an effect of this size."""
    cohens_h: float | None
    """Detectable effect as Cohen's h."""
    increase_pp: float | None
    """Detectable rise over the control rate, in percentage points."""
    decrease_pp: float | None
    """Detectable fall below the control rate, in percentage points."""


class CupedAdjustment(StatsRecord):
    """Completion difference after CUPED variance reduction with a pre-period covariate."""

    theta: float
    """Regression coefficient of completion on the covariate, pooled over arms."""
    difference: float
    """Adjusted agent minus human completion rate."""
    low: float
    """Lower bound (normal approximation)."""
    high: float
    """Upper bound (normal approximation)."""
    variance_reduction: float
    """Share of the completion variance removed by the covariate."""


def sample_ratio_check(
    agent_count: int, human_count: int, agent_share: float, threshold: float = SRM_P_THRESHOLD
) -> SampleRatioCheck:
    """Test the observed arm sizes against the planned split.

    Chi-square goodness of fit (`scipy.stats.chisquare`), flagged at p < 0.001 as in Fabijan et
    al. 2019, "Diagnosing Sample Ratio Mismatch in Online Controlled Experiments" (KDD).
    """
    check_agent_share(agent_share)
    total = agent_count + human_count
    expected = [total * agent_share, total * (1.0 - agent_share)]
    if total == 0:
        return SampleRatioCheck(
            agent_count=0,
            human_count=0,
            planned_agent_share=agent_share,
            expected_agent=0.0,
            chi_square=None,
            p_value=None,
            threshold=threshold,
            mismatch=False,
        )
    result = scipy_stats.chisquare([agent_count, human_count], f_exp=expected)
    p_value = float(result.pvalue)
    return SampleRatioCheck(
        agent_count=agent_count,
        human_count=human_count,
        planned_agent_share=agent_share,
        expected_agent=expected[0],
        chi_square=float(result.statistic),
        p_value=p_value,
        threshold=threshold,
        mismatch=p_value < threshold,
    )


def proportion_estimate(completed: int, total: int, confidence: float = 0.95) -> ProportionEstimate:
    """Completion rate with the Wilson score interval (Wilson 1927; Newcombe 1998a)."""
    if total == 0:
        return ProportionEstimate(completed=0, total=0, rate=None, low=None, high=None)
    low, high = proportion_confint(completed, total, alpha=1.0 - confidence, method="wilson")
    return ProportionEstimate(
        completed=completed, total=total, rate=completed / total, low=float(low), high=float(high)
    )


def completion_comparison(
    agent_completed: int,
    agent_total: int,
    human_completed: int,
    human_total: int,
    confidence: float = 0.95,
) -> CompletionComparison:
    """Compare completion rates, agent minus human.

    Interval: Newcombe's hybrid score interval, method 10 of Newcombe 1998, "Interval estimation
    for the difference between independent proportions: comparison of eleven methods", Stat Med
    17:873-890 (`statsmodels confint_proportions_2indep(method="newcomb")`). Test: the pooled
    two-proportion z-test (`statsmodels proportions_ztest`; Agresti, Categorical Data Analysis,
    3rd ed., sec. 3.1.2-3.1.3).
    """
    agent = proportion_estimate(agent_completed, agent_total, confidence)
    human = proportion_estimate(human_completed, human_total, confidence)
    if agent.rate is None or human.rate is None:
        return CompletionComparison(
            agent=agent,
            human=human,
            difference=None,
            low=None,
            high=None,
            z_statistic=None,
            p_value=None,
            confidence=confidence,
        )
    low, high = confint_proportions_2indep(
        agent_completed,
        agent_total,
        human_completed,
        human_total,
        method="newcomb",
        compare="diff",
        alpha=1.0 - confidence,
    )
    z_statistic, p_value = _pooled_z_test(
        agent_completed, agent_total, human_completed, human_total
    )
    return CompletionComparison(
        agent=agent,
        human=human,
        difference=agent.rate - human.rate,
        low=float(low),
        high=float(high),
        z_statistic=z_statistic,
        p_value=p_value,
        confidence=confidence,
    )


def _pooled_z_test(
    agent_completed: int, agent_total: int, human_completed: int, human_total: int
) -> tuple[float | None, float | None]:
    pooled = (agent_completed + human_completed) / (agent_total + human_total)
    if pooled in (0.0, 1.0):
        return None, None  # no variation: the z statistic is 0/0
    z_statistic, p_value = proportions_ztest(
        [agent_completed, human_completed], [agent_total, human_total]
    )
    return float(z_statistic), float(p_value)


def time_to_outcome(agent_days: Sequence[float], human_days: Sequence[float]) -> TimeToOutcome:
    """Median days per arm and a two-sided Mann-Whitney U test (Mann and Whitney 1947).

    Uses `scipy.stats.mannwhitneyu(alternative="two-sided")`; times are skewed, so medians and a
    rank test rather than means and a t-test.
    """
    agent_median = float(np.median(agent_days)) if agent_days else None
    human_median = float(np.median(human_days)) if human_days else None
    u_statistic = p_value = None
    if agent_days and human_days:
        result = scipy_stats.mannwhitneyu(agent_days, human_days, alternative="two-sided")
        u_statistic, p_value = float(result.statistic), float(result.pvalue)
    return TimeToOutcome(
        agent_tasks=len(agent_days),
        human_tasks=len(human_days),
        agent_median_days=agent_median,
        human_median_days=human_median,
        u_statistic=u_statistic,
        p_value=p_value,
    )


def minimum_detectable_effect(
    control_rate: float | None,
    agent_tasks: int,
    human_tasks: int,
    alpha: float = 0.05,
    power: float = 0.8,
) -> MinimumDetectableEffect:
    """Smallest completion difference detectable at these arm sizes, in percentage points.

    Solves for Cohen's h with `statsmodels NormalIndPower` (two-sided), then maps h back to rates
    around the control rate: arcsin(sqrt(p_t)) = arcsin(sqrt(p_c)) +/- h/2 (Cohen 1988,
    Statistical Power Analysis for the Behavioral Sciences, ch. 6).
    """
    base = {"agent_tasks": agent_tasks, "human_tasks": human_tasks, "alpha": alpha, "power": power}
    if control_rate is None or agent_tasks < 2 or human_tasks < 2:
        return MinimumDetectableEffect(
            **base, control_rate=control_rate, cohens_h=None, increase_pp=None, decrease_pp=None
        )
    h = float(
        NormalIndPower().solve_power(
            effect_size=None,
            nobs1=agent_tasks,
            alpha=alpha,
            power=power,
            ratio=human_tasks / agent_tasks,
            alternative="two-sided",
        )
    )
    angle = math.asin(math.sqrt(control_rate))
    up = math.sin(min(angle + h / 2.0, math.pi / 2.0)) ** 2
    down = math.sin(max(angle - h / 2.0, 0.0)) ** 2
    return MinimumDetectableEffect(
        **base,
        control_rate=control_rate,
        cohens_h=h,
        increase_pp=100.0 * (up - control_rate),
        decrease_pp=100.0 * (control_rate - down),
    )


def cuped_completion(
    agent_completions: Sequence[bool],
    agent_covariate: Sequence[float],
    human_completions: Sequence[bool],
    human_covariate: Sequence[float],
    confidence: float = 0.95,
) -> CupedAdjustment | None:
    """Completion difference adjusted with CUPED; None when it cannot be computed.

    Y_adj = Y - theta (X - mean X), theta = cov(Y, X) / var(X) pooled over both arms, per Deng,
    Xu, Kohavi and Walker 2013, "Improving the Sensitivity of Online Controlled Experiments by
    Utilizing Pre-Experiment Data" (WSDM). Unbiased because X is fixed before assignment.
    """
    if min(len(agent_completions), len(human_completions)) < 2:
        return None
    y = np.asarray([*agent_completions, *human_completions], dtype=float)
    x = np.asarray([*agent_covariate, *human_covariate], dtype=float)
    if float(np.var(x)) == 0.0 or float(np.var(y)) == 0.0:
        return None
    theta = float(np.cov(y, x, ddof=1)[0, 1] / np.var(x, ddof=1))
    adjusted = y - theta * (x - x.mean())
    n_agent = len(agent_completions)
    agent_adj, human_adj = adjusted[:n_agent], adjusted[n_agent:]
    difference = float(agent_adj.mean() - human_adj.mean())
    se = math.sqrt(agent_adj.var(ddof=1) / len(agent_adj) + human_adj.var(ddof=1) / len(human_adj))
    z = z_value(confidence)
    return CupedAdjustment(
        theta=theta,
        difference=difference,
        low=difference - z * se,
        high=difference + z * se,
        variance_reduction=1.0 - float(adjusted.var(ddof=1) / y.var(ddof=1)),
    )


def z_value(confidence: float) -> float:
    """Two-sided normal quantile for a confidence level, e.g. 1.96 for 0.95."""
    return float(scipy_stats.norm.ppf(0.5 + confidence / 2.0))
