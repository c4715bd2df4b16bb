"""The split-test report: every statistic for agents vs the human control, in reading order.

`write_split_test_report` writes `report.md`, `summary.json` (every figure) and
`split_test.png` into one folder and returns the same figures as a `SplitTestResult`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from pydantic import BaseModel, ConfigDict

from teammates.evals.splittest.chance_to_win import ChanceToWin, chance_to_win
from teammates.evals.splittest.cost_per_completed import CostComparison, cost_comparison
from teammates.evals.splittest.outcomes import ArmOutcome
from teammates.evals.splittest.stats import (
    CompletionComparison,
    CupedAdjustment,
    MinimumDetectableEffect,
    SampleRatioCheck,
    TimeToOutcome,
    completion_comparison,
    cuped_completion,
    minimum_detectable_effect,
    sample_ratio_check,
    time_to_outcome,
)

logger = logging.getLogger(__name__)

SECTION_TITLES = (
    "1. Sample ratio mismatch",
    "2. Completion (funded loans / approved authorizations)",
    "3. Cost per completed task",
    "4. Time to outcome",
    "5. Bayesian chance to win",
    "6. Minimum detectable effect",
)
"""The report's sections, in the order a reader must take them."""


class SplitTestResult(BaseModel):
    """Every figure of one split test, as written to `summary.json`."""

    model_config = ConfigDict(frozen=True)

    experiment: str
    """Experiment name the tasks were hashed with."""
    planned_agent_share: float
    """Planned share of tasks for the agent arm."""
    confidence: float
    """Confidence level of every interval."""
    sample_ratio: SampleRatioCheck
    """Sample ratio mismatch check; when it fires nothing else is to be trusted."""
    completion: CompletionComparison
    """Completion per arm and agent minus human."""
    cuped: CupedAdjustment | None
    """Completion difference with CUPED, when every task has a pre-period covariate."""
    cost: CostComparison
    """Cost per completed task per arm and relative difference."""
    time: TimeToOutcome
    """Days to outcome per arm."""
    chance: ChanceToWin
    """Posterior chance the agent arm completes more often."""
    mde: MinimumDetectableEffect
    """Smallest detectable completion difference at these sizes."""
    meaningful_difference_pp: float
    """Difference in percentage points the business cares about."""
    underpowered: bool
    """True when the test could not reliably detect `meaningful_difference_pp`."""


def write_split_test_report(
    agent: Sequence[ArmOutcome],
    human: Sequence[ArmOutcome],
    experiment: str,
    agent_share: float,
    out_dir: Path,
    *,
    confidence: float = 0.95,
    meaningful_difference_pp: float = 5.0,
    bootstrap_draws: int = 4000,
    seed: int = 2022,
) -> SplitTestResult:
    """Compute the split test and write `report.md`, `summary.json` and `split_test.png`.

    Args:
        agent: Outcomes of the agent arm (arm == "agent").
        human: Outcomes of the human control (arm == "human").
        experiment: Experiment name, for the record.
        agent_share: Planned agent share the tasks were assigned with.
        out_dir: Folder to write into; created if missing.
        confidence: Confidence level of the intervals.
        meaningful_difference_pp: Completion difference worth detecting; a larger minimum
            detectable effect marks the test underpowered.
        bootstrap_draws: Resamples for the cost bootstrap.
        seed: Seed for the bootstrap and the Monte Carlo losses.
    """
    _check_arms(agent, human)
    result = split_test(
        agent,
        human,
        experiment,
        agent_share,
        confidence=confidence,
        meaningful_difference_pp=meaningful_difference_pp,
        bootstrap_draws=bootstrap_draws,
        seed=seed,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.md").write_text(render_markdown(result), encoding="utf-8")
    (out_dir / "summary.json").write_text(result.model_dump_json(indent=2), encoding="utf-8")
    _write_chart(result, out_dir / "split_test.png")
    logger.info(
        "split test report written",
        extra={
            "experiment": experiment,
            "out_dir": str(out_dir),
            "srm_mismatch": result.sample_ratio.mismatch,
        },
    )
    return result


def split_test(
    agent: Sequence[ArmOutcome],
    human: Sequence[ArmOutcome],
    experiment: str,
    agent_share: float,
    *,
    confidence: float = 0.95,
    meaningful_difference_pp: float = 5.0,
    bootstrap_draws: int = 4000,
    seed: int = 2022,
) -> SplitTestResult:
    """Compute every statistic of the split test without writing anything."""
    agent_done = sum(o.completed for o in agent)
    human_done = sum(o.completed for o in human)
    completion = completion_comparison(agent_done, len(agent), human_done, len(human), confidence)
    mde = minimum_detectable_effect(completion.human.rate, len(agent), len(human))
    return SplitTestResult(
        experiment=experiment,
        planned_agent_share=agent_share,
        confidence=confidence,
        sample_ratio=sample_ratio_check(len(agent), len(human), agent_share),
        completion=completion,
        cuped=_cuped(agent, human, confidence),
        cost=cost_comparison(
            [o.cost_usd for o in agent],
            [o.completed for o in agent],
            [o.cost_usd for o in human],
            [o.completed for o in human],
            confidence=confidence,
            bootstrap_draws=bootstrap_draws,
            seed=seed,
        ),
        time=time_to_outcome(_days(agent), _days(human)),
        chance=chance_to_win(agent_done, len(agent), human_done, len(human), seed=seed),
        mde=mde,
        meaningful_difference_pp=meaningful_difference_pp,
        underpowered=mde.increase_pp is None or mde.increase_pp > meaningful_difference_pp,
    )


def _check_arms(agent: Sequence[ArmOutcome], human: Sequence[ArmOutcome]) -> None:
    for expected, outcomes in (("agent", agent), ("human", human)):
        for outcome in outcomes:
            if outcome.arm != expected:
                raise ValueError(
                    f"task {outcome.task_id!r} has arm {outcome.arm!r} but was passed as the "
                    f"{expected} arm; pass each outcome in the arm its record names."
                )
    shared = {o.task_id for o in agent} & {o.task_id for o in human}
    if shared:
        raise ValueError(
            f"task ids {sorted(shared)[:5]!r} appear in both arms; a task belongs to one arm "
            "only (check the assignment or the experiment name)."
        )


def _days(outcomes: Sequence[ArmOutcome]) -> list[float]:
    return [o.days_to_outcome for o in outcomes if o.days_to_outcome is not None]


def _cuped(
    agent: Sequence[ArmOutcome], human: Sequence[ArmOutcome], confidence: float
) -> CupedAdjustment | None:
    agent_x = [o.pre_period_covariate for o in agent]
    human_x = [o.pre_period_covariate for o in human]
    if None in agent_x or None in human_x:
        return None
    return cuped_completion(
        [o.completed for o in agent],
        [x for x in agent_x if x is not None],
        [o.completed for o in human],
        [x for x in human_x if x is not None],
        confidence,
    )


def render_markdown(result: SplitTestResult) -> str:
    """The report as Markdown, sections in the order of `SECTION_TITLES`."""
    sections = (
        _srm_section(result),
        _completion_section(result),
        _cost_section(result),
        _time_section(result),
        _chance_section(result),
        _mde_section(result),
    )
    header = [
        f"# Split test: {result.experiment}",
        "",
        f"Agents vs the human control. Planned agent share {result.planned_agent_share:.0%}; "
        f"intervals at {result.confidence:.0%} confidence.",
    ]
    if result.underpowered:
        header += ["", _underpowered_line(result)]
    body = [
        f"## {title}\n\n" + "\n".join(lines)
        for title, lines in zip(SECTION_TITLES, sections, strict=True)
    ]
    return "\n".join(header) + "\n\n" + "\n\n".join(body) + "\n"


def _underpowered_line(result: SplitTestResult) -> str:
    return (
        f"**Underpowered:** at these sample sizes the test cannot reliably detect a completion "
        f"difference of {result.meaningful_difference_pp:g} percentage points "
        f"(minimum detectable effect: {_points(result.mde.increase_pp)}). "
        '"No significant difference" here does not mean the arms are equal.'
    )


def _srm_section(result: SplitTestResult) -> list[str]:
    srm = result.sample_ratio
    lines = [
        f"- Agent arm: {srm.agent_count} tasks (expected {srm.expected_agent:.1f}); "
        f"human arm: {srm.human_count} tasks.",
        f"- Chi-square {_num(srm.chi_square)}, p = {_p(srm.p_value)} "
        f"(flagged below {srm.threshold:g}).",
        "",
    ]
    if srm.mismatch:
        lines.append(
            "**SAMPLE RATIO MISMATCH.** The arms are not the sizes the assignment planned, so "
            "tasks were lost, duplicated or routed outside the hash. Nothing below is to be "
            "trusted until the cause is found and fixed."
        )
    else:
        lines.append("No mismatch: the arm sizes fit the planned split.")
    return lines


def _completion_section(result: SplitTestResult) -> list[str]:
    c = result.completion
    lines = [
        "| arm | completed | tasks | rate | Wilson interval |",
        "| --- | ---: | ---: | ---: | --- |",
        *(
            f"| {name} | {e.completed} | {e.total} | {_pct(e.rate)} | "
            f"{_pct(e.low)} to {_pct(e.high)} |"
            for name, e in (("agent", c.agent), ("human", c.human))
        ),
        "",
        f"- Difference (agent - human): {_pp(_scaled(c.difference))}, Newcombe hybrid score "
        f"interval {_pp(_scaled(c.low))} to {_pp(_scaled(c.high))}.",
        f"- Two-proportion z-test: z = {_num(c.z_statistic)}, p = {_p(c.p_value)}.",
    ]
    if result.cuped is not None:
        cu = result.cuped
        lines.append(
            f"- With CUPED (pre-period covariate, variance reduced by "
            f"{_pct(cu.variance_reduction)}): {_pp(_scaled(cu.difference))}, interval "
            f"{_pp(_scaled(cu.low))} to {_pp(_scaled(cu.high))}."
        )
    return lines


def _cost_section(result: SplitTestResult) -> list[str]:
    cost = result.cost
    lines = [
        "| arm | total cost | completed | cost per completed | delta method | bootstrap |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for name, e in (("agent", cost.agent), ("human", cost.human)):
        lines.append(
            f"| {name} | {_usd(e.total_cost_usd)} | {e.completed} | {_usd(e.value_usd)} | "
            f"{_usd(e.delta_low_usd)} to {_usd(e.delta_high_usd)} | "
            f"{_usd(e.bootstrap_low_usd)} to {_usd(e.bootstrap_high_usd)} |"
        )
    for name, e in (("agent", cost.agent), ("human", cost.human)):
        if e.unknown_cost_tasks:
            lines.append(f"\n{name}: {e.unknown_cost_tasks} task(s) with unknown cost.")
    lines += [
        "",
        f"- Relative difference (agent / human - 1): {_pct(cost.relative_difference)}; delta "
        f"method {_pct(cost.delta_low)} to {_pct(cost.delta_high)}; bootstrap "
        f"({cost.bootstrap_draws} draws, seed {cost.bootstrap_seed}) {_pct(cost.bootstrap_low)} "
        f"to {_pct(cost.bootstrap_high)}.",
        "- The delta method (Deng, Knoblich and Lu 2018) is the primary interval; the bootstrap "
        "checks it. Where they disagree, trust neither and gather more tasks.",
    ]
    return lines


def _time_section(result: SplitTestResult) -> list[str]:
    t = result.time
    return [
        f"- Median days to outcome: agent {_num(t.agent_median_days)} "
        f"({t.agent_tasks} tasks), human {_num(t.human_median_days)} ({t.human_tasks} tasks).",
        f"- Mann-Whitney U = {_num(t.u_statistic)}, two-sided p = {_p(t.p_value)}.",
    ]


def _chance_section(result: SplitTestResult) -> list[str]:
    ch = result.chance
    return [
        f"- P(agent completion > human completion) = {_pct(ch.probability_agent_better)} "
        "(Beta(1, 1) priors).",
        "- Expected loss in completion rate: choosing agents "
        f"{_points(_scaled(ch.expected_loss_agent))}, keeping the human team "
        f"{_points(_scaled(ch.expected_loss_human))}.",
        f"- Method: {ch.method}.",
    ]


def _mde_section(result: SplitTestResult) -> list[str]:
    m = result.mde
    lines = [
        f"- At {m.agent_tasks} agent and {m.human_tasks} human tasks, alpha {m.alpha:g}, power "
        f"{m.power:.0%}, around the human rate {_pct(m.control_rate)}: the smallest detectable "
        f"rise is {_points(m.increase_pp)} and fall {_points(m.decrease_pp)} (Cohen's h "
        f"{_num(m.cohens_h)}).",
    ]
    if result.underpowered:
        lines.append("- " + _underpowered_line(result))
    else:
        lines.append(
            f"- The test can detect a difference of {result.meaningful_difference_pp:g} "
            "percentage points, so a non-significant result is informative."
        )
    return lines


def _scaled(value: float | None) -> float | None:
    return None if value is None else 100.0 * value


def _pp(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f} pp"


def _points(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} pp"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100.0 * value:.2f}%"


def _usd(value: float | None) -> str:
    return "unknown" if value is None else f"${value:,.2f}"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def _write_chart(result: SplitTestResult, path: Path) -> None:
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 4))
    arms = ("agent", "human")
    rates = (result.completion.agent, result.completion.human)
    for x, e in enumerate(rates):
        if e.rate is not None and e.low is not None and e.high is not None:
            left.errorbar(
                x,
                100 * e.rate,
                yerr=[[100 * (e.rate - e.low)], [100 * (e.high - e.rate)]],
                fmt="o",
                capsize=6,
            )
    left.set(xticks=[0, 1], xticklabels=arms, xlim=(-0.5, 1.5), ylabel="completion (%)")
    left.set_title("Completion, Wilson 95% interval")
    costs = (result.cost.agent, result.cost.human)
    for x, c in enumerate(costs):
        if c.value_usd is None:
            right.annotate("unknown", (x, 0), ha="center")
            continue
        low = c.delta_low_usd if c.delta_low_usd is not None else c.value_usd
        high = c.delta_high_usd if c.delta_high_usd is not None else c.value_usd
        right.bar(x, c.value_usd, yerr=[[c.value_usd - low], [high - c.value_usd]], capsize=6)
    values = [c.value_usd for c in costs if c.value_usd]
    if len(values) == 2 and max(values) / min(values) > 20:
        right.set_yscale("log")  # else the cheaper arm's bar is invisible
    right.set(xticks=[0, 1], xticklabels=arms, ylabel="USD per completed task")
    right.set_title("Cost per completed, delta-method interval")
    figure.suptitle(f"Split test: {result.experiment}")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
