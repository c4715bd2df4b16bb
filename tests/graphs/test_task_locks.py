"""Task locks: one run per task across threads, and across processes sharing the lock file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from teammates.graphs.runtime import Runtime
from teammates.graphs.task_locks import TaskLocks
from teammates.graphs.wakeups import WakeupStore

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from teammates.graphs.task_locks import TaskLocks

    lock_file, task_id, folder = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    with TaskLocks(lock_file).hold(task_id):
        (folder / "held").touch()
        while not (folder / "go").exists():
            time.sleep(0.01)
        (folder / "released").touch()
    """
)


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """Another process holding task `t-1` in `locks` until the file `go` appears."""
    lock_file, folder = tmp_path / "teammates.sqlite.locks", tmp_path / "signals"
    folder.mkdir()
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock_file), "t-1", str(folder)])
    try:
        _wait_for(folder / "held")
        yield lock_file, folder
    finally:
        process.kill()
        process.wait(timeout=10)


def _wait_for(path: Path, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.01)


def _hold_in_thread(
    locks: TaskLocks, task_id: str, seen: list[bool], released: Path
) -> threading.Thread:
    def run() -> None:
        with locks.hold(task_id):
            seen.append(released.exists())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_another_process_waits_until_the_holder_lets_go(holder: tuple[Path, Path]) -> None:
    lock_file, folder = holder
    locks = TaskLocks(lock_file)
    seen: list[bool] = []

    waiting = _hold_in_thread(locks, "t-1", seen, folder / "released")
    time.sleep(0.3)
    assert seen == []
    (folder / "go").touch()
    waiting.join(timeout=20)

    assert seen == [True]


def test_other_tasks_are_not_held_up(holder: tuple[Path, Path]) -> None:
    lock_file, folder = holder

    with TaskLocks(lock_file).hold("t-2"):
        assert not (folder / "released").exists()


def test_a_killed_holder_leaves_no_lock_behind(tmp_path: Path) -> None:
    lock_file, folder = tmp_path / "locks", tmp_path / "signals"
    folder.mkdir()
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock_file), "t-1", str(folder)])
    _wait_for(folder / "held")

    process.kill()
    process.wait(timeout=10)
    seen: list[bool] = []
    thread = _hold_in_thread(TaskLocks(lock_file), "t-1", seen, folder / "released")
    thread.join(timeout=20)

    assert seen == [False]


def test_threads_of_one_process_take_turns_on_a_task() -> None:
    locks = TaskLocks()
    inside, most = 0, 0
    counter = threading.Lock()

    def run() -> None:
        nonlocal inside, most
        with locks.hold("t-1"):
            with counter:
                inside += 1
                most = max(most, inside)
            time.sleep(0.02)
            with counter:
                inside -= 1

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert most == 1


def test_a_runtime_on_a_file_store_locks_beside_it(tmp_path: Path) -> None:
    store = tmp_path / "teammates.sqlite"
    runtime = Runtime(graph=None, clock=None, wakeups=WakeupStore(store))  # type: ignore[arg-type]

    assert runtime.locks.path == tmp_path / "teammates.sqlite.locks"
    assert Runtime(graph=None, clock=None).locks.path is None  # type: ignore[arg-type]
