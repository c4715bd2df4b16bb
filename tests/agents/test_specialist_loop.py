"""The decide/act loop every specialist runs, on one specialist in isolation."""

from __future__ import annotations

from datetime import UTC, datetime

from teammates.agents import borrower_qualifier
from teammates.agents.budget import Budget
from teammates.agents.specialist import AgentSettings, Specialist, build_specialist
from teammates.evals.episode import request_for
from teammates.evals.world import SandboxWorld
from teammates.models.client import ScriptedModel
from teammates.tools.clock import VirtualClock
from teammates.tools.mortgage import qualifier_tools
from teammates.tools.outbox import Outbox


def _unguarded_qualifier() -> Specialist:
    """The qualifier without channel narrowing, so the model can pick a channel the guard
    refuses (as it can when time passes between choosing and sending)."""
    checklist = ["paystub", "w2", "photo_id"]
    return Specialist(
        borrower_qualifier.NAME,
        "You qualify borrowers.",
        lambda request, facts, now: qualifier_tools("w2_employee", checklist),
        borrower_qualifier.observe,
        borrower_qualifier.report,
    )


def test_blocked_send_is_recorded_as_a_compliance_event_in_the_state(case_by_id) -> None:
    case = case_by_id("mtg-0011")
    clock = VirtualClock(datetime(2022, 4, 2, 3, 30, tzinfo=UTC))  # 22:30 in Chicago
    world = SandboxWorld(case, clock)
    model = ScriptedModel([{"action": "request_consent", "channel": "sms"}])
    settings = AgentSettings(
        models={"default": model},
        backends=world,
        clock=clock,
        outbox=Outbox(),
        budget=Budget(max_steps_per_turn=1),
    )
    graph = build_specialist(_unguarded_qualifier(), settings)

    state = graph.invoke(
        {
            "task_id": "mtg-0011",
            "request": request_for(case).model_dump(mode="json"),
            "facts": {},
            "steps": 0,
            "reports": {},
        }
    )

    assert world.sent == []
    assert [(e["rule"], e["channel"], e["blocked"]) for e in state["compliance_events"]] == [
        ("calling_hours", "sms", True)
    ]
    assert state["compliance_events"][0]["detail"] == "22:30 local time is outside 08:00-21:00"
    assert [(m["channel"], m["status"]) for m in state["messages"]] == [("sms", "blocked")]
    assert "credit_consent" not in state["facts"]
    assert state["timeline"][0]["summary"].startswith("BLOCKED by compliance (calling_hours)")
    assert state["reports"]["borrower_qualifier"]["status"] == "working_paused"


def test_model_is_offered_only_email_at_night(case_by_id) -> None:
    case = case_by_id("mtg-0011")
    clock = VirtualClock(datetime(2022, 4, 2, 3, 30, tzinfo=UTC))
    model = ScriptedModel([{"action": "request_consent", "channel": "email"}])
    settings = AgentSettings(
        models={"default": model},
        backends=SandboxWorld(case, clock),
        clock=clock,
        outbox=Outbox(),
        budget=Budget(max_steps_per_turn=1),
    )
    graph = build_specialist(borrower_qualifier.specialist(), settings)

    state = graph.invoke(
        {
            "task_id": "mtg-0011",
            "request": request_for(case).model_dump(mode="json"),
            "facts": {},
            "steps": 0,
            "reports": {},
        }
    )

    schema = model.requests[0].schema
    assert schema is not None
    assert schema["properties"]["channel"]["const"] == "email"
    assert "QUIET HOURS" in model.requests[0].messages[-1]["content"]
    assert state["compliance_events"] == []
    assert [(m["channel"], m["status"]) for m in state["messages"]] == [("email", "sent")]
