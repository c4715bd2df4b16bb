import numpy as np
import pytest

from teammates.evals.splittest import cost_comparison, ratio_delta_method


def test_cost_per_completed_is_total_cost_over_completions() -> None:
    estimate = ratio_delta_method([10.0, 20.0, 30.0, 40.0], [True, False, True, True])
    assert estimate.value_usd == pytest.approx(100.0 / 3)
    assert estimate.total_cost_usd == 100.0 and estimate.completed == 3


def test_delta_variance_equals_the_linearised_form() -> None:
    # Deng et al. 2018: var(Ybar/Xbar) ~ var(Y - R X) / (n mu_X^2), same as the expanded form.
    rng = np.random.default_rng(3)
    done = rng.random(500) < 0.4
    cost = rng.gamma(2.0, 50.0, 500) + 100.0 * done
    estimate = ratio_delta_method(list(cost), list(done))
    ratio = cost.sum() / done.sum()
    linearised = np.var(cost - ratio * done, ddof=1) / (500 * done.mean() ** 2)
    assert estimate.delta_se_usd == pytest.approx(np.sqrt(linearised), rel=1e-9)


def test_delta_and_bootstrap_intervals_agree_on_a_large_sample() -> None:
    rng = np.random.default_rng(11)
    n = 20_000
    agent_done, human_done = rng.random(n) < 0.55, rng.random(n) < 0.65
    agent_cost = rng.lognormal(0.0, 0.8, n) * 2.0 + 3.0 * agent_done
    human_cost = rng.lognormal(0.0, 0.5, n) * 3000.0
    result = cost_comparison(
        list(agent_cost),
        list(agent_done),
        list(human_cost),
        list(human_done),
        bootstrap_draws=2000,
        seed=5,
    )
    for arm in (result.agent, result.human):
        width = arm.delta_high_usd - arm.delta_low_usd  # type: ignore[operator]
        assert arm.bootstrap_low_usd == pytest.approx(arm.delta_low_usd, abs=0.1 * width)
        assert arm.bootstrap_high_usd == pytest.approx(arm.delta_high_usd, abs=0.1 * width)
    width = result.delta_high - result.delta_low  # type: ignore[operator]
    assert result.bootstrap_low == pytest.approx(result.delta_low, abs=0.1 * width)
    assert result.bootstrap_high == pytest.approx(result.delta_high, abs=0.1 * width)
    truth = (agent_cost.sum() / agent_done.sum()) / (human_cost.sum() / human_done.sum()) - 1
    assert result.relative_difference == pytest.approx(truth)


def test_bootstrap_is_reproducible_with_the_same_seed() -> None:
    costs, done = [1.0, 2.0, 3.0, 4.0, 5.0], [True, False, True, True, False]
    first = cost_comparison(costs, done, costs, done, bootstrap_draws=300, seed=9)
    assert first == cost_comparison(costs, done, costs, done, bootstrap_draws=300, seed=9)


def test_unknown_cost_makes_the_arm_cost_unknown_not_zero() -> None:
    result = cost_comparison([1.0, None], [True, True], [2.0, 2.0], [True, False])
    assert result.agent.value_usd is None and result.agent.unknown_cost_tasks == 1
    assert result.relative_difference is None and result.bootstrap_low is None
    assert result.human.value_usd == 4.0


def test_no_completions_gives_no_cost_per_completed() -> None:
    estimate = ratio_delta_method([5.0, 5.0], [False, False])
    assert estimate.value_usd is None and estimate.delta_low_usd is None
    assert estimate.total_cost_usd == 10.0
