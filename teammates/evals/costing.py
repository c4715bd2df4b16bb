"""Cost of a run: model usage priced per model, plus channel fees priced in the registry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from teammates.evals.results import CostBreakdown, RoleUsage
from teammates.models.registry import registry_tables
from teammates.models.spec import ModelSpec
from teammates.models.usage import Cost, Usage

FEE_UNITS = {"sms": "sms_segments", "voice": "voice_minutes", "email": "emails", "fax": "fax_pages"}
"""State fee counter per priced channel."""


def channel_prices() -> dict[str, float]:
    """Dollars per unit (segment, minute, email, page) per channel, from the registry."""
    tables = registry_tables("channels")
    missing = sorted(set(FEE_UNITS) - set(tables))
    if missing:
        raise ValueError(
            f"the model registry has no [channels.<name>] price for {missing}; add "
            "usd_per_unit for each"
        )
    return {name: float(tables[name]["usd_per_unit"]) for name in FEE_UNITS}


def role_usage(state: Mapping[str, Any], specs: Mapping[str, ModelSpec]) -> list[RoleUsage]:
    """Usage and priced cost per `role|model` entry of a task state."""
    rows = []
    for key, raw in sorted(state.get("usage", {}).items()):
        role, model = key.split("|", 1)
        usage = Usage(**raw)
        spec = specs.get(model)
        cost = spec.price.cost_of(usage) if spec is not None else Cost(cost_usd=None)
        rows.append(
            RoleUsage(
                role=role,
                model=model,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                model_calls=usage.model_calls,
                compute_seconds=round(usage.compute_seconds, 3),
                cost_usd=cost.cost_usd,
                uncounted_calls=usage.uncounted_calls,
            )
        )
    return rows


def cost_breakdown(
    usage: list[RoleUsage], fees: Mapping[str, float], prices: Mapping[str, float]
) -> CostBreakdown:
    """Model dollars plus channel dollars; unknown model prices make the total unknown."""
    model = Cost(cost_usd=0.0)
    for row in usage:
        model = model + Cost(cost_usd=row.cost_usd)
    channel = {
        name: round(float(fees.get(counter, 0)) * prices[name], 6)
        for name, counter in FEE_UNITS.items()
    }
    total = model + Cost(cost_usd=sum(channel.values()))
    return CostBreakdown(
        model_usd=model.cost_usd,
        voice_usd=channel["voice"],
        sms_usd=channel["sms"],
        email_usd=channel["email"],
        fax_usd=channel["fax"],
        total_usd=total.cost_usd,
    )
