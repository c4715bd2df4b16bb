"""The eval report: summary.csv figures, report.md sentences, the chart and the terminal table."""

from __future__ import annotations

import csv
import struct
from pathlib import Path

import pytest
from rich.console import Console

from teammates.evals.metrics import summarize
from teammates.evals.report import (
    findings,
    render_report,
    render_summary_table,
    summary_columns,
    write_outputs,
)
from teammates.evals.results import CostBreakdown, TrialResult
from tests.evals.trials import trial_result

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _trial(
    assignment: str, case: int, trial: int, *, completed: bool, cost_usd: float | None
) -> TrialResult:
    return trial_result(
        f"case-{case:02d}",
        completed=completed,
        cost_usd=cost_usd,
        assignment=assignment,
        vertical="prior_auth",
        roles={"supervisor": f"{assignment}-model", "insurer_caller": f"{assignment}-model"},
        trial=trial,
        failure=None if completed else ("document_missing" if case % 2 else "deadline_missed"),
        input_tokens=1000,
        output_tokens=50,
        model_calls=8,
        agent_steps=8,
        wall_seconds=2.0,
        virtual_days=12.0 if completed else None,
    )


def _results() -> list[TrialResult]:
    """20 cases x 2 trials. `good` completes 38/40 at $0.50 a trial; `cheap` 10/40 at $0.01;
    `unpriced` 20/40 at an unknown price; `hopeless` 0/40 at $0.02."""
    results = []
    for case in range(20):
        for trial in range(2):
            results += [
                _trial("good", case, trial, completed=not (case < 2 and trial == 1), cost_usd=0.5),
                _trial("cheap", case, trial, completed=case < 10 and trial == 0, cost_usd=0.01),
                _trial("unpriced", case, trial, completed=trial == 0, cost_usd=None),
                _trial("hopeless", case, trial, completed=False, cost_usd=0.02),
            ]
    return results


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("report") / "nested"
    write_outputs(_results(), out_dir)
    return out_dir


def _csv_rows(report_dir: Path) -> dict[str, dict[str, str]]:
    with (report_dir / "summary.csv").open(encoding="utf-8") as file:
        return {row["assignment"]: row for row in csv.DictReader(file)}


def test_summary_csv_has_one_row_per_assignment_in_a_stable_column_order(
    report_dir: Path,
) -> None:
    with (report_dir / "summary.csv").open(encoding="utf-8") as file:
        header = next(csv.reader(file))

    assert header == summary_columns(summarize(_results()))
    assert header[:10] == [
        "assignment",
        "roles",
        "cases",
        "trials",
        "completed",
        "completion_rate",
        "completion_low",
        "completion_high",
        "pass^1",
        "pass^2",
    ]
    assert list(_csv_rows(report_dir)) == ["cheap", "good", "hopeless", "unpriced"]


def test_summary_csv_holds_the_right_figures(report_dir: Path) -> None:
    rows = _csv_rows(report_dir)

    good = rows["good"]
    assert good["roles"] == "insurer_caller=good-model;supervisor=good-model"
    assert (good["cases"], good["trials"], good["completed"]) == ("20", "40", "38")
    assert float(good["completion_rate"]) == pytest.approx(0.95)
    assert float(good["pass^2"]) == pytest.approx(0.9)
    assert float(good["total_cost_usd"]) == pytest.approx(20.0)
    assert float(good["cost_per_completed_usd"]) == pytest.approx(20.0 / 38)
    low, high = float(good["cost_per_completed_low"]), float(good["cost_per_completed_high"])
    assert low < 20.0 / 38 < high
    assert good["failures_document_missing"] == "1"
    assert good["failures_deadline_missed"] == "1"
    assert good["on_frontier"] == "true"
    assert float(rows["cheap"]["cost_per_completed_usd"]) == pytest.approx(0.04)


def test_summary_csv_leaves_unknown_cost_and_nothing_completed_empty_not_zero(
    report_dir: Path,
) -> None:
    rows = _csv_rows(report_dir)

    assert rows["unpriced"]["total_cost_usd"] == ""
    assert rows["unpriced"]["cost_per_completed_usd"] == ""
    assert rows["unpriced"]["on_frontier"] == "false"
    assert float(rows["hopeless"]["total_cost_usd"]) == pytest.approx(0.8)
    assert rows["hopeless"]["cost_per_completed_usd"] == ""
    assert float(rows["hopeless"]["completion_low"]) == 0.0


def test_report_names_the_cheapest_and_the_most_complete_and_whether_it_is_real(
    report_dir: Path,
) -> None:
    text = (report_dir / "report.md").read_text(encoding="utf-8")

    assert "Cheapest per completed task: `cheap` at $0.0400" in text
    assert "Completes the most: `good`, 38 of 40 trials: 95.0%" in text
    assert (
        "`good` completes 70.0 percentage points more than `cheap`; their completion "
        "intervals do not overlap, so the difference is larger than the uncertainty."
    ) in text
    assert "`cheap` costs $0.4863 less per completed task than `good` ($0.5263)" in text
    assert "On the cost-completion frontier: `cheap`, `good`." in text
    assert "Cost is unknown for `unpriced`" in text


def test_report_prints_unknown_cost_as_unknown_and_nothing_completed_as_na(
    report_dir: Path,
) -> None:
    lines = (report_dir / "report.md").read_text(encoding="utf-8").splitlines()

    unpriced_row = next(line for line in lines if line.startswith("| `unpriced` | 20/40"))
    hopeless_row = next(line for line in lines if line.startswith("| `hopeless` | 0/40"))
    assert "| unknown | unknown |" in unpriced_row
    assert "$0.0000" not in unpriced_row
    assert "n/a (none completed) | $0.8000 |" in hopeless_row


def test_report_shows_tool_correctness_and_judge_scores_or_a_dash(tmp_path: Path) -> None:
    judged = [
        _trial("judged", case, 0, completed=True, cost_usd=0.1).model_copy(
            update={"tool_correctness": 0.5 + case / 4, "judge_score": 0.8}
        )
        for case in range(2)
    ]
    unjudged = [_trial("unjudged", case, 0, completed=True, cost_usd=0.1) for case in range(2)]

    text = render_report(judged + unjudged, summarize(judged + unjudged))

    judged_row = next(line for line in text.splitlines() if line.startswith("| `judged` |"))
    unjudged_row = next(line for line in text.splitlines() if line.startswith("| `unjudged` |"))
    assert "| 0.62 | 0.80 |" in judged_row
    assert "| – | – |" in unjudged_row
    assert "**Tool correctness**" in text and "**Median days**" in text


def test_report_has_failures_per_case_and_pass_k_tables_and_a_reading_guide(
    report_dir: Path,
) -> None:
    text = (report_dir / "report.md").read_text(encoding="utf-8")

    assert "| assignment | document_missing | deadline_missed | all failed |" in text
    assert "| `good` | 1 | 1 | 2 |" in text
    assert "| case | `cheap` | `good` | `hopeless` | `unpriced` |" in text
    assert "| `case-00` | 1/2 | 1/2 | 0/2 | 1/2 |" in text
    assert "| `case-19` | 0/2 | 2/2 | 0/2 | 1/2 |" in text
    assert "| `good` | 95.0% | 90.0% |" in text
    assert "## How to read this" in text


def test_report_says_when_completion_intervals_overlap(tmp_path: Path) -> None:
    results = [_trial("a", case, 0, completed=case < 3, cost_usd=0.1) for case in range(5)] + [
        _trial("b", case, 0, completed=case < 2, cost_usd=0.01) for case in range(5)
    ]

    sentences = findings(summarize(results))

    assert any(
        "`a` completes 20.0 percentage points more than `b`; their completion intervals "
        "overlap, so this run cannot tell them apart" in s
        for s in sentences
    )


def test_chart_is_a_png_of_the_expected_size(report_dir: Path) -> None:
    data = (report_dir / "cost_vs_completion.png").read_bytes()

    assert data.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1080, 780)


def test_chart_is_still_written_when_no_cost_is_known(tmp_path: Path) -> None:
    results = [_trial("unpriced", case, 0, completed=True, cost_usd=None) for case in range(3)]

    files = write_outputs(results, tmp_path)

    assert files.chart_png.read_bytes().startswith(PNG_SIGNATURE)
    assert "none can be called the cheapest" in files.report_md.read_text(encoding="utf-8")


def test_terminal_table_shows_each_assignment_with_its_figures() -> None:
    console = Console(width=200, record=True)

    console.print(render_summary_table(summarize(_results())))
    text = console.export_text()

    good_line = next(line for line in text.splitlines() if " good " in line)
    assert "38/40" in good_line
    assert "$0.5263" in good_line
    assert "90.0%" in good_line
    unpriced_line = next(line for line in text.splitlines() if " unpriced " in line)
    assert "unknown" in unpriced_line


def test_report_splits_cost_between_the_model_and_each_channel() -> None:
    trials = [
        _trial("good", case, 0, completed=True, cost_usd=0.5).model_copy(
            update={"cost": CostBreakdown(model_usd=0.01, voice_usd=0.25, sms_usd=0.0166,
                                          email_usd=0.001, fax_usd=0.14, total_usd=0.4176)}
        )
        for case in range(2)
    ]  # fmt: skip

    report = render_report(trials, summarize(trials))

    section = report.split("## Where the cost goes")[1].split("##")[0]
    assert "| `good` | $0.0200 | $0.5000 | $0.0332 | $0.0020 | $0.2800 |" in section
