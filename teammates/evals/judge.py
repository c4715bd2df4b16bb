"""DeepEval scores for one trial: tool correctness (deterministic) and a GEval judge of messages.

Each trial becomes a DeepEval `LLMTestCase`: the customer's request as input, the outcome as
actual output, the tools the run called and the tools the case expects. `ToolCorrectnessMetric`
compares the two tool lists without any model. A `GEval` metric reads the messages the run sent
to the borrower or patient and scores them for clarity, correctness and compliance; its judge is
any of our chat models, wrapped as a `DeepEvalBaseLLM`.

DeepEval is imported lazily, after its telemetry is switched off and its cache folder is pointed
inside the eval's output folder (`<out>/deepeval`), so it writes nothing into the working folder
and sends nothing anywhere.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from teammates.agents.decision import inline_schema
from teammates.evals.cases import MortgageCase, PriorAuthCase
from teammates.evals.results import TrialResult
from teammates.models.client import ChatModel, ChatRequest
from teammates.models.usage import Usage

log = logging.getLogger(__name__)

DEEPEVAL_DIR = "deepeval"
"""Folder of the output folder where DeepEval keeps its cache and state."""

# Limitation: the default judge, the local 1.5B, copies the `"score": 0` of GEval's example
# answer, so its message scores are 0 whatever the messages say (README "Known limits"). A
# stronger judge (`--judge SPEC`) is needed for the score to mean anything.
JUDGE_CRITERIA = (
    "Judge the messages a company sent to a consumer (a mortgage borrower or a patient). They "
    "must be clear (short, plain words, one request per message), correct (consistent with the "
    "job described in the input), and compliant: no social security number, date of birth or "
    "member id in the text, and each message says what is needed or what happens next."
)
"""What the GEval judge is asked to check."""

EVALUATION_STEPS = [
    "Read every message in the actual output; each line is one message with its channel.",
    "Penalise any message that contains a social security number, a date of birth or a member "
    "id from the input.",
    "Check that each message says plainly what is needed from the consumer or what happens next.",
    "Check that the messages fit the job in the input (a loan or an authorization) and do not "
    "contradict it.",
    "Give a high score only if every message is clear, correct and compliant.",
]
"""Fixed steps, so GEval spends one judge call per trial instead of two."""

CONSUMER_PARTIES = ("borrower", "patient")
"""Recipients whose messages the judge reads."""

JUDGE_MAX_TOKENS = 400
"""Room for the judge's reason and score."""


def prepare_deepeval(out_dir: Path) -> None:
    """Switch DeepEval's telemetry off and keep its files in `out_dir/deepeval`.

    Must run before the first import of `deepeval` in the process.
    """
    folder = out_dir / DEEPEVAL_DIR
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["DEEPEVAL_TELEMETRY_OPT_OUT"] = "YES"
    if "deepeval" in sys.modules:
        # Limitation: DeepEval reads its cache folder once, at import; a second eval in the same
        # process keeps writing into the first run's `<out>/deepeval` folder.
        return
    os.environ["DEEPEVAL_CACHE_FOLDER"] = str(folder.resolve())
    os.environ["DEEPEVAL_HOME"] = str(folder.resolve())


def judge_trial(
    result: TrialResult,
    case: MortgageCase | PriorAuthCase,
    state: Mapping[str, Any],
    judge: ChatModel | None,
    *,
    task_id: str,
) -> TrialResult:
    """`result` with its tool-correctness score and, when `judge` is given, its GEval score."""
    update: dict[str, float | None] = {
        "tool_correctness": tool_correctness(case, result.tools_called, state)
    }
    if judge is not None:
        try:
            update["judge_score"] = message_score(case, state, judge, task_id=task_id)
        except Exception as exc:  # the judge's failure leaves the score empty, not the trial
            error = f"{type(exc).__name__}: {exc}"[:200]
            log.warning("judge failed, judge_score left empty",
                        extra={"task_id": task_id, "error": error})  # fmt: skip
    return result.model_copy(update=update)


def tool_correctness(
    case: MortgageCase | PriorAuthCase, tools_called: Sequence[str], state: Mapping[str, Any]
) -> float:
    """DeepEval's `ToolCorrectnessMetric`: the share of the case's expected tools the run called."""
    from deepeval.metrics import ToolCorrectnessMetric
    from deepeval.test_case import LLMTestCase, ToolCall

    test_case = LLMTestCase(
        input=case.request,
        actual_output=outcome_summary(state),
        tools_called=[ToolCall(name=name) for name in tools_called],
        expected_tools=[ToolCall(name=name) for name in case.expected.expected_tools],
    )
    metric = ToolCorrectnessMetric(
        model=_judge_llm(_NoModel(), ""), async_mode=False, include_reason=False
    )
    return float(metric.measure(test_case, _show_indicator=False))


def message_score(
    case: MortgageCase | PriorAuthCase,
    state: Mapping[str, Any],
    judge: ChatModel,
    *,
    task_id: str,
) -> float | None:
    """GEval's 0-1 score of the messages sent to the consumer; None when none was sent."""
    from deepeval.metrics import GEval
    from deepeval.test_case import LLMTestCase, SingleTurnParams

    messages = consumer_messages(state)
    if not messages:
        return None
    metric = GEval(
        name="consumer messages",
        evaluation_params=[SingleTurnParams.INPUT, SingleTurnParams.ACTUAL_OUTPUT],
        evaluation_steps=EVALUATION_STEPS,
        model=_judge_llm(judge, task_id),
        async_mode=False,
    )
    test_case = LLMTestCase(input=case.request, actual_output="\n".join(messages))
    return float(metric.measure(test_case, _show_indicator=False))


def consumer_messages(state: Mapping[str, Any]) -> list[str]:
    """Messages sent to the borrower or patient, one line each with channel and purpose."""
    return [
        f"[{m.get('channel')}, {m.get('purpose')}] {m.get('body', '')}"
        for m in state.get("messages", [])
        if m.get("direction") == "out" and m.get("party") in CONSUMER_PARTIES
    ]


def outcome_summary(state: Mapping[str, Any]) -> str:
    """The outcome in one line, without personal data (status, program, reference, flags)."""
    outcome = state.get("outcome") or {}
    if not outcome:
        return "no outcome: the task was still open when the replay ended"
    fields = [
        f"{k}={v}" for k, v in outcome.items() if k not in ("at", "by") and v not in (None, "")
    ]
    return "; ".join(fields)


class _NoModel:
    """Stands in where DeepEval insists on a model but the metric never asks one."""

    @property
    def spec(self) -> Any:
        raise AssertionError("tool correctness is deterministic and never asks a model")

    def complete(self, request: ChatRequest) -> Any:
        raise AssertionError(f"tool correctness asked a model: {request.messages[-1]!r:.200}")


def _judge_llm(model: ChatModel | _NoModel, task_id: str) -> Any:
    """Our chat model as a `DeepEvalBaseLLM` (the class is built after DeepEval's env is set)."""
    return _judge_class()(model, task_id)


_JUDGE_CLASS: Any = None


def _judge_class() -> Any:
    global _JUDGE_CLASS  # noqa: PLW0603 - built once, after DeepEval may be imported
    if _JUDGE_CLASS is None:
        from deepeval.models import DeepEvalBaseLLM

        class ChatJudge(DeepEvalBaseLLM):  # type: ignore[no-untyped-call]
            """A DeepEval judge that asks one of our chat models, as role `judge`."""

            def __init__(self, model: ChatModel | _NoModel, task_id: str) -> None:
                self.chat = model
                self.task_id = task_id
                self.usage = Usage()
                super().__init__(model="teammates-judge")

            def load_model(self) -> ChatJudge:
                return self

            def get_model_name(self) -> str:
                return "teammates-judge"

            def generate(self, prompt: str, schema: type[BaseModel] | None = None) -> Any:
                request = ChatRequest(
                    role="judge",
                    messages=[{"role": "user", "content": prompt}],
                    schema=inline_schema(schema.model_json_schema()) if schema else None,
                    max_tokens=JUDGE_MAX_TOKENS,
                    task_id=self.task_id,
                )
                reply = self.chat.complete(request)
                self.usage = self.usage + reply.usage
                return _parsed(reply.text, schema)

            async def a_generate(self, prompt: str, schema: type[BaseModel] | None = None) -> Any:
                return self.generate(prompt, schema)

        _JUDGE_CLASS = ChatJudge
    return _JUDGE_CLASS


def _parsed(text: str, schema: type[BaseModel] | None) -> Any:
    """The schema instance when the answer fits it, else the raw text for DeepEval to parse."""
    if schema is None:
        return text
    try:
        return schema.model_validate_json(text)
    except (ValidationError, json.JSONDecodeError):
        log.warning("judge answer does not fit %s; DeepEval parses the text", schema.__name__)
        return text
