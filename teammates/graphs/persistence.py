"""Where checkpoints live: a SQLite file by default, PostgreSQL at scale."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver


@contextmanager
def open_checkpointer(url: str | Path) -> Iterator[BaseCheckpointSaver[str]]:
    """A checkpointer for `url`: a file path (SQLite) or a `postgresql://` URL.

    The PostgreSQL tables are created on first use (`setup()`), which is idempotent.
    """
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        from langgraph.checkpoint.postgres import PostgresSaver

        with PostgresSaver.from_conn_string(text) as postgres:
            postgres.setup()
            yield postgres
        return
    if text != ":memory:":
        Path(text).parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(text, check_same_thread=False)
    try:
        sqlite = SqliteSaver(connection)
        sqlite.setup()
        yield sqlite
    finally:
        connection.close()


def checkpointer_context(url: str | Path) -> AbstractContextManager[BaseCheckpointSaver[str]]:
    """Same as `open_checkpointer`, typed as a context manager for callers that store it."""
    return open_checkpointer(url)


def open_store(path: Path | str, what: str) -> sqlite3.Connection:
    """A SQLite connection for the runtime's own tables, with errors that name the path."""
    text = str(path)
    if not text.strip():
        raise ValueError(
            f"{what} path is empty; pass a SQLite file (the checkpoints' file will do) "
            "or ':memory:'"
        )
    try:
        if text != ":memory:":
            Path(text).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(text, check_same_thread=False, isolation_level=None, timeout=30)
        db.execute("select count(*) from sqlite_master").fetchone()
    except (OSError, sqlite3.Error) as exc:
        raise ValueError(
            f"{what} path={text!r} cannot be opened as a SQLite database ({exc}); pass a "
            "writable SQLite file, such as the checkpoints' file"
        ) from exc
    return db
