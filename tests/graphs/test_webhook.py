"""The outcome webhook against a real HTTP receiver on 127.0.0.1: signed, retried, sent once."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from teammates.evals.episode import start_time
from teammates.evals.world import SandboxWorld
from teammates.graphs.builder import build_teammate
from teammates.graphs.runtime import Runtime
from teammates.graphs.wakeups import WakeupStore
from teammates.graphs.webhook import SIGNATURE_HEADER, WebhookSender, sign, verify
from teammates.models.client import ScriptedModel
from teammates.tools.application import TaskRequest
from teammates.tools.clock import VirtualClock
from teammates.tools.outbox import Outbox

SECRET = "whsec-test-7f3a"


@dataclass
class Receiver:
    """A customer's endpoint: answers each POST with the next scripted status (then 200)."""

    statuses: list[int]
    posts: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(statuses=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.posts.append((body, dict(self.headers.items())))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/teammates"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _sender(url: str, retries: int = 3, path: Path | str = ":memory:") -> WebhookSender:
    return WebhookSender(
        url, SECRET, path=path, retries=retries, backoff_seconds=0.01, timeout_seconds=5.0
    )


def test_signed_outcome_is_posted_and_verifies(receiver: Receiver) -> None:
    outcome = {"status": "approved", "reference_number": "PA-00000001"}

    assert _sender(receiver.url).send("pa-1", outcome) is True

    [(body, headers)] = receiver.posts
    assert json.loads(body) == {"task_id": "pa-1", "outcome": outcome}
    assert headers["Idempotency-Key"] == "outcome:pa-1"
    assert headers["Content-Type"] == "application/json"
    assert verify(SECRET, body, headers[SIGNATURE_HEADER]) is True


def test_tampered_body_wrong_secret_or_stale_signature_are_rejected(receiver: Receiver) -> None:
    _sender(receiver.url).send("pa-2", {"status": "denied"})
    [(body, headers)] = receiver.posts
    header = headers[SIGNATURE_HEADER]

    tampered = body.replace(b'"denied"', b'"approved"')
    assert tampered != body
    assert verify(SECRET, tampered, header) is False
    assert verify("other-secret", body, header) is False
    signed_at = int(header.split(",")[0].removeprefix("t="))
    assert verify(SECRET, body, header, now=signed_at + 300) is True
    assert verify(SECRET, body, header, now=signed_at + 301) is False
    assert verify(SECRET, body, "v1=deadbeef") is False
    assert verify(SECRET, body, "t=soon,v1=deadbeef") is False


def test_sign_is_hmac_sha256_of_timestamp_dot_body() -> None:
    header = sign("s", b"{}", 1_700_000_000)

    expected = hmac.new(b"s", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify("s", b"{}", header, now=1_700_000_000) is True


def test_retry_after_a_500_then_success_delivers_once(receiver: Receiver) -> None:
    receiver.statuses = [500]
    sender = _sender(receiver.url)

    assert sender.send("mtg-1", {"status": "loan_estimate"}) is True
    assert sender.send("mtg-1", {"status": "loan_estimate"}) is True

    assert len(receiver.posts) == 2
    first, second = receiver.posts
    assert first[0] == second[0]
    assert verify(SECRET, second[0], second[1][SIGNATURE_HEADER]) is True
    assert sender.delivered == {"mtg-1"}


def test_receiver_that_keeps_failing_gets_every_retry_then_false(receiver: Receiver) -> None:
    receiver.statuses = [500, 502, 503]

    started = time.monotonic()
    assert _sender(receiver.url, retries=3).send("mtg-2", {"status": "adverse_action"}) is False

    assert len(receiver.posts) == 3
    assert time.monotonic() - started < 5
    assert receiver.statuses == []


def test_runtime_posts_the_settled_outcome(
    receiver: Receiver, case_by_id: Callable[[str], Any]
) -> None:
    case = case_by_id("mtg-0011")
    clock = VirtualClock(start_time(case))
    model = ScriptedModel([{"action": "classify", "job": "unclear"}])
    graph = build_teammate(
        {"default": model}, SandboxWorld(case, clock), InMemorySaver(), clock=clock, outbox=Outbox()
    )
    runtime = Runtime(graph, clock, webhook=_sender(receiver.url))

    status = runtime.submit(TaskRequest(task_id="vague-7", text="Help with my paperwork?"))

    [(body, headers)] = receiver.posts
    posted = json.loads(body)
    assert posted["task_id"] == "vague-7"
    assert posted["outcome"] == status.outcome
    assert posted["outcome"]["status"] == "needs_clarification"
    assert verify(SECRET, body, headers[SIGNATURE_HEADER]) is True


def test_a_restarted_sender_does_not_post_a_delivered_outcome_again(
    receiver: Receiver, tmp_path: Path
) -> None:
    store = tmp_path / "teammates.sqlite"
    first = _sender(receiver.url, path=store)
    assert first.send("mtg-4", {"status": "loan_estimate"}) is True
    first.close()

    restarted = _sender(receiver.url, path=store)

    assert restarted.send("mtg-4", {"status": "loan_estimate"}) is True
    assert len(receiver.posts) == 1
    assert restarted.delivered == {"mtg-4"} and restarted.pending() == []


def test_an_owed_outcome_survives_a_restart_and_is_retried_with_the_same_body(
    receiver: Receiver, tmp_path: Path
) -> None:
    store = tmp_path / "teammates.sqlite"
    receiver.statuses = [503, 503]
    first = _sender(receiver.url, retries=2, path=store)
    assert first.send("pa-9", {"status": "approved", "reference_number": "PA-1"}) is False
    first.close()

    restarted = _sender(receiver.url, path=store)
    assert restarted.pending() == ["pa-9"]

    assert restarted.retry_pending() == ["pa-9"]

    assert len(receiver.posts) == 3
    bodies = {body for body, _ in receiver.posts}
    assert len(bodies) == 1
    assert verify(SECRET, receiver.posts[-1][0], receiver.posts[-1][1][SIGNATURE_HEADER])
    assert restarted.pending() == [] and restarted.retry_pending() == []
    assert len(receiver.posts) == 3


def test_retry_pending_makes_one_attempt_per_owed_outcome(receiver: Receiver) -> None:
    receiver.statuses = [500, 500, 500, 500]
    sender = _sender(receiver.url, retries=1)
    assert sender.send("a", {"status": "denied"}) is False
    assert sender.send("b", {"status": "denied"}) is False

    assert sender.retry_pending() == []

    assert len(receiver.posts) == 4
    assert sender.pending() == ["a", "b"]
    assert sender.retry_pending() == ["a", "b"]


def test_fire_due_retries_an_outcome_the_receiver_refused(
    receiver: Receiver, case_by_id: Callable[[str], Any], tmp_path: Path
) -> None:
    case = case_by_id("mtg-0011")
    clock = VirtualClock(start_time(case))
    model = ScriptedModel([{"action": "classify", "job": "unclear"}])
    graph = build_teammate(
        {"default": model}, SandboxWorld(case, clock), InMemorySaver(), clock=clock, outbox=Outbox()
    )
    receiver.statuses = [500, 500]
    store = tmp_path / "teammates.sqlite"
    runtime = Runtime(
        graph, clock, wakeups=WakeupStore(store), webhook=_sender(receiver.url, 2, store)
    )
    runtime.submit(TaskRequest(task_id="vague-8", text="Help with my paperwork?"))
    assert runtime.webhook is not None and runtime.webhook.pending() == ["vague-8"]

    runtime.fire_due()

    assert len(receiver.posts) == 3
    assert runtime.webhook.pending() == [] and runtime.webhook.delivered == {"vague-8"}


@pytest.mark.parametrize(
    ("url", "secret", "message"),
    [
        ("ftp://127.0.0.1/hook", SECRET, "webhook url='ftp://127.0.0.1/hook' must start with"),
        ("http://127.0.0.1/hook", "", "webhook secret is empty"),
        ("http://127.0.0.1/hook", SECRET, "webhook retries=0 must be at least 1"),
    ],
)
def test_sender_refuses_bad_settings_naming_them(url: str, secret: str, message: str) -> None:
    retries = 0 if "retries" in message else 3
    with pytest.raises(ValueError, match=message):
        WebhookSender(url, secret, retries=retries)
