"""Record every model answer of an eval run, and replay a run from its recordings alone.

A recording is one JSONL line per model call: which trial asked (`task_id`), which role, a
digest of the request's fingerprint, the how-many-th identical request of that trial it was,
the answer's text and its usage (tokens and compute seconds). A replay answers each request
with the recorded answer for the same key, so identical prompts replay in order, and prices the
recorded usage with the prices of today's registry.

Replays are exact: a request that was never recorded raises `ReplayMissError`, and recorded
answers a replayed trial never asked for are counted by `Recordings.unused`.

Note: recordings hold the answers as the model gave them, which can quote the sandbox's
generated identities (names read off documents); keep them with the run, not in reports.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from teammates.models.client import ChatModel, ChatReply, ChatRequest, ModelCallError
from teammates.models.spec import ModelSpec
from teammates.models.usage import Usage

RECORDINGS_DIR = "recordings"
"""Folder of the output folder that holds one recording file per assignment."""

PROMPT_EXCERPT_CHARS = 200
"""How much of an unrecorded prompt a replay error quotes."""

Key = tuple[str, str, str, int]
"""task id, role, request digest, occurrence."""


class ReplayMissError(ModelCallError):
    """A replay met a request its recordings do not hold: the run diverged from the recording."""


def recording_path(out_dir: Path, assignment: str) -> Path:
    """The recording file of `assignment` in `out_dir`."""
    slug = re.sub(r"[^A-Za-z0-9._=+-]+", "_", assignment)
    return out_dir / RECORDINGS_DIR / f"{slug}.jsonl"


def request_digest(request: ChatRequest) -> str:
    """A short, stable digest of everything that determines the answer."""
    return hashlib.sha256(request.fingerprint().encode()).hexdigest()[:32]


class _Occurrences:
    """Counts identical requests per trial, so the n-th repeat gets the n-th answer."""

    def __init__(self) -> None:
        self._seen: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()

    def next_key(self, request: ChatRequest) -> Key:
        base = (request.task_id, request.role, request_digest(request))
        with self._lock:
            occurrence = self._seen[base]
            self._seen[base] += 1
        return (*base, occurrence)

    def reset(self, task_id: str) -> None:
        with self._lock:
            for base in [b for b in self._seen if b[0] == task_id]:
                del self._seen[base]


class Recorder:
    """Appends recorded answers to one file; safe to share between the trials of a run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._attempts: dict[str, str] = {}
        self._occurrences = _Occurrences()

    def begin(self, task_id: str) -> None:
        """Start (or restart) recording the trial `task_id`; its earlier attempts are dropped."""
        with self._lock:
            self._attempts[task_id] = uuid.uuid4().hex[:12]
        self._occurrences.reset(task_id)

    def record(self, request: ChatRequest, model: str, reply: ChatReply) -> None:
        """Append one answer, flushed so a crash keeps every answer before it."""
        task_id, role, digest, occurrence = self._occurrences.next_key(request)
        line = {
            "task_id": task_id,
            "attempt": self._attempts.get(task_id, "-"),
            "role": role,
            "request": digest,
            "occurrence": occurrence,
            "model": model,
            "text": reply.text,
            "usage": reply.usage.model_dump(),
        }
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(json.dumps(line) + "\n")
                file.flush()
                os.fsync(file.fileno())


class RecordingModel:
    """Answers with `inner` and records every request and answer with `recorder`."""

    def __init__(self, inner: ChatModel, recorder: Recorder) -> None:
        self.inner = inner
        self.recorder = recorder

    @property
    def spec(self) -> ModelSpec:
        return self.inner.spec

    def complete(self, request: ChatRequest) -> ChatReply:
        reply = self.inner.complete(request)
        self.recorder.record(request, self.inner.spec.name, reply)
        return reply


class Recordings:
    """The recorded answers of one assignment, read for replay; tracks which were used."""

    def __init__(self, entries: dict[Key, dict[str, Any]], source: Path) -> None:
        self.source = source
        self._entries = entries
        self._used: set[Key] = set()
        self._occurrences = _Occurrences()
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path) -> Recordings:
        """Read `path`, keeping for each trial only its latest recorded attempt."""
        if not path.is_file():
            raise FileNotFoundError(
                f"no recordings at {str(path)!r}; record a run first with "
                "`teammates eval --out DIR` (it records unless --no-record), then pass that DIR "
                "to --replay"
            )
        lines = [json.loads(raw) for raw in path.read_text("utf-8").splitlines() if raw.strip()]
        latest = {line["task_id"]: line["attempt"] for line in lines}
        entries = {
            (line["task_id"], line["role"], line["request"], line["occurrence"]): line
            for line in lines
            if latest[line["task_id"]] == line["attempt"]
        }
        return cls(entries, path)

    def answer(self, request: ChatRequest) -> ChatReply:
        """The recorded answer to `request`, or `ReplayMissError` naming the role and prompt."""
        key = self._occurrences.next_key(request)
        entry = self._entries.get(key)
        if entry is None:
            prompt = " | ".join(m["content"] for m in request.messages)[:PROMPT_EXCERPT_CHARS]
            raise ReplayMissError(
                f"replay of {request.task_id!r}: role {request.role!r} made a request that "
                f"{str(self.source)!r} never recorded (identical request #{key[3] + 1}); the run "
                f"diverged from the recording. Prompt: {prompt!r}"
            )
        with self._lock:
            self._used.add(key)
        return ChatReply(text=entry["text"], usage=Usage(**entry["usage"]))

    def recorded(self, task_id: str) -> int:
        """How many answers were recorded for the trial `task_id`."""
        return sum(1 for key in self._entries if key[0] == task_id)

    def unused(self, task_id: str) -> int:
        """Recorded answers of trial `task_id` that the replay never asked for."""
        with self._lock:
            used = sum(1 for key in self._used if key[0] == task_id)
        return self.recorded(task_id) - used


class ReplayModel:
    """Answers only from `recordings`, as the model `spec` (whose current price is charged)."""

    def __init__(self, recordings: Recordings, spec: ModelSpec) -> None:
        self.recordings = recordings
        self._spec = spec

    @property
    def spec(self) -> ModelSpec:
        return self._spec

    def complete(self, request: ChatRequest) -> ChatReply:
        return self.recordings.answer(request)
