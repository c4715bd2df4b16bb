"""Record and replay: a replay is exact, needs no model, and is priced at today's prices."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from teammates.evals.cases import MortgageCase, PriorAuthCase
from teammates.evals.recording import (
    Recorder,
    RecordingModel,
    Recordings,
    ReplayMissError,
    ReplayModel,
    recording_path,
)
from teammates.evals.results import TrialResult
from teammates.evals.runner import Assignment, EvalConfig, run_eval
from teammates.models.client import ChatModel, ChatRequest, ScriptedModel
from teammates.models.spec import ModelSpec
from tests.evals.policy import careful_factory, careful_spec

Case = MortgageCase | PriorAuthCase
CASES = ("mtg-0011", "pa-0004")


def _no_model(spec: ModelSpec) -> ChatModel:
    raise AssertionError(f"a replay built a model for {spec.name!r}")


def _run(out: Path, cases: list[Case], spec: ModelSpec, **options: object) -> list[TrialResult]:
    config = EvalConfig(
        assignments=[Assignment.of({"default": spec})],
        cases=cases,
        out_dir=out,
        show_progress=False,
        **options,  # type: ignore[arg-type]
    )
    return run_eval(config, Console(file=io.StringIO()))


@pytest.fixture
def recorded(tmp_path: Path, all_cases: dict[str, Case]) -> tuple[Path, list[TrialResult]]:
    """A recorded run of two cases with the careful model."""
    out = tmp_path / "recorded"
    cases = [all_cases[c] for c in CASES]
    return out, _run(out, cases, careful_spec(), record=True, model_factory=careful_factory)


def _figures(results: list[TrialResult]) -> list[tuple[object, ...]]:
    return [
        (r.case_id, r.completed, r.failure, r.outcome, r.model_calls, r.input_tokens,
         r.output_tokens, r.tools_called, r.agent_steps, r.virtual_days, r.cost.total_usd)
        for r in sorted(results, key=lambda r: r.case_id)
    ]  # fmt: skip


def _request(content: str, task_id: str = "case-t0") -> ChatRequest:
    return ChatRequest(role="supervisor", messages=[{"role": "user", "content": content}],
                       schema=None, task_id=task_id)  # fmt: skip


def test_identical_prompts_replay_their_answers_in_order(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    recorder = Recorder(path)
    recorder.begin("case-t0")
    live = RecordingModel(ScriptedModel(["first", "second"]), recorder)
    assert [live.complete(_request("same")).text for _ in range(2)] == ["first", "second"]

    replay = ReplayModel(Recordings.load(path), live.spec)
    assert [replay.complete(_request("same")).text for _ in range(2)] == ["first", "second"]


def test_restarted_trial_replays_only_its_latest_attempt(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    recorder = Recorder(path)
    recorder.begin("case-t0")
    RecordingModel(ScriptedModel(["crashed attempt"]), recorder).complete(_request("q"))
    recorder.begin("case-t0")
    RecordingModel(ScriptedModel(["final attempt"]), recorder).complete(_request("q"))

    recordings = Recordings.load(path)
    assert recordings.recorded("case-t0") == 1
    assert recordings.answer(_request("q")).text == "final attempt"


def test_replay_of_a_recorded_run_gives_identical_figures_without_a_model(
    tmp_path: Path, recorded: tuple[Path, list[TrialResult]], all_cases: dict[str, Case]
) -> None:
    source, live = recorded
    cases = [all_cases[c] for c in CASES]
    replayed = _run(tmp_path / "replay", cases, careful_spec(), replay_from=source,
                    model_factory=_no_model)  # fmt: skip

    assert any(r.completed for r in live)
    assert _figures(replayed) == _figures(live)
    report = (tmp_path / "replay" / "report.md").read_text()
    assert "Every trial replayed exactly its recorded answers." in report


def test_replay_prices_recorded_tokens_at_current_prices(
    tmp_path: Path, recorded: tuple[Path, list[TrialResult]], all_cases: dict[str, Case]
) -> None:
    source, live = recorded
    dearer = careful_spec(input_price=10.0, output_price=20.0)
    replayed = _run(tmp_path / "replay", [all_cases[c] for c in CASES], dearer,
                    replay_from=source, model_factory=_no_model)  # fmt: skip

    for before, after in zip(sorted(live, key=lambda r: r.case_id),
                             sorted(replayed, key=lambda r: r.case_id), strict=True):  # fmt: skip
        assert after.input_tokens == before.input_tokens
        assert before.cost.model_usd is not None and before.cost.model_usd > 0
        assert after.cost.model_usd == pytest.approx(10 * before.cost.model_usd)


def test_unrecorded_request_fails_the_trial_naming_role_and_prompt(
    tmp_path: Path, recorded: tuple[Path, list[TrialResult]], all_cases: dict[str, Case]
) -> None:
    source, _ = recorded
    path = recording_path(source, "careful")
    lines = path.read_text().splitlines()
    dropped = next(i for i, line in enumerate(lines) if json.loads(line)["task_id"] == "pa-0004-t0"
                   and json.loads(line)["role"] == "insurer_caller")  # fmt: skip
    path.write_text("\n".join(lines[:dropped] + lines[dropped + 1 :]) + "\n")

    replayed = _run(tmp_path / "replay", [all_cases[c] for c in CASES], careful_spec(),
                    replay_from=source, model_factory=_no_model)  # fmt: skip

    failed = next(r for r in replayed if r.case_id == "pa-0004")
    assert failed.failure == "error"
    assert failed.failure_detail is not None
    assert ReplayMissError.__name__ in failed.failure_detail
    assert "'insurer_caller'" in failed.failure_detail and "Prompt:" in failed.failure_detail
    assert next(r for r in replayed if r.case_id == "mtg-0011").completed
    report = (tmp_path / "replay" / "report.md").read_text()
    assert "The replay was NOT exact" in report and "pa-0004-t0" in report


def test_recorded_answers_left_unused_are_reported(
    tmp_path: Path, recorded: tuple[Path, list[TrialResult]], all_cases: dict[str, Case]
) -> None:
    source, _ = recorded
    path = recording_path(source, "careful")
    extra = json.loads(path.read_text().splitlines()[-1])
    extra.update(request="0" * 32, occurrence=0)
    with path.open("a") as file:
        file.write(json.dumps(extra) + "\n")

    _run(tmp_path / "replay", [all_cases[c] for c in CASES], careful_spec(),
         replay_from=source, model_factory=_no_model)  # fmt: skip

    report = (tmp_path / "replay" / "report.md").read_text()
    assert f"`careful/{extra['task_id']}` left 1 recorded answer(s) unused" in report
