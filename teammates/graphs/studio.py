"""The graph `langgraph dev` serves (see `langgraph.json`).

It is the real teammate graph on the embedded local 1.5B model, wired to the sandbox world of
recorded case `mtg-0011` so every tool has a counterparty. Submit the case's request as input.

Note: the LangGraph server supplies its own checkpointer, and the sandbox world here keeps its
counterparties in memory; production wiring replaces the world with real vendor backends.
"""

from __future__ import annotations

from pathlib import Path

from teammates.evals.cases import load_cases
from teammates.evals.episode import start_time
from teammates.evals.world import SandboxWorld
from teammates.graphs.builder import build_teammate
from teammates.models.factory import chat_model
from teammates.models.registry import resolve_model
from teammates.tools.clock import VirtualClock

_CASE_ID = "mtg-0011"
_DATASETS = Path(__file__).resolve().parents[2] / "datasets"

_case = next(c for c in load_cases(_DATASETS) if c.case_id == _CASE_ID)
_clock = VirtualClock(start_time(_case))

graph = build_teammate(
    {"default": chat_model(resolve_model("qwen2.5-coder-1.5b"))},
    SandboxWorld(_case, _clock),
    None,
    clock=_clock,
)
"""The compiled teammate graph for LangGraph Studio."""
