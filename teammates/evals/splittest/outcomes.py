"""One task's outcome in the split test, and the ways to read a whole arm of them.

Human-arm outcomes come from a CSV file (see "Human-control data" in `datasets/README.md`) or
from Python objects; agent-arm outcomes come from the eval runner's `TrialResult`s.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from teammates.evals.results import TrialResult
from teammates.evals.splittest.assignment import Arm

REQUIRED_COLUMNS = ("task_id", "arm", "completed", "outcome", "days_to_outcome", "cost_usd")
"""Columns an outcomes CSV must have; `pre_period_covariate` is optional, others are ignored."""

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


class ArmOutcome(BaseModel):
    """What happened to one task in one arm."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    task_id: str
    """Task id, unique within the experiment."""
    arm: Arm
    """agent or human."""
    completed: bool
    """Funded loan / approved authorization (the job done), as the arm's own record says."""
    outcome: str
    """Final status in the arm's words, e.g. `funded`, `denied`, `withdrawn`, `approved`."""
    days_to_outcome: float | None
    """Days from the request to the outcome; None when unknown."""
    cost_usd: float | None
    """All cost of the task in dollars; None when unknown (never a silent 0.0)."""
    pre_period_covariate: float | None = None
    """A figure fixed before assignment that predicts the outcome (for CUPED); None if absent."""

    @field_validator("task_id", "outcome")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("days_to_outcome", "cost_usd")
    @classmethod
    def _non_negative(cls, value: float | None) -> float | None:
        if value is not None and (not math.isfinite(value) or value < 0):
            raise ValueError(f"must be a finite number >= 0 or empty, got {value!r}")
        return value

    @field_validator("pre_period_covariate")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError(f"must be a finite number or empty, got {value!r}")
        return value


class OutcomeFileError(ValueError):
    """An outcomes file or record is malformed; the message names where and how to fix it."""


def load_outcomes_csv(path: Path) -> list[ArmOutcome]:
    """Read arm outcomes from a CSV file with a header row.

    Columns: task_id, arm (agent|human), completed (true|false|1|0), outcome, days_to_outcome
    and cost_usd (numbers, empty for unknown), optionally pre_period_covariate. Other columns
    (provenance) are ignored.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        _check_header(path, reader.fieldnames)
        outcomes = [_parse_row(path, reader.line_num, row) for row in reader]
    _check_unique_ids(outcomes, str(path))
    return outcomes


def outcomes_from_records(records: Iterable[Mapping[str, object]]) -> list[ArmOutcome]:
    """Validate arm outcomes given as Python mappings (e.g. rows from a database)."""
    outcomes: list[ArmOutcome] = []
    for index, record in enumerate(records):
        try:
            outcomes.append(ArmOutcome.model_validate(dict(record)))
        except ValidationError as error:
            raise OutcomeFileError(
                f"record {index} is not a valid ArmOutcome: {_first_problem(error)}; "
                "fix that field (see ArmOutcome's fields for types)."
            ) from error
    _check_unique_ids(outcomes, "records")
    return outcomes


def outcomes_from_trials(
    trials: Sequence[TrialResult],
    job_done: Callable[[TrialResult], bool] = lambda trial: trial.completed,
) -> list[ArmOutcome]:
    """Turn the eval runner's agent-arm trials into arm outcomes, one per case.

    A split test needs one independent outcome per task, so a case run more than once is an
    error: pass one trial per case (e.g. `trials=1`).
    """
    outcomes = [
        ArmOutcome(
            task_id=trial.case_id,
            arm="agent",
            completed=job_done(trial),
            outcome=trial.outcome or "no_outcome",
            days_to_outcome=trial.virtual_days,
            cost_usd=trial.cost.total_usd,
        )
        for trial in trials
    ]
    _check_unique_ids(outcomes, "trials")
    return outcomes


def _check_header(path: Path, fieldnames: Sequence[str] | None) -> None:
    missing = [name for name in REQUIRED_COLUMNS if name not in (fieldnames or ())]
    if missing:
        raise OutcomeFileError(
            f"{path}: line 1 (header) lacks column(s) {missing!r}; the header must name "
            f"{', '.join(REQUIRED_COLUMNS)} (and optionally pre_period_covariate)."
        )


def _parse_row(path: Path, line: int, row: Mapping[str, str | None]) -> ArmOutcome:
    where = f"{path}: line {line}"
    values: dict[str, object] = {
        "task_id": _text(row, "task_id"),
        "arm": _text(row, "arm"),
        "completed": _parse_bool(where, _text(row, "completed")),
        "outcome": _text(row, "outcome"),
    }
    for column in ("days_to_outcome", "cost_usd", "pre_period_covariate"):
        values[column] = _parse_number(where, column, _text(row, column))
    try:
        return ArmOutcome.model_validate(values)
    except ValidationError as error:
        raise OutcomeFileError(f"{where}: {_first_problem(error, row)}; fix that cell.") from error


def _text(row: Mapping[str, str | None], column: str) -> str:
    return (row.get(column) or "").strip()


def _parse_bool(where: str, value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise OutcomeFileError(
        f"{where}, column 'completed': {value!r} is not a yes/no value; write true or false."
    )


def _parse_number(where: str, column: str, value: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise OutcomeFileError(
            f"{where}, column {column!r}: {value!r} is not a number; write a plain decimal "
            "number such as 12.5 (no currency sign or thousands separator), or leave it empty "
            "for unknown."
        ) from None


def _first_problem(error: ValidationError, row: Mapping[str, str | None] | None = None) -> str:
    detail = error.errors()[0]
    column = ".".join(str(part) for part in detail["loc"])
    shown = row.get(column) if row is not None else detail.get("input")
    return f"column {column!r} value {shown!r}: {detail['msg']}"


def _check_unique_ids(outcomes: Sequence[ArmOutcome], source: str) -> None:
    seen: set[str] = set()
    for outcome in outcomes:
        if outcome.task_id in seen:
            raise OutcomeFileError(
                f"{source}: task_id {outcome.task_id!r} appears more than once; each task must "
                "have exactly one outcome (drop repeated trials or give each task its own id)."
            )
        seen.add(outcome.task_id)
