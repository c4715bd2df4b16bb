"""The local model server's lifecycle, driven by a fake server script (no model, no network)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from teammates.models import ModelSpec, ensure_local_server, local_server
from teammates.models.local_server import (
    LOGS_KEPT,
    THREADS_ENV,
    LocalModelServer,
    ModelNotInstalledError,
    PortInUseError,
    ServerCommand,
    ServerPackageMissingError,
    ServerStartError,
    answers_models,
    llama_server_command,
    stop_local_servers,
)

FAKE_SERVER = Path(__file__).with_name("fake_llama_server.py")
SPEC = ModelSpec(name="tiny", provider="local", model="tiny-instruct", gguf_file="tiny.gguf")


def fake_server(delay_s: float = 0.0) -> ServerCommand:
    def command(model_file: Path, port: int, spec: ModelSpec) -> list[str]:
        return [sys.executable, str(FAKE_SERVER), "--port", str(port), "--model-id", spec.model,
                "--delay", str(delay_s)]  # fmt: skip

    return command


def never_started(model_file: Path, port: int, spec: ModelSpec) -> list[str]:
    raise AssertionError("no server should be started")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    (tmp_path / "tiny.gguf").write_bytes(b"GGUF")
    return tmp_path


@pytest.fixture
def running_fake_server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(FAKE_SERVER), "--port", str(port)], stdout=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(100):
            if answers_models(url, timeout_s=0.5):
                break
            threading.Event().wait(0.1)
        yield url
    finally:
        process.terminate()
        process.wait()


@pytest.fixture
def not_a_model_server() -> Iterator[int]:
    class NotFound(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(404)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _stop_shared_servers() -> Iterator[None]:
    yield
    stop_local_servers()


def test_server_starts_answers_and_stops_on_exit(cache: Path) -> None:
    server = LocalModelServer(SPEC, cache_dir=cache, command=fake_server())

    with server as base_url:
        models = httpx.get(f"{base_url}/models", trust_env=False).json()
        assert server.owns_process
        assert base_url.startswith("http://127.0.0.1:")

    assert models["data"][0]["id"] == "tiny-instruct"
    assert not answers_models(base_url, timeout_s=0.5)
    assert server.log_path is not None
    assert "listening on 127.0.0.1" in server.log_path.read_text()


def test_server_waits_until_the_model_is_loaded(cache: Path) -> None:
    with LocalModelServer(SPEC, cache_dir=cache, command=fake_server(delay_s=1.0)) as base_url:
        assert answers_models(base_url)


def test_running_server_at_spec_base_url_is_reused(cache: Path, running_fake_server: str) -> None:
    spec = SPEC.model_copy(update={"base_url": running_fake_server})

    with LocalModelServer(spec, cache_dir=cache, command=never_started) as base_url:
        assert base_url == running_fake_server


def test_running_server_on_configured_port_is_reused(cache: Path, running_fake_server: str) -> None:
    port = urlsplit(running_fake_server).port
    server = LocalModelServer(SPEC, cache_dir=cache, port=port, command=never_started)

    with server as base_url:
        assert base_url == running_fake_server
        assert not server.owns_process


def test_server_starts_on_the_loopback_port_of_spec_base_url(cache: Path) -> None:
    port = free_port()
    spec = SPEC.model_copy(update={"base_url": f"http://127.0.0.1:{port}/v1"})

    with LocalModelServer(spec, cache_dir=cache, command=fake_server()) as base_url:
        assert base_url == f"http://127.0.0.1:{port}/v1"


def test_server_that_exits_at_once_reports_its_log_tail(cache: Path) -> None:
    def crashing(model_file: Path, port: int, spec: ModelSpec) -> list[str]:
        script = "import sys\nfor i in range(30): print('line', i)\nprint('bad magic'); sys.exit(3)"
        return [sys.executable, "-c", script]

    with pytest.raises(ServerStartError) as error:
        LocalModelServer(SPEC, cache_dir=cache, command=crashing).start()

    message = str(error.value)
    assert "exited with code 3" in message
    assert "bad magic" in message
    assert "line 29" in message
    assert "line 10\n" not in message  # only the last 20 lines
    assert "teammates models install" in message


def test_server_that_never_answers_times_out_and_is_stopped(cache: Path) -> None:
    server = LocalModelServer(
        SPEC, cache_dir=cache, command=fake_server(delay_s=60), startup_timeout_s=0.5
    )

    with pytest.raises(ServerStartError, match=r"(?s)did not answer.*loading tiny-instruct"):
        server.start()
    assert not server.owns_process


def test_configured_port_held_by_something_else_is_a_clear_error(
    cache: Path, not_a_model_server: int
) -> None:
    server = LocalModelServer(SPEC, cache_dir=cache, port=not_a_model_server, command=never_started)

    with pytest.raises(PortInUseError, match=f"(?i)port {not_a_model_server} in use"):
        server.start()


def test_missing_weights_say_to_run_install(tmp_path: Path) -> None:
    with pytest.raises(ModelNotInstalledError, match="`teammates models install`"):
        LocalModelServer(SPEC, cache_dir=tmp_path, command=never_started).start()


def test_missing_server_package_says_to_run_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("teammates.models.local_server.find_spec", lambda name: None)

    with pytest.raises(ServerPackageMissingError, match="`teammates models install`"):
        llama_server_command(Path("tiny.gguf"), 8080, SPEC)


def test_llama_server_command_serves_on_loopback_with_the_spec_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The command is built whether or not this venv has the server package yet (CI installs
    # it later, with the models).
    monkeypatch.setattr("teammates.models.local_server.find_spec", lambda name: object())

    command = llama_server_command(Path("/models/tiny.gguf"), 8123, SPEC)

    assert command[1:3] == ["-m", "llama_cpp.server"]
    pairs = dict(zip(command[3::2], command[4::2], strict=True))
    assert pairs["--host"] == "127.0.0.1"
    assert pairs["--port"] == "8123"
    assert pairs["--n_ctx"] == "4096"
    assert pairs["--model"] == "/models/tiny.gguf"


def test_server_threads_come_from_the_environment_or_every_cpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("teammates.models.local_server.find_spec", lambda name: object())
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)

    def threads() -> str:
        command = llama_server_command(Path("/models/tiny.gguf"), 8123, SPEC)
        return command[command.index("--n_threads") + 1]

    monkeypatch.delenv(THREADS_ENV, raising=False)
    assert threads() == "3"
    monkeypatch.setenv(THREADS_ENV, "6")
    assert threads() == "6"


@pytest.mark.parametrize("value", ["0", "-2", "four", "1.5"])
def test_bad_server_threads_setting_names_the_variable_value_and_fix(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setattr("teammates.models.local_server.find_spec", lambda name: object())
    monkeypatch.setenv(THREADS_ENV, value)

    expected = rf"TEAMMATES_SERVER_THREADS='{value}' is not a positive .* set it to e.g. 4"
    with pytest.raises(ValueError, match=expected):
        llama_server_command(Path("/models/tiny.gguf"), 8123, SPEC)


def test_only_the_newest_logs_of_the_model_are_kept(cache: Path) -> None:
    logs = cache / "logs"
    logs.mkdir()
    for n in range(LOGS_KEPT + 3):
        old = logs / f"tiny.{9000 + n}.log"
        old.write_text("old")
        os.utime(old, (1_700_000_000 + n, 1_700_000_000 + n))
    other_model = logs / "tiny-large.9000.log"
    other_model.write_text("another model's log")

    with LocalModelServer(SPEC, cache_dir=cache, command=fake_server()) as base_url:
        assert answers_models(base_url)

    kept = sorted(p.name for p in logs.glob("tiny.*.log"))
    assert len(kept) == LOGS_KEPT
    assert f"tiny.{9000 + LOGS_KEPT + 2}.log" in kept and "tiny.9000.log" not in kept
    assert other_model.exists()


def test_specs_sharing_weights_share_one_server_in_the_process(cache: Path) -> None:
    other_role = SPEC.model_copy(update={"name": "tiny-for-the-judge", "context_tokens": 2048})
    commands: list[int] = []
    start = fake_server()

    def counting(model_file: Path, port: int, spec: ModelSpec) -> list[str]:
        commands.append(port)
        return start(model_file, port, spec)

    first = ensure_local_server(SPEC, cache_dir=cache, command=counting)
    second = ensure_local_server(other_role, cache_dir=cache, command=counting)

    assert first == second
    assert len(commands) == 1
    stop_local_servers()
    assert not answers_models(first, timeout_s=0.5)


def test_shared_server_that_died_is_started_again(cache: Path) -> None:
    ensure_local_server(SPEC, cache_dir=cache, command=fake_server())
    process = local_server._servers[cache / "tiny.gguf"]._process
    assert process is not None
    process.kill()
    process.wait()

    second = ensure_local_server(SPEC, cache_dir=cache, command=fake_server())

    assert answers_models(second)
    assert local_server._servers[cache / "tiny.gguf"]._process is not process
