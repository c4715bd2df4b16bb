import math

import numpy as np
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import confint_proportions_2indep

from teammates.evals.splittest import (
    completion_comparison,
    cuped_completion,
    minimum_detectable_effect,
    sample_ratio_check,
    time_to_outcome,
)

# Newcombe 1998, Stat Med 17:873-890, Table II, method 10 (hybrid score), 95% limits.
NEWCOMBE_TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


def test_srm_fires_on_5000_vs_5500_planned_50_50() -> None:
    check = sample_ratio_check(5000, 5500, 0.5)
    assert check.chi_square == pytest.approx(2 * 250**2 / 5250)
    assert check.p_value is not None and check.p_value < 1e-5
    assert check.mismatch


def test_srm_stays_quiet_on_5000_vs_5050() -> None:
    check = sample_ratio_check(5000, 5050, 0.5)
    assert check.p_value == pytest.approx(scipy_stats.chi2.sf(2 * 25**2 / 5025, df=1))
    assert not check.mismatch


def test_srm_uses_the_planned_ratio_not_50_50() -> None:
    assert not sample_ratio_check(2000, 8000, 0.2).mismatch
    assert sample_ratio_check(5000, 5000, 0.2).mismatch


def test_srm_on_no_tasks_is_not_a_mismatch() -> None:
    check = sample_ratio_check(0, 0, 0.5)
    assert check.p_value is None and not check.mismatch


@pytest.mark.parametrize(("counts", "published"), NEWCOMBE_TABLE_II)
def test_newcombe_interval_matches_the_papers_table(
    counts: tuple[int, int, int, int], published: tuple[float, float]
) -> None:
    result = completion_comparison(*counts)
    assert (result.low, result.high) == pytest.approx(published, abs=5e-5)


def test_newcombe_interval_matches_statsmodels_and_wilson_by_hand() -> None:
    result = completion_comparison(56, 70, 48, 80)
    expected = confint_proportions_2indep(56, 70, 48, 80, method="newcomb", compare="diff")
    assert (result.low, result.high) == pytest.approx(expected)
    p1, p2, a, h = 0.8, 0.6, result.agent, result.human
    assert a.low is not None and a.high is not None and h.low is not None and h.high is not None
    low = (p1 - p2) - math.sqrt((p1 - a.low) ** 2 + (h.high - p2) ** 2)
    high = (p1 - p2) + math.sqrt((a.high - p1) ** 2 + (p2 - h.low) ** 2)
    assert (result.low, result.high) == pytest.approx((low, high))
    assert result.difference == pytest.approx(0.2)


def test_z_test_is_the_pooled_two_proportion_z() -> None:
    result = completion_comparison(56, 70, 48, 80)
    pooled = 104 / 150
    z = 0.2 / math.sqrt(pooled * (1 - pooled) * (1 / 70 + 1 / 80))
    assert result.z_statistic == pytest.approx(z)
    assert result.p_value == pytest.approx(2 * scipy_stats.norm.sf(z))


def test_z_test_is_undefined_when_nobody_completed() -> None:
    result = completion_comparison(0, 10, 0, 20)
    assert result.z_statistic is None and result.p_value is None
    assert result.difference == 0.0


def test_empty_arm_gives_no_rate_and_no_difference() -> None:
    result = completion_comparison(0, 0, 5, 10)
    assert result.agent.rate is None and result.difference is None and result.low is None


def test_time_to_outcome_medians_and_mann_whitney_u_counted_by_hand() -> None:
    result = time_to_outcome([1.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0])
    # U counts agent > human pairs, ties as one half: 0 + 0.5 + 1.5.
    assert result.u_statistic == 2.0
    expected = scipy_stats.mannwhitneyu([1, 2, 3], [2, 3, 4, 5], alternative="two-sided")
    assert result.p_value == pytest.approx(expected.pvalue)
    assert (result.agent_median_days, result.human_median_days) == (2.0, 3.5)


def test_time_to_outcome_without_times_in_an_arm_has_no_test() -> None:
    result = time_to_outcome([], [1.0])
    assert result.u_statistic is None and result.human_median_days == 1.0


def test_mde_matches_the_normal_approximation_formula() -> None:
    mde = minimum_detectable_effect(0.6, 1000, 1000)
    h = (scipy_stats.norm.ppf(0.975) + scipy_stats.norm.ppf(0.8)) * math.sqrt(2 / 1000)
    assert mde.cohens_h == pytest.approx(h, rel=1e-5)  # statsmodels adds the far tail
    treated = math.sin(math.asin(math.sqrt(0.6)) + h / 2) ** 2
    assert mde.increase_pp == pytest.approx(100 * (treated - 0.6), rel=1e-4)
    assert mde.increase_pp is not None
    assert 6.0 < mde.increase_pp < 6.1  # about 6 points at 1,000 a side around 60%


def test_mde_shrinks_with_larger_arms_and_is_none_for_tiny_ones() -> None:
    small = minimum_detectable_effect(0.6, 100, 100).increase_pp
    large = minimum_detectable_effect(0.6, 10_000, 10_000).increase_pp
    assert small is not None and large is not None and large < small
    assert minimum_detectable_effect(0.6, 1, 5).increase_pp is None


def test_cuped_removes_variance_explained_by_the_covariate_and_keeps_the_effect() -> None:
    rng = np.random.default_rng(7)
    x_a, x_h = rng.normal(size=4000), rng.normal(size=4000)
    y_a = rng.random(4000) < 1 / (1 + np.exp(-(0.4 + 1.5 * x_a)))
    y_h = rng.random(4000) < 1 / (1 + np.exp(-(0.0 + 1.5 * x_h)))
    result = cuped_completion(list(y_a), list(x_a), list(y_h), list(x_h))
    assert result is not None
    raw = completion_comparison(int(y_a.sum()), 4000, int(y_h.sum()), 4000)
    assert result.variance_reduction > 0.2
    assert result.high - result.low < 0.9 * (raw.high - raw.low)  # type: ignore[operator]
    assert result.difference == pytest.approx(raw.difference, abs=0.02)
