"""The index of sleeping tasks: which task wakes when, so timers fire without a scan."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from teammates.graphs.persistence import open_store

_SCHEMA = """
create table if not exists wakeups (
    task_id text primary key,
    due_at text,
    events text not null
)
"""


class WakeupStore:
    """Pending wake-ups in SQLite (the same file as the checkpoints by default)."""

    def __init__(self, path: Path | str = ":memory:") -> None:
        self.path = None if str(path) == ":memory:" else Path(path)
        """The SQLite file, or None for a store in memory."""
        self._db = open_store(path, "wake-up")
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()

    def set(self, task_id: str, wakeup: dict[str, Any] | None) -> None:
        """Record (or clear, with None) the task's pending wake-up."""
        with self._lock:
            if wakeup is None:
                self._db.execute("delete from wakeups where task_id = ?", (task_id,))
                return
            self._db.execute(
                "insert or replace into wakeups values (?, ?, ?)",
                (task_id, wakeup.get("due_at"), json.dumps(wakeup.get("events", []))),
            )

    def postpone(self, task_id: str, due_at: datetime) -> None:
        """Move a task's timer to `due_at` (after a failed run)."""
        with self._lock:
            self._db.execute(
                "update wakeups set due_at = ? where task_id = ?", (due_at.isoformat(), task_id)
            )

    def due(self, now: datetime) -> list[str]:
        """Tasks whose timer is due at `now`, earliest first."""
        with self._lock:
            rows = self._db.execute(
                "select task_id, due_at from wakeups where due_at is not null order by due_at"
            ).fetchall()
        return [task for task, due in rows if datetime.fromisoformat(due) <= now]

    def next_due(self, task_id: str) -> datetime | None:
        """When the task's timer fires, if it has one."""
        with self._lock:
            row = self._db.execute(
                "select due_at from wakeups where task_id = ?", (task_id,)
            ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def close(self) -> None:
        """Close the database."""
        self._db.close()
