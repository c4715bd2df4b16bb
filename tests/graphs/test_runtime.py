"""The runtime: crash and resume from a SQLite checkpoint, id reuse, and clear input errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from teammates.evals.episode import Episode, request_for, start_time
from teammates.evals.scoring import score
from teammates.evals.world import SandboxWorld
from teammates.graphs.builder import build_teammate
from teammates.graphs.persistence import open_checkpointer
from teammates.graphs.runtime import Runtime, TaskNotFoundError, TaskStatus
from teammates.models.client import ChatModel, ChatRequest, FunctionModel, ScriptedModel
from teammates.tools.application import ContactInfo, TaskRequest
from teammates.tools.backends import DeliveryReceipt, OutboundMessage
from teammates.tools.clock import VirtualClock
from teammates.tools.events import InboundEvent
from teammates.tools.outbox import Outbox


class ConnectionLost(ConnectionError):
    """The process lost the channel provider mid-send (stands in for a crash)."""


class LoseReceiptOnce:
    """Channels that deliver a message, then lose the connection once before the receipt."""

    def __init__(self, world: SandboxWorld, purpose: str) -> None:
        self.world = world
        self.purpose = purpose
        self.crashed = False

    def send(self, task_id: str, message: OutboundMessage, key: str) -> DeliveryReceipt:
        receipt = self.world.send(task_id, message, key)
        if message.purpose == self.purpose and not self.crashed:
            self.crashed = True
            raise ConnectionLost("connection reset after the provider accepted the message")
        return receipt


class NoIdempotencyKeys:
    """A provider that ignores idempotency keys: every call is a new message."""

    def __init__(self, world: SandboxWorld) -> None:
        self.world = world
        self.calls = 0

    def send(self, task_id: str, message: OutboundMessage, key: str) -> DeliveryReceipt:
        self.calls += 1
        return self.world.send(task_id, message, f"{key}#{self.calls}")


class CrashAfterRecording(Outbox):
    """An outbox whose process dies once right after it recorded a send, before the step's
    checkpoint is written."""

    def __init__(self, path: Path, purpose: str) -> None:
        super().__init__(path)
        self.purpose = purpose

    def send(
        self, task_id: str, key: str, message: OutboundMessage, channels: Any
    ) -> tuple[DeliveryReceipt, bool]:
        result = super().send(task_id, key, message, channels)
        if message.purpose == self.purpose:
            raise ConnectionLost("process killed after the send was recorded")
        return result


def _runtime(models: ChatModel, world: SandboxWorld, checkpointer: Any, outbox: Outbox) -> Runtime:
    graph = build_teammate(
        {"default": models}, world, checkpointer, clock=world.clock, outbox=outbox
    )
    return Runtime(graph, world.clock)


def _drive(runtime: Runtime, world: SandboxWorld, status: TaskStatus) -> TaskStatus:
    """Play the world forward until the task settles (as the eval runner does)."""
    clock = world.clock
    assert isinstance(clock, VirtualClock)
    for _ in range(50):
        if status.outcome is not None:
            return status
        due = status.wakeup.get("due_at") if status.wakeup else None
        moments = [
            m for m in (world.next_event_at(), datetime.fromisoformat(due) if due else None) if m
        ]
        clock.advance_to(max(min(moments), clock.now()))
        events = world.pop_due(clock.now())
        if due and datetime.fromisoformat(due) <= clock.now():
            events.append(InboundEvent(kind="timer", at=clock.now().isoformat()))
        status = runtime.deliver(status.task_id, events)
    raise AssertionError(f"task {status.task_id} did not settle")


def _purposes(world: SandboxWorld) -> list[str]:
    return [message.purpose for _, message in world.sent]


def test_crash_after_send_resumes_from_sqlite_without_texting_twice(
    tmp_path, case_by_id, replies
) -> None:
    case = case_by_id("mtg-0011")
    clock = VirtualClock(start_time(case))
    world = SandboxWorld(case, clock)
    world.channels = LoseReceiptOnce(world, "credit_consent")
    model = ScriptedModel(replies("mtg-0011"))
    checkpoints, outbox = tmp_path / "checkpoints.db", tmp_path / "outbox.db"

    with open_checkpointer(checkpoints) as saver, pytest.raises(ConnectionLost):
        _runtime(model, world, saver, Outbox(outbox)).submit(request_for(case))

    # A new process: fresh checkpointer, graph, runtime and outbox over the same files.
    with open_checkpointer(checkpoints) as saver:
        runtime = _runtime(model, world, saver, Outbox(outbox))
        assert runtime.graph.get_state({"configurable": {"thread_id": "mtg-0011"}}).next == (
            "borrower_qualifier_act",
        )
        status = _drive(runtime, world, runtime.resume("mtg-0011"))
        state = runtime.state("mtg-0011")

    assert _purposes(world).count("credit_consent") == 1
    outbound = [m for m in state["messages"] if m["direction"] == "out"]
    assert [m["purpose"] for m in outbound].count("credit_consent") == 1
    assert status.outcome is not None and status.outcome["status"] == "loan_estimate"
    # The chosen action was replayed from the checkpoint, not asked for again.
    assert len(model.requests) == len(model.replies)
    episode = Episode(
        case=case,
        state=state,
        world=world,
        started_at=start_time(case),
        ended_at=clock.now(),
        wall_seconds=0.0,
    )
    assert score(episode).completed


def test_crash_after_the_outbox_recorded_a_send_suppresses_the_repeat(
    tmp_path, case_by_id, replies
) -> None:
    case = case_by_id("mtg-0011")
    clock = VirtualClock(start_time(case))
    world = SandboxWorld(case, clock)
    provider = NoIdempotencyKeys(world)
    world.channels = provider
    model = ScriptedModel(replies("mtg-0011"))
    checkpoints, outbox = tmp_path / "checkpoints.db", tmp_path / "outbox.db"

    with open_checkpointer(checkpoints) as saver, pytest.raises(ConnectionLost):
        runtime = _runtime(model, world, saver, CrashAfterRecording(outbox, "document_request:w2"))
        _drive(runtime, world, runtime.submit(request_for(case)))

    with open_checkpointer(checkpoints) as saver:
        runtime = _runtime(model, world, saver, Outbox(outbox))
        status = _drive(runtime, world, runtime.resume("mtg-0011"))

    assert _purposes(world).count("document_request:w2") == 1
    assert provider.calls == len(world.sent) == 5
    assert status.outcome is not None and status.outcome["status"] == "loan_estimate"


def test_crash_decided_before_quiet_hours_is_blocked_and_recorded_on_resume(
    tmp_path, case_by_id
) -> None:
    # The model chose a text at 20:59 in Chicago; the process died before it went out and comes
    # back at 21:01. The guard must refuse it and record why, not crash the task for good.
    case = case_by_id("mtg-0011")
    clock = VirtualClock(datetime(2022, 4, 2, 1, 59, tzinfo=UTC))  # 20:59 CDT
    world = SandboxWorld(case, clock)

    class RefuseOnce:
        refused = False

        def send(self, task_id: str, message: OutboundMessage, key: str) -> DeliveryReceipt:
            if not self.refused:
                self.refused = True
                raise ConnectionLost("provider unreachable")
            return world.send(task_id, message, key)

    world.channels = RefuseOnce()

    def answer(request: ChatRequest) -> dict[str, str]:
        if request.role == "supervisor":
            return {"action": "classify", "job": "mortgage"}
        channels = str(request.schema)
        return {"action": "request_consent", "channel": "sms" if "sms" in channels else "email"}

    with open_checkpointer(tmp_path / "cp.db") as saver, pytest.raises(ConnectionLost):
        _runtime(FunctionModel(answer), world, saver, Outbox()).submit(request_for(case))

    clock.advance(timedelta(minutes=2))
    with open_checkpointer(tmp_path / "cp.db") as saver:
        runtime = _runtime(FunctionModel(answer), world, saver, Outbox())
        runtime.resume("mtg-0011")
        state = runtime.state("mtg-0011")

    blocked = [e for e in state["compliance_events"] if e["blocked"]]
    assert [(e["rule"], e["channel"]) for e in blocked] == [("calling_hours", "sms")]
    assert [m.channel for _, m in world.sent] == ["email"]


def test_reused_task_id_is_refused_and_saved_state_is_untouched(tmp_path, case_by_id) -> None:
    case = case_by_id("mtg-0011")
    world = SandboxWorld(case, VirtualClock(start_time(case)))
    model = ScriptedModel(
        [
            {"action": "classify", "job": "mortgage"},
            {"action": "request_consent", "channel": "email"},
        ]
    )
    config = {"configurable": {"thread_id": "mtg-0011"}}

    with open_checkpointer(tmp_path / "cp.db") as saver:
        runtime = _runtime(model, world, saver, Outbox())
        first = runtime.submit(request_for(case))
        before = runtime.graph.get_state(config)

        other = TaskRequest(task_id="mtg-0011", text="A different job under the same id.")
        with pytest.raises(ValueError, match=r"task_id='mtg-0011' was already submitted"):
            runtime.submit(other)

        after = runtime.graph.get_state(config)
    assert after.config == before.config
    assert after.values == before.values
    assert after.values["request"]["text"] == case.request
    assert first.wakeup is not None and first.wakeup["agent"] == "borrower_qualifier"
    assert len(world.sent) == 1
    assert len(model.requests) == 2


def test_unknown_task_is_named_in_the_error(case_by_id) -> None:
    case = case_by_id("mtg-0011")
    world = SandboxWorld(case, VirtualClock(start_time(case)))
    with open_checkpointer(":memory:") as saver:
        runtime = _runtime(ScriptedModel([]), world, saver, Outbox())

        with pytest.raises(TaskNotFoundError, match="no task 'ghost-1'; submit it first"):
            runtime.state("ghost-1")
        with pytest.raises(TaskNotFoundError, match="ghost-2"):
            runtime.deliver("ghost-2", [])


@pytest.mark.parametrize(
    ("fields", "field", "value"),
    [
        ({"task_id": "loan for ana!", "text": "x"}, "task_id", "loan for ana!"),
        ({"task_id": "", "text": "x"}, "task_id", "''"),
        ({"task_id": "t-1", "text": ""}, "text", "''"),
        ({"task_id": "t-1", "text": "x", "priority": "high"}, "priority", "high"),
    ],
)
def test_bad_task_request_names_the_field_and_the_value(fields, field, value) -> None:
    with pytest.raises(ValidationError) as raised:
        TaskRequest(**fields)

    message = str(raised.value)
    assert field in message
    assert value in message


def test_unknown_role_in_build_teammate_names_it(case_by_id) -> None:
    case = case_by_id("mtg-0011")
    world = SandboxWorld(case, VirtualClock(start_time(case)))

    with pytest.raises(ValueError) as raised:
        build_teammate(
            {"default": ScriptedModel([]), "underwriter": ScriptedModel([])}, world, None
        )

    assert str(raised.value).startswith("unknown role(s) ['underwriter'] in models; use [")
    assert "'default'" in str(raised.value)


def test_bad_time_zone_is_refused_when_the_request_is_made() -> None:
    with pytest.raises(ValidationError) as raised:
        ContactInfo(
            phone="+19155550101",
            email="a@example.com",
            time_zone="America/El_Paso_TX",
            consent=["sms"],
            preferred_channel="sms",
        )

    assert "time_zone" in str(raised.value)
    assert "America/El_Paso_TX" in str(raised.value)
