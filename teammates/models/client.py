"""The one code path to every model: an OpenAI-compatible chat completion, constrained to JSON.

Hosted APIs, vLLM, Ollama and the embedded llama.cpp server all go through `OpenAIChatModel`.
Tests use `ScriptedModel` or `FunctionModel`, which never open a socket.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from teammates.models.spec import ModelSpec
from teammates.models.usage import Usage
from teammates.tools.privacy import mask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatRequest:
    """One request for one JSON answer."""

    role: str
    """Who asks: supervisor, a specialist, or judge."""
    messages: Sequence[dict[str, str]]
    """Chat messages (`role`, `content`)."""
    schema: dict[str, Any] | None
    """JSON schema the answer must satisfy; None for free text."""
    max_tokens: int = 256
    """Upper bound on the answer's length."""
    temperature: float = 0.0
    """Sampling temperature."""
    seed: int | None = None
    """Sampling seed where the server honours one."""
    task_id: str = ""
    """Task the call is for (logging and recording only)."""

    def fingerprint(self) -> str:
        """Stable text of everything that determines the answer (for record and replay)."""
        return json.dumps(
            {
                "messages": list(self.messages),
                "schema": self.schema,
                "max_tokens": self.max_tokens,
                "temperature": self.temperature,
                "seed": self.seed,
            },
            sort_keys=True,
        )


@dataclass(frozen=True)
class ChatReply:
    """The answer and what it cost."""

    text: str
    """Raw text of the answer (JSON when a schema was given)."""
    usage: Usage
    """Tokens, one call, and the seconds the server spent."""


class ChatModel(Protocol):
    """Anything that answers chat requests."""

    @property
    def spec(self) -> ModelSpec: ...

    def complete(self, request: ChatRequest) -> ChatReply: ...


class ModelCallError(RuntimeError):
    """The model could not answer (server error, timeout, bad reply) after every retry."""


class OpenAIChatModel:
    """A model behind an OpenAI-compatible `/chat/completions` endpoint."""

    def __init__(
        self,
        spec: ModelSpec,
        *,
        base_url: str | None = None,
        retries: int = 3,
        backoff_seconds: float = 1.0,
        timeout_seconds: float = 300.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._spec = spec
        self._base_url = base_url or spec.base_url
        self._retries = retries
        self._backoff = backoff_seconds
        self._timeout = timeout_seconds
        self._transport = transport
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    @property
    def spec(self) -> ModelSpec:
        return self._spec

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                base_url = self._base_url
                if base_url is None and self._spec.provider == "local":
                    from teammates.models.local_server import ensure_local_server

                    base_url = ensure_local_server(self._spec)
                if base_url is None:
                    raise ValueError(
                        f"model {self._spec.name!r} has no base_url; set one in the registry "
                        "or the inline spec (base_url=https://.../v1)"
                    )
                headers = {}
                if self._spec.api_key_env:
                    key = os.environ.get(self._spec.api_key_env)
                    if not key:
                        raise ValueError(
                            f"model {self._spec.name!r} reads its API key from "
                            f"${self._spec.api_key_env}, which is not set; export it first"
                        )
                    headers["Authorization"] = f"Bearer {key}"
                loopback = httpx.URL(base_url).host in ("127.0.0.1", "localhost", "::1")
                self._client = httpx.Client(
                    base_url=base_url.rstrip("/"),
                    trust_env=not loopback,
                    headers=headers,
                    timeout=self._timeout,
                    transport=self._transport,
                )
            return self._client

    def complete(self, request: ChatRequest) -> ChatReply:
        body = self._body(request)
        last_error = "no attempt made"
        for attempt in range(1, self._retries + 1):
            started = time.perf_counter()
            try:
                response = self._http().post("/chat/completions", json=body)
            except httpx.HTTPError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    reply = self._reply(_json_body(response), time.perf_counter() - started)
                    if reply.usage.uncounted_calls:
                        log.warning(
                            "model answered without usable token counts; the per-token cost "
                            "of this call is unknown",
                            extra={"task_id": request.task_id, "model": self._spec.name},
                        )
                    return reply
                last_error = f"HTTP {response.status_code}: {mask(response.text)[:300]}"
                if response.status_code in (400, 401, 403, 404, 422):
                    break
            log.warning(
                "model call failed, retrying",
                extra={"task_id": request.task_id, "model": self._spec.name, "attempt": attempt},
            )
            if attempt < self._retries:
                time.sleep(self._backoff * 2 ** (attempt - 1))
        raise ModelCallError(
            f"model {self._spec.name!r} failed after {self._retries} attempts: {last_error}"
        )

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self._spec.model,
            "messages": list(request.messages),
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if request.seed is not None:
            body["seed"] = request.seed
        mode = self._spec.structured_output
        if request.schema is None or mode == "none":
            return body
        if mode == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "action", "schema": request.schema},
            }
        elif mode == "json_object_schema":
            body["response_format"] = {"type": "json_object", "schema": request.schema}
        else:
            body["tools"] = [
                {"type": "function", "function": {"name": "act", "parameters": request.schema}}
            ]
            body["tool_choice"] = {"type": "function", "function": {"name": "act"}}
        return body

    def _reply(self, payload: Any, seconds: float) -> ChatReply:
        try:
            message = payload["choices"][0]["message"]
            calls = message.get("tool_calls") or []
            text = calls[0]["function"]["arguments"] if calls else message.get("content") or ""
            usage = payload.get("usage") or {}
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise ModelCallError(
                f"model {self._spec.name!r} answered without choices[0].message: "
                f"{mask(repr(payload))[:300]}"
            ) from exc
        if not isinstance(text, str):
            text = json.dumps(text)
        input_tokens = _count(usage, "prompt_tokens")
        output_tokens = _count(usage, "completion_tokens")
        counted = input_tokens is not None and output_tokens is not None
        return ChatReply(
            text=text,
            usage=Usage(
                input_tokens=input_tokens or 0,
                output_tokens=output_tokens or 0,
                model_calls=1,
                compute_seconds=seconds,
                uncounted_calls=0 if counted else 1,
            ),
        )


def _json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise ModelCallError(
            f"the model server answered HTTP 200 with a body that is not JSON: "
            f"{mask(response.text)[:200]!r}"
        ) from exc


MAX_TOKENS_PER_CALL = 10_000_000
"""More tokens than any context window holds: a larger reported count is malformed."""


def _count(usage: Any, key: str) -> int | None:
    """A token count from the reply's `usage`, or None when it is missing or malformed."""
    value = usage.get(key) if isinstance(usage, dict) else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= MAX_TOKENS_PER_CALL else None


_SCRIPTED = ModelSpec(name="scripted", provider="scripted", model="scripted")


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _scripted_reply(request: ChatRequest, reply: str | dict[str, Any]) -> ChatReply:
    """A test double's answer, with token counts estimated at four characters a token."""
    text = reply if isinstance(reply, str) else json.dumps(reply)
    prompt = " ".join(m["content"] for m in request.messages)
    return ChatReply(
        text=text,
        usage=Usage(
            input_tokens=_estimate_tokens(prompt),
            output_tokens=_estimate_tokens(text),
            model_calls=1,
        ),
    )


@dataclass
class ScriptedModel:
    """A test double that answers with the given replies in order and fails when they run out."""

    replies: list[str | dict[str, Any]]
    """Answers to give, dicts sent as JSON."""
    name: str = "scripted"
    """Registry name to report."""
    requests: list[ChatRequest] = field(default_factory=list)
    """Every request received, for assertions."""

    @property
    def spec(self) -> ModelSpec:
        return _SCRIPTED.model_copy(update={"name": self.name})

    def complete(self, request: ChatRequest) -> ChatReply:
        self.requests.append(request)
        if len(self.requests) > len(self.replies):
            raise AssertionError(
                f"scripted model {self.name!r} got call {len(self.requests)} (role "
                f"{request.role!r}) but holds only {len(self.replies)} replies; last prompt: "
                f"{request.messages[-1]['content'][:300]!r}"
            )
        return _scripted_reply(request, self.replies[len(self.requests) - 1])


@dataclass
class FunctionModel:
    """A test double whose answer is computed from the request by `answer`."""

    answer: Callable[[ChatRequest], str | dict[str, Any]]
    """Function from request to reply."""
    name: str = "function"
    """Registry name to report."""
    calls: int = 0
    """How many requests it answered."""

    @property
    def spec(self) -> ModelSpec:
        return _SCRIPTED.model_copy(update={"name": self.name})

    def complete(self, request: ChatRequest) -> ChatReply:
        self.calls += 1
        return _scripted_reply(request, self.answer(request))
