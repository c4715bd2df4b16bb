"""The eval runner: replay recorded cases under each model assignment, trial after trial.

Every finished trial is appended to `<out>/results.jsonl` at once (flushed and synced), so a
crash loses only the trials in flight, and running again into the same folder skips the
trials already there. A trial whose model fails after its retries is recorded with failure
`error` and the run goes on. Ctrl-C stops the trials in flight at their next model call and
keeps every finished one.

Limitation: trials run on threads. Their model calls overlap, but the harness's own Python work
(graph steps, checkpoints, the sandbox, scoring: about 10 ms per model call on one core) is
serialized by the GIL, which bounds the speed-up on fast models; see
`benchmarks/RESULTS.md`. Trials on processes would lift the bound.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from teammates.evals.cases import MortgageCase, PriorAuthCase, load_cases
from teammates.evals.episode import Episode, run_case
from teammates.evals.judge import judge_trial, prepare_deepeval
from teammates.evals.metrics import summarize
from teammates.evals.recommend import RESULTS_FILE, read_results_file
from teammates.evals.recording import (
    Recorder,
    RecordingModel,
    Recordings,
    ReplayMissError,
    ReplayModel,
    recording_path,
)
from teammates.evals.report import render_summary_table, write_outputs
from teammates.evals.results import TrialResult
from teammates.evals.trial import failed_episode, trial_result
from teammates.models.client import ChatModel, ChatReply, ChatRequest
from teammates.models.factory import chat_model
from teammates.models.spec import ModelSpec

log = logging.getLogger(__name__)

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
"""The shipped recorded cases and `suites.json`."""

Case = MortgageCase | PriorAuthCase
ModelFactory = Callable[[ModelSpec], ChatModel]
"""Builds the client of a spec (tests inject scripted models here)."""


@dataclass(frozen=True)
class Assignment:
    """A model per role, compared as one arm of the eval."""

    name: str
    """Label in results and reports, e.g. `qwen2.5-coder-1.5b+insurer_caller=gpt-4o-mini`."""
    specs: Mapping[str, ModelSpec]
    """Model per role; `default` answers for every role not named."""

    @classmethod
    def of(cls, specs: Mapping[str, ModelSpec]) -> Assignment:
        """The assignment of `specs`, named after the default model and each override."""
        if "default" not in specs:
            raise ValueError(f"an assignment needs a 'default' model; got roles {sorted(specs)}")
        overrides = [f"{role}={spec.name}" for role, spec in sorted(specs.items())
                     if role != "default"]  # fmt: skip
        return cls(name="+".join([specs["default"].name, *overrides]), specs=dict(specs))


@dataclass(frozen=True)
class EvalConfig:
    """Everything one eval run needs."""

    assignments: Sequence[Assignment]
    """Model assignments to compare."""
    cases: Sequence[Case]
    """Recorded cases to replay."""
    out_dir: Path
    """Folder for results, recordings, reports and DeepEval's files."""
    trials: int = 1
    """Trials per case and assignment."""
    concurrency: int = 1
    """Trials run at once (threads)."""
    seed: int = 0
    """Seed of trial 0; trial t runs with seed + t."""
    temperature: float = 0.0
    """Sampling temperature; above 0 when trials > 1, or the trials repeat each other."""
    record: bool = False
    """Write every model answer to `<out>/recordings/<assignment>.jsonl`."""
    replay_from: Path | None = None
    """Answer every request from the recordings in this folder instead of the models."""
    judge: ModelSpec | None = None
    """Model that judges the consumer messages with GEval; None skips the judge."""
    model_factory: ModelFactory = chat_model
    """Builds a client per spec."""
    show_progress: bool = True
    """Draw a progress bar and the summary table on the console."""

    def __post_init__(self) -> None:
        if self.trials < 1 or self.concurrency < 1:
            raise ValueError(
                f"trials={self.trials} and concurrency={self.concurrency} must both be >= 1"
            )
        if self.trials > 1 and self.temperature <= 0:
            raise ValueError(
                f"trials={self.trials} at temperature {self.temperature} would repeat one run; "
                "pass a temperature above 0 (e.g. 0.7) so trials differ"
            )
        if self.record and self.replay_from is not None:
            raise ValueError("record and replay exclude each other; a replay calls no model")
        names = [a.name for a in self.assignments]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"model assignment(s) {twice} given twice; pass each --model once")
        if self.temperature < 0:
            raise ValueError(f"temperature={self.temperature} is negative; use 0 or more")
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise ValueError(f"--out {str(self.out_dir)!r} is a file; pass a folder")
        if not self.assignments or not self.cases:
            raise ValueError("an eval needs at least one model assignment and one case")


@dataclass
class ReplayCheck:
    """What a replay found against its recordings (STYLE: replays are exact)."""

    unrecorded: list[str] = field(default_factory=list)
    """Trials that asked for an answer that was never recorded."""
    unused: dict[str, int] = field(default_factory=dict)
    """Trials whose recordings held answers the replay never asked for, with the count."""

    @property
    def exact(self) -> bool:
        """Whether every trial used exactly its recorded answers."""
        return not self.unrecorded and not self.unused

    def describe(self) -> str:
        """Markdown lines for the report."""
        if self.exact:
            return "Every trial replayed exactly its recorded answers."
        lines = [f"- `{t}` asked for an answer that was never recorded" for t in self.unrecorded]
        lines += [f"- `{t}` left {n} recorded answer(s) unused" for t, n in self.unused.items()]
        return "The replay was NOT exact:\n\n" + "\n".join(lines)


class EvalInterrupted(BaseException):
    """Raised inside a trial at its next model call after the user pressed Ctrl-C."""


def run_eval(config: EvalConfig, console: Console | None = None) -> list[TrialResult]:
    """Run every missing trial of `config`, then write the reports; all trials in the folder.

    Raises KeyboardInterrupt after writing the reports when the user interrupted the run.
    """
    console = console or Console()
    config.out_dir.mkdir(parents=True, exist_ok=True)
    prepare_deepeval(config.out_dir)
    results_path = config.out_dir / RESULTS_FILE
    done = {(r.assignment, r.case_id, r.trial) for r in _finished_trials(results_path)}
    plan = [
        (assignment, case, trial)
        for assignment in config.assignments
        for case in config.cases
        for trial in range(config.trials)
        if (assignment.name, case.case_id, trial) not in done
    ]
    if done:
        console.print(f"resuming: {len(done)} trial(s) already in {results_path}, "
                      f"{len(plan)} to run")  # fmt: skip

    if config.replay_from is None:
        _check_local_models_installed(config)
    stop = threading.Event()
    arms = {a.name: _Arm(a, config, stop) for a in {p[0].name: p[0] for p in plan}.values()}
    check = ReplayCheck()
    interrupted = False
    try:
        _run_plan(plan, arms, config, results_path, check, console)
    except KeyboardInterrupt:
        stop.set()
        interrupted = True
    results = _finished_trials(results_path)
    _report(results, config, check, console, interrupted)
    if interrupted:
        raise KeyboardInterrupt
    return results


def _run_plan(
    plan: Sequence[tuple[Assignment, Case, int]],
    arms: Mapping[str, _Arm],
    config: EvalConfig,
    results_path: Path,
    check: ReplayCheck,
    console: Console,
) -> None:
    """Run `plan` on a thread pool, appending each finished trial as soon as it is done."""
    pool = ThreadPoolExecutor(max_workers=config.concurrency, thread_name_prefix="trial")
    written: set[Future[_Finished]] = set()

    def write(future: Future[_Finished]) -> _Finished:
        finished = future.result()
        _append(results_path, finished.result)
        _note_replay(check, finished)
        written.add(future)
        return finished

    with _progress(console, len(plan), config.show_progress) as advance:
        futures = [pool.submit(arms[a.name].run_trial, case, trial) for a, case, trial in plan]
        try:
            for future in as_completed(futures):
                advance(write(future).result)
        except BaseException:
            for arm in arms.values():
                arm.stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            for future in futures:
                if (
                    future not in written
                    and future.done()
                    and not future.cancelled()
                    and future.exception() is None
                ):
                    write(future)
            raise
    pool.shutdown(wait=True)


@dataclass(frozen=True)
class _Finished:
    """A trial's row and what its replay left over."""

    result: TrialResult
    task_id: str
    unused_recordings: int
    unrecorded: bool


class _Arm:
    """The models of one assignment, wrapped for recording, replay, serving limits and Ctrl-C."""

    def __init__(self, assignment: Assignment, config: EvalConfig, stop: threading.Event) -> None:
        self.assignment = assignment
        self.config = config
        self.stop = stop
        self.recorder: Recorder | None = None
        self.recordings: Recordings | None = None
        if config.record:
            self.recorder = Recorder(recording_path(config.out_dir, assignment.name))
        if config.replay_from is not None:
            self.recordings = Recordings.load(recording_path(config.replay_from, assignment.name))
        self.models = self._wrap_all(assignment.specs)
        judge = {"judge": config.judge} if config.judge is not None else {}
        self.judge = self._wrap_all(judge).get("judge")

    def _wrap_all(self, specs: Mapping[str, ModelSpec]) -> dict[str, ChatModel]:
        clients: dict[str, ChatModel] = {}
        by_role: dict[str, ChatModel] = {}
        for role, spec in specs.items():
            key = spec.model_dump_json()
            if key not in clients:
                clients[key] = self._wrap(spec)
            by_role[role] = clients[key]
        return by_role

    def _wrap(self, spec: ModelSpec) -> ChatModel:
        model: ChatModel
        if self.recordings is not None:
            model = ReplayModel(self.recordings, spec)
        else:
            model = _one_request_per_server(self.config.model_factory(spec))
            if self.recorder is not None:
                model = RecordingModel(model, self.recorder)
        return _Interruptible(model, self.stop)

    def run_trial(self, case: Case, trial: int) -> _Finished:
        """Replay `case` once, score it, judge it; a failing model makes an `error` row."""
        task_id = f"{case.case_id}-t{trial}"
        if self.recorder is not None:
            self.recorder.begin(task_id)
        episode = self._episode(case, trial, task_id)
        result = trial_result(episode, self.assignment.name, self.assignment.specs, trial)
        result = judge_trial(result, case, episode.state, self.judge, task_id=task_id)
        return _Finished(
            result=result,
            task_id=f"{self.assignment.name}/{task_id}",
            unused_recordings=self.recordings.unused(task_id) if self.recordings else 0,
            unrecorded=bool(episode.error and ReplayMissError.__name__ in episode.error),
        )

    def _episode(self, case: Case, trial: int, task_id: str) -> Episode:
        saver = InMemorySaver()
        started = time.perf_counter()
        try:
            return run_case(
                case, self.models, checkpointer=saver, seed=self.config.seed + trial,
                temperature=self.config.temperature, task_id=task_id,
            )  # fmt: skip
        except Exception as exc:  # a failed trial is a result, not the end of the run
            log.warning("trial failed", extra={"task_id": task_id, "error": str(exc)[:200]})
            return failed_episode(case, _last_state(saver, task_id), exc,
                                  time.perf_counter() - started)  # fmt: skip


class _Interruptible:
    """Raises `EvalInterrupted` instead of calling the model once the run is stopping."""

    def __init__(self, inner: ChatModel, stop: threading.Event) -> None:
        self.inner = inner
        self.stop = stop

    @property
    def spec(self) -> ModelSpec:
        return self.inner.spec

    def complete(self, request: ChatRequest) -> ChatReply:
        if self.stop.is_set():
            raise EvalInterrupted(request.task_id)
        return self.inner.complete(request)


_server_locks: dict[str, threading.Lock] = {}
_server_locks_guard = threading.Lock()


class _OneAtATime:
    """Sends one request at a time to a self-hosted server, so its compute seconds are honest."""

    def __init__(self, inner: ChatModel, lock: threading.Lock) -> None:
        self.inner = inner
        self.lock = lock

    @property
    def spec(self) -> ModelSpec:
        return self.inner.spec

    def complete(self, request: ChatRequest) -> ChatReply:
        with self.lock:
            return self.inner.complete(request)


def _one_request_per_server(model: ChatModel) -> ChatModel:
    """Serialize requests to a model priced by compute time; hosted models stay concurrent.

    Limitation: a model priced per hour of its machine answers one request at a time (one
    server per model file), because its compute seconds, and so its cost, are measured as
    the wall time of each request; concurrent requests would share the CPU and each be billed
    the whole time. Concurrency therefore speeds up hosted models and the sandbox, not a local
    model.
    """
    spec = model.spec
    if spec.price.compute_usd_per_hour is None:
        return model
    server = spec.gguf_file or spec.base_url or spec.name
    with _server_locks_guard:
        lock = _server_locks.setdefault(server, threading.Lock())
    return _OneAtATime(model, lock)


def _check_local_models_installed(config: EvalConfig) -> None:
    """Fail before the first trial, not in every trial, when a local model is not installed."""
    from teammates.models.install import INSTALL_COMMAND, model_cache_dir

    specs = [s for a in config.assignments for s in a.specs.values()]
    specs += [config.judge] if config.judge is not None else []
    for spec in specs:
        local = spec.provider == "local" and spec.base_url is None and spec.gguf_file
        if local and not (model_cache_dir() / local).is_file():
            raise ValueError(
                f"local model {spec.name!r} is not installed; run `{INSTALL_COMMAND} "
                f"{spec.name}` (or pass a running server: {spec.name}:base_url=URL)"
            )


def _last_state(saver: InMemorySaver, task_id: str) -> dict[str, Any]:
    checkpoint = saver.get({"configurable": {"thread_id": task_id, "checkpoint_ns": ""}})
    return dict(checkpoint["channel_values"]) if checkpoint else {}


def _finished_trials(path: Path) -> list[TrialResult]:
    """Trials already in `path`, after dropping a half-written last line left by a crash."""
    if not path.is_file():
        return []
    raw = path.read_bytes()
    if raw and not raw.endswith(b"\n"):
        keep = raw[: raw.rfind(b"\n") + 1]
        log.warning("dropping a half-written last line of %s (%d bytes)", path,
                    len(raw) - len(keep))  # fmt: skip
        with path.open("r+b") as file:
            file.truncate(len(keep))
    return read_results_file(path)


def _append(path: Path, result: TrialResult) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(result.model_dump_json() + "\n")
        file.flush()
        os.fsync(file.fileno())


def _note_replay(check: ReplayCheck, finished: _Finished) -> None:
    if finished.unrecorded:
        check.unrecorded.append(finished.task_id)
    if finished.unused_recordings:
        check.unused[finished.task_id] = finished.unused_recordings


@contextmanager
def _progress(console: Console, total: int, show: bool) -> Iterator[Callable[[TrialResult], None]]:
    columns = (
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[passed]} completed"), TimeElapsedColumn(),
        TextColumn("eta"), TimeRemainingColumn(),
    )  # fmt: skip
    with Progress(*columns, console=console, disable=not show) as progress:
        task = progress.add_task("trials", total=total, passed=0)
        passed = 0

        def advance(result: TrialResult) -> None:
            nonlocal passed
            passed += int(result.completed)
            progress.update(task, advance=1, passed=passed)

        yield advance


def _report(
    results: Sequence[TrialResult],
    config: EvalConfig,
    check: ReplayCheck,
    console: Console,
    interrupted: bool,
) -> None:
    if not results:
        console.print("no trial finished; nothing to report")
        return
    files = write_outputs(results, config.out_dir)
    if config.replay_from is not None:
        with files.report_md.open("a", encoding="utf-8") as report:
            report.write(f"\n## Replay exactness\n\n{check.describe()}\n")
        if not check.exact:
            console.print(f"[yellow]warning:[/] {check.describe()}")
    if config.show_progress:
        console.print(render_summary_table(summarize(results)))
    state = "interrupted; finished trials kept in" if interrupted else "wrote"
    console.print(f"{state} {config.out_dir / RESULTS_FILE}, {files.report_md.name}, "
                  f"{files.summary_csv.name}, {files.chart_png.name}")  # fmt: skip


def select_cases(
    *,
    cases_path: Path | None = None,
    suite: str | None = None,
    vertical: str | None = None,
    tag: str | None = None,
) -> list[Case]:
    """Cases from a file or folder (default: the shipped datasets), a named suite, filtered."""
    cases = load_cases(cases_path or DATASETS)
    if suite is not None:
        cases = _suite(cases, suite, (cases_path or DATASETS))
    chosen = [
        c for c in cases
        if (vertical is None or c.vertical == vertical) and (tag is None or tag in c.tags)
    ]  # fmt: skip
    if not chosen:
        tags = sorted({t for c in cases for t in c.tags})
        raise ValueError(
            f"no case matches vertical={vertical!r} tag={tag!r}; verticals: mortgage, "
            f"prior_auth; tags: {', '.join(tags)}"
        )
    return chosen


def _suite(cases: Sequence[Case], suite: str, cases_path: Path) -> list[Case]:
    folder = cases_path if cases_path.is_dir() else cases_path.parent
    suites_file = folder / "suites.json"
    if not suites_file.is_file():
        suites_file = DATASETS / "suites.json"
    suites: dict[str, list[str]] = json.loads(suites_file.read_text("utf-8"))
    if suite not in suites:
        raise ValueError(f"no suite {suite!r} in {suites_file}; suites: {', '.join(suites)}")
    by_id = {c.case_id: c for c in cases}
    missing = [case_id for case_id in suites[suite] if case_id not in by_id]
    if missing:
        raise ValueError(f"suite {suite!r} names cases not in the case files: {missing}")
    return [by_id[case_id] for case_id in suites[suite]]
