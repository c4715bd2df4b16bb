"""The shared, checkpointed state of one task (one LangGraph thread per task id).

Values are plain JSON (dicts, lists, strings, numbers) so every checkpointer stores them
without custom serialisers; the typed models that produce them live beside the code that writes
them. Reducers say how each step's update combines with what is there.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict


def merge(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """Top-level keys of `right` replace those of `left`."""
    return {**(left or {}), **(right or {})}


def add_counts(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """Add numbers key by key, one level of nesting deep (usage per role, fees per kind)."""
    result: dict[str, Any] = dict(left or {})
    for key, value in (right or {}).items():
        if isinstance(value, dict):
            inner = dict(result.get(key, {}))
            for k, v in value.items():
                inner[k] = inner.get(k, 0) + v if isinstance(v, int | float) else v
            result[key] = inner
        else:
            result[key] = result.get(key, 0) + value
    return result


class TaskState(TypedDict, total=False):
    """Everything known about one task, checkpointed after every step."""

    task_id: str
    """The task id, also the thread id."""
    request: dict[str, Any]
    """The `TaskRequest` as JSON: the ask and the application data."""
    vertical: str | None
    """`mortgage` or `prior_auth` once the supervisor has classified the request."""
    events: list[dict[str, Any]]
    """Inbound events delivered with this invocation; emptied once taken in."""
    facts: Annotated[dict[str, Any], merge]
    """Facts gathered: consent, credit, documents, qualification, payer interactions."""
    reports: Annotated[dict[str, dict[str, Any]], merge]
    """Each specialist's typed report (status, findings, what is missing)."""
    messages: Annotated[list[dict[str, Any]], operator.add]
    """Messages sent and received, per channel, in order."""
    wakeup: dict[str, Any] | None
    """Pending wake-up: the specialist asleep, the events it expects, and when to wake anyway."""
    compliance_events: Annotated[list[dict[str, Any]], operator.add]
    """Blocked sends and recorded revocations of consent."""
    usage: Annotated[dict[str, dict[str, Any]], add_counts]
    """Model usage per `role|model`: tokens, calls, compute seconds."""
    fees: Annotated[dict[str, Any], add_counts]
    """Channel usage: SMS segments, voice minutes, emails, fax pages."""
    steps: Annotated[int, operator.add]
    """Steps taken by the supervisor and specialists, all turns."""
    pending_action: dict[str, Any] | None
    """Action chosen but not yet run; running it is its own checkpointed step."""
    route: str | None
    """The supervisor's latest routing choice."""
    timeline: Annotated[list[dict[str, Any]], operator.add]
    """One line per step, in virtual time, without personal data."""
    tools_called: Annotated[list[str], operator.add]
    """Tool names in call order."""
    outcome: dict[str, Any] | None
    """Final outcome once settled: `status` and its details."""
