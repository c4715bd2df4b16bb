"""Stable assignment of tasks to the agent arm or the human arm.

A task's arm depends only on the experiment name, the task id and the planned agent share, so
every process and machine gives the same answer (no Python `hash()`, which is salted per
process). The hash is SHA-256 of `experiment + ":" + task_id`; its first 8 bytes, read as an
unsigned big-endian integer and divided by 2**64, give a number uniform in [0, 1). Tasks below
`agent_share` go to the agent arm.
"""

from __future__ import annotations

import hashlib
import math
from typing import Literal

Arm = Literal["agent", "human"]
"""Which arm of the split test a task belongs to."""

_SEPARATOR = ":"
"""Keeps ("ab", "c") and ("a", "bc") apart in the hashed text."""


def assignment_point(task_id: str, experiment: str) -> float:
    """The task's fixed point in [0, 1) for this experiment, from SHA-256."""
    _require_name(task_id, "task_id")
    _require_name(experiment, "experiment")
    digest = hashlib.sha256(f"{experiment}{_SEPARATOR}{task_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def assign(task_id: str, experiment: str, agent_share: float = 0.5) -> Arm:
    """Put a task in the agent arm or the human arm, the same way on every machine.

    Args:
        task_id: The task's id, e.g. `mtg-00042`.
        experiment: The experiment name, e.g. `mortgage-2022`; a new name reshuffles the tasks.
        agent_share: Planned share of tasks for the agent arm, strictly between 0 and 1.
    """
    check_agent_share(agent_share)
    return "agent" if assignment_point(task_id, experiment) < agent_share else "human"


def check_agent_share(agent_share: float) -> None:
    """Raise ValueError unless the planned agent share is a number strictly inside (0, 1)."""
    if isinstance(agent_share, bool) or not isinstance(agent_share, int | float):
        raise ValueError(
            f"agent_share must be a number, got {agent_share!r}; pass e.g. 0.5 for a 50/50 split."
        )
    if not math.isfinite(agent_share) or not 0.0 < agent_share < 1.0:
        raise ValueError(
            f"agent_share must be strictly between 0 and 1, got {agent_share!r}; pass the share "
            "of tasks the agent arm should get, e.g. 0.5 for 50/50 or 0.2 for 20% agents."
        )


def _require_name(value: str, field: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field} must be a non-empty string, got {value!r}.")
