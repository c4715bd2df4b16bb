"""The supervisor: classification, clarification, the routes code allows, and the budget guard."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from teammates.agents.budget import Budget
from teammates.agents.specialist import AgentSettings
from teammates.evals.episode import request_for, run_case, start_time
from teammates.evals.scoring import score
from teammates.evals.world import SandboxWorld
from teammates.graphs.builder import build_teammate
from teammates.graphs.runtime import Runtime
from teammates.graphs.supervisor import allowed_routes, supervisor_node
from teammates.models.client import ScriptedModel
from teammates.tools.application import TaskRequest
from teammates.tools.clock import VirtualClock
from teammates.tools.outbox import Outbox
from teammates.tools.privacy import mask


def _classify(job: str) -> dict[str, str]:
    return {"action": "classify", "job": job}


def _runtime(case: Any, model: ScriptedModel, **kwargs: Any) -> tuple[Runtime, SandboxWorld]:
    clock = VirtualClock(start_time(case))
    world = SandboxWorld(case, clock)
    graph = build_teammate(
        {"default": model}, world, InMemorySaver(), clock=clock, outbox=Outbox(), **kwargs
    )
    return Runtime(graph, clock), world


@pytest.mark.parametrize(
    ("case_id", "job", "specialist"),
    [("mtg-0011", "mortgage", "borrower_qualifier"), ("pa-0004", "prior_auth", "insurer_caller")],
)
def test_classification_routes_to_the_lead_specialist(case_by_id, case_id, job, specialist) -> None:
    case = case_by_id(case_id)
    model = ScriptedModel([_classify(job)])
    settings = AgentSettings(
        models={"supervisor": model},
        backends=SandboxWorld(case, VirtualClock(start_time(case))),
        clock=VirtualClock(start_time(case)),
        outbox=Outbox(),
    )
    state = {
        "task_id": "t-1",
        "request": request_for(case).model_dump(mode="json"),
        "facts": {},
        "steps": 0,
        "events": [],
    }

    update = supervisor_node(settings)(state)

    assert (update["vertical"], update["route"]) == (job, specialist)
    assert update["reports"] == {specialist: {"status": "working", "turn_steps": 0}}
    assert "outcome" not in update
    assert update["usage"]["supervisor|scripted"]["model_calls"] == 1
    # The model may only answer with one of the three jobs.
    schema = model.requests[0].schema
    assert schema is not None
    assert schema["properties"]["job"]["enum"] == ["mortgage", "prior_auth", "unclear"]
    prompt = model.requests[0].messages[-1]["content"]
    assert mask(case.request) in prompt
    identity = case.patient if case.vertical == "prior_auth" else case.borrower  # type: ignore[union-attr]
    assert identity.date_of_birth.isoformat() not in prompt


def test_unclear_request_ends_as_needs_clarification_with_a_question(case_by_id) -> None:
    case = case_by_id("mtg-0011")
    runtime, world = _runtime(case, ScriptedModel([_classify("unclear")]))
    request = TaskRequest(task_id="vague-1", text="Can you help me with the thing from Tuesday?")

    status = runtime.submit(request)

    assert status.outcome is not None
    assert status.outcome["status"] == "needs_clarification"
    assert status.outcome["question"].startswith(
        "Which job should we do: originate a mortgage, or get a prior authorization?"
    )
    assert status.wakeup is None
    assert world.sent == []
    assert runtime.state("vague-1").get("tools_called", []) == []


def test_model_that_never_answers_validly_is_treated_as_unclear(case_by_id) -> None:
    model = ScriptedModel(["mortgage please", {"action": "classify", "job": "car_loan"}])
    runtime, _ = _runtime(case_by_id("mtg-0011"), model)

    status = runtime.submit(TaskRequest(task_id="t-garbled", text="Loan for Ana"))

    assert status.outcome is not None
    assert status.outcome["status"] == "needs_clarification"
    assert len(model.requests) == 2


def test_mortgage_text_with_prior_auth_data_asks_for_the_loan_application(case_by_id) -> None:
    case = case_by_id("pa-0004")
    runtime, world = _runtime(case, ScriptedModel([_classify("mortgage")]))
    request = request_for(case).model_copy(
        update={"task_id": "mixed-1", "text": "Please originate a $300,000 purchase mortgage."}
    )

    status = runtime.submit(request)

    assert status.outcome is not None
    assert status.outcome["status"] == "needs_clarification"
    assert "no loan application is attached" in status.outcome["question"]
    assert runtime.state("mixed-1").get("vertical") is None
    assert world.sent == []


def test_prior_auth_text_without_its_data_asks_for_the_request_data(case_by_id) -> None:
    runtime, _ = _runtime(case_by_id("pa-0004"), ScriptedModel([_classify("prior_auth")]))

    status = runtime.submit(TaskRequest(task_id="pa-bare", text="Get the MRI authorized."))

    assert status.outcome is not None
    assert "the request data is missing" in status.outcome["question"]
    assert "member id" in status.outcome["question"]


_STATUSES = (None, "working", "working_paused", "waiting", "handed_off", "done", "done_pending")


@pytest.mark.parametrize("vertical", ["mortgage", "prior_auth"])
def test_allowed_routes_never_offer_finish_without_an_outcome(vertical: str) -> None:
    lead, helper = {
        "mortgage": ("borrower_qualifier", "document_collector"),
        "prior_auth": ("insurer_caller", "document_collector"),
    }[vertical]
    for lead_status, helper_status, wakeup in itertools.product(
        _STATUSES, _STATUSES, (None, {"agent": lead, "events": ["message"]})
    ):
        state = {
            "vertical": vertical,
            "wakeup": wakeup,
            "reports": {lead: {"status": lead_status}, helper: {"status": helper_status}},
        }

        routes = allowed_routes(state)

        assert "finish" not in routes, state
        assert set(routes) <= {lead, helper, "wait"}, state
        assert len(routes) == len(set(routes)), state


def test_allowed_routes_with_an_outcome_are_only_finish() -> None:
    state = {
        "vertical": "mortgage",
        "outcome": {"status": "loan_estimate"},
        "reports": {"borrower_qualifier": {"status": "working"}},
    }

    assert allowed_routes(state) == ["finish"]


def test_allowed_routes_follow_the_handoff() -> None:
    def routes(lead: str | None, helper: str | None, wakeup: bool = False) -> list[str]:
        return allowed_routes(
            {
                "vertical": "mortgage",
                "wakeup": {"agent": "x"} if wakeup else None,
                "reports": {
                    "borrower_qualifier": {"status": lead},
                    "document_collector": {"status": helper},
                },
            }
        )

    assert routes(None, None) == ["borrower_qualifier"]
    assert routes("handed_off", None) == ["document_collector"]
    assert routes("handed_off", "done") == ["borrower_qualifier"]
    assert routes("handed_off", "waiting", wakeup=True) == ["wait"]
    assert routes("waiting", None, wakeup=True) == ["wait"]
    assert routes("done", None) == []


def test_budget_exhausted_at_the_supervisor_names_the_limit(case_by_id) -> None:
    case = case_by_id("mtg-0011")
    model = ScriptedModel(
        [_classify("mortgage"), {"action": "request_consent", "channel": "email"}]
    )

    episode = run_case(case, {"default": model}, budget=Budget(max_steps=3))

    outcome = episode.state["outcome"]
    assert (outcome["status"], outcome["by"]) == ("budget_exhausted", "supervisor")
    assert (outcome["limit"], outcome["value"]) == ("max_steps", 3)
    assert outcome["detail"] == "budget exhausted: max_steps=3 reached (used 3)"
    assert [m.purpose for _, m in episode.world.sent] == ["credit_consent"]
    result = score(episode)
    assert (result.completed, result.failure) == (False, "budget_exhausted")


def test_budget_exhausted_inside_a_specialist_stops_before_the_model_call(case_by_id) -> None:
    model = ScriptedModel([_classify("mortgage")])

    episode = run_case(case_by_id("mtg-0011"), {"default": model}, budget=Budget(max_model_calls=1))

    outcome = episode.state["outcome"]
    assert outcome["status"] == "budget_exhausted"
    assert (outcome["limit"], outcome["value"]) == ("max_model_calls", 1)
    assert len(model.requests) == 1
    assert episode.world.sent == []


def test_outcome_settled_on_the_last_budgeted_step_is_not_overwritten(case_by_id, replies) -> None:
    # The Loan Estimate goes out on step 25; the supervisor must report it, not the budget.
    model = ScriptedModel(replies("mtg-0011"))

    episode = run_case(case_by_id("mtg-0011"), {"default": model}, budget=Budget(max_steps=25))

    assert episode.world.sent[-1][1].purpose == "loan_estimate"
    assert episode.state["outcome"]["status"] == "loan_estimate"
    assert score(episode).completed
