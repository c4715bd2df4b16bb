"""Model specs: which OpenAI-compatible endpoint a role talks to, and what it costs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from teammates.models.usage import Cost, Usage


class Price(BaseModel):
    """How a model is billed. Unknown fields stay `None` and make costs unknown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input_usd_per_million_tokens: float | None = Field(default=None, ge=0)
    """Hosted models: dollars per million prompt tokens."""
    output_usd_per_million_tokens: float | None = Field(default=None, ge=0)
    """Hosted models: dollars per million completion tokens."""
    compute_usd_per_hour: float | None = Field(default=None, ge=0)
    """Self-hosted models: dollars per hour of the serving machine."""
    source: str = "unknown"
    """Where the price came from (page or assumption)."""
    as_of: str | None = None
    """Date the price was read, ISO format."""

    def cost_of(self, usage: Usage) -> Cost:
        """Dollars for `usage`; unknown when the price that applies is unknown."""
        if self.compute_usd_per_hour is not None:
            return Cost(cost_usd=usage.compute_seconds / 3600 * self.compute_usd_per_hour)
        if self.input_usd_per_million_tokens is None or self.output_usd_per_million_tokens is None:
            return Cost(cost_usd=None)
        if usage.uncounted_calls:
            return Cost(cost_usd=None)
        return Cost(
            cost_usd=usage.input_tokens / 1e6 * self.input_usd_per_million_tokens
            + usage.output_tokens / 1e6 * self.output_usd_per_million_tokens
        )


class ModelSpec(BaseModel):
    """One model behind an OpenAI-compatible chat API."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    """Registry name used on the command line, e.g. `qwen2.5-coder-1.5b`."""
    provider: Literal["local", "openai_compatible", "scripted"]
    """`local` starts the embedded server; `openai_compatible` calls `base_url` as is."""
    model: str
    """Model id sent in the request body."""
    base_url: str | None = None
    """Endpoint root ending in `/v1`; for `local`, a running server to reuse if set."""
    api_key_env: str | None = None
    """Environment variable holding the API key (never the key itself)."""
    structured_output: Literal["json_schema", "json_object_schema", "tool_call", "none"] = (
        "json_schema"
    )
    """How the server constrains output to the action schema."""
    context_tokens: int = 4096
    """Context window the server is started with (local) or offers (hosted)."""
    price: Price = Field(default_factory=Price)
    """What it costs."""
    gguf_file: str | None = None
    """For `local`: file name of the weights in the model cache."""
