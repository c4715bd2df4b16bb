"""Limits checked before every model call: steps, model calls, tokens and dollars per task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class BudgetExceeded(RuntimeError):
    """A task hit one of its limits; the message names the limit and its value."""

    def __init__(self, limit: str, value: float, used: float) -> None:
        super().__init__(f"budget exhausted: {limit}={value} reached (used {used})")
        self.limit = limit
        self.value = value
        self.used = used


@dataclass(frozen=True)
class Budget:
    """How much one task may spend before it stops with `budget_exhausted`."""

    max_steps: int = 80
    """Supervisor and specialist steps, all turns together."""
    max_model_calls: int = 120
    """Model requests, all roles."""
    max_tokens: int = 400_000
    """Input plus output tokens, all roles."""
    max_steps_per_turn: int = 20
    """Steps one specialist may take before it must hand back or wait."""

    def check(self, state: dict[str, Any]) -> None:
        """Raise `BudgetExceeded` when the next model call would go over a limit."""
        steps = int(state.get("steps", 0))
        calls = sum(int(u.get("model_calls", 0)) for u in state.get("usage", {}).values())
        tokens = sum(
            int(u.get("input_tokens", 0)) + int(u.get("output_tokens", 0))
            for u in state.get("usage", {}).values()
        )
        for limit, value, used in (
            ("max_steps", self.max_steps, steps),
            ("max_model_calls", self.max_model_calls, calls),
            ("max_tokens", self.max_tokens, tokens),
        ):
            if used >= value:
                raise BudgetExceeded(limit, value, used)
