"""Building the compiled teammate graph from models, backends and a checkpointer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from teammates.agents import borrower_qualifier, document_collector, insurer_caller
from teammates.agents.budget import Budget
from teammates.agents.specialist import AgentSettings, add_specialist
from teammates.agents.state import TaskState
from teammates.graphs.supervisor import supervisor_node
from teammates.models.client import ChatModel
from teammates.tools.backends import Backends
from teammates.tools.clock import Clock, WallClock
from teammates.tools.outbox import Outbox

ROLES = ("supervisor", "borrower_qualifier", "document_collector", "insurer_caller")
"""Roles a model can be assigned to."""


def build_teammate(
    models: Mapping[str, ChatModel],
    backends: Backends,
    checkpointer: BaseCheckpointSaver[Any] | None,
    *,
    clock: Clock | None = None,
    outbox: Outbox | None = None,
    budget: Budget | None = None,
    temperature: float = 0.0,
    seed: int | None = None,
) -> CompiledStateGraph[Any]:
    """The supervisor graph with its three specialists, compiled over `checkpointer`.

    `models` maps roles to models; a `default` entry answers for roles not named.
    """
    unknown = set(models) - {*ROLES, "default"}
    if unknown:
        raise ValueError(
            f"unknown role(s) {sorted(unknown)!r} in models; use {list(ROLES)} or 'default'"
        )
    settings = AgentSettings(
        models=models,
        backends=backends,
        clock=clock or WallClock(),
        outbox=outbox or Outbox(),
        budget=budget or Budget(),
        temperature=temperature,
        seed=seed,
    )
    graph: StateGraph[TaskState] = StateGraph(TaskState)
    graph.add_node("supervisor", supervisor_node(settings))
    for module in (borrower_qualifier, document_collector, insurer_caller):
        add_specialist(graph, module.specialist(), settings, exit_to="supervisor")
    graph.add_node("wait", _wait)
    graph.add_node("finish", _finish)
    graph.add_edge(START, "supervisor")
    graph.add_conditional_edges(
        "supervisor",
        lambda state: state.get("route") or "finish",
        {
            r: r
            for r in (
                "borrower_qualifier",
                "document_collector",
                "insurer_caller",
                "wait",
                "finish",
            )
        },
    )
    graph.add_edge("wait", END)
    graph.add_edge("finish", END)
    return graph.compile(checkpointer=checkpointer, name="teammate")


def _wait(state: TaskState) -> dict[str, Any]:
    return {"route": None}


def _finish(state: TaskState) -> dict[str, Any]:
    return {"route": None, "wakeup": None}
