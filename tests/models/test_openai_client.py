"""The OpenAI-compatible client against a real HTTP server on 127.0.0.1; pricing its counts."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from teammates.evals.costing import channel_prices, cost_breakdown, role_usage
from teammates.models.client import ChatRequest, ModelCallError, OpenAIChatModel
from teammates.models.spec import ModelSpec, Price
from teammates.models.usage import Usage

TOKEN_PRICED = Price(input_usd_per_million_tokens=1.0, output_usd_per_million_tokens=2.0)
COMPUTE_PRICED = Price(compute_usd_per_hour=3600.0)


class Endpoint:
    """Answers each POST /v1/chat/completions with the next (status, body) queued."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, Any]] = []
        self.bodies: list[dict[str, Any]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                endpoint.bodies.append(json.loads(self.rfile.read(length)))
                status, body = endpoint.answers.pop(0)
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    served = Endpoint()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()


def _model(endpoint: Endpoint, price: Price = TOKEN_PRICED) -> OpenAIChatModel:
    spec = ModelSpec(name="hosted", provider="openai_compatible", model="m", price=price)
    return OpenAIChatModel(spec, base_url=endpoint.base_url, backoff_seconds=0.0)


def _completion(content: str, usage: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"choices": [{"message": {"role": "assistant", "content": content}}]}
    if usage is not ...:
        body["usage"] = usage
    return body


REQUEST = ChatRequest(
    role="supervisor",
    messages=[{"role": "user", "content": "Which job is this?"}],
    schema={"type": "object"},
    task_id="t-1",
)


def test_reported_token_counts_are_priced_per_token(endpoint: Endpoint) -> None:
    endpoint.answers.append(
        (200, _completion('{"job": "mortgage"}', {"prompt_tokens": 1000, "completion_tokens": 500}))
    )

    reply = _model(endpoint).complete(REQUEST)

    assert reply.text == '{"job": "mortgage"}'
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (1000, 500)
    assert reply.usage.uncounted_calls == 0
    assert TOKEN_PRICED.cost_of(reply.usage).cost_usd == pytest.approx(0.002)
    assert endpoint.bodies[0]["response_format"]["type"] == "json_schema"


@pytest.mark.parametrize(
    "usage",
    [
        ...,
        None,
        "lots",
        {"prompt_tokens": 10},
        {"prompt_tokens": -3, "completion_tokens": 4},
        {"prompt_tokens": "10", "completion_tokens": 4},
        {"prompt_tokens": True, "completion_tokens": 4},
        {"prompt_tokens": 12.9, "completion_tokens": 4},
        {"prompt_tokens": 2**64, "completion_tokens": 4},
        {"prompt_tokens": 10**400, "completion_tokens": 4},
        {"prompt_tokens": 1e300, "completion_tokens": 4},
    ],
    ids=[
        "absent",
        "null",
        "not-an-object",
        "half",
        "negative",
        "string",
        "boolean",
        "fraction",
        "beyond-64-bits",
        "400-digits",
        "1e300",
    ],
)
def test_a_reply_without_usable_token_counts_makes_a_per_token_cost_unknown(
    endpoint: Endpoint, usage: Any, caplog: pytest.LogCaptureFixture
) -> None:
    endpoint.answers.append((200, _completion("{}", usage)))

    reply = _model(endpoint).complete(REQUEST)

    assert reply.usage.uncounted_calls == 1 and reply.usage.model_calls == 1
    assert not TOKEN_PRICED.cost_of(reply.usage).known
    assert "without usable token counts" in caplog.text


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_token_counts_are_uncounted_not_a_crash(
    endpoint: Endpoint, literal: str
) -> None:
    body = (
        '{"choices": [{"message": {"content": "{}"}}], '
        f'"usage": {{"prompt_tokens": {literal}, "completion_tokens": 3}}}}'
    )
    endpoint.answers.append((200, body.encode()))

    reply = _model(endpoint).complete(REQUEST)

    assert reply.usage.uncounted_calls == 1 and reply.usage.input_tokens == 0


def test_whole_float_counts_are_counted(endpoint: Endpoint) -> None:
    endpoint.answers.append(
        (200, _completion("{}", {"prompt_tokens": 120.0, "completion_tokens": 7.0}))
    )

    usage = _model(endpoint).complete(REQUEST).usage

    assert (usage.input_tokens, usage.output_tokens, usage.uncounted_calls) == (120, 7, 0)


def test_one_uncounted_call_makes_the_whole_sum_unknown_but_not_a_compute_price(
    endpoint: Endpoint,
) -> None:
    endpoint.answers += [
        (200, _completion("{}", {"prompt_tokens": 10, "completion_tokens": 5})),
        (200, _completion("{}", ...)),
    ]
    model = _model(endpoint)

    total = model.complete(REQUEST).usage + model.complete(REQUEST).usage

    assert total.model_calls == 2 and total.uncounted_calls == 1
    assert not TOKEN_PRICED.cost_of(total).known
    assert COMPUTE_PRICED.cost_of(total).known


def test_an_old_usage_record_without_the_uncounted_field_still_loads() -> None:
    usage = Usage(**{"input_tokens": 7, "output_tokens": 3, "model_calls": 1})

    assert usage.uncounted_calls == 0
    assert TOKEN_PRICED.cost_of(usage).cost_usd == pytest.approx(7e-6 + 6e-6)


def test_server_errors_are_retried_and_client_errors_are_not(endpoint: Endpoint) -> None:
    endpoint.answers += [
        (503, {"error": "busy"}),
        (200, _completion("{}", {"prompt_tokens": 1, "completion_tokens": 1})),
        (400, {"error": "bad schema"}),
    ]
    model = _model(endpoint)

    assert model.complete(REQUEST).usage.uncounted_calls == 0
    with pytest.raises(ModelCallError, match="HTTP 400"):
        model.complete(REQUEST)
    assert len(endpoint.bodies) == 3


def test_a_body_that_is_not_json_is_a_clear_error(endpoint: Endpoint) -> None:
    endpoint.answers.append((200, b"<html>gateway</html>"))

    with pytest.raises(ModelCallError, match="not JSON"):
        _model(endpoint).complete(REQUEST)


def test_a_task_state_prices_uncounted_calls_as_unknown_and_old_entries_as_counted() -> None:
    hosted = ModelSpec(name="hosted", provider="openai_compatible", model="m", price=TOKEN_PRICED)
    local = ModelSpec(name="local", provider="local", model="m", price=COMPUTE_PRICED)
    state = {
        "usage": {
            "supervisor|hosted": Usage(
                input_tokens=10, output_tokens=5, model_calls=2, uncounted_calls=1
            ).model_dump(),
            "insurer_caller|hosted": {"input_tokens": 1000, "output_tokens": 0, "model_calls": 1},
            "document_collector|local": Usage(
                model_calls=3, compute_seconds=2.0, uncounted_calls=3
            ).model_dump(),
        }
    }

    rows = {row.role: row for row in role_usage(state, {"hosted": hosted, "local": local})}

    assert rows["supervisor"].cost_usd is None and rows["supervisor"].uncounted_calls == 1
    assert rows["insurer_caller"].cost_usd == pytest.approx(0.001)
    assert rows["document_collector"].cost_usd == pytest.approx(2.0)
    total = cost_breakdown(list(rows.values()), {}, channel_prices())
    assert total.model_usd is None and total.total_usd is None
