"""Hand-made trial results, for tests of what is computed from them (metrics, reports)."""

from __future__ import annotations

from typing import Any

from teammates.evals.results import CostBreakdown, TrialResult


def trial_result(
    case_id: str,
    *,
    completed: bool,
    cost_usd: float | None,
    assignment: str = "m",
    **fields: Any,
) -> TrialResult:
    """One finished trial whose whole cost, `cost_usd` (None: unknown), is the model's.

    A failed trial failed with `wrong_decision`; `fields` set any other `TrialResult` field.
    """
    cost = CostBreakdown(
        model_usd=cost_usd,
        voice_usd=0.0,
        sms_usd=0.0,
        email_usd=0.0,
        fax_usd=0.0,
        total_usd=cost_usd,
    )
    values: dict[str, Any] = {
        "case_id": case_id,
        "vertical": "mortgage",
        "tags": [],
        "assignment": assignment,
        "roles": {"supervisor": assignment},
        "trial": 0,
        "completed": completed,
        "failure": None if completed else "wrong_decision",
        "failure_detail": None,
        "outcome": "approved" if completed else None,
        "cost": cost,
        "usage": [],
        "input_tokens": 100,
        "output_tokens": 10,
        "model_calls": 4,
        "agent_steps": 5,
        "wall_seconds": 1.0,
        "virtual_days": 10.0 if completed else None,
        "compliance_events": 0,
        "tools_called": [],
        "voice_minutes": 0.0,
        "sms_segments": 0,
        "emails": 0,
        "fax_pages": 0,
    }
    return TrialResult(**(values | fields))
