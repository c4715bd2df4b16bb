from pathlib import Path

import pytest

from teammates.evals.results import TrialResult
from teammates.evals.splittest import (
    ArmOutcome,
    OutcomeFileError,
    load_outcomes_csv,
    outcomes_from_records,
    outcomes_from_trials,
)
from tests.evals.trials import trial_result

HEADER = "task_id,arm,completed,outcome,days_to_outcome,cost_usd,pre_period_covariate,note\n"


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "outcomes.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_csv_rows_become_outcomes_with_empty_cells_as_unknown(tmp_path: Path) -> None:
    path = _write(tmp_path, "h-1,human,true,funded,45.5,11600,,x\nh-2,human,0,denied,,,3.5,y\n")
    assert load_outcomes_csv(path) == [
        ArmOutcome(
            task_id="h-1",
            arm="human",
            completed=True,
            outcome="funded",
            days_to_outcome=45.5,
            cost_usd=11600.0,
        ),
        ArmOutcome(
            task_id="h-2",
            arm="human",
            completed=False,
            outcome="denied",
            days_to_outcome=None,
            cost_usd=None,
            pre_period_covariate=3.5,
        ),
    ]


def test_bad_number_names_line_column_value_and_fix(tmp_path: Path) -> None:
    path = _write(
        tmp_path, 'h-1,human,true,funded,45,11600,,\nh-2,human,true,funded,40,"$1,200",,\n'
    )
    with pytest.raises(OutcomeFileError, match=r"line 3, column 'cost_usd': '\$1,200' .*plain"):
        load_outcomes_csv(path)


def test_bad_yes_no_value_names_the_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "h-1,human,maybe,funded,45,11600,,\n")
    with pytest.raises(OutcomeFileError, match=r"line 2, column 'completed': 'maybe'.*true or"):
        load_outcomes_csv(path)


def test_unknown_arm_names_the_line_and_value(tmp_path: Path) -> None:
    path = _write(tmp_path, "h-1,robot,true,funded,45,11600,,\n")
    with pytest.raises(OutcomeFileError, match=r"line 2: column 'arm' value 'robot'"):
        load_outcomes_csv(path)


def test_negative_cost_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "h-1,human,true,funded,45,-3,,\n")
    with pytest.raises(OutcomeFileError, match=r"column 'cost_usd' value '-3'"):
        load_outcomes_csv(path)


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("task_id,arm,completed,outcome,days_to_outcome\nh,human,true,x,1\n")
    with pytest.raises(OutcomeFileError, match=r"lacks column\(s\) \['cost_usd'\]"):
        load_outcomes_csv(path)


def test_duplicate_task_id_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "h-1,human,true,funded,45,1,,\nh-1,human,true,funded,45,1,,\n")
    with pytest.raises(OutcomeFileError, match="'h-1' appears more than once"):
        load_outcomes_csv(path)


def test_records_are_validated_with_the_index_of_the_bad_one() -> None:
    good = {
        "task_id": "a",
        "arm": "agent",
        "completed": True,
        "outcome": "funded",
        "days_to_outcome": 3.0,
        "cost_usd": 1.5,
    }
    assert outcomes_from_records([good])[0].cost_usd == 1.5
    with pytest.raises(OutcomeFileError, match=r"record 1 .*days_to_outcome"):
        outcomes_from_records([good, {**good, "task_id": "b", "days_to_outcome": -1.0}])


def _trial(case_id: str, completed: bool, total_usd: float | None) -> TrialResult:
    return trial_result(
        case_id,
        completed=completed,
        cost_usd=total_usd,
        failure=None,
        outcome="funded" if completed else None,
        virtual_days=12.5 if completed else None,
    )


def test_trials_map_case_cost_days_and_completion_into_agent_outcomes() -> None:
    outcomes = outcomes_from_trials([_trial("c1", True, 0.42), _trial("c2", False, None)])
    assert outcomes == [
        ArmOutcome(
            task_id="c1",
            arm="agent",
            completed=True,
            outcome="funded",
            days_to_outcome=12.5,
            cost_usd=0.42,
        ),
        ArmOutcome(
            task_id="c2",
            arm="agent",
            completed=False,
            outcome="no_outcome",
            days_to_outcome=None,
            cost_usd=None,
        ),
    ]


def test_repeated_trials_of_one_case_are_refused() -> None:
    with pytest.raises(OutcomeFileError, match="'c1' appears more than once"):
        outcomes_from_trials([_trial("c1", True, 1.0), _trial("c1", False, 1.0)])
