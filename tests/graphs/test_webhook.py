"""The outcome webhook against a real HTTP receiver on 127.0.0.1: signed, retried, sent once."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from teammates.evals.episode import start_time
from teammates.evals.world import SandboxWorld
from teammates.graphs.builder import build_teammate
from teammates.graphs.runtime import Runtime
from teammates.graphs.wakeups import WakeupStore
from teammates.graphs.webhook import (
    MAX_RETRY_INTERVAL_SECONDS,
    SIGNATURE_HEADER,
    WebhookSender,
    sign,
    verify,
)
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
    delay_s: float = 0.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(statuses=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.posts.append((body, dict(self.headers.items())))
            if state.delay_s:
                time.sleep(state.delay_s)
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/teammates"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Wall:
    """A wall clock that moves only when told, so backoff and claims are deterministic."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _sender(
    url: str,
    retries: int = 3,
    path: Path | str = ":memory:",
    wall: Callable[[], float] = time.time,
    timeout_seconds: float = 5.0,
) -> WebhookSender:
    return WebhookSender(
        url, SECRET, path=path, retries=retries, backoff_seconds=0.01,
        timeout_seconds=timeout_seconds, wall=wall,
    )  # fmt: skip


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


def _vague_request_runtime(
    case_by_id: Callable[[str], Any], hook: WebhookSender, wakeups: WakeupStore | None = None
) -> Runtime:
    """A runtime whose model finds every request unclear, so a submit settles at once."""
    case = case_by_id("mtg-0011")
    clock = VirtualClock(start_time(case))
    model = ScriptedModel([{"action": "classify", "job": "unclear"}])
    graph = build_teammate(
        {"default": model}, SandboxWorld(case, clock), InMemorySaver(), clock=clock, outbox=Outbox()
    )
    return Runtime(graph, clock, wakeups=wakeups, webhook=hook)


def test_runtime_posts_the_settled_outcome(
    receiver: Receiver, case_by_id: Callable[[str], Any]
) -> None:
    runtime = _vague_request_runtime(case_by_id, _sender(receiver.url))

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
    store, wall = tmp_path / "teammates.sqlite", Wall()
    receiver.statuses = [503, 503]
    first = _sender(receiver.url, retries=2, path=store, wall=wall)
    assert first.send("pa-9", {"status": "approved", "reference_number": "PA-1"}) is False
    first.close()
    restarted = _sender(receiver.url, path=store, wall=wall)
    assert restarted.pending() == ["pa-9"]

    assert restarted.retry_pending() == []
    wall.now += 60
    assert restarted.retry_pending() == ["pa-9"]

    assert len(receiver.posts) == 3
    assert len({body for body, _ in receiver.posts}) == 1
    body, headers = receiver.posts[-1]
    assert verify(SECRET, body, headers[SIGNATURE_HEADER], now=wall.now)
    assert restarted.pending() == [] and restarted.retry_pending() == []
    assert len(receiver.posts) == 3


def test_owed_outcomes_wait_longer_after_each_failure_up_to_an_hour(receiver: Receiver) -> None:
    wall = Wall()
    receiver.statuses = [410] * 40
    sender = _sender(receiver.url, retries=1, wall=wall)
    assert sender.send("gone", {"status": "denied"}) is False

    waits = []
    for _ in range(20):
        waited = 0.0
        while len(receiver.posts) == 1 + len(waits):
            wall.now += 1.0
            waited += 1.0
            sender.retry_pending()
        waits.append(waited)

    assert waits == sorted(waits)
    assert waits[-1] == pytest.approx(MAX_RETRY_INTERVAL_SECONDS, abs=1.0)
    assert sender.pending() == ["gone"]


def test_a_second_sender_never_posts_an_outcome_the_first_is_still_posting(
    receiver: Receiver, tmp_path: Path
) -> None:
    store = tmp_path / "teammates.sqlite"
    receiver.delay_s = 0.5
    first, second = _sender(receiver.url, path=store), _sender(receiver.url, path=store)
    sending = threading.Thread(target=first.send, args=("mtg-5", {"status": "loan_estimate"}))
    sending.start()
    while not receiver.posts:
        time.sleep(0.01)

    assert second.send("mtg-5", {"status": "loan_estimate"}) is False
    assert second.retry_pending() == []
    sending.join(timeout=5)

    assert len(receiver.posts) == 1
    assert second.delivered == {"mtg-5"} and second.send("mtg-5", {}) is True


def test_the_claim_is_held_through_the_pauses_between_tries(receiver: Receiver) -> None:
    wall = Wall()
    receiver.statuses = [500, 500]
    sender = _sender(receiver.url, retries=3, wall=wall)
    claims = []
    original_sleep = time.sleep

    def pause(seconds: float) -> None:
        wall.now += 1.0  # past the next_attempt_at a failed try sets, within the claim
        claims.append(sender._claim("mtg-7", 1))
        original_sleep(0)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("teammates.graphs.webhook.time.sleep", pause)
        assert sender.send("mtg-7", {"status": "loan_estimate"}) is True

    assert claims == [False, False]
    assert len(receiver.posts) == 3


def test_a_claim_left_by_a_crashed_sender_expires(receiver: Receiver, tmp_path: Path) -> None:
    store, wall = tmp_path / "teammates.sqlite", Wall()
    crashed = _sender(receiver.url, path=store, wall=wall, timeout_seconds=1.0)
    crashed.send("mtg-6", {"status": "loan_estimate"})
    receiver.posts.clear()
    crashed._db.execute(  # what a process killed mid-post leaves behind
        "update webhook_deliveries set delivered_at = null, claimed_until = ?", (wall.now + 30,)
    )
    crashed.close()
    survivor = _sender(receiver.url, path=store, wall=wall)

    assert survivor.retry_pending() == []
    wall.now += 31
    assert survivor.retry_pending() == ["mtg-6"]
    assert len(receiver.posts) == 1


def test_fire_due_retries_an_outcome_the_receiver_refused(
    receiver: Receiver, case_by_id: Callable[[str], Any], tmp_path: Path
) -> None:
    receiver.statuses = [500, 500]
    store, wall = tmp_path / "teammates.sqlite", Wall()
    hook = _sender(receiver.url, 2, store, wall)
    runtime = _vague_request_runtime(case_by_id, hook, WakeupStore(store))
    runtime.submit(TaskRequest(task_id="vague-8", text="Help with my paperwork?"))
    assert hook.pending() == ["vague-8"]

    wall.now += 60
    runtime.fire_due()

    assert len(receiver.posts) == 3
    assert hook.pending() == [] and hook.delivered == {"vague-8"}


def test_a_failing_webhook_store_does_not_stop_the_timers(
    receiver: Receiver, case_by_id: Callable[[str], Any], caplog: pytest.LogCaptureFixture
) -> None:
    hook = _sender(receiver.url)
    hook.close()  # every store query now raises
    runtime = _vague_request_runtime(case_by_id, hook)

    assert runtime.fire_due() == []
    assert "webhook retries failed" in caplog.text


@pytest.mark.parametrize(
    ("task_id", "outcome", "message"),
    [
        ("", {"status": "x"}, "task_id='' must be non-empty printable ASCII"),
        ("tâche-1", {"status": "x"}, "task_id='tâche-1' must be non-empty printable ASCII"),
        ("t-1", {"score": math.nan}, "outcome of task_id='t-1' is not plain JSON"),
        ("t-1", {"when": {1, 2}}, "outcome of task_id='t-1' is not plain JSON"),
    ],
)
def test_an_outcome_that_cannot_be_posted_is_refused_before_anything_is_stored(
    receiver: Receiver, task_id: str, outcome: dict[str, Any], message: str
) -> None:
    sender = _sender(receiver.url)

    with pytest.raises(ValueError, match=message):
        sender.send(task_id, outcome)

    assert sender.pending() == [] and receiver.posts == []


@pytest.mark.parametrize(
    "header",
    ["t=NOW,v1=\u00e9", "t=" + "9" * 400 + ",v1=00", "t=NOW", "v1=00", "", "t=NOW,v1=00,=,"],
)
def test_verify_answers_false_to_hostile_headers(header: str) -> None:
    now = int(time.time())

    assert verify(SECRET, b"{}", header.replace("NOW", str(now)), now=now) is False


def test_store_paths_that_cannot_hold_a_database_are_named(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"not a database" * 100)

    with pytest.raises(ValueError, match=r"webhook path=.*corrupt.sqlite.* cannot be opened"):
        WebhookSender("http://127.0.0.1/hook", SECRET, path=corrupt)
    with pytest.raises(ValueError, match=r"wake-up path=.* cannot be opened"):
        WakeupStore(tmp_path)
    with pytest.raises(ValueError, match="webhook path is empty"):
        WebhookSender("http://127.0.0.1/hook", SECRET, path="")
    nested = WakeupStore(tmp_path / "new" / "folder" / "teammates.sqlite")
    nested.close()
    assert (tmp_path / "new" / "folder" / "teammates.sqlite").is_file()


@pytest.mark.parametrize(
    ("url", "secret", "message"),
    [
        ("ftp://127.0.0.1/hook", SECRET, "webhook url='ftp://127.0.0.1/hook' must start with"),
        ("http://127.0.0.1/hook", "", "webhook secret is empty"),
        ("http://127.0.0.1/hook", SECRET, "webhook retries=0 must be at least 1"),
        ("http://[::1/hook", SECRET, r"webhook url='http://\[::1/hook' is not a valid URL"),
        ("http:///hook", SECRET, "must start with http:// or https:// and name a host"),
    ],
)
def test_sender_refuses_bad_settings_naming_them(url: str, secret: str, message: str) -> None:
    retries = 0 if "retries" in message else 3
    with pytest.raises(ValueError, match=message):
        WebhookSender(url, secret, retries=retries)
