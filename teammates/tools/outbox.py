"""The outbox: every side effect (a text, an email, a fax, a call) goes out once.

A step that is retried after a crash computes the same idempotency key, finds the receipt here
and does not send again. The key is also handed to the channel, so a channel that supports
idempotency keys dedupes a send whose receipt was lost between sending and recording.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from teammates.tools.backends import Channels, DeliveryReceipt, OutboundMessage

log = logging.getLogger(__name__)

_PENDING = "pending"
"""Receipt column of a send that is claimed but not yet confirmed by the channel."""

_SCHEMA = """
create table if not exists outbox (
    idempotency_key text primary key,
    task_id text not null,
    channel text not null,
    purpose text not null,
    receipt text not null
)
"""


class Outbox:
    """Durable record of sends, keyed by idempotency key (SQLite; `:memory:` for tests)."""

    def __init__(self, path: Path | str = ":memory:") -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("pragma journal_mode=wal") if str(path) != ":memory:" else None
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()

    def send(
        self, task_id: str, key: str, message: OutboundMessage, channels: Channels
    ) -> tuple[DeliveryReceipt, bool]:
        """Send once; returns the receipt and whether this call actually sent."""
        with self._lock:
            row = self._db.execute(
                "select receipt from outbox where idempotency_key = ?", (key,)
            ).fetchone()
            if row is None:
                # Claim the key before sending, so a second worker on the same step backs off.
                self._db.execute(
                    "insert into outbox values (?, ?, ?, ?, ?)",
                    (key, task_id, message.channel, message.purpose, _PENDING),
                )
        if row is not None:
            log.info("outbox suppressed a repeat send", extra={"task_id": task_id, "key": key})
            if row[0] == _PENDING:
                return DeliveryReceipt(message_id=f"pending:{key}"), False
            return DeliveryReceipt.model_validate_json(row[0]), False

        try:
            receipt = channels.send(task_id, message, key)
        except BaseException:
            with self._lock:
                self._db.execute("delete from outbox where idempotency_key = ?", (key,))
            raise
        with self._lock:
            self._db.execute(
                "update outbox set receipt = ? where idempotency_key = ?",
                (receipt.model_dump_json(), key),
            )
        log.info(
            "message sent",
            extra={"task_id": task_id, "channel": message.channel, "purpose": message.purpose},
        )
        return receipt, True

    def sent_count(self, task_id: str) -> int:
        """How many sends the outbox holds for a task."""
        with self._lock:
            row = self._db.execute(
                "select count(*) from outbox where task_id = ?", (task_id,)
            ).fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close the database."""
        self._db.close()
