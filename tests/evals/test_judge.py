"""DeepEval wiring: tool correctness without a model, GEval through a scripted judge."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from teammates.evals.cases import MortgageCase, PriorAuthCase
from teammates.evals.episode import Episode, run_case
from teammates.evals.judge import consumer_messages, judge_trial, prepare_deepeval
from teammates.evals.runner import Assignment, EvalConfig, run_eval
from teammates.evals.trial import trial_result
from teammates.models.client import ChatModel, ChatRequest, FunctionModel, ModelCallError
from teammates.models.spec import ModelSpec
from tests.evals.policy import careful_factory, careful_model, careful_spec

Case = MortgageCase | PriorAuthCase
JUDGE = ModelSpec(name="judge", provider="scripted", model="judge")


@pytest.fixture(scope="module")
def approved(all_cases: dict[str, Case], tmp_path_factory: pytest.TempPathFactory) -> Episode:
    prepare_deepeval(tmp_path_factory.mktemp("out"))
    return run_case(all_cases["pa-0004"], {"default": careful_model()}, task_id="pa-0004-t0")


def _scripted_judge(seen: list[ChatRequest], score: float = 8) -> FunctionModel:
    def answer(request: ChatRequest) -> dict[str, Any]:
        seen.append(request)
        return {"reason": "clear, correct and compliant", "score": score}

    return FunctionModel(answer, name="judge")


def test_geval_scores_consumer_messages_through_our_chat_model(approved: Episode) -> None:
    seen: list[ChatRequest] = []
    row = trial_result(approved, "careful", {"default": careful_spec()}, 0)

    judged = judge_trial(row, approved.case, approved.state, _scripted_judge(seen), task_id="t")

    assert judged.judge_score == pytest.approx(0.8)
    assert len(seen) == 1 and seen[0].role == "judge" and seen[0].task_id == "t"
    prompt = seen[0].messages[0]["content"]
    for message in consumer_messages(approved.state):
        assert message in prompt
    assert seen[0].schema is not None and set(seen[0].schema["required"]) == {"reason", "score"}


def test_tool_correctness_is_the_share_of_expected_tools_called(approved: Episode) -> None:
    row = trial_result(approved, "careful", {"default": careful_spec()}, 0)
    expected = approved.case.expected.expected_tools

    full = judge_trial(row, approved.case, approved.state, None, task_id="t")
    half = judge_trial(row.model_copy(update={"tools_called": expected[:1]}), approved.case,
                       approved.state, None, task_id="t")  # fmt: skip

    assert full.tool_correctness == 1.0 and full.judge_score is None
    assert half.tool_correctness == pytest.approx(1 / len(expected))


def test_failing_judge_leaves_the_score_empty_and_keeps_the_trial(approved: Episode) -> None:
    def broken(request: ChatRequest) -> str:
        raise ModelCallError("judge server down")

    row = trial_result(approved, "careful", {"default": careful_spec()}, 0)
    judged = judge_trial(row, approved.case, approved.state, FunctionModel(broken), task_id="t")

    assert judged.judge_score is None and judged.tool_correctness == 1.0


def test_eval_run_judges_every_trial_and_records_the_judge(
    tmp_path: Path, all_cases: dict[str, Case]
) -> None:
    seen: list[ChatRequest] = []

    def factory(spec: ModelSpec) -> ChatModel:
        return _scripted_judge(seen, 6) if spec.name == "judge" else careful_factory(spec)

    config = EvalConfig(
        assignments=[Assignment.of({"default": careful_spec()})],
        cases=[all_cases["mtg-0011"], all_cases["pa-0004"]],
        out_dir=tmp_path, judge=JUDGE, model_factory=factory, record=True, show_progress=False,
    )  # fmt: skip
    results = run_eval(config, Console(file=io.StringIO()))

    assert [r.judge_score for r in results] == [pytest.approx(0.6)] * 2
    assert len(seen) == 2
    recorded = [json.loads(line) for line in (tmp_path / "recordings" / "careful.jsonl").open()]
    assert sum(1 for line in recorded if line["role"] == "judge") == 2
