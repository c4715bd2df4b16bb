"""The loop every specialist runs: decide one action, run it, repeat until the turn ends.

Deciding and running are separate checkpointed nodes: a crash after the model chose but before
the tool finished resumes by running the same chosen action with the same idempotency key, so a
message is never sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from pydantic import BaseModel, ValidationError

from teammates.agents.budget import Budget, BudgetExceeded
from teammates.agents.decision import ActionError, decide, inline_schema
from teammates.agents.state import TaskState
from teammates.models.client import ChatModel, ChatRequest
from teammates.models.usage import Usage
from teammates.tools.application import TaskRequest
from teammates.tools.backends import Backends
from teammates.tools.base import Tool, ToolContext, ToolResult, narrow_channels
from teammates.tools.clock import Clock
from teammates.tools.outbox import Outbox
from teammates.tools.privacy import mask

log = logging.getLogger(__name__)


def load_prompt(module_file: str, name: str) -> str:
    """The Markdown prompt that sits beside a specialist's module."""
    return (Path(module_file).parent / f"{name}.md").read_text().strip()


@dataclass(frozen=True)
class Specialist:
    """A specialist: its prompt, its tools, how it sees the state, and its typed report."""

    name: str
    """Node name and role name."""
    prompt: str
    """System prompt (the Markdown file beside the module)."""
    toolbox: Callable[[TaskRequest, Mapping[str, Any], datetime], Sequence[Tool]]
    """Its tools for this job and these facts; each tool's guard decides when it is offered."""
    observe: Callable[[TaskRequest, Mapping[str, Any], datetime], str]
    """What the model is shown: request, facts, now."""
    report: Callable[[TaskRequest, Mapping[str, Any]], BaseModel]
    """Its typed report, computed from the facts after every step."""
    permitted_channels: Callable[[TaskRequest, Mapping[str, Any], datetime], list[str]] | None = (
        None
    )
    """Channels a consumer message may use right now; offered choices are narrowed to them.
    Running a chosen action is not narrowed: the guard in the send decides then."""


@dataclass(frozen=True)
class AgentSettings:
    """What every agent node is bound to when the graph is built."""

    models: Mapping[str, ChatModel]
    """Model per role; `default` answers for roles not named."""
    backends: Backends
    """The outside world."""
    clock: Clock
    """The one clock."""
    outbox: Outbox
    """Where sends go, once."""
    budget: Budget = field(default_factory=Budget)
    """Per-task limits."""
    temperature: float = 0.0
    """Sampling temperature for every decision."""
    seed: int | None = None
    """Sampling seed (trial number in evals)."""

    def model_for(self, role: str) -> ChatModel:
        """The model assigned to `role`."""
        model = self.models.get(role) or self.models.get("default")
        if model is None:
            raise ValueError(f"no model for role {role!r}; pass models={{'default': ...}}")
        return model


def usage_update(role: str, model: ChatModel, usage: Usage) -> dict[str, dict[str, Any]]:
    """A state `usage` update for one role and model."""
    if usage.model_calls == 0:
        return {}
    return {f"{role}|{model.spec.name}": usage.model_dump()}


def add_specialist(
    graph: StateGraph[TaskState], spec: Specialist, settings: AgentSettings, *, exit_to: str
) -> None:
    """Add the specialist's decide/act loop to `graph`: node `<name>` decides, `<name>_act` runs.

    The loop lives in the parent graph rather than a compiled subgraph so each step's update
    merges into the shared state exactly once and is checkpointed with it.
    """
    decide_node, act_node = _nodes(spec, settings)
    act = f"{spec.name}_act"
    graph.add_node(spec.name, decide_node)
    graph.add_node(act, act_node)
    graph.add_conditional_edges(
        spec.name,
        lambda s: "act" if s.get("pending_action") else "exit",
        {"act": act, "exit": exit_to},
    )
    graph.add_conditional_edges(
        act,
        lambda s: "exit" if _turn_over(spec, s) else "decide",
        {"decide": spec.name, "exit": exit_to},
    )


def build_specialist(spec: Specialist, settings: AgentSettings) -> CompiledStateGraph[Any]:
    """The specialist alone, as a small compiled graph (for trying or testing it in isolation)."""
    graph: StateGraph[TaskState] = StateGraph(TaskState)
    add_specialist(graph, spec, settings, exit_to=END)
    graph.add_edge(START, spec.name)
    return graph.compile(name=spec.name)


def _turn_over(spec: Specialist, state: TaskState) -> bool:
    status = state.get("reports", {}).get(spec.name, {}).get("status")
    return bool(state.get("outcome")) or status in (
        "waiting",
        "handed_off",
        "done",
        "working_paused",
        "stuck",
    )


def _nodes(spec: Specialist, settings: AgentSettings) -> tuple[Any, Any]:
    """The decide and act nodes of one specialist."""

    def decide_node(state: TaskState) -> dict[str, Any]:
        request = TaskRequest.model_validate(state["request"])
        facts = state.get("facts", {})
        report = state.get("reports", {}).get(spec.name, {})
        if report.get("turn_steps", 0) >= settings.budget.max_steps_per_turn:
            return _end_turn(spec, request, facts, "working", "turn step limit reached")
        try:
            settings.budget.check(dict(state))
        except BudgetExceeded as exc:
            return _exhausted(spec, exc, settings.clock.now())

        now = settings.clock.now()
        offered = [tool for tool in spec.toolbox(request, facts, now) if tool.available(facts)]
        if spec.permitted_channels is not None:
            offered = narrow_channels(offered, spec.permitted_channels(request, facts, now))
        if not offered:
            return _end_turn(spec, request, facts, "stuck", "nothing to do now")
        model = settings.model_for(spec.name)
        observation = spec.observe(request, facts, settings.clock.now())
        last = report.get("last_observation")
        if last:
            observation = f"Result of your last action: {last}\n\n{observation}"
        try:
            decision = decide(
                model,
                role=spec.name,
                system=spec.prompt,
                observation=observation,
                tools=offered,
                task_id=state["task_id"],
                seed=_seed(settings.seed, state),
                temperature=settings.temperature,
            )
        except ActionError as exc:
            log.warning("invalid action", extra={"task_id": state["task_id"], "role": spec.name})
            return {
                "steps": 1,
                "usage": usage_update(spec.name, model, exc.usage),
                "reports": {spec.name: {**report, "last_observation": f"Invalid action: {exc}"}},
                "timeline": [_line(settings, spec.name, "invalid_action", str(exc)[:160])],
            }
        return {
            "pending_action": {
                "tool": decision.tool.name,
                "args": decision.args.model_dump(mode="json"),
                "forced": decision.forced,
            },
            "usage": usage_update(spec.name, model, decision.usage),
        }

    def act_node(state: TaskState) -> dict[str, Any]:
        pending = state.get("pending_action")
        if not pending:
            return {}
        request = TaskRequest.model_validate(state["request"])
        facts = dict(state.get("facts", {}))
        tool = next(
            (
                t
                for t in spec.toolbox(request, facts, settings.clock.now())
                if t.name == pending["tool"]
            ),
            None,
        )
        if tool is None:
            return _failed(spec, settings, state, pending["tool"], "no longer available")
        args = tool.args.model_validate(pending["args"])
        model = settings.model_for(spec.name)
        ctx = ToolContext(
            task_id=state["task_id"],
            request=request,
            facts=facts,
            backends=settings.backends,
            clock=settings.clock,
            outbox=settings.outbox,
            step=int(state.get("steps", 0)),
            extract=partial(extract, model, spec.name, state["task_id"]),
        )
        try:
            result = tool.run(ctx, args)
        except ActionError as exc:
            failed = _failed(spec, settings, state, tool.name, str(exc))
            failed["usage"] = usage_update(spec.name, model, exc.usage)
            return failed
        log.info(
            "agent step",
            extra={"task_id": state["task_id"], "role": spec.name, "tool": tool.name},
        )
        return _apply(spec, settings, state, request, facts, tool, result)

    return decide_node, act_node


def extract(
    model: ChatModel,
    role: str,
    task_id: str,
    instructions: str,
    text: str,
    shape: type[BaseModel],
) -> tuple[BaseModel, Usage]:
    """Ask `model` to read `text` and return raw facts shaped like `shape` (one retry)."""
    messages = [
        {"role": "system", "content": instructions + " Answer with one JSON object."},
        {"role": "user", "content": text},
    ]
    usage = Usage()
    for attempt in range(2):
        reply = model.complete(
            ChatRequest(
                role=role,
                messages=messages,
                schema=inline_schema(shape.model_json_schema()),
                max_tokens=200,
                task_id=task_id,
            )
        )
        usage = usage + reply.usage
        try:
            return shape.model_validate_json(reply.text), usage
        except ValidationError as exc:
            if attempt == 1:
                raise ActionError(
                    f"{role}: model {model.spec.name!r} could not extract "
                    f"{shape.__name__} twice: {exc.errors()[0]['msg']}",
                    usage,
                ) from exc
            messages = [
                *messages,
                {"role": "assistant", "content": reply.text},
                {"role": "user", "content": f"Invalid: {exc.errors()[0]['msg']}. Try again."},
            ]
    raise AssertionError("unreachable")


def _failed(
    spec: Specialist, settings: AgentSettings, state: TaskState, tool: str, why: str
) -> dict[str, Any]:
    """The update for a chosen action that could not run: the agent is told and moves on."""
    report = state.get("reports", {}).get(spec.name, {})
    return {
        "pending_action": None,
        "steps": 1,
        "reports": {spec.name: {**report, "last_observation": f"{tool} failed: {why}"}},
        "timeline": [_line(settings, spec.name, "failed_" + tool, why[:160])],
    }


def _seed(base: int | None, state: TaskState) -> int | None:
    return None if base is None else base * 1000 + int(state.get("steps", 0))


def _line(settings: AgentSettings, actor: str, action: str, summary: str) -> dict[str, Any]:
    return {
        "at": settings.clock.now().isoformat(),
        "actor": actor,
        "action": action,
        "summary": mask(summary),
    }


def _apply(
    spec: Specialist,
    settings: AgentSettings,
    state: TaskState,
    request: TaskRequest,
    facts: dict[str, Any],
    tool: Tool,
    result: ToolResult,
) -> dict[str, Any]:
    """The state update for one tool result."""
    new_facts = {**facts, **result.facts}
    previous = state.get("reports", {}).get(spec.name, {})
    status = {"handoff": "handed_off", "wait": "waiting", "done": "done"}.get(
        result.ends_turn or "", "working"
    )
    report = {
        **spec.report(request, new_facts).model_dump(mode="json"),
        "status": status,
        "turn_steps": 0 if result.ends_turn else previous.get("turn_steps", 0) + 1,
        "last_observation": None if result.ends_turn else result.observation,
    }
    update: dict[str, Any] = {
        "pending_action": None,
        "steps": 1,
        "facts": result.facts,
        "reports": {spec.name: report},
        "messages": result.messages,
        "compliance_events": [event.model_dump() for event in result.compliance],
        "fees": {k: v for k, v in result.fees.items() if v},
        "tools_called": [tool.name],
        "usage": usage_update(spec.name, settings.model_for(spec.name), result.usage),
        "timeline": [_line(settings, spec.name, tool.name, result.observation)],
    }
    if result.ends_turn == "wait":
        update["wakeup"] = {"agent": spec.name, **(result.wakeup or {})}
    if result.outcome is not None:
        update["outcome"] = result.outcome
    return update


def _end_turn(
    spec: Specialist,
    request: TaskRequest,
    facts: Mapping[str, Any],
    status: str,
    why: str,
) -> dict[str, Any]:
    report = {
        **spec.report(request, facts).model_dump(mode="json"),
        "status": "working_paused" if status == "working" else status,
        "turn_steps": 0,
        "last_observation": why,
    }
    return {"pending_action": None, "reports": {spec.name: report}}


def _exhausted(spec: Specialist, exc: BudgetExceeded, now: datetime) -> dict[str, Any]:
    return {
        "pending_action": None,
        "outcome": {
            "status": "budget_exhausted",
            "limit": exc.limit,
            "value": exc.value,
            "detail": str(exc),
            "at": now.isoformat(),
            "by": spec.name,
        },
    }
