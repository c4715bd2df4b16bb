"""Running a split test: the agent arm through the eval runner, the human arm from records.

The human team works outside the product, so its arm arrives as outcome records (the control
CSV). The agent arm is replayed from recorded cases with the eval machinery. The human arm is
drawn from the control records by the experiment's stable hash, sized so the two arms stand in
the planned ratio; the sample-ratio check then verifies the realised split.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from teammates.evals.cases import MortgageCase, PriorAuthCase
from teammates.evals.recommend import read_results_file
from teammates.evals.results import TrialResult
from teammates.evals.runner import Assignment, EvalConfig, run_eval
from teammates.evals.splittest.assignment import assignment_point, check_agent_share
from teammates.evals.splittest.outcomes import (
    ArmOutcome,
    load_outcomes_csv,
    outcomes_from_trials,
)
from teammates.evals.splittest.report import SplitTestResult, write_split_test_report
from teammates.models.spec import ModelSpec

log = logging.getLogger(__name__)

JOB_DONE = {"mortgage": "loan_estimate", "prior_auth": "approved"}
"""The agent outcome that counts as the job done: an approved file with its Loan Estimate
issued (the agent's part of a funded loan), an approved authorization."""

DESIGN_NOTES = """
## Design notes (read before acting on the figures)

- Completion in the agent arm is a correct run that ends with the Loan Estimate on an approved
  file (mortgage) or an approved authorization; in the human arm it is a funded loan or an
  approved authorization as the control records say. Closing and funding happen after the
  Loan Estimate and are not replayed, so the agent figure is an upper bound on funding.
- The recorded cases were drawn about half approved and half denied from HMDA; the control
  keeps HMDA's own mix plus withdrawn and incomplete applications. Case mix differs between the
  arms, so completion differences mix agent skill with case mix.
- Days to outcome: the agent arm counts virtual days to the decision notice; the human arm
  counts days to closing or denial. They measure different end points.
- Cost: the agent arm's cost is model compute plus messages up to the decision notice; the
  human arm's is the published cost to originate per loan (staff, overhead). Neither includes
  closing costs. Read the ratio as an order of magnitude, not a saving to bank.
- Sample ratio: here the human arm is drawn from the control records to the planned ratio, so
  the check can only catch a broken draw. In production, `assign()` splits live tasks and the
  check guards that split.
"""


def agent_outcomes(trials: Sequence[TrialResult]) -> list[ArmOutcome]:
    """Agent-arm records from eval trials (one trial per case); the job done is `JOB_DONE`."""
    return outcomes_from_trials(trials, lambda t: t.completed and t.outcome == JOB_DONE[t.vertical])


def human_arm(
    control: Sequence[ArmOutcome], experiment: str, agent_share: float, agent_tasks: int
) -> list[ArmOutcome]:
    """Control records drawn by the experiment's hash, as many as the planned ratio asks."""
    check_agent_share(agent_share)
    wanted = round(agent_tasks * (1 - agent_share) / agent_share)
    if wanted > len(control):
        raise ValueError(
            f"agent_share={agent_share} with {agent_tasks} agent tasks needs {wanted} control "
            f"records but the control holds {len(control)}; raise --agent-share"
        )
    ordered = sorted(control, key=lambda o: assignment_point(o.task_id, experiment))
    return list(ordered[:wanted])


def run_split_test(
    *,
    experiment: str,
    cases: Sequence[MortgageCase | PriorAuthCase],
    specs: Mapping[str, ModelSpec],
    control_csv: Path,
    agent_share: float,
    out_dir: Path,
    agent_results: Path | None = None,
    concurrency: int = 1,
) -> SplitTestResult:
    """Run (or reuse) the agent arm, draw the human arm, and write the split-test report."""
    check_agent_share(agent_share)
    control = load_outcomes_csv(control_csv)
    assignment = Assignment.of(specs)
    wanted = {c.case_id for c in cases}
    if agent_results is not None:
        trials = [
            t for t in read_results_file(agent_results / "results.jsonl")
            if t.case_id in wanted and t.assignment == assignment.name and t.trial == 0
        ]  # fmt: skip
        if not trials:
            raise ValueError(
                f"no trial of {assignment.name!r} on these cases in {str(agent_results)!r}; "
                "run the agent arm there first or drop --agent-results"
            )
    else:
        config = EvalConfig(
            assignments=[assignment],
            cases=list(cases),
            out_dir=out_dir / "agent-arm",
            concurrency=concurrency,
            judge=None,
        )
        trials = run_eval(config)
    if len(trials) < len(cases):
        log.warning(
            "agent arm incomplete",
            extra={"trials": len(trials), "cases": len(cases), "experiment": experiment},
        )
    agent = agent_outcomes(trials)
    human = human_arm(control, experiment, agent_share, len(agent))
    log.info("split test arms ready", extra={"agent": len(agent), "human": len(human)})
    result = write_split_test_report(agent, human, experiment, agent_share, out_dir)
    with (out_dir / "report.md").open("a", encoding="utf-8") as report:
        report.write(DESIGN_NOTES)
    return result
