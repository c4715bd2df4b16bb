"""The outcome webhook: a signed POST to the customer, retried until accepted, never sent twice."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Teammates-Signature"
"""Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`."""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, body: bytes, header: str, *, tolerance_seconds: int = 300, now: float | None = None
) -> bool:
    """Whether `header` is a valid, fresh signature of `body` (for receivers)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


_SCHEMA = """
create table if not exists webhook_deliveries (
    task_id text primary key,
    body blob not null,
    attempts integer not null default 0,
    delivered_at text
)
"""


class WebhookSender:
    """Posts outcomes to one URL with an HMAC signature, retrying with backoff.

    Deliveries are kept in SQLite at `path` (the checkpoints' file will do), so a restarted
    process neither posts a delivered outcome again nor forgets one still owed; with the default
    `:memory:` they last as long as the process. The body is fixed at the first attempt, so every
    retry posts the same bytes under the same `Idempotency-Key`.
    """

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        path: Path | str = ":memory:",
        retries: int = 4,
        backoff_seconds: float = 0.5,
        timeout_seconds: float = 10.0,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook url={url!r} must start with http:// or https://")
        if not secret:
            raise ValueError("webhook secret is empty; pass the shared secret to sign with")
        if retries < 1:
            raise ValueError(f"webhook retries={retries} must be at least 1")
        self._url = url
        self._secret = secret
        self._retries = retries
        self._backoff = backoff_seconds
        self._client = httpx.Client(timeout=timeout_seconds)
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()

    def send(self, task_id: str, outcome: dict[str, Any]) -> bool:
        """Deliver once per task; True when the receiver answered 2xx, now or before."""
        body = json.dumps({"task_id": task_id, "outcome": outcome}, sort_keys=True).encode()
        with self._lock:
            self._db.execute(
                "insert or ignore into webhook_deliveries (task_id, body) values (?, ?)",
                (task_id, body),
            )
            stored, delivered_at = self._db.execute(
                "select body, delivered_at from webhook_deliveries where task_id = ?", (task_id,)
            ).fetchone()
        if delivered_at is not None:
            return True
        return self._post(task_id, bytes(stored), self._retries)

    def retry_pending(self) -> list[str]:
        """One more attempt for every outcome still owed; the tasks delivered now.

        Call it on a schedule (`Runtime.fire_due` does): the interval between calls is the
        backoff, so a receiver that is down costs one request per owed outcome per call.
        """
        with self._lock:
            owed = self._db.execute(
                "select task_id, body from webhook_deliveries where delivered_at is null "
                "order by task_id"
            ).fetchall()
        return [task_id for task_id, body in owed if self._post(task_id, bytes(body), 1)]

    def pending(self) -> list[str]:
        """Tasks whose outcome has not been delivered yet."""
        with self._lock:
            rows = self._db.execute(
                "select task_id from webhook_deliveries where delivered_at is null order by task_id"
            ).fetchall()
        return [task_id for (task_id,) in rows]

    @property
    def delivered(self) -> set[str]:
        """Tasks whose outcome the receiver accepted."""
        with self._lock:
            rows = self._db.execute(
                "select task_id from webhook_deliveries where delivered_at is not null"
            ).fetchall()
        return {task_id for (task_id,) in rows}

    def close(self) -> None:
        """Close the HTTP client and the delivery store."""
        self._client.close()
        self._db.close()

    def _post(self, task_id: str, body: bytes, tries: int) -> bool:
        for attempt in range(1, tries + 1):
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(self._secret, body, int(time.time())),
                "Idempotency-Key": f"outcome:{task_id}",
            }
            try:
                response = self._client.post(self._url, content=body, headers=headers)
                accepted = 200 <= response.status_code < 300
                reason = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                accepted, reason = False, type(exc).__name__
            self._record(task_id, accepted)
            if accepted:
                log.info("webhook delivered", extra={"task_id": task_id})
                return True
            log.warning(
                "webhook attempt failed",
                extra={"task_id": task_id, "attempt": attempt, "reason": reason},
            )
            if attempt < tries:
                time.sleep(self._backoff * 2 ** (attempt - 1))
        return False

    def _record(self, task_id: str, accepted: bool) -> None:
        delivered_at = datetime.now(UTC).isoformat() if accepted else None
        with self._lock:
            self._db.execute(
                "update webhook_deliveries set attempts = attempts + 1, "
                "delivered_at = coalesce(delivered_at, ?) where task_id = ?",
                (delivered_at, task_id),
            )
