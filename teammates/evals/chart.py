"""The eval chart: cost per completed task against completion rate, one point per assignment."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from teammates.evals.metrics import AssignmentSummary


def write_chart(summaries: Sequence[AssignmentSummary], path: Path) -> None:
    """Cost per completed task (x) against completion rate (y), frontier highlighted."""
    figure = Figure(figsize=(9, 6.5), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    plotted = [s for s in summaries if s.cost_per_completed_usd is not None]
    if plotted:
        _plot_points(axes, plotted)
    else:
        axes.text(0.5, 0.5, "No assignment has a known cost per completed task", ha="center")
    axes.set_title("Cost per completed task vs completion rate (95% intervals)")
    axes.set_ylabel("Completion rate (share of trials)")
    axes.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    axes.set_ylim(-0.03, 1.05)
    axes.grid(alpha=0.3)
    left_out = [s for s in summaries if s.cost_per_completed_usd is None]
    if left_out:
        figure.text(0.01, 0.01, _left_out_note(left_out), fontsize=8, va="bottom", wrap=True)
        figure.subplots_adjust(bottom=0.12 + 0.025 * len(left_out))
    figure.savefig(path, format="png")


def _plot_points(axes: Axes, plotted: Sequence[AssignmentSummary]) -> None:
    points = [(s, s.cost_per_completed_usd) for s in plotted]
    costs = [cost for _, cost in points if cost is not None]
    lows = [low for s in plotted if (low := s.cost_per_completed_low) is not None]
    highs = [high for s in plotted if (high := s.cost_per_completed_high) is not None]
    log_x = min(costs) > 0 and max(costs) / min(costs) > 10
    finite_highs = [high for high in highs if high != math.inf]
    # Unbounded cost bars stop at this edge and end in an arrow head.
    bar_edge = max(costs + finite_highs) * (2 if log_x else 1.15)
    for s, cost in points:
        if cost is not None:
            _plot_point(axes, s, cost, bar_edge)

    if log_x:
        axes.set_xscale("log")
        axes.set_xlim(min(costs + lows) / 1.5, bar_edge * 1.5)
    else:
        axes.set_xlim(0, bar_edge * 1.05)
    axes.set_xlabel("Cost per completed task (USD" + (", log scale)" if log_x else ")"))

    frontier = sorted((c, s.completion_rate) for s, c in points if c is not None and s.on_frontier)
    axes.plot(
        [c for c, _ in frontier],
        [r for _, r in frontier],
        "-",
        color="tab:blue",
        linewidth=1.5,
        label="frontier (nothing both cheaper and more complete)",
    )
    axes.legend(loc="best", fontsize=8)


def _plot_point(axes: Axes, s: AssignmentSummary, cost: float, bar_edge: float) -> None:
    """One assignment with both error bars; an unbounded cost bar ends in an arrow head."""
    low = cost if s.cost_per_completed_low is None else s.cost_per_completed_low
    high = cost if s.cost_per_completed_high is None else s.cost_per_completed_high
    color = "tab:blue" if s.on_frontier else "tab:gray"
    axes.errorbar(
        cost,
        s.completion_rate,
        xerr=[[cost - low], [min(high, bar_edge) - cost]],
        yerr=[[s.completion_rate - s.completion_low], [s.completion_high - s.completion_rate]],
        fmt="o",
        color=color,
        markersize=8 if s.on_frontier else 6,
        capsize=3,
    )
    if high == math.inf:
        axes.plot(bar_edge, s.completion_rate, ">", color=color, markersize=6)
    axes.annotate(
        s.assignment, (cost, s.completion_rate), xytext=(6, 6), textcoords="offset points"
    )


def _left_out_note(left_out: Sequence[AssignmentSummary]) -> str:
    lines = ["Not plotted:"]
    for s in left_out:
        reason = "cost unknown" if s.total_cost_usd is None else "nothing completed"
        lines.append(f"  {s.assignment}: {reason}, completion {s.completion_rate:.1%}")
    return "\n".join(lines)
