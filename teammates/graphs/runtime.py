"""The runtime: submit tasks, deliver inbound events, fire due timers, report outcomes."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph

from teammates.graphs.task_locks import TaskLocks
from teammates.graphs.wakeups import WakeupStore
from teammates.graphs.webhook import WebhookSender
from teammates.tools.application import TaskRequest
from teammates.tools.clock import Clock
from teammates.tools.events import InboundEvent

log = logging.getLogger(__name__)

Durability = Literal["sync", "async", "exit"]
"""When checkpoints are written: before each next step (`sync`, the production default, so a
crash loses nothing), alongside it (`async`), or once per invocation (`exit`, for sandbox
replays where a crashed trial is simply run again)."""

TIMER_RETRY = timedelta(minutes=15)
"""How long a task whose timer run failed (model down, backend error) waits before a retry."""

RECURSION_LIMIT = 2000
"""Graph steps one invocation may take; the task budget stops runaway work long before."""


@dataclass(frozen=True)
class TaskStatus:
    """Where a task stands after an invocation."""

    task_id: str
    """The task."""
    outcome: dict[str, Any] | None
    """Settled outcome, or None while the task is alive."""
    wakeup: dict[str, Any] | None
    """What the task sleeps on, when it sleeps."""


class TaskNotFoundError(KeyError):
    """No task with that id was submitted."""


class Runtime:
    """Drives tasks through the compiled graph, one thread per task id."""

    def __init__(
        self,
        graph: CompiledStateGraph[Any],
        clock: Clock,
        *,
        wakeups: WakeupStore | None = None,
        webhook: WebhookSender | None = None,
        durability: Durability = "sync",
        locks: TaskLocks | None = None,
    ) -> None:
        self.graph = graph
        self.clock = clock
        self.durability: Durability = durability
        self.wakeups = wakeups or WakeupStore()
        self.webhook = webhook
        if locks is None:
            store = self.wakeups.path
            locks = TaskLocks(None if store is None else store.with_name(store.name + ".locks"))
        self.locks = locks
        """Who may run a task now; beside a file wake-up store, shared by its processes."""

    def _lock(self, task_id: str) -> AbstractContextManager[None]:
        return self.locks.hold(task_id)

    def _config(self, task_id: str) -> RunnableConfig:
        return {"configurable": {"thread_id": task_id}, "recursion_limit": RECURSION_LIMIT}

    def submit(self, request: TaskRequest) -> TaskStatus:
        """Start a task; refuses an id already used, so nothing saved is overwritten."""
        with self._lock(request.task_id):
            return self._submit(request)

    def _submit(self, request: TaskRequest) -> TaskStatus:
        if self.graph.get_state(self._config(request.task_id)).values:
            raise ValueError(
                f"task_id={request.task_id!r} was already submitted; use a new id, or "
                "deliver events to the existing task"
            )
        log.info("task submitted", extra={"task_id": request.task_id})
        initial = {
            "task_id": request.task_id,
            "request": request.model_dump(mode="json"),
            "facts": {},
            "steps": 0,
            "events": [],
        }
        self.graph.invoke(initial, self._config(request.task_id), durability=self.durability)
        return self._after(request.task_id)

    def deliver(self, task_id: str, events: list[InboundEvent]) -> TaskStatus:
        """Hand inbound events to a task and let it run until it sleeps or settles."""
        with self._lock(task_id):
            return self._deliver(task_id, events)

    def _deliver(self, task_id: str, events: list[InboundEvent]) -> TaskStatus:
        snapshot = self.graph.get_state(self._config(task_id))
        if not snapshot.values:
            raise TaskNotFoundError(f"no task {task_id!r}; submit it first")
        if snapshot.next:
            self._resume(task_id)
            snapshot = self.graph.get_state(self._config(task_id))
        if snapshot.values.get("outcome"):
            return self._after(task_id)
        self.graph.invoke(
            {"events": [e.model_dump() for e in events]},
            self._config(task_id),
            durability=self.durability,
        )
        return self._after(task_id)

    def resume(self, task_id: str) -> TaskStatus:
        """Continue a run that stopped mid-way (crash, deploy) from its last checkpoint."""
        with self._lock(task_id):
            return self._resume(task_id)

    def _resume(self, task_id: str) -> TaskStatus:
        snapshot = self.graph.get_state(self._config(task_id))
        if snapshot.next:
            log.info("task resumed from checkpoint", extra={"task_id": task_id})
            self.graph.invoke(None, self._config(task_id), durability=self.durability)
        return self._after(task_id)

    def fire_due(self) -> list[TaskStatus]:
        """Wake every task whose timer is due now, then try owed webhooks again."""
        now = self.clock.now()
        woken = []
        for task_id in self.wakeups.due(now):
            log.info("timer fired", extra={"task_id": task_id})
            event = InboundEvent(kind="timer", at=now.isoformat())
            try:
                woken.append(self.deliver(task_id, [event]))
            except Exception as exc:  # one task's failure must not starve the others' timers
                retry_at = now + TIMER_RETRY
                log.warning(
                    "timer run failed; retrying later",
                    extra={"task_id": task_id, "error": type(exc).__name__,
                           "retry_at": retry_at.isoformat()},
                )  # fmt: skip
                self.wakeups.postpone(task_id, retry_at)
        if self.webhook is not None:
            try:
                self.webhook.retry_pending()
            except Exception as exc:  # a broken receiver or store must not stop the timers
                log.warning("webhook retries failed", extra={"error": type(exc).__name__})
        return woken

    def state(self, task_id: str) -> dict[str, Any]:
        """The task's current state values."""
        values = self.graph.get_state(self._config(task_id)).values
        if not values:
            raise TaskNotFoundError(f"no task {task_id!r}; submit it first")
        return dict(values)

    def _after(self, task_id: str) -> TaskStatus:
        values = self.graph.get_state(self._config(task_id)).values
        outcome = values.get("outcome")
        wakeup = None if outcome else values.get("wakeup")
        self.wakeups.set(task_id, wakeup)
        if outcome and self.webhook is not None:
            self.webhook.send(task_id, outcome)
        if outcome:
            log.info("task settled", extra={"task_id": task_id, "status": outcome["status"]})
        return TaskStatus(task_id=task_id, outcome=outcome, wakeup=wakeup)
