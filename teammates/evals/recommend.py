"""Pick the cheapest model assignment that meets a completion target, from saved eval runs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from teammates.evals.metrics import AssignmentSummary, summarize
from teammates.evals.results import TrialResult

logger = logging.getLogger(__name__)

RESULTS_FILE = "results.jsonl"


class NoRecommendationError(Exception):
    """No assignment both meets the completion target and has a known cost per completed task."""


class Recommendation(BaseModel):
    """The cheapest assignment, by cost per completed task, whose completion meets the target."""

    model_config = ConfigDict(frozen=True)

    assignment: str
    """Name of the recommended model assignment."""
    roles: dict[str, str]
    """Model registry name per role."""
    target: float
    """Completion rate asked for, 0 to 1."""
    completion_rate: float
    """Completed trials / trials."""
    completion_low: float
    """Lower bound of the 95% Wilson interval of the completion rate."""
    completion_high: float
    """Upper bound of that interval."""
    lower_bound_meets_target: bool
    """Whether even the interval's lower bound reaches the target (the evidence is strong)."""
    cost_per_completed_usd: float
    """Dollars per completed task."""
    cost_per_completed_low: float | None
    """Lower bound of the 95% case-bootstrap interval of the cost per completed task."""
    cost_per_completed_high: float | None
    """Upper bound of that interval, `math.inf` when unbounded."""
    summary: AssignmentSummary
    """Everything measured about the assignment."""

    def describe(self) -> str:
        """One sentence for a terminal."""
        strength = (
            "even the interval's lower bound meets it"
            if self.lower_bound_meets_target
            else "but the interval's lower bound does not, so run more cases to be sure"
        )
        return (
            f"{self.assignment}: ${self.cost_per_completed_usd:,.4f} per completed task, "
            f"completion {self.completion_rate:.1%} ({self.completion_low:.1%}–"
            f"{self.completion_high:.1%}) against a target of {self.target:.1%}; {strength}."
        )


def recommend(results_dirs: Sequence[Path], target: float) -> Recommendation:
    """Read `results.jsonl` from each folder and recommend an assignment for `target`.

    Raises `NoRecommendationError` when no assignment reaches the target (naming the best completion
    rate seen) or when those that do have unknown cost.
    """
    if not 0 <= target <= 1:
        raise ValueError(f"target={target!r} is a completion rate between 0 and 1, e.g. 0.8")
    summaries = summarize(read_results(results_dirs))
    meeting = [s for s in summaries if s.completion_rate >= target]
    if not meeting:
        best = max(summaries, key=lambda s: (s.completion_rate, s.assignment))
        raise NoRecommendationError(
            f"no assignment completes {target:.1%} of trials; the best is "
            f"{best.assignment!r} at {best.completion_rate:.1%} ({best.completed}/"
            f"{best.trials}). Lower the target or try stronger models."
        )
    priced = [s for s in meeting if s.cost_per_completed_usd is not None]
    if not priced:
        names = ", ".join(repr(s.assignment) for s in meeting)
        raise NoRecommendationError(
            f"{names} meet the {target:.1%} target but their cost is unknown; add the missing "
            "model prices to the model registry and run the eval again."
        )
    cheapest = min(priced, key=lambda s: (s.cost_per_completed_usd, s.assignment))
    return _recommendation(cheapest, target)


def _recommendation(summary: AssignmentSummary, target: float) -> Recommendation:
    cost = summary.cost_per_completed_usd
    if cost is None:
        raise ValueError(f"{summary.assignment!r} has no cost per completed task to recommend")
    return Recommendation(
        assignment=summary.assignment,
        roles=summary.roles,
        target=target,
        completion_rate=summary.completion_rate,
        completion_low=summary.completion_low,
        completion_high=summary.completion_high,
        lower_bound_meets_target=summary.completion_low >= target,
        cost_per_completed_usd=cost,
        cost_per_completed_low=summary.cost_per_completed_low,
        cost_per_completed_high=summary.cost_per_completed_high,
        summary=summary,
    )


def read_results(results_dirs: Sequence[Path]) -> list[TrialResult]:
    """Every trial in `results.jsonl` of each folder, refusing a trial recorded twice."""
    if not results_dirs:
        raise ValueError("no results folders given; pass the folders an eval run wrote")
    results: list[TrialResult] = []
    seen: dict[tuple[str, str, int], Path] = {}
    for folder in results_dirs:
        path = folder / RESULTS_FILE
        for result in read_results_file(path):
            key = (result.assignment, result.case_id, result.trial)
            if key in seen:
                raise ValueError(
                    f"trial {result.trial} of case {result.case_id!r} with assignment "
                    f"{result.assignment!r} appears in both {str(seen[key])!r} and "
                    f"{str(path)!r}; pass each run's folder once."
                )
            seen[key] = path
            results.append(result)
    if not results:
        raise ValueError(f"no trial results in {[str(d) for d in results_dirs]!r}")
    return results


def read_results_file(path: Path) -> list[TrialResult]:
    """Trials of one `results.jsonl`; a truncated last line (a crash mid-write) is skipped."""
    if not path.is_file():
        raise FileNotFoundError(
            f"no {RESULTS_FILE} at {str(path)!r}; pass a folder that an eval run wrote"
        )
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    results = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            results.append(TrialResult.model_validate_json(line))
        except ValidationError as error:
            if number == len(lines) and _is_truncated_json(error):
                logger.warning(
                    "ignoring truncated last line %d of %s (the run stopped mid-write)",
                    number,
                    path,
                )
                continue
            raise ValueError(f"{path}:{number} is not a valid trial result: {error}") from error
    return results


def _is_truncated_json(error: ValidationError) -> bool:
    return all(detail["type"] == "json_invalid" for detail in error.errors())
