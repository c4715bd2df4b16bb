"""The split-test command's orchestration: agent outcomes from trials, the hashed human draw."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teammates.evals.cases import load_cases
from teammates.evals.results import CostBreakdown, TrialResult
from teammates.evals.splittest.assignment import assignment_point
from teammates.evals.splittest.experiment import agent_outcomes, human_arm, run_split_test
from teammates.evals.splittest.outcomes import ArmOutcome
from teammates.models.registry import resolve_model
from tests.evals.trials import trial_result

DATASETS = Path(__file__).resolve().parents[3] / "datasets"


def _trial(case_id: str, *, completed: bool, outcome: str | None, trial: int = 0) -> TrialResult:
    return trial_result(
        case_id, completed=completed, cost_usd=0.01, assignment="qwen2.5-coder-1.5b",
        roles={"default": "qwen2.5-coder-1.5b"}, trial=trial, outcome=outcome,
        cost=CostBreakdown(model_usd=0.01, voice_usd=0.0, sms_usd=0.0, email_usd=0.002,
                           fax_usd=0.0, total_usd=0.012),
        input_tokens=10, output_tokens=5, model_calls=3, agent_steps=9, virtual_days=4.0, emails=2,
    )  # fmt: skip


def test_only_a_correct_loan_estimate_counts_as_the_job_done() -> None:
    trials = [
        _trial("mtg-1", completed=True, outcome="loan_estimate"),
        _trial("mtg-2", completed=True, outcome="adverse_action"),
        _trial("mtg-3", completed=False, outcome="loan_estimate"),
        _trial("mtg-4", completed=False, outcome=None),
    ]

    outcomes = agent_outcomes(trials)

    assert [o.completed for o in outcomes] == [True, False, False, False]
    assert outcomes[3].outcome == "no_outcome"
    assert all(o.arm == "agent" and o.cost_usd == 0.012 for o in outcomes)


def test_several_trials_of_one_case_are_refused() -> None:
    trials = [_trial("mtg-1", completed=True, outcome="loan_estimate", trial=t) for t in (0, 1)]
    with pytest.raises(ValueError, match="more than once"):
        agent_outcomes(trials)


def test_human_arm_is_sized_by_the_share_and_drawn_by_the_experiment_hash() -> None:
    control = [
        ArmOutcome(task_id=f"h-{i:03d}", arm="human", completed=i % 2 == 0, outcome="funded",
                   days_to_outcome=40.0, cost_usd=9000.0)
        for i in range(200)
    ]  # fmt: skip

    drawn = human_arm(control, "exp-a", agent_share=0.2, agent_tasks=10)

    assert len(drawn) == 40
    points = sorted(assignment_point(o.task_id, "exp-a") for o in control)
    assert [assignment_point(o.task_id, "exp-a") for o in drawn] == points[:40]
    assert human_arm(control, "exp-a", 0.2, 10) == drawn
    assert human_arm(control, "exp-b", 0.2, 10) != drawn


def test_a_share_the_control_cannot_fill_says_what_to_change() -> None:
    control = [
        ArmOutcome(task_id=f"h-{i}", arm="human", completed=True, outcome="funded",
                   days_to_outcome=1.0, cost_usd=1.0)
        for i in range(5)
    ]  # fmt: skip
    with pytest.raises(ValueError, match="raise --agent-share"):
        human_arm(control, "exp", agent_share=0.1, agent_tasks=10)


def test_split_test_from_an_eval_folder_writes_every_section(tmp_path: Path) -> None:
    results = tmp_path / "eval"
    results.mkdir()
    cases = [c for c in load_cases(DATASETS) if c.vertical == "mortgage"][:30]
    trials = [
        _trial(c.case_id, completed=i % 3 != 0, outcome="loan_estimate")
        for i, c in enumerate(cases)
    ]
    (results / "results.jsonl").write_text(
        "".join(json.dumps(t.model_dump(mode="json")) + "\n" for t in trials)
    )

    result = run_split_test(
        experiment="mortgage-2022",
        cases=cases,
        specs={"default": resolve_model("qwen2.5-coder-1.5b")},
        control_csv=DATASETS / "human_control_mortgage.csv",
        agent_share=0.1,
        out_dir=tmp_path / "split",
        agent_results=results,
    )

    assert result.completion.agent.total == 30
    assert result.completion.agent.completed == 20
    assert result.completion.human.total == 270
    report = (tmp_path / "split" / "report.md").read_text()
    headings = [line for line in report.splitlines() if line.startswith("## ")]
    assert [h.split()[1] for h in headings[:6]] == ["1.", "2.", "3.", "4.", "5.", "6."]
    assert "Sample ratio" in headings[0] and "Minimum detectable" in headings[5]
    assert headings[-1].startswith("## Design notes")
    assert (tmp_path / "split" / "split_test.png").stat().st_size > 1000
