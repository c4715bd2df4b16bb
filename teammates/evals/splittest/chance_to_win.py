"""Bayesian chance that the agent arm completes more often than the human team."""

from __future__ import annotations

import numpy as np
from scipy import integrate
from scipy import stats as scipy_stats

from teammates.evals.splittest.stats import StatsRecord


class ChanceToWin(StatsRecord):
    """Posterior chance that the agent arm completes more often, Beta(1, 1) priors."""

    probability_agent_better: float | None
    """P(p_agent > p_human | data), by numerical integration; None when an arm is empty."""
    method: str
    """How the probability and the losses were computed."""
    expected_loss_agent: float | None
    """E[max(p_human - p_agent, 0)]: completion given up by choosing agents (Monte Carlo)."""
    expected_loss_human: float | None
    """E[max(p_agent - p_human, 0)]: completion given up by keeping the human team."""
    monte_carlo_draws: int
    """Posterior draws for the expected losses."""
    seed: int
    """Seed of the Monte Carlo generator."""


def probability_agent_better(
    agent_completed: int, agent_total: int, human_completed: int, human_total: int
) -> float:
    """P(p_agent > p_human) under independent Beta(1 + s, 1 + f) posteriors.

    Integrates f_agent(x) F_human(x) over [0, 1] with `scipy.integrate.quad`, restricted to the
    range holding all but 1e-12 of the agent posterior so quad sees its peak (Beta-Binomial
    conjugacy: Gelman et al., Bayesian Data Analysis, 3rd ed., sec. 2.4).
    """
    agent_post = scipy_stats.beta(1 + agent_completed, 1 + agent_total - agent_completed)
    human_post = scipy_stats.beta(1 + human_completed, 1 + human_total - human_completed)
    low, high = (float(bound) for bound in agent_post.ppf([1e-12, 1.0 - 1e-12]))
    peaks = [p for p in (agent_post.mean(), human_post.mean()) if low < p < high]
    value, _ = integrate.quad(
        lambda x: float(agent_post.pdf(x) * human_post.cdf(x)),
        low,
        high,
        points=peaks or None,
        limit=500,
        epsabs=1e-12,
        epsrel=1e-10,
    )
    return min(max(float(value), 0.0), 1.0)


def chance_to_win(
    agent_completed: int,
    agent_total: int,
    human_completed: int,
    human_total: int,
    *,
    draws: int = 200_000,
    seed: int = 2022,
) -> ChanceToWin:
    """Bayesian chance that the agent arm completes more often, and the expected losses.

    Beta(1, 1) priors, Beta-Binomial posteriors. The probability is by numerical integration;
    the expected losses E[max(p_other - p_chosen, 0)] by seeded Monte Carlo (Stucchio 2015,
    "Bayesian A/B Testing at VWO").
    """
    method = (
        "P(agent better): numerical integration (scipy.integrate.quad); "
        f"expected losses: Monte Carlo, {draws} draws, seed {seed}"
    )
    if agent_total == 0 or human_total == 0:
        return ChanceToWin(
            probability_agent_better=None,
            method=method,
            expected_loss_agent=None,
            expected_loss_human=None,
            monte_carlo_draws=draws,
            seed=seed,
        )
    rng = np.random.default_rng(seed)
    p_agent = rng.beta(1 + agent_completed, 1 + agent_total - agent_completed, size=draws)
    p_human = rng.beta(1 + human_completed, 1 + human_total - human_completed, size=draws)
    return ChanceToWin(
        probability_agent_better=probability_agent_better(
            agent_completed, agent_total, human_completed, human_total
        ),
        method=method,
        expected_loss_agent=float(np.maximum(p_human - p_agent, 0.0).mean()),
        expected_loss_human=float(np.maximum(p_agent - p_human, 0.0).mean()),
        monte_carlo_draws=draws,
        seed=seed,
    )
