"""The supervisor: takes in events, classifies the job, routes to specialists, guards the end.

Its choices come from its model as a constrained choice among the routes that code allows: no
finish before an outcome exists, one route per step within the task's budget, and an
unsupported or ambiguous request ends as `needs_clarification` with the question to ask.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from teammates.agents.budget import BudgetExceeded
from teammates.agents.decision import ActionError, decide
from teammates.agents.specialist import AgentSettings, usage_update
from teammates.agents.state import TaskState
from teammates.tools.application import TaskRequest
from teammates.tools.base import NoArgs, Tool, ToolResult
from teammates.tools.events import InboundEvent, take_in
from teammates.tools.privacy import mask

log = logging.getLogger(__name__)

PROMPT = (Path(__file__).parent / "supervisor.md").read_text().strip()

SPECIALISTS = {
    "mortgage": ("borrower_qualifier", "document_collector"),
    "prior_auth": ("insurer_caller", "document_collector"),
}
"""Lead specialist first, then its helper, per vertical."""

Route = Literal["borrower_qualifier", "document_collector", "insurer_caller", "wait", "finish"]
"""Where the supervisor can send the task next."""

_READY = (None, "working", "working_paused")


class ClassifyArgs(BaseModel):
    """Which kind of job the request is."""

    model_config = ConfigDict(extra="forbid")
    job: Literal["mortgage", "prior_auth", "unclear"] = Field(
        description="mortgage, prior_auth, or unclear"
    )


def _noop(ctx: Any, args: Any) -> ToolResult:
    return ToolResult(observation="")


def _route_tool(route: str, description: str) -> Tool:
    return Tool(route, description, NoArgs, True, _noop)


_ROUTE_TEXT = {
    "borrower_qualifier": "Send to the borrower qualifier (consent, credit, eligibility, "
    "underwriting, decision notice).",
    "document_collector": "Send to the document collector (request and validate documents).",
    "insurer_caller": "Send to the insurer caller (eligibility, payer call, appeals).",
    "wait": "Nothing can move until the world answers: sleep until the next event or timer.",
    "finish": "The outcome is settled: finish the task.",
}


def take_in_events(state: TaskState, now: datetime) -> dict[str, Any]:
    """File inbound events into facts, and wake the sleeping specialist if its time came."""
    events = [InboundEvent.model_validate(e) for e in state.get("events") or []]
    facts = state.get("facts", {})
    updates, messages, compliance = take_in(facts, events)
    result: dict[str, Any] = {
        "events": [],
        "facts": updates,
        "messages": messages,
        "compliance_events": [c.model_dump() for c in compliance],
    }
    wakeup = state.get("wakeup")
    if wakeup:
        kinds = {e.kind for e in events}
        due = datetime.fromisoformat(wakeup["due_at"]) if wakeup.get("due_at") else None
        if kinds & set(wakeup.get("events", [])) or (due is not None and now >= due):
            agent = wakeup["agent"]
            report = state.get("reports", {}).get(agent, {})
            result["wakeup"] = None
            result["reports"] = {agent: {**report, "status": "working"}}
    if events:
        # Something happened in the world: a specialist that had nothing to do may have now.
        stuck = {
            name: {**report, "status": "working"}
            for name, report in state.get("reports", {}).items()
            if report.get("status") == "stuck"
        }
        result["reports"] = {**stuck, **result.get("reports", {})}
        result["timeline"] = [
            {
                "at": e.at,
                "actor": e.party or "world",
                "action": f"inbound_{e.kind}",
                "summary": e.doc_type or e.decision or e.channel or "",
            }
            for e in events
        ]
    return result


def allowed_routes(state: Mapping[str, Any]) -> list[str]:
    """Routes the code allows now; the model chooses among them."""
    if state.get("outcome"):
        return ["finish"]
    reports = state.get("reports", {})
    lead, helper = SPECIALISTS[state["vertical"]]
    lead_status = reports.get(lead, {}).get("status")
    helper_status = reports.get(helper, {}).get("status")
    routes = []
    if lead_status in _READY or (lead_status == "handed_off" and helper_status == "done"):
        routes.append(lead)
    if lead_status == "handed_off" and helper_status in (*_READY, "done_pending"):
        routes.append(helper)
    if not routes and state.get("wakeup"):
        routes.append("wait")
    return routes


def missing_application(request: TaskRequest, job: str) -> str | None:
    """The question to ask when the job's application data is not attached."""
    if job == "mortgage" and request.mortgage is None:
        return (
            "This reads like a mortgage job, but no loan application is attached. Please send "
            "the application (borrower, contact and consent, loan amount, property, county)."
        )
    if job == "prior_auth" and request.prior_auth is None:
        return (
            "This reads like a prior authorization, but the request data is missing. Please "
            "send the patient, member id, payer, ordering provider (NPI), CPT and ICD-10 codes."
        )
    return None


def supervisor_node(settings: AgentSettings) -> Any:
    """The supervisor as a graph node bound to its model and settings."""

    def node(state: TaskState) -> dict[str, Any]:
        now = settings.clock.now()
        update = take_in_events(state, now)
        merged: dict[str, Any] = {**state, **{k: v for k, v in update.items() if k != "facts"}}
        merged["facts"] = {**state.get("facts", {}), **update["facts"]}
        merged["reports"] = {**state.get("reports", {}), **update.get("reports", {})}
        request = TaskRequest.model_validate(state["request"])
        model = settings.model_for("supervisor")

        if not state.get("vertical") and not state.get("outcome"):
            return _classify(settings, state, request, update)

        try:
            if not merged.get("outcome"):
                settings.budget.check(merged)
        except BudgetExceeded as exc:
            update["outcome"] = {
                "status": "budget_exhausted",
                "limit": exc.limit,
                "value": exc.value,
                "detail": str(exc),
                "at": now.isoformat(),
                "by": "supervisor",
            }
            update["route"] = "finish"
            return update

        routes = allowed_routes(merged)
        if not routes:
            update["outcome"] = {
                "status": "stalled",
                "at": now.isoformat(),
                "detail": "no specialist can act and nothing is awaited",
            }
            update["route"] = "finish"
            return update
        route = routes[0]
        if len(routes) > 1:
            decision = decide(
                model,
                role="supervisor",
                system=PROMPT,
                task_id=state["task_id"],
                observation=_overview(merged, request),
                tools=[_route_tool(r, _ROUTE_TEXT[r]) for r in routes],
                seed=settings.seed,
                temperature=settings.temperature,
            )
            route = decision.tool.name
            update["usage"] = usage_update("supervisor", model, decision.usage)
        update["route"] = route
        update["steps"] = 1
        if route in SPECIALISTS[merged["vertical"]]:
            report = merged["reports"].get(route, {})
            update.setdefault("reports", {})[route] = {
                **report,
                "status": "working",
                "turn_steps": 0,
            }
        update["timeline"] = [
            *update.get("timeline", []),
            {"at": now.isoformat(), "actor": "supervisor", "action": "route", "summary": route},
        ]
        log.info("supervisor routed", extra={"task_id": state["task_id"], "route": route})
        return update

    return node


def _classify(
    settings: AgentSettings, state: TaskState, request: TaskRequest, update: dict[str, Any]
) -> dict[str, Any]:
    model = settings.model_for("supervisor")
    now = settings.clock.now()
    tool = Tool("classify", "Say which kind of job this request is.", ClassifyArgs, True, _noop)
    try:
        decision = decide(
            model,
            role="supervisor",
            system=PROMPT,
            task_id=state["task_id"],
            observation=f"Request: {mask(request.text)}",
            tools=[tool],
            seed=settings.seed,
            temperature=settings.temperature,
        )
        job = decision.args.job  # type: ignore[attr-defined]
        update["usage"] = usage_update("supervisor", model, decision.usage)
    except ActionError as exc:
        update["usage"] = usage_update("supervisor", model, exc.usage)
        attached = [
            name for name, form in (("mortgage", request.mortgage),
                                    ("prior_auth", request.prior_auth)) if form is not None
        ]  # fmt: skip
        # The model could not say; a single attached application still says which job it is.
        job = attached[0] if len(attached) == 1 else "unclear"
    question = (
        "Which job should we do: originate a mortgage, or get a prior authorization? Please "
        "say which and attach its application data."
        if job == "unclear"
        else missing_application(request, job)
    )
    update["steps"] = 1
    if question:
        update["outcome"] = {
            "status": "needs_clarification",
            "question": question,
            "at": now.isoformat(),
        }
        update["route"] = "finish"
    else:
        update["vertical"] = job
        update["route"] = SPECIALISTS[job][0]
        update["reports"] = {SPECIALISTS[job][0]: {"status": "working", "turn_steps": 0}}
    update["timeline"] = [
        {"at": now.isoformat(), "actor": "supervisor", "action": "classify", "summary": job}
    ]
    return update


def _overview(state: Mapping[str, Any], request: TaskRequest) -> str:
    lines = [f"Request: {mask(request.text)}", f"Job: {state.get('vertical')}"]
    for name, report in state.get("reports", {}).items():
        lines.append(f"- {name}: {report.get('status')}")
    if state.get("wakeup"):
        lines.append(
            f"Waiting on: {state['wakeup'].get('events')} until {state['wakeup'].get('due_at')}"
        )
    return "\n".join(lines)
