"""The eval runner: incremental results, resume without duplicates, failures kept as rows."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from rich.console import Console

from teammates.evals.cases import MortgageCase, PriorAuthCase
from teammates.evals.recommend import read_results_file
from teammates.evals.results import TrialResult
from teammates.evals.runner import Assignment, EvalConfig, run_eval, select_cases
from teammates.models.client import ChatModel, ChatReply, ChatRequest, ModelCallError
from teammates.models.spec import ModelSpec
from tests.evals.policy import careful_factory, careful_model, careful_spec

Case = MortgageCase | PriorAuthCase
SMOKE = ("mtg-0011", "mtg-0025", "pa-0004")


class _Flaky:
    """The careful model, but `fail` is raised on every call for tasks matching `task_prefix`,
    or on every call after the `after`-th."""

    def __init__(self, spec: ModelSpec, fail: BaseException, *, task_prefix: str = "",
                 after: int = 0) -> None:  # fmt: skip
        self.inner = careful_model(spec.name)
        self.fail = fail
        self.task_prefix = task_prefix
        self.after = after
        self.calls = 0
        self.lock = threading.Lock()

    @property
    def spec(self) -> ModelSpec:
        return self.inner.spec

    def complete(self, request: ChatRequest) -> ChatReply:
        with self.lock:
            self.calls += 1
            calls = self.calls
        if self.task_prefix and request.task_id.startswith(self.task_prefix):
            raise self.fail
        if self.after and calls > self.after:
            raise self.fail
        return self.inner.complete(request)


def _config(out: Path, cases: list[Case], factory: object = careful_factory,
            **options: object) -> EvalConfig:  # fmt: skip
    return EvalConfig(
        assignments=[
            Assignment.of({"default": careful_spec()}),
            Assignment.of({"default": careful_spec("careful-b")}),
        ],
        cases=cases,
        out_dir=out,
        model_factory=factory,  # type: ignore[arg-type]
        show_progress=False,
        **options,  # type: ignore[arg-type]
    )


def _run(config: EvalConfig) -> list[TrialResult]:
    return run_eval(config, Console(file=io.StringIO()))


def _keys(results: list[TrialResult]) -> list[tuple[str, str, int]]:
    return sorted((r.assignment, r.case_id, r.trial) for r in results)


@pytest.fixture
def smoke(all_cases: dict[str, Case]) -> list[Case]:
    return [all_cases[c] for c in SMOKE]


def test_every_trial_is_one_row_and_reports_are_written(tmp_path: Path, smoke: list[Case]) -> None:
    results = _run(_config(tmp_path, smoke, trials=2, temperature=0.7))

    assert len(results) == 2 * 3 * 2 == len(set(_keys(results)))
    assert read_results_file(tmp_path / "results.jsonl") == results
    assert all(r.tool_correctness is not None for r in results)
    assert all(r.judge_score is None for r in results)
    for name in ("report.md", "summary.csv"):
        assert (tmp_path / name).is_file()


def test_interrupted_run_resumes_without_duplicates(tmp_path: Path, smoke: list[Case]) -> None:
    def interrupting(spec: ModelSpec) -> ChatModel:
        return _Flaky(spec, KeyboardInterrupt(), after=20)

    with pytest.raises(KeyboardInterrupt):
        _run(_config(tmp_path, smoke, interrupting))
    kept = read_results_file(tmp_path / "results.jsonl")
    assert 0 < len(kept) < 6

    results = _run(_config(tmp_path, smoke))

    assert _keys(results) == sorted((a, c, 0) for a in ("careful", "careful-b") for c in SMOKE)
    assert read_results_file(tmp_path / "results.jsonl") == results
    assert all(r.failure != "error" for r in results)


def test_half_written_last_line_is_dropped_and_its_trial_rerun(
    tmp_path: Path, smoke: list[Case]
) -> None:
    first = _run(_config(tmp_path, smoke[:1]))
    path = tmp_path / "results.jsonl"
    text = path.read_text()
    path.write_text(text + text.splitlines()[0][:57])

    again = _run(_config(tmp_path, smoke[:1]))

    assert _keys(again) == _keys(first)
    assert path.read_text() == text


def test_failing_model_call_is_an_error_row_and_the_run_goes_on(
    tmp_path: Path, smoke: list[Case]
) -> None:
    def failing(spec: ModelSpec) -> ChatModel:
        return _Flaky(spec, ModelCallError("model 'careful' failed after 3 attempts: HTTP 503"),
                      task_prefix="mtg-0025")  # fmt: skip

    results = _run(_config(tmp_path, smoke, failing))

    failed = [r for r in results if r.case_id == "mtg-0025"]
    assert len(failed) == 2 and all(r.failure == "error" for r in failed)
    assert all(r.failure_detail == "ModelCallError: model 'careful' failed after 3 attempts: "
               "HTTP 503" for r in failed)  # fmt: skip
    assert all(r.completed for r in results if r.case_id != "mtg-0025")


def test_concurrent_trials_give_the_same_rows_as_serial_ones(
    tmp_path: Path, smoke: list[Case]
) -> None:
    serial = _run(_config(tmp_path / "serial", smoke))
    parallel = _run(_config(tmp_path / "parallel", smoke, concurrency=4))

    def figures(results: list[TrialResult]) -> list[tuple[object, ...]]:
        return sorted((r.assignment, r.case_id, r.completed, r.model_calls, r.input_tokens,
                       r.cost.total_usd) for r in results)  # fmt: skip

    assert figures(parallel) == figures(serial)


def test_deepeval_writes_nothing_outside_the_output_folder(
    tmp_path: Path, smoke: list[Case], monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)

    _run(_config(tmp_path / "out", smoke[:1]))

    assert list(workdir.iterdir()) == []


def test_several_trials_need_a_temperature(tmp_path: Path, smoke: list[Case]) -> None:
    with pytest.raises(ValueError, match="temperature above 0"):
        _config(tmp_path, smoke, trials=3)


def test_cases_come_from_a_suite_filtered_by_vertical_and_tag() -> None:
    assert [c.case_id for c in select_cases(suite="smoke")] == list(SMOKE)
    assert [c.case_id for c in select_cases(suite="default", vertical="prior_auth")] == [
        "pa-0004", "pa-0006",
    ]  # fmt: skip
    assert all("jumbo" in c.tags for c in select_cases(tag="jumbo"))
    with pytest.raises(ValueError, match="no suite 'nope'"):
        select_cases(suite="nope")
    with pytest.raises(ValueError, match="no case matches"):
        select_cases(suite="smoke", tag="jumbo")
