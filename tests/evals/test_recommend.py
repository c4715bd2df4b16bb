"""Recommending the cheapest assignment that meets a completion target, from saved runs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pytest

from teammates.evals.recommend import (
    NoRecommendationError,
    read_results,
    recommend,
)
from teammates.evals.results import TrialResult
from tests.evals.trials import trial_result


def _trial(assignment: str, case: int, *, completed: bool, cost_usd: float | None) -> TrialResult:
    return trial_result(
        f"case-{case:02d}",
        completed=completed,
        cost_usd=cost_usd,
        assignment=assignment,
        outcome=None,
        input_tokens=10,
        output_tokens=5,
        model_calls=1,
        agent_steps=1,
        wall_seconds=0.5,
        virtual_days=None,
    )


def _run(name: str, completions: int, cost_usd: float | None, cases: int = 20) -> list[TrialResult]:
    return [_trial(name, c, completed=c < completions, cost_usd=cost_usd) for c in range(cases)]


def _write_run(folder: Path, results: Sequence[TrialResult], tail: str = "") -> Path:
    folder.mkdir(parents=True)
    lines = "".join(r.model_dump_json() + "\n" for r in results)
    (folder / "results.jsonl").write_text(lines + tail, encoding="utf-8")
    return folder


def test_recommends_the_cheapest_assignment_that_meets_the_target(tmp_path: Path) -> None:
    # per completed task: strong $0.111 at 90%, medium $0.094 at 85%, weak $0.02 at 50%.
    first = _write_run(tmp_path / "run1", _run("strong", 18, 0.10) + _run("weak", 10, 0.01))
    second = _write_run(tmp_path / "run2", _run("medium", 17, 0.08))

    choice = recommend([first, second], target=0.8)

    assert choice.assignment == "medium"
    assert choice.cost_per_completed_usd == pytest.approx(0.08 * 20 / 17)
    assert choice.completion_rate == pytest.approx(0.85)
    assert choice.completion_low < 0.8 < choice.completion_high
    assert not choice.lower_bound_meets_target
    assert choice.roles == {"supervisor": "medium"}
    assert "run more cases" in choice.describe()


def test_flags_a_recommendation_whose_interval_clears_the_target(tmp_path: Path) -> None:
    folder = _write_run(tmp_path / "run", _run("sure", 60, 0.05, cases=60))

    choice = recommend([folder], target=0.9)

    assert choice.assignment == "sure"
    assert choice.completion_low == pytest.approx(0.9398, abs=1e-4)
    assert choice.lower_bound_meets_target


def test_names_the_best_completion_rate_when_none_meets_the_target(tmp_path: Path) -> None:
    folder = _write_run(tmp_path / "run", _run("strong", 15, 0.10) + _run("weak", 5, 0.01))

    with pytest.raises(
        NoRecommendationError, match=r"completes 90\.0%.*'strong' at 75\.0% \(15/20\)"
    ):
        recommend([folder], target=0.9)


def test_refuses_to_recommend_an_assignment_whose_cost_is_unknown(tmp_path: Path) -> None:
    folder = _write_run(tmp_path / "run", _run("unpriced", 19, None) + _run("weak", 5, 0.01))

    with pytest.raises(NoRecommendationError, match=r"'unpriced' meet the 80\.0% target but"):
        recommend([folder], target=0.8)


def test_ignores_a_truncated_last_line_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    results = _run("a", 3, 0.1, cases=4)
    partial = _run("a", 0, 0.1, cases=5)[4].model_dump_json()[:40]
    folder = _write_run(tmp_path / "run", results, tail=partial)

    with caplog.at_level(logging.WARNING, logger="teammates.evals.recommend"):
        read = read_results([folder])

    assert read == results
    assert "ignoring truncated last line 5" in caplog.text


def test_a_broken_line_before_the_end_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    good = _trial("a", 0, completed=True, cost_usd=0.1).model_dump_json()
    (folder / "results.jsonl").write_text(f"{good}\n{{broken\n{good}\n", encoding="utf-8")

    with pytest.raises(ValueError, match=r"results\.jsonl:2 is not a valid trial result"):
        read_results([folder])


def test_a_complete_last_line_with_a_wrong_schema_is_an_error(tmp_path: Path) -> None:
    folder = _write_run(tmp_path / "run", _run("a", 1, 0.1, cases=2), tail='{"case_id": "x"}\n')

    with pytest.raises(ValueError, match=r"results\.jsonl:3 is not a valid trial result"):
        read_results([folder])


def test_the_same_trial_in_two_folders_is_refused(tmp_path: Path) -> None:
    first = _write_run(tmp_path / "run1", _run("a", 1, 0.1, cases=2))
    second = _write_run(tmp_path / "run2", _run("a", 1, 0.1, cases=2))

    with pytest.raises(ValueError, match="pass each run's folder once"):
        recommend([first, second], target=0.5)


def test_wrong_use_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"between 0 and 1, e\.g\. 0\.8"):
        recommend([tmp_path], target=80)
    with pytest.raises(FileNotFoundError, match=r"no results\.jsonl at"):
        recommend([tmp_path], target=0.8)
    with pytest.raises(ValueError, match="no results folders given"):
        recommend([], target=0.8)
    empty = _write_run(tmp_path / "empty", [])
    with pytest.raises(ValueError, match="no trial results in"):
        recommend([empty], target=0.8)
