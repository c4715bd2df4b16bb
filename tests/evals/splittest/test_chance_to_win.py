import numpy as np
import pytest
from scipy.special import betaln

from teammates.evals.splittest import chance_to_win, probability_agent_better


def _closed_form(agent_s: int, agent_n: int, human_s: int, human_n: int) -> float:
    """P(p_agent > p_human) by the finite sum for Beta posteriors (Evan Miller, 2015)."""
    a_a, b_a = 1 + agent_s, 1 + agent_n - agent_s
    a_h, b_h = 1 + human_s, 1 + human_n - human_s
    terms = [
        np.exp(betaln(a_h + i, b_h + b_a) - np.log(b_a + i) - betaln(1 + i, b_a) - betaln(a_h, b_h))
        for i in range(a_a)
    ]
    return float(sum(terms))


@pytest.mark.parametrize(
    "counts", [(56, 70, 48, 80), (3, 5, 4, 5), (600, 1000, 580, 1000), (6000, 10_000, 5900, 10_000)]
)
def test_integration_matches_the_closed_form(counts: tuple[int, int, int, int]) -> None:
    assert probability_agent_better(*counts) == pytest.approx(_closed_form(*counts), abs=1e-8)


def test_identical_arms_are_a_coin_flip() -> None:
    assert probability_agent_better(30, 50, 30, 50) == pytest.approx(0.5, abs=1e-9)


def test_integration_agrees_with_seeded_monte_carlo() -> None:
    rng = np.random.default_rng(1)
    draws = rng.beta(57, 15, 400_000) > rng.beta(49, 33, 400_000)
    assert probability_agent_better(56, 70, 48, 80) == pytest.approx(draws.mean(), abs=0.002)


def test_expected_losses_are_seeded_and_favour_the_better_arm() -> None:
    result = chance_to_win(56, 70, 48, 80, seed=4)
    assert result == chance_to_win(56, 70, 48, 80, seed=4)
    assert result.expected_loss_agent is not None and result.expected_loss_human is not None
    assert result.expected_loss_agent < 0.001 < result.expected_loss_human
    assert result.expected_loss_human == pytest.approx(0.8 - 0.6, abs=0.02)


def test_empty_arm_has_no_chance_to_win() -> None:
    assert chance_to_win(0, 0, 3, 4).probability_agent_better is None
