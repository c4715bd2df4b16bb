"""Running one recorded case end to end in the sandbox, on a virtual clock."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from langgraph.checkpoint.base import BaseCheckpointSaver

from teammates.agents.budget import Budget
from teammates.evals.cases import MortgageCase, PriorAuthCase
from teammates.evals.world import SandboxWorld
from teammates.graphs.builder import build_teammate
from teammates.graphs.runtime import Durability, Runtime, TaskStatus
from teammates.models.client import ChatModel
from teammates.tools.application import (
    ContactInfo,
    MortgageApplication,
    PriorAuthApplication,
    TaskRequest,
)
from teammates.tools.clock import VirtualClock
from teammates.tools.events import InboundEvent
from teammates.tools.outbox import Outbox

HORIZON_MARGIN_DAYS = 30
"""Virtual days past a case's deadline after which the replay gives up."""


def _contact(contact: Any) -> ContactInfo:
    return ContactInfo(
        phone=contact.phone,
        email=contact.email,
        time_zone=contact.time_zone,
        consent=list(contact.consent),
        preferred_channel=contact.preferred_channel,
    )


def request_for(case: MortgageCase | PriorAuthCase, task_id: str | None = None) -> TaskRequest:
    """The job as the customer hands it over: the ask and what they know, nothing hidden."""
    if isinstance(case, MortgageCase):
        b, loan = case.borrower, case.loan
        return TaskRequest(
            task_id=task_id or case.case_id,
            text=case.request,
            mortgage=MortgageApplication(
                borrower_name=b.name,
                ssn=b.ssn,
                date_of_birth=b.date_of_birth,
                employment=b.employment,
                stated_annual_income_usd=b.annual_income_usd,
                contact=_contact(b.contact),
                loan_amount_usd=loan.amount_usd,
                property_value_usd=loan.property_value_usd,
                purpose=loan.purpose,
                occupancy=loan.occupancy,
                state=loan.state,
                county_fips=loan.county_fips,
                application_date=loan.application_date,
                fha_requested=loan.fha_requested,
            ),
        )
    p, s = case.patient, case.service
    return TaskRequest(
        task_id=task_id or case.case_id,
        text=case.request,
        prior_auth=PriorAuthApplication(
            patient_name=p.name,
            date_of_birth=p.date_of_birth,
            member_id=p.member_id,
            patient_contact=_contact(p.contact),
            provider_name=case.provider.name,
            npi=case.provider.npi,
            tax_id=case.provider.tax_id,
            provider_fax=case.provider.fax,
            provider_email=f"records.{case.provider.npi}@provider.example.org",
            payer_name=case.payer.name,
            payer_phone=case.payer.phone,
            payer_fax=case.payer.fax,
            cpt=s.cpt,
            icd10=s.icd10,
            service_description=s.description,
            place_of_service=s.place_of_service,
            units=s.units,
            urgency=s.urgency,
            date_of_service=s.date_of_service,
        ),
    )


def start_time(case: MortgageCase | PriorAuthCase) -> datetime:
    """When the job reaches the teammate: 10:00 local on the application or request day."""
    if isinstance(case, MortgageCase):
        day, zone = case.loan.application_date, case.borrower.contact.time_zone
    else:
        day = case.requested_on or (case.service.date_of_service - timedelta(days=10))
        zone = case.patient.contact.time_zone
    local = datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


@dataclass
class Episode:
    """A finished replay: the final state and the world as it ended."""

    case: MortgageCase | PriorAuthCase
    """The case replayed."""
    state: dict[str, Any]
    """Final task state."""
    world: SandboxWorld
    """The world, with everything sent to it."""
    started_at: datetime
    """Virtual start."""
    ended_at: datetime
    """Virtual time of the last step."""
    wall_seconds: float
    """Real seconds the replay took."""
    error: str | None = None
    """The failure, when the run broke (model unreachable, invalid state)."""


def run_case(
    case: MortgageCase | PriorAuthCase,
    models: Mapping[str, ChatModel],
    *,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    seed: int = 0,
    temperature: float = 0.0,
    budget: Budget | None = None,
    task_id: str | None = None,
    durability: Durability = "exit",
) -> Episode:
    """Replay `case` until the task settles, the horizon passes, or nothing is left to wait for."""
    from langgraph.checkpoint.memory import InMemorySaver

    started = time.perf_counter()
    clock = VirtualClock(start_time(case))
    world = SandboxWorld(case, clock, seed=seed)
    graph = build_teammate(
        models,
        world,
        checkpointer or InMemorySaver(),
        clock=clock,
        outbox=Outbox(),
        budget=budget,
        temperature=temperature,
        seed=seed,
    )
    runtime = Runtime(graph, clock, durability=durability)
    request = request_for(case, task_id)
    horizon = clock.now() + timedelta(days=case.expected.deadline_days + HORIZON_MARGIN_DAYS)
    status = runtime.submit(request)
    while status.outcome is None:
        when = _next_moment(world, status)
        if when is None or when > horizon:
            break
        clock.advance_to(max(when, clock.now()))
        status = _step_world(runtime, world, status, clock.now())
    return Episode(
        case=case,
        state=runtime.state(request.task_id),
        world=world,
        started_at=start_time(case),
        ended_at=clock.now(),
        wall_seconds=time.perf_counter() - started,
    )


def _next_moment(world: SandboxWorld, status: TaskStatus) -> datetime | None:
    moments = [world.next_event_at()]
    if status.wakeup and status.wakeup.get("due_at"):
        moments.append(datetime.fromisoformat(status.wakeup["due_at"]))
    present = [m for m in moments if m is not None]
    return min(present) if present else None


def _step_world(
    runtime: Runtime, world: SandboxWorld, status: TaskStatus, now: datetime
) -> TaskStatus:
    events = world.pop_due(now)
    due = status.wakeup.get("due_at") if status.wakeup else None
    if due and datetime.fromisoformat(due) <= now:
        events.append(InboundEvent(kind="timer", at=now.isoformat()))
    if not events:
        return status
    return runtime.deliver(status.task_id, events)
