"""What a tool is: typed arguments the model fills, a docstring it reads, and a run function.

Each tool is marked read-only or state-changing and carries a guard (`available`) saying when it
may be offered at all. Tools reach the outside only through `Backends`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from teammates.models.usage import Usage
from teammates.tools.application import TaskRequest
from teammates.tools.backends import Backends
from teammates.tools.clock import Clock
from teammates.tools.compliance import ComplianceEvent
from teammates.tools.outbox import Outbox


class NoArgs(BaseModel):
    """A tool that takes no arguments."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class ToolContext:
    """Everything a tool run may read or call."""

    task_id: str
    """The task."""
    request: TaskRequest
    """The job and its application data."""
    facts: Mapping[str, Any]
    """Facts gathered so far (read-only view; return changes in the result)."""
    backends: Backends
    """The outside world."""
    clock: Clock
    """The one clock."""
    outbox: Outbox
    """Where sends go, once."""
    step: int
    """Task step number; part of every idempotency key."""
    extract: Callable[[str, str, type[BaseModel]], tuple[BaseModel, Usage]] | None = None
    """Asks the specialist's model to read a text and return raw facts in a model's shape:
    `(instructions, text, shape) -> (facts, usage)`. Models extract; code computes."""

    def now(self) -> datetime:
        """Current time."""
        return self.clock.now()

    def idempotency_key(self, tool: str, args: BaseModel) -> str:
        """Same task, step, tool and arguments give the same key, across retries and crashes."""
        digest = hashlib.sha256(
            json.dumps(args.model_dump(mode="json"), sort_keys=True).encode()
        ).hexdigest()[:16]
        return f"{self.task_id}:{self.step}:{tool}:{digest}"


EndsTurn = Literal["handoff", "wait", "done"]
"""How an action ends the specialist's turn: back to the supervisor, asleep, or finished."""


@dataclass
class ToolResult:
    """What running a tool changed."""

    observation: str
    """What the agent is told happened (no personal data)."""
    facts: dict[str, Any] = field(default_factory=dict)
    """Top-level fact keys to replace."""
    messages: list[dict[str, Any]] = field(default_factory=list)
    """Channel messages sent or received, for the state's log."""
    compliance: list[ComplianceEvent] = field(default_factory=list)
    """Blocked sends and recorded revocations."""
    ends_turn: EndsTurn | None = None
    """Set when the action ends the specialist's turn."""
    wakeup: dict[str, Any] | None = None
    """With `ends_turn="wait"`: what to wake up on (`events`, `due_at`)."""
    outcome: dict[str, Any] | None = None
    """Set when the action settles the task's outcome."""
    fees: dict[str, float] = field(default_factory=dict)
    """Channel fees incurred: `sms_segments`, `voice_minutes`, `emails`, `fax_pages`."""
    usage: Usage = field(default_factory=Usage)
    """Model usage spent inside the tool (extraction)."""


@dataclass(frozen=True)
class Tool:
    """One thing an agent can do."""

    name: str
    """Action name the model writes."""
    description: str
    """What the model reads about it."""
    args: type[BaseModel]
    """Argument model; becomes one branch of the action schema."""
    read_only: bool
    """True when running it changes nothing outside the task."""
    run: Callable[[ToolContext, Any], ToolResult]
    """Does the work."""
    available: Callable[[Mapping[str, Any]], bool] = lambda facts: True
    """Guard over the facts: when False the tool is not offered."""


def with_channels(args: type[BaseModel], channels: list[str]) -> type[BaseModel]:
    """`args` with its `channel` field narrowed to `channels` (the ones allowed right now)."""
    from pydantic import create_model

    narrowed: Any = Literal[tuple(channels)]
    model: type[BaseModel] = create_model(args.__name__, __base__=args, channel=(narrowed, ...))
    return model


def narrow_channels(tools: list[Tool], permitted: list[str]) -> list[Tool]:
    """Tools whose `channel` argument keeps only permitted channels; a tool left with none is
    dropped (it will be offered again once a channel opens)."""
    from dataclasses import replace
    from typing import get_args

    narrowed = []
    for tool in tools:
        field_info = tool.args.model_fields.get("channel")
        if field_info is None:
            narrowed.append(tool)
            continue
        allowed = [c for c in get_args(field_info.annotation) if c in permitted]
        if allowed:
            narrowed.append(replace(tool, args=with_channels(tool.args, allowed)))
    return narrowed
