"""Usage and cost as value objects that add up."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Usage(BaseModel):
    """Tokens, calls and compute seconds spent by one model (or many, once added)."""

    model_config = ConfigDict(frozen=True)

    input_tokens: int = 0
    """Prompt tokens sent."""
    output_tokens: int = 0
    """Completion tokens received."""
    model_calls: int = 0
    """Chat completion requests made."""
    compute_seconds: float = 0.0
    """Wall seconds the serving machine spent answering (prices self-hosted models)."""
    uncounted_calls: int = 0
    """Calls whose reply carried no usable token counts; a per-token price of them is unknown."""

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            model_calls=self.model_calls + other.model_calls,
            compute_seconds=self.compute_seconds + other.compute_seconds,
            uncounted_calls=self.uncounted_calls + other.uncounted_calls,
        )


class Cost(BaseModel):
    """A cost in US dollars; `None` means somebody's price is unknown, never zero."""

    model_config = ConfigDict(frozen=True)

    cost_usd: float | None = 0.0
    """Dollars, or None when any part of the sum has no known price."""

    def __add__(self, other: Cost) -> Cost:
        if self.cost_usd is None or other.cost_usd is None:
            return Cost(cost_usd=None)
        return Cost(cost_usd=self.cost_usd + other.cost_usd)

    @property
    def known(self) -> bool:
        """Whether every price in the sum was known."""
        return self.cost_usd is not None

    def __str__(self) -> str:
        return "unknown" if self.cost_usd is None else f"${self.cost_usd:,.4f}"
