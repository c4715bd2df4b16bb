"""One run per task at a time: across the threads of a process and the processes of a machine."""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

_SLOTS = 2**32
"""Byte offsets a task id hashes to in the lock file; two ids sharing one only take turns."""


class TaskLocks:
    """Locks by task id, so two workers never run one task's thread at the same time.

    Threads of this process wait on a lock per task. With `path`, processes on this machine that
    use the same file also wait for each other: each task id owns one byte of the file, locked
    with a POSIX record lock that the operating system releases if its holder dies, so a crashed
    worker never leaves a task locked.

    Note: POSIX record locks belong to the process and end when it closes any descriptor of the
    file, so a process should hold one `TaskLocks` per file (a `Runtime` holds one). They do not
    reach other machines; a PostgreSQL deployment across machines needs a row lock or a job queue
    per task (not built; README "Known limits").
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        """The lock file shared with other processes, or None for this process only."""
        self._threads: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()
        self._file: BinaryIO | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a+b")

    @contextmanager
    def hold(self, task_id: str) -> Iterator[None]:
        """Wait until no other thread or process runs `task_id`, then hold it for the block."""
        with self._guard:
            thread_lock = self._threads[task_id]
        with thread_lock:
            if self._file is None:
                yield
                return
            slot = _slot(task_id)
            fcntl.lockf(self._file, fcntl.LOCK_EX, 1, slot)
            try:
                yield
            finally:
                fcntl.lockf(self._file, fcntl.LOCK_UN, 1, slot)

    def close(self) -> None:
        """Close the lock file (which releases every lock this process holds in it)."""
        if self._file is not None:
            self._file.close()
            self._file = None


def _slot(task_id: str) -> int:
    digest = hashlib.blake2b(task_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest) % _SLOTS
