"""The outcome webhook: a signed POST to the customer, retried, never sent twice."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
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


class WebhookSender:
    """Posts outcomes to one URL with an HMAC signature, retrying with backoff."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        retries: int = 4,
        backoff_seconds: float = 0.5,
        timeout_seconds: float = 10.0,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook url={url!r} must start with http:// or https://")
        if not secret:
            raise ValueError("webhook secret is empty; pass the shared secret to sign with")
        self._url = url
        self._secret = secret
        self._retries = retries
        self._backoff = backoff_seconds
        self._client = httpx.Client(timeout=timeout_seconds)
        self.delivered: set[str] = set()

    def send(self, task_id: str, outcome: dict[str, Any]) -> bool:
        """Deliver once per task; True when the receiver answered 2xx."""
        if task_id in self.delivered:
            return True
        body = json.dumps({"task_id": task_id, "outcome": outcome}, sort_keys=True).encode()
        for attempt in range(1, self._retries + 1):
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(self._secret, body, int(time.time())),
                "Idempotency-Key": f"outcome:{task_id}",
            }
            try:
                response = self._client.post(self._url, content=body, headers=headers)
                if 200 <= response.status_code < 300:
                    self.delivered.add(task_id)
                    log.info("webhook delivered", extra={"task_id": task_id})
                    return True
                reason = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                reason = type(exc).__name__
            log.warning(
                "webhook retry", extra={"task_id": task_id, "attempt": attempt, "reason": reason}
            )
            if attempt < self._retries:
                time.sleep(self._backoff * 2 ** (attempt - 1))
        return False
