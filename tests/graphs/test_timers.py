"""Timers: a task whose timer run fails is retried later and does not starve the others; the
calls of a model that never gave a valid action are still counted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from teammates.evals.cases import MortgageCase
from teammates.evals.episode import request_for, start_time
from teammates.evals.world import SandboxWorld
from teammates.graphs.builder import build_teammate
from teammates.graphs.runtime import TIMER_RETRY, Runtime
from teammates.models.client import ChatRequest, FunctionModel, ModelCallError
from teammates.tools.clock import VirtualClock
from tests.evals.policy import answer


def test_a_failing_timer_run_is_postponed_and_the_other_tasks_still_wake(
    case_by_id: Any,
) -> None:
    case: MortgageCase = case_by_id("mtg-0011")
    clock = VirtualClock(start_time(case))
    broken = {"A": False}

    def policy(request: ChatRequest) -> dict[str, Any]:
        if broken["A"] and request.task_id == "A":
            raise ModelCallError("model 'careful' failed after 3 attempts: HTTP 503")
        return answer(request)

    world = SandboxWorld(case, clock)
    graph = build_teammate({"default": FunctionModel(policy)}, world, InMemorySaver(), clock=clock)
    runtime = Runtime(graph, clock)
    for task in ("A", "B"):
        status = runtime.submit(request_for(case, task))
        assert status.wakeup is not None and status.outcome is None

    broken["A"] = True
    due = max(runtime.wakeups.next_due(t) for t in ("A", "B"))  # type: ignore[type-var]
    clock.advance_to(due)
    woken = runtime.fire_due()

    assert [s.task_id for s in woken] == ["B"]
    assert runtime.wakeups.next_due("A") == due + TIMER_RETRY
    assert runtime.state("B")["steps"] > runtime.state("A")["steps"]


def test_calls_of_a_model_that_never_gave_a_valid_action_are_still_counted(
    case_by_id: Any,
) -> None:
    case: MortgageCase = case_by_id("mtg-0011")
    clock = VirtualClock(start_time(case))
    calls = {"n": 0}

    def garbage_for_the_qualifier(request: ChatRequest) -> str | dict[str, Any]:
        calls["n"] += 1
        if request.role == "borrower_qualifier":
            return "I think we should probably text them?"
        return answer(request)

    model = FunctionModel(garbage_for_the_qualifier)
    graph = build_teammate({"default": model}, SandboxWorld(case, clock), InMemorySaver(),
                           clock=clock)  # fmt: skip
    runtime = Runtime(graph, clock)

    runtime.submit(request_for(case, "garbage"))
    clock.advance(timedelta(minutes=1))

    usage = runtime.state("garbage")["usage"]
    counted = sum(u["model_calls"] for u in usage.values())
    assert counted == calls["n"]
    assert usage["borrower_qualifier|function"]["model_calls"] >= 2
