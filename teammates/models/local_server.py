"""The embedded model server: llama.cpp's OpenAI-compatible server on 127.0.0.1, started on demand.

`LocalModelServer` starts one server process for one GGUF file and stops it on exit.
`ensure_local_server` keeps one per GGUF file for the whole process and stops them all at exit,
so every role that uses the same local model shares one server.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from types import TracebackType
from typing import IO
from urllib.parse import urlsplit

import httpx

from teammates.models.install import INSTALL_COMMAND, LocalModelError, model_cache_dir
from teammates.models.spec import ModelSpec

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
STARTUP_TIMEOUT_S = 120.0
"""How long a server may take to answer GET /v1/models after it starts."""

ServerCommand = Callable[[Path, int, ModelSpec], list[str]]
"""Builds the command that serves a GGUF file on 127.0.0.1:port (injectable for tests)."""

THREADS_ENV = "TEAMMATES_SERVER_THREADS"
"""Environment variable: CPU threads per model server (default: every CPU this process may use)."""

LOGS_KEPT = 5
"""Server logs kept per model under `<cache>/logs`; older ones are deleted at each start."""

_SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "pydantic_settings")
_LOG_TAIL_LINES = 20


class ModelNotInstalledError(LocalModelError):
    """The GGUF file of a local model is not in the model cache."""


class ServerPackageMissingError(LocalModelError):
    """llama-cpp-python's server is not installed in this interpreter."""


class ServerStartError(LocalModelError):
    """The server process exited or did not answer in time."""


class PortInUseError(LocalModelError):
    """The configured port is taken by something that is not a model server."""


def server_threads() -> int:
    """CPU threads for a model server: `$TEAMMATES_SERVER_THREADS`, else every usable CPU.

    A self-hosted model is priced per hour of its machine, so it should use all of it.
    """
    configured = os.environ.get(THREADS_ENV)
    if configured is None or not configured.strip():
        return (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1
        )
    try:
        threads = int(configured)
    except ValueError:
        threads = 0
    if threads < 1:
        raise ValueError(
            f"{THREADS_ENV}={configured!r} is not a positive whole number of CPU threads; set it "
            f"to e.g. 4, or unset it to use every CPU ({os.cpu_count()})"
        )
    return threads


def llama_server_command(
    model_file: Path, port: int, spec: ModelSpec, threads: int | None = None
) -> list[str]:
    """`python -m llama_cpp.server` serving `model_file` on 127.0.0.1:`port`.

    `threads` defaults to `server_threads()`.
    """
    missing = [module for module in _SERVER_MODULES if find_spec(module) is None]
    if missing:
        raise ServerPackageMissingError(
            f"The local model server is not installed (missing modules: {', '.join(missing)}). "
            f"Run `{INSTALL_COMMAND}`."
        )
    return [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_file),
        "--model_alias", spec.model,
        "--host", HOST,
        "--port", str(port),
        "--n_threads", str(threads or server_threads()),
        "--n_ctx", str(spec.context_tokens),
    ]  # fmt: skip


def answers_models(base_url: str, timeout_s: float = 2.0) -> bool:
    """Whether an OpenAI-compatible server answers GET `{base_url}/models`."""
    try:
        # trust_env=False: a proxy from the environment must never see a loopback request.
        response = httpx.get(f"{base_url.rstrip('/')}/models", timeout=timeout_s, trust_env=False)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


class LocalModelServer:
    """One llama.cpp server for one local model spec; a context manager giving its base URL.

    Reuses `spec.base_url` when a server answers there. Otherwise starts one on the configured
    port (`port`, else the port of a loopback `spec.base_url`) or a free port, and stops it on
    exit.
    """

    def __init__(
        self,
        spec: ModelSpec,
        *,
        cache_dir: Path | None = None,
        port: int | None = None,
        command: ServerCommand = llama_server_command,
        startup_timeout_s: float = STARTUP_TIMEOUT_S,
    ) -> None:
        if spec.provider != "local" or spec.gguf_file is None:
            raise ValueError(f"Model {spec.name!r} is not a local model with a gguf_file.")
        self.spec = spec
        self.cache_dir = model_cache_dir(cache_dir)
        self.port = port if port is not None else _loopback_port(spec.base_url)
        self.command = command
        self.startup_timeout_s = startup_timeout_s
        self.base_url: str | None = None
        self.log_path: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def model_file(self) -> Path:
        """The GGUF file this server serves."""
        assert self.spec.gguf_file is not None
        return self.cache_dir / self.spec.gguf_file

    @property
    def running(self) -> bool:
        """Whether a base URL is in use and, if this object started the server, it still runs."""
        if self.base_url is None:
            return False
        return self._process is None or self._process.poll() is None

    @property
    def owns_process(self) -> bool:
        """Whether this object started a server process (and will stop it)."""
        return self._process is not None

    def start(self) -> str:
        """Reuse or start the server; its base URL, ending in `/v1`."""
        if self.base_url is not None:
            return self.base_url
        if self.spec.base_url and answers_models(self.spec.base_url):
            logger.info("reusing model server at %s for %s", self.spec.base_url, self.spec.name)
            self.base_url = self.spec.base_url
            return self.base_url

        if not self.model_file.is_file():
            raise ModelNotInstalledError(
                f"Local model {self.spec.name!r} is not installed ({self.model_file} is missing). "
                f"Run `{INSTALL_COMMAND}`."
            )
        port = self._choose_port()
        url = f"http://{HOST}:{port}/v1"
        if answers_models(url):
            logger.info("reusing model server at %s for %s", url, self.spec.name)
        else:
            self._launch(port)
            self._wait_until_ready(url)
        self.base_url = url
        return url

    def stop(self) -> None:
        """Stop the server process if this object started it (terminate, then kill)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            logger.info("stopped model server for %s at %s", self.spec.name, self.base_url)
        if self._log is not None:
            self._log.close()
            self._log = None
        self.base_url = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _choose_port(self) -> int:
        if self.port is None:
            return _free_port()
        if _port_is_free(self.port) or answers_models(f"http://{HOST}:{self.port}/v1"):
            return self.port
        raise PortInUseError(
            f"Port {self.port} in use on {HOST} by something that is not a model server. "
            "Stop it, or configure another port (or none, to pick a free one)."
        )

    def _launch(self, port: int) -> None:
        command = self.command(self.model_file, port, self.spec)
        self.log_path = self.cache_dir / "logs" / f"{self.model_file.stem}.{port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        _prune_logs(self.log_path)
        logger.info("starting model server for %s on port %d, log %s", self.spec.name, port,
                    self.log_path)  # fmt: skip
        self._process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )

    def _wait_until_ready(self, url: str) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._fail(f"exited with code {self._process.returncode}")
            if answers_models(url, timeout_s=1.0):
                logger.info("model server for %s ready at %s", self.spec.name, url)
                return
            time.sleep(0.2)
        self._fail(f"did not answer GET {url}/models within {self.startup_timeout_s:.0f} s")

    def _fail(self, what: str) -> None:
        self.stop()
        raise ServerStartError(
            f"The model server for {self.spec.name!r} {what}. If the log says the model cannot "
            f"be loaded, run `{INSTALL_COMMAND}` again. Last lines of {self.log_path}:\n"
            + self._log_tail()
        )

    def _log_tail(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        lines = self.log_path.read_text("utf-8", errors="replace").splitlines()
        return "\n".join(lines[-_LOG_TAIL_LINES:]) or "(empty log)"


_servers: dict[Path, LocalModelServer] = {}
_servers_lock = threading.Lock()


def ensure_local_server(
    spec: ModelSpec,
    *,
    cache_dir: Path | None = None,
    command: ServerCommand = llama_server_command,
) -> str:
    """The base URL of a server for `spec`, started once per GGUF file for this process.

    Servers started here are stopped when the interpreter exits (or by `stop_local_servers`).
    """
    with _servers_lock:
        server = LocalModelServer(spec, cache_dir=cache_dir, command=command)
        running = _servers.get(server.model_file)
        if running is not None and running.running and running.base_url is not None:
            return running.base_url
        if running is not None:
            logger.warning("model server for %s exited; starting it again", spec.name)
            running.stop()

        url = server.start()
        _servers[server.model_file] = server
        return url


def stop_local_servers() -> None:
    """Stop every server `ensure_local_server` started in this process."""
    with _servers_lock:
        servers = list(_servers.values())
        _servers.clear()
    for server in servers:
        server.stop()


atexit.register(stop_local_servers)


def _loopback_port(base_url: str | None) -> int | None:
    if not base_url:
        return None
    parts = urlsplit(base_url)
    if parts.hostname in ("127.0.0.1", "localhost"):
        return parts.port
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR: a port with only TIME_WAIT connections is free for a new server.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
        return True


def _prune_logs(current: Path) -> None:
    """Delete all but the `LOGS_KEPT` newest logs of the model that `current` belongs to."""
    model = current.name.rsplit(".", 2)[0]
    logs = [p for p in current.parent.glob("*.log") if p.name.rsplit(".", 2)[0] == model]
    logs.sort(key=lambda p: (p == current, p.stat().st_mtime))
    for old in logs[:-LOGS_KEPT]:
        old.unlink(missing_ok=True)
