"""One trial's row: a finished replay scored, priced and counted, with no personal data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from teammates.evals.cases import MortgageCase, PriorAuthCase
from teammates.evals.costing import channel_prices, cost_breakdown, role_usage
from teammates.evals.episode import Episode, start_time
from teammates.evals.results import TrialResult
from teammates.evals.scoring import score
from teammates.evals.world import SandboxWorld
from teammates.models.spec import ModelSpec
from teammates.tools.clock import VirtualClock
from teammates.tools.privacy import mask

ERROR_DETAIL_CHARS = 300
"""How much of an exception's message a failed trial keeps (never a stack trace)."""


def trial_result(
    episode: Episode,
    assignment_name: str,
    role_specs: Mapping[str, ModelSpec],
    trial: int,
    *,
    prices: Mapping[str, float] | None = None,
) -> TrialResult:
    """Score, price and count `episode` as trial `trial` of the assignment `assignment_name`.

    `role_specs` names the model of each role (`default` for the rest); its prices are the ones
    charged, so a replay priced with today's registry costs what the recorded tokens cost today.
    """
    state = episode.state
    verdict = score(episode)
    usage = role_usage(state, {spec.name: spec for spec in role_specs.values()})
    fees = state.get("fees", {})
    outcome = state.get("outcome") or {}
    return TrialResult(
        case_id=episode.case.case_id,
        vertical=episode.case.vertical,
        tags=list(episode.case.tags),
        assignment=assignment_name,
        roles={role: spec.name for role, spec in sorted(role_specs.items())},
        trial=trial,
        completed=verdict.completed,
        failure=verdict.failure,
        failure_detail=mask(verdict.detail) if verdict.detail else None,
        outcome=outcome.get("status"),
        cost=cost_breakdown(usage, fees, prices if prices is not None else channel_prices()),
        usage=usage,
        input_tokens=sum(row.input_tokens for row in usage),
        output_tokens=sum(row.output_tokens for row in usage),
        model_calls=sum(row.model_calls for row in usage),
        agent_steps=int(state.get("steps", 0)),
        wall_seconds=round(episode.wall_seconds, 3),
        virtual_days=_virtual_days(episode, outcome),
        compliance_events=len(state.get("compliance_events", [])),
        tools_called=list(dict.fromkeys(state.get("tools_called", []))),
        voice_minutes=float(fees.get("voice_minutes", 0.0)),
        sms_segments=int(fees.get("sms_segments", 0)),
        emails=int(fees.get("emails", 0)),
        fax_pages=int(fees.get("fax_pages", 0)),
    )


def failed_episode(
    case: MortgageCase | PriorAuthCase,
    state: Mapping[str, Any],
    error: BaseException | str,
    wall_seconds: float,
) -> Episode:
    """An episode for a replay that raised: the last checkpointed state and the error message.

    The state keeps the usage and fees spent before the failure, so the failed attempt still
    counts in the cost per completed task.
    """
    message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    started = start_time(case)
    outcome = state.get("outcome") or {}
    ended = datetime.fromisoformat(outcome["at"]) if outcome.get("at") else started
    return Episode(
        case=case,
        state=dict(state),
        world=SandboxWorld(case, VirtualClock(started)),
        started_at=started,
        ended_at=ended,
        wall_seconds=wall_seconds,
        error=message[:ERROR_DETAIL_CHARS],
    )


def _virtual_days(episode: Episode, outcome: Mapping[str, Any]) -> float | None:
    if not outcome.get("at"):
        return None
    settled = datetime.fromisoformat(outcome["at"])
    return round((settled - episode.started_at).total_seconds() / 86400, 3)
