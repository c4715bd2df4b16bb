"""Checkpoints: a task's state outlives its process, in SQLite and in PostgreSQL."""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest

from teammates.evals.episode import run_case, start_time
from teammates.evals.scoring import score
from teammates.evals.world import SandboxWorld
from teammates.graphs.builder import build_teammate
from teammates.graphs.persistence import open_checkpointer
from teammates.models.client import ScriptedModel
from teammates.tools.clock import VirtualClock

POSTGRES_URL = os.environ.get(
    "TEAMMATES_TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test"
)
"""Trust-auth database the CI starts; override with $TEAMMATES_TEST_POSTGRES_URL."""


def _reopened_state(url: str, case, thread_id: str) -> dict:
    """The task's state as a new process, with a new connection, reads it back."""
    with open_checkpointer(url) as saver:
        clock = VirtualClock(start_time(case))
        graph = build_teammate(
            {"default": ScriptedModel([])}, SandboxWorld(case, clock), saver, clock=clock
        )
        return dict(graph.get_state({"configurable": {"thread_id": thread_id}}).values)


def test_sqlite_file_keeps_the_settled_task(tmp_path, case_by_id, replies) -> None:
    case = case_by_id("pa-0004")
    path = tmp_path / "nested" / "checkpoints.db"

    with open_checkpointer(path) as saver:
        episode = run_case(
            case,
            {"default": ScriptedModel(replies("pa-0004"))},
            checkpointer=saver,
            task_id="pa-sqlite-1",
        )

    state = _reopened_state(str(path), case, "pa-sqlite-1")
    assert path.exists()
    assert state["outcome"] == episode.state["outcome"]
    assert state["outcome"]["status"] == "approved"
    assert state["tools_called"] == episode.state["tools_called"]


@pytest.mark.postgres
def test_postgres_checkpointer_runs_a_scripted_case(case_by_id, replies) -> None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=5) as connection:
            connection.execute("select 1")
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL at {POSTGRES_URL!r} is unreachable ({exc}). Start it (the CI script "
            "runs pg_ctlcluster ... main start), set $TEAMMATES_TEST_POSTGRES_URL, or deselect "
            "with -m 'not postgres'."
        )
    case = case_by_id("pa-0004")
    thread_id = f"pa-0004-{uuid.uuid4().hex}"

    try:
        with open_checkpointer(POSTGRES_URL) as saver:
            episode = run_case(
                case,
                {"default": ScriptedModel(replies("pa-0004"))},
                checkpointer=saver,
                task_id=thread_id,
            )
        state = _reopened_state(POSTGRES_URL, case, thread_id)

        assert state["task_id"] == thread_id
        assert state["outcome"]["status"] == "approved"
        assert state["outcome"]["reference_number"] == episode.state["outcome"]["reference_number"]
        assert state["steps"] == episode.state["steps"]
        assert score(episode).completed
    finally:
        with open_checkpointer(POSTGRES_URL) as saver:
            saver.delete_thread(thread_id)
