"""The real embedded model: llama.cpp's server loads the installed 1.5B weights and answers.

Needs `teammates models install` to have run (run in CI; deselected from the quick run).
"""

from __future__ import annotations

import httpx
import pytest

from teammates.models import resolve_model
from teammates.models.local_server import LocalModelServer

pytestmark = pytest.mark.local_model


def test_real_local_server_serves_the_installed_1_5b_model() -> None:
    spec = resolve_model("qwen2.5-coder-1.5b").model_copy(update={"base_url": None})
    server = LocalModelServer(spec)
    if not server.model_file.is_file():
        pytest.fail(
            f"{server.model_file} is missing: run `teammates models install` before the "
            "local_model tests (they must not be skipped)."
        )

    with server as base_url:
        response = httpx.get(f"{base_url}/models", timeout=10, trust_env=False)

    assert response.status_code == 200
    assert [model["id"] for model in response.json()["data"]] == [spec.model]
