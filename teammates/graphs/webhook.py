"""The outcome webhook: a signed POST to the customer, retried until accepted, recorded once."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from teammates.graphs.persistence import open_store

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
        if abs((now or time.time()) - timestamp) > tolerance_seconds:
            return False
        expected = sign(secret, body, timestamp).encode()
        return hmac.compare_digest(expected, header.encode("utf-8", "replace"))
    except (KeyError, ValueError, TypeError, OverflowError):
        return False


MAX_RETRY_INTERVAL_SECONDS = 3600.0
"""Longest wait between two tries at an owed outcome, however often it failed."""

_SCHEMA = """
create table if not exists webhook_deliveries (
    task_id text primary key,
    body blob not null,
    attempts integer not null default 0,
    next_attempt_at real not null default 0,
    claimed_until real,
    delivered_at text
)
"""


class WebhookSender:
    """Posts outcomes to one URL with an HMAC signature, retrying with backoff.

    Deliveries are kept in SQLite at `path` (the checkpoints' file will do), so a restarted
    process neither posts a delivered outcome again nor forgets one still owed; with the default
    `:memory:` they last as long as the process. The body is fixed at the first attempt, so every
    retry posts the same bytes under the same `Idempotency-Key`. A sender claims an outcome in
    the store before posting it, so two threads or processes sharing the file never post one
    outcome at the same time; a claim left by a crashed process expires.
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
        wall: Callable[[], float] = time.time,
    ) -> None:
        _check_url(url)
        if not secret:
            raise ValueError("webhook secret is empty; pass the shared secret to sign with")
        if retries < 1:
            raise ValueError(f"webhook retries={retries} must be at least 1")
        self._url = url
        self._secret = secret
        self._retries = retries
        self._backoff = backoff_seconds
        self._timeout = timeout_seconds
        self._wall = wall
        self._client = httpx.Client(timeout=timeout_seconds)
        self._db = open_store(path, "webhook")
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()

    def send(self, task_id: str, outcome: dict[str, Any]) -> bool:
        """Deliver once per task; True when the receiver answered 2xx, now or before.

        False when every try failed (the outcome stays owed, for `retry_pending`) or when
        another sender is posting it at this moment (that sender records the result).
        """
        body = _body(task_id, outcome)
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
        if not self._claim(task_id, self._retries):
            return False
        return self._post(task_id, bytes(stored), self._retries)

    def retry_pending(self, max_seconds: float = 30.0) -> list[str]:
        """One more try at each owed outcome whose backoff has passed; the tasks delivered now.

        Call it on a schedule (`Runtime.fire_due` does). Tries start only within `max_seconds`,
        so a receiver that hangs cannot hold the caller much longer than that plus one timeout.
        """
        started = self._wall()
        with self._lock:
            owed = self._db.execute(
                "select task_id, body from webhook_deliveries "
                "where delivered_at is null and next_attempt_at <= ? order by next_attempt_at",
                (started,),
            ).fetchall()
        delivered = []
        for task_id, body in owed:
            if self._wall() - started > max_seconds:
                break
            if self._claim(task_id, 1) and self._post(task_id, bytes(body), 1):
                delivered.append(task_id)
        return delivered

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

    def _claim(self, task_id: str, tries: int) -> bool:
        """Take the outcome for as long as `tries` posts can last; False if someone holds it."""
        now = self._wall()
        waits = sum(self._backoff * 2**k for k in range(tries - 1))
        until = now + tries * (self._timeout + 1) + waits + 5
        with self._lock:
            claimed = self._db.execute(
                "update webhook_deliveries set claimed_until = ? where task_id = ? "
                "and delivered_at is null and (claimed_until is null or claimed_until < ?)",
                (until, task_id, now),
            ).rowcount
        return claimed == 1

    def _post(self, task_id: str, body: bytes, tries: int) -> bool:
        for attempt in range(1, tries + 1):
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(self._secret, body, int(self._wall())),
                "Idempotency-Key": f"outcome:{task_id}",
            }
            try:
                response = self._client.post(self._url, content=body, headers=headers)
                accepted = 200 <= response.status_code < 300
                reason = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                accepted, reason = False, type(exc).__name__
            self._record(task_id, accepted, last_try=attempt == tries)
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

    def _record(self, task_id: str, accepted: bool, *, last_try: bool) -> None:
        """Count one try; on success mark it delivered, else set when the next try may start.

        The claim is kept between the tries of one call, so nobody else posts in the pause.
        """
        now = self._wall()
        with self._lock:
            if accepted:
                self._db.execute(
                    "update webhook_deliveries set attempts = attempts + 1, claimed_until = null, "
                    "delivered_at = coalesce(delivered_at, ?) where task_id = ?",
                    (datetime.fromtimestamp(now, UTC).isoformat(), task_id),
                )
                return
            self._db.execute(
                "update webhook_deliveries set attempts = attempts + 1, "
                "claimed_until = case when ? then null else claimed_until end where task_id = ?",
                (last_try, task_id),
            )
            (attempts,) = self._db.execute(
                "select attempts from webhook_deliveries where task_id = ?", (task_id,)
            ).fetchone()
            wait = min(self._backoff * 2**attempts, MAX_RETRY_INTERVAL_SECONDS)
            self._db.execute(
                "update webhook_deliveries set next_attempt_at = ? where task_id = ?",
                (now + wait, task_id),
            )


def _check_url(url: str) -> None:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"webhook url={url!r} is not a valid URL ({exc}); fix it") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"webhook url={url!r} must start with http:// or https:// and name a host")


def _body(task_id: str, outcome: dict[str, Any]) -> bytes:
    if not task_id or not task_id.isascii() or not task_id.isprintable():
        raise ValueError(
            f"task_id={task_id!r} must be non-empty printable ASCII to travel in a header; "
            "use the id the task was submitted with"
        )
    try:
        text = json.dumps({"task_id": task_id, "outcome": outcome}, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"the outcome of task_id={task_id!r} is not plain JSON ({exc}); outcomes hold "
            "strings, finite numbers, booleans, lists and objects with string keys"
        ) from exc
    return text.encode()
