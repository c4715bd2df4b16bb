"""Choosing one action as constrained JSON, and the per-task budget checked before each call."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict

from teammates.agents.budget import Budget, BudgetExceeded
from teammates.agents.decision import ActionError, action_schema, decide
from teammates.models.client import ChatRequest, FunctionModel, ScriptedModel
from teammates.tools.base import NoArgs, Tool, ToolContext, ToolResult


class SendArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Literal["sms", "email"]


def _run(ctx: ToolContext, args: BaseModel) -> ToolResult:
    return ToolResult(observation="")


WAIT = Tool("wait_for_borrower", "Sleep.", NoArgs, True, _run)
SEND = Tool("request_consent", "Ask for consent.", SendArgs, False, _run)


def _decide(model: ScriptedModel | FunctionModel, tools: list[Tool]):
    return decide(
        model,
        role="borrower_qualifier",
        system="You qualify borrowers.",
        observation="Consent: not asked.",
        tools=tools,
        task_id="t-1",
    )


def test_single_action_without_arguments_is_forced_without_a_model_call() -> None:
    model = ScriptedModel([])

    decision = _decide(model, [WAIT])

    assert decision.forced is True
    assert decision.tool is WAIT
    assert decision.usage.model_calls == 0
    assert model.requests == []


def test_single_action_with_arguments_still_asks_the_model() -> None:
    model = ScriptedModel([{"action": "request_consent", "channel": "email"}])

    decision = _decide(model, [SEND])

    assert decision.forced is False
    assert decision.args == SendArgs(channel="email")
    assert model.requests[0].schema == action_schema([SEND])
    assert decision.usage.model_calls == 1


def test_invalid_json_is_sent_back_once_with_the_error() -> None:
    model = ScriptedModel(["{not json", {"action": "wait_for_borrower"}])

    decision = _decide(model, [WAIT, SEND])

    assert decision.tool is WAIT
    assert decision.usage.model_calls == 2
    retry = model.requests[1].messages
    assert retry[-2] == {"role": "assistant", "content": "{not json"}
    assert retry[-1]["content"].startswith("That is not a valid action (not JSON:")


def test_second_invalid_answer_raises_action_error_naming_role_model_and_answer() -> None:
    model = ScriptedModel(
        [{"action": "fly_to_moon"}, {"action": "request_consent", "channel": "pigeon"}]
    )

    with pytest.raises(ActionError) as raised:
        _decide(model, [WAIT, SEND])

    message = str(raised.value)
    assert message.startswith("borrower_qualifier: model 'scripted' gave no valid action twice")
    assert "pigeon" in message
    first_retry = model.requests[1].messages[-1]["content"]
    assert "`action` must be one of ['request_consent', 'wait_for_borrower']" in first_retry


def test_action_schema_is_one_branch_per_tool_with_constant_action() -> None:
    schema = action_schema([WAIT, SEND])

    assert [b["properties"]["action"] for b in schema["anyOf"]] == [
        {"const": "wait_for_borrower"},
        {"const": "request_consent"},
    ]
    assert schema["anyOf"][1]["required"] == ["action", "channel"]
    assert schema["anyOf"][1]["properties"]["channel"]["enum"] == ["sms", "email"]
    assert action_schema([SEND])["properties"]["action"] == {"const": "request_consent"}


def test_function_model_sees_only_the_offered_actions() -> None:
    seen: list[list[str]] = []

    def answer(request: ChatRequest) -> dict[str, str]:
        assert request.schema is not None
        seen.append([b["properties"]["action"]["const"] for b in request.schema["anyOf"]])
        return {"action": "wait_for_borrower"}

    decision = _decide(FunctionModel(answer), [WAIT, SEND])

    assert seen == [["wait_for_borrower", "request_consent"]]
    assert decision.tool.name == "wait_for_borrower"


def test_decide_without_actions_says_the_caller_must_end_the_turn() -> None:
    with pytest.raises(ValueError, match="borrower_qualifier: no action is available"):
        _decide(ScriptedModel([]), [])


@pytest.mark.parametrize(
    ("state", "limit", "value", "used"),
    [
        ({"steps": 5}, "max_steps", 5, 5),
        (
            {"usage": {"a|m": {"model_calls": 2}, "b|m": {"model_calls": 1}}},
            "max_model_calls",
            3,
            3,
        ),
        ({"usage": {"a|m": {"input_tokens": 90, "output_tokens": 20}}}, "max_tokens", 100, 110),
    ],
)
def test_budget_names_the_limit_and_its_value(state, limit, value, used) -> None:
    budget = Budget(max_steps=5, max_model_calls=3, max_tokens=100)

    with pytest.raises(BudgetExceeded) as raised:
        budget.check(state)

    assert (raised.value.limit, raised.value.value, raised.value.used) == (limit, value, used)
    assert str(raised.value) == f"budget exhausted: {limit}={value} reached (used {used})"


def test_budget_under_every_limit_passes() -> None:
    Budget(max_steps=5, max_model_calls=3, max_tokens=100).check(
        {"steps": 4, "usage": {"a|m": {"model_calls": 2, "input_tokens": 50, "output_tokens": 49}}}
    )
