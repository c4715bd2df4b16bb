"""The eval report: `summary.csv`, `report.md` and `cost_vs_completion.png` from trial results.

Unknown figures are never printed as zero: a cost that depends on a missing price reads
"unknown", a cost per completed task with nothing completed reads "n/a", and a cost interval
that the bootstrap cannot bound above reads "unbounded". In `summary.csv` unknown and n/a cells
are empty and an unbounded upper bound is `inf`.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from rich.table import Table

from teammates.evals.chart import write_chart
from teammates.evals.metrics import FAILURE_KINDS, AssignmentSummary, summarize
from teammates.evals.results import TrialResult

SUMMARY_CSV = "summary.csv"
REPORT_MD = "report.md"
CHART_PNG = "cost_vs_completion.png"

_BASE_COLUMNS = (
    "assignment",
    "roles",
    "cases",
    "trials",
    "completed",
    "completion_rate",
    "completion_low",
    "completion_high",
)
_COST_AND_USAGE_COLUMNS = (
    "total_cost_usd",
    "cost_per_completed_usd",
    "cost_per_completed_low",
    "cost_per_completed_high",
    "mean_wall_seconds",
    "median_virtual_days",
    "mean_input_tokens",
    "mean_output_tokens",
    "mean_model_calls",
)
_SCORE_COLUMNS = ("on_frontier", "mean_judge_score", "mean_tool_correctness")


class ReportFiles(BaseModel):
    """Where `write_outputs` put each file."""

    model_config = ConfigDict(frozen=True)

    summary_csv: Path
    """One row per assignment."""
    report_md: Path
    """Tables and plain-language findings."""
    chart_png: Path
    """Cost per completed task against completion rate."""


def write_outputs(results: Sequence[TrialResult], out_dir: Path) -> ReportFiles:
    """Summarize `results` and write the CSV, the Markdown report and the chart into `out_dir`."""
    summaries = summarize(results)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(
        summary_csv=out_dir / SUMMARY_CSV,
        report_md=out_dir / REPORT_MD,
        chart_png=out_dir / CHART_PNG,
    )
    write_summary_csv(summaries, files.summary_csv)
    files.report_md.write_text(render_report(results, summaries), encoding="utf-8")
    write_chart(summaries, files.chart_png)
    return files


def summary_columns(summaries: Sequence[AssignmentSummary]) -> list[str]:
    """CSV header: fixed columns, then `pass^1`..`pass^K` for the largest K, then failures."""
    pass_columns = [f"pass^{k}" for k in range(1, _max_k(summaries) + 1)]
    failure_columns = [f"failures_{kind}" for kind in FAILURE_KINDS]
    return [
        *_BASE_COLUMNS,
        *pass_columns,
        *_COST_AND_USAGE_COLUMNS,
        *failure_columns,
        *_SCORE_COLUMNS,
    ]


def write_summary_csv(summaries: Sequence[AssignmentSummary], path: Path) -> None:
    """One row per assignment, columns in `summary_columns` order."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=summary_columns(summaries))
        writer.writeheader()
        for summary in summaries:
            writer.writerow(_csv_row(summary))


def _csv_row(summary: AssignmentSummary) -> dict[str, str]:
    values = summary.model_dump()
    plain_columns = (*_BASE_COLUMNS, *_COST_AND_USAGE_COLUMNS, *_SCORE_COLUMNS)
    row = {column: _csv_cell(values[column]) for column in plain_columns}
    row["roles"] = _roles_text(summary.roles)
    row |= {f"pass^{k}": _csv_cell(v) for k, v in summary.pass_k.items()}
    row |= {f"failures_{kind}": str(n) for kind, n in summary.failures.items()}
    return row


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def render_report(results: Sequence[TrialResult], summaries: Sequence[AssignmentSummary]) -> str:
    """The Markdown report: findings in sentences, then the tables, then how to read them."""
    case_count = len({r.case_id for r in results})
    sections = [
        "# Eval report: cost per completed task",
        f"{len(results)} trials of {case_count} recorded cases across {len(summaries)} model "
        "assignments. Intervals are 95%.",
        "## Findings",
        "\n".join(f"- {sentence}" for sentence in findings(summaries)),
        "## Summary",
        _summary_markdown(summaries),
        "## Where the cost goes",
        _cost_sources_markdown(results, summaries),
        "## Failures by kind",
        _failures_markdown(summaries),
        "## Completions per case",
        _per_case_markdown(results, summaries),
        "## pass^k",
        _pass_k_markdown(summaries),
        "## How to read this",
        _HOW_TO_READ,
    ]
    return "\n\n".join(sections) + "\n"


def _cost_sources_markdown(
    results: Sequence[TrialResult], summaries: Sequence[AssignmentSummary]
) -> str:
    """Model compute versus each channel, all trials: what a cheaper model can and cannot save."""
    sources = ("model_usd", "voice_usd", "sms_usd", "email_usd", "fax_usd")
    rows = []
    for summary in summaries:
        trials = [r for r in results if r.assignment == summary.assignment]
        totals = []
        for source in sources:
            values = [getattr(r.cost, source) for r in trials]
            totals.append("unknown" if any(v is None for v in values) else _usd(math.fsum(values)))
        rows.append([f"`{summary.assignment}`", *totals])
    header = ["assignment", "model", "voice", "SMS", "email", "fax"]
    note = (
        "Totals over all trials. Channel fees usually dominate: an agent that loops pays in "
        "calls and texts, not only in tokens."
    )
    return _markdown_table(header, rows) + "\n\n" + note


def findings(summaries: Sequence[AssignmentSummary]) -> list[str]:
    """Plain sentences: the cheapest, the most complete, whether their difference is real."""
    cheapest = _cheapest(summaries)
    best = _most_complete(summaries)
    sentences = [_cheapest_sentence(cheapest), _most_complete_sentence(best, summaries)]
    if cheapest is not None and cheapest.assignment != best.assignment:
        sentences.append(_completion_difference_sentence(best, cheapest))
        sentences.append(_cost_difference_sentence(cheapest, best))
    elif cheapest is not None:
        sentences.append(
            f"`{best.assignment}` is both the cheapest per completed task and completes the most."
        )
    frontier = [s.assignment for s in summaries if s.on_frontier]
    if frontier:
        sentences.append(f"On the cost-completion frontier: {_names(frontier)}.")
    unknown = [s.assignment for s in summaries if s.total_cost_usd is None]
    if unknown:
        sentences.append(
            f"Cost is unknown for {_names(unknown)}: a model price is missing from the "
            "registry, or a per-token model's endpoint left token counts out of a reply "
            "(`uncounted_calls` in results.jsonl), so these are left out of the cost comparison."
        )
    return sentences


def _cheapest(summaries: Sequence[AssignmentSummary]) -> AssignmentSummary | None:
    priced = [s for s in summaries if s.cost_per_completed_usd is not None]
    if not priced:
        return None
    return min(priced, key=lambda s: (s.cost_per_completed_usd, -s.completion_rate, s.assignment))


def _most_complete(summaries: Sequence[AssignmentSummary]) -> AssignmentSummary:
    def rank(s: AssignmentSummary) -> tuple[float, float, str]:
        cost = s.cost_per_completed_usd
        return (-s.completion_rate, math.inf if cost is None else cost, s.assignment)

    return min(summaries, key=rank)


def _cheapest_sentence(cheapest: AssignmentSummary | None) -> str:
    if cheapest is None:
        return (
            "No assignment has a known cost per completed task (prices unknown or nothing "
            "completed), so none can be called the cheapest."
        )
    return (
        f"Cheapest per completed task: `{cheapest.assignment}` at "
        f"{_cost_with_interval(cheapest)}, completing {_pct(cheapest.completion_rate)} "
        "of its trials."
    )


def _most_complete_sentence(best: AssignmentSummary, summaries: Sequence[AssignmentSummary]) -> str:
    tied = [
        s.assignment
        for s in summaries
        if s.completion_rate == best.completion_rate and s is not best
    ]
    tie = f" (tied with {_names(tied)})" if tied else ""
    return (
        f"Completes the most: `{best.assignment}`{tie}, {best.completed} of {best.trials} "
        f"trials: {_rate_with_interval(best)}."
    )


def _completion_difference_sentence(best: AssignmentSummary, other: AssignmentSummary) -> str:
    points = 100 * (best.completion_rate - other.completion_rate)
    apart = best.completion_low > other.completion_high
    verdict = (
        "do not overlap, so the difference is larger than the uncertainty"
        if apart
        else "overlap, so this run cannot tell them apart on completion; more cases would"
    )
    return (
        f"`{best.assignment}` completes {points:.1f} percentage points more than "
        f"`{other.assignment}`; their completion intervals {verdict}."
    )


def _cost_difference_sentence(cheapest: AssignmentSummary, other: AssignmentSummary) -> str:
    cheap_cost, other_cost = cheapest.cost_per_completed_usd, other.cost_per_completed_usd
    if cheap_cost is None or other_cost is None:
        return f"`{other.assignment}`'s cost per completed task is {_cost(other)}."
    saving = other_cost - cheap_cost
    apart = _cost_intervals_apart(cheapest, other)
    verdict = (
        "do not overlap, so the saving is larger than the uncertainty"
        if apart
        else "overlap, so the saving is within the uncertainty"
    )
    return (
        f"`{cheapest.assignment}` costs {_usd(saving)} less per completed task than "
        f"`{other.assignment}` ({_cost(other)}); their cost intervals {verdict}."
    )


def _cost_intervals_apart(cheaper: AssignmentSummary, dearer: AssignmentSummary) -> bool:
    high, low = cheaper.cost_per_completed_high, dearer.cost_per_completed_low
    return high is not None and low is not None and high < low


def _summary_markdown(summaries: Sequence[AssignmentSummary]) -> str:
    header = [
        "assignment",
        "completed",
        "completion (95% CI)",
        "cost per completed (95% CI)",
        "total cost",
        "mean tokens in/out",
        "median days",
        "tool correctness",
        "judge score",
        "frontier",
    ]
    rows = [
        [
            f"`{s.assignment}`",
            f"{s.completed}/{s.trials}",
            _rate_with_interval(s),
            _cost_with_interval(s),
            _usd(s.total_cost_usd),
            f"{s.mean_input_tokens:,.0f} / {s.mean_output_tokens:,.0f}",
            "–" if s.median_virtual_days is None else f"{s.median_virtual_days:.1f}",
            _score(s.mean_tool_correctness),
            _score(s.mean_judge_score),
            "yes" if s.on_frontier else "",
        ]
        for s in summaries
    ]
    return _markdown_table(header, rows)


def _failures_markdown(summaries: Sequence[AssignmentSummary]) -> str:
    kinds = [k for k in FAILURE_KINDS if any(s.failures[k] for s in summaries)]
    if not kinds:
        return "No trial failed."
    rows = [
        [f"`{s.assignment}`", *(str(s.failures[k]) for k in kinds), str(s.trials - s.completed)]
        for s in summaries
    ]
    return _markdown_table(["assignment", *kinds, "all failed"], rows)


def _per_case_markdown(
    results: Sequence[TrialResult], summaries: Sequence[AssignmentSummary]
) -> str:
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        cell = tally[(r.case_id, r.assignment)]
        cell[0] += r.completed
        cell[1] += 1
    names = [s.assignment for s in summaries]
    rows = [
        [f"`{case}`", *(_fraction(tally.get((case, name))) for name in names)]
        for case in sorted({r.case_id for r in results})
    ]
    table = _markdown_table(["case", *(f"`{name}`" for name in names)], rows)
    return "Completed trials / trials run, per case.\n\n" + table


def _pass_k_markdown(summaries: Sequence[AssignmentSummary]) -> str:
    ks = range(1, _max_k(summaries) + 1)
    rows = [
        [f"`{s.assignment}`", *(_pct(s.pass_k[k]) if k in s.pass_k else "–" for k in ks)]
        for s in summaries
    ]
    return _markdown_table(["assignment", *(f"pass^{k}" for k in ks)], rows)


_HOW_TO_READ = """\
- **Completion rate** is completed trials / trials. A trial completes when the final state \
matches the recorded outcome and no compliance rule was broken. The interval is Wilson's; it \
treats trials as independent, so with several trials per case it is somewhat too narrow.
- **Cost per completed task** is the cost of *all* trials, failed ones included, divided by \
the trials completed. Its interval comes from resampling whole cases (2,000 resamples). \
"unknown" means a model price is missing or a per-token model's reply had no token counts; \
"n/a" means nothing completed; "unbounded" means too many resamples completed nothing to bound \
the cost.
- **pass^k** is the chance that k repeated trials of the same case all complete (tau-bench). \
It falls as k grows; a steep fall means the assignment is unreliable even where it can succeed.
- **Median days** is virtual time from the request to the task's outcome, over trials that \
reached one; a trial stopped by its step budget counts, so it is not a time to success.
- **Tool correctness** (DeepEval, deterministic) is the share of the tools a case expects that \
the agents called; **judge score** is GEval's 0-1 rating of the messages sent to consumers \
(clear, correct, compliant), "–" when no judge ran. Neither decides completion. The default \
judge, the local 1.5B, copies the 0 of GEval's example answer, so its scores are 0 whatever \
the messages say: pass `--judge` a stronger model for a judge score worth reading.
- **Frontier**: no other assignment is both cheaper per completed task and completes more. \
Pick from the frontier; an assignment off it is beaten on both counts.
- Two assignments differ for sure only when their intervals do not overlap; overlapping \
intervals call for more cases or trials before choosing."""


def render_summary_table(summaries: Sequence[AssignmentSummary]) -> Table:
    """A terminal table of the summaries, for `rich.console.Console().print`."""
    table = Table(title="Cost per completed task (95% intervals)")
    table.add_column("assignment", style="bold", no_wrap=True, min_width=18)
    table.add_column("completed", justify="right")
    table.add_column("completion", justify="right")
    table.add_column("cost / completed", justify="right")
    table.add_column(f"pass^{_max_k(summaries)}", justify="right")
    table.add_column("frontier", justify="center")
    for s in summaries:
        top_k = max(s.pass_k)
        table.add_row(
            s.assignment,
            f"{s.completed}/{s.trials}",
            _rate_with_interval(s),
            _cost_with_interval(s),
            _pct(s.pass_k[top_k]) if top_k == _max_k(summaries) else "–",
            "★" if s.on_frontier else "",
        )
    return table


def _max_k(summaries: Sequence[AssignmentSummary]) -> int:
    return max((max(s.pass_k) for s in summaries), default=1)


def _markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _rate_with_interval(s: AssignmentSummary) -> str:
    return f"{_pct(s.completion_rate)} ({_pct(s.completion_low)}–{_pct(s.completion_high)})"


def _cost_with_interval(s: AssignmentSummary) -> str:
    if s.cost_per_completed_usd is None:
        return _cost(s)
    low, high = s.cost_per_completed_low, s.cost_per_completed_high
    if low is None or high is None:
        return _usd(s.cost_per_completed_usd)
    return f"{_usd(s.cost_per_completed_usd)} ({_usd(low)}–{_usd(high)})"


def _cost(s: AssignmentSummary) -> str:
    """Cost per completed task, saying why it is missing when it is."""
    if s.total_cost_usd is None:
        return "unknown"
    if s.cost_per_completed_usd is None:
        return "n/a (none completed)"
    return _usd(s.cost_per_completed_usd)


def _usd(value: float | None) -> str:
    if value is None:
        return "unknown"
    if value == math.inf:
        return "unbounded"
    return f"${value:,.4f}" if abs(value) < 1 else f"${value:,.2f}"


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _fraction(cell: list[int] | None) -> str:
    return "–" if cell is None else f"{cell[0]}/{cell[1]}"


def _roles_text(roles: dict[str, str]) -> str:
    return ";".join(f"{role}={model}" for role, model in sorted(roles.items()))


def _names(names: Sequence[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)
