"""The model registry: named specs, inline specs, user registry files, and their prices."""

from __future__ import annotations

from pathlib import Path

import pytest

from teammates.models import ModelSpecError, Usage, load_registry, resolve_model
from teammates.models.registry import REGISTRY_ENV

INLINE_GPT = (
    "openai_compatible:model=gpt-4o-mini,base_url=https://api.openai.com/v1,"
    "api_key_env=OPENAI_API_KEY,input_price=0.15,output_price=0.60"
)


@pytest.fixture(autouse=True)
def _no_user_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REGISTRY_ENV, raising=False)


def test_local_models_are_registered_with_json_object_schema_and_compute_price() -> None:
    registry = load_registry()

    for name, gguf in [
        ("qwen2.5-coder-1.5b", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"),
        ("qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"),
    ]:
        spec = registry[name]
        assert spec.provider == "local"
        assert spec.structured_output == "json_object_schema"
        assert spec.gguf_file == gguf
        assert spec.price.compute_usd_per_hour == 0.10
        assert spec.price.as_of is not None


def test_local_model_costs_its_compute_time() -> None:
    spec = resolve_model("qwen2.5-coder-1.5b")

    cost = spec.price.cost_of(Usage(input_tokens=10_000, compute_seconds=1800))

    assert cost.cost_usd == pytest.approx(0.05)


def test_hosted_model_costs_its_tokens() -> None:
    spec = resolve_model("gpt-4o-mini")

    cost = spec.price.cost_of(Usage(input_tokens=2_000_000, output_tokens=1_000_000))

    assert spec.api_key_env == "OPENAI_API_KEY"
    assert cost.cost_usd == pytest.approx(0.30 + 0.60)


def test_inline_spec_names_any_openai_compatible_endpoint_with_its_price() -> None:
    spec = resolve_model(INLINE_GPT)

    assert spec.provider == "openai_compatible"
    assert spec.name == "gpt-4o-mini"
    assert spec.model == "gpt-4o-mini"
    assert spec.base_url == "https://api.openai.com/v1"
    assert spec.api_key_env == "OPENAI_API_KEY"
    assert spec.price.input_usd_per_million_tokens == 0.15
    assert spec.price.output_usd_per_million_tokens == 0.60
    assert spec.price.source == "inline spec"
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    assert spec.price.cost_of(usage).cost_usd == pytest.approx(0.75)


def test_inline_spec_without_price_has_unknown_cost() -> None:
    spec = resolve_model(
        "openai_compatible:model=llama3,base_url=http://127.0.0.1:11434/v1,name=ollama-llama3"
    )

    cost = spec.price.cost_of(Usage(input_tokens=100, output_tokens=100))

    assert spec.name == "ollama-llama3"
    assert cost.cost_usd is None
    assert str(cost) == "unknown"


def test_inline_spec_on_a_registry_name_replaces_only_the_given_fields() -> None:
    spec = resolve_model(
        "qwen2.5-coder-1.5b:base_url=http://127.0.0.1:18080/v1,context_tokens=8192"
    )

    assert spec.name == "qwen2.5-coder-1.5b"
    assert spec.provider == "local"
    assert spec.base_url == "http://127.0.0.1:18080/v1"
    assert spec.context_tokens == 8192
    assert spec.gguf_file == "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    assert spec.price.compute_usd_per_hour == 0.10


def test_unknown_name_lists_known_names_and_the_inline_syntax() -> None:
    with pytest.raises(ModelSpecError) as error:
        resolve_model("gpt-5-turbo-ultra")

    message = str(error.value)
    assert "'gpt-5-turbo-ultra'" in message
    assert "qwen2.5-coder-1.5b" in message
    assert "scripted" in message
    assert "openai_compatible:model=MODEL,base_url=URL" in message


def test_inline_spec_with_unknown_key_says_which_item_is_wrong() -> None:
    with pytest.raises(ModelSpecError, match="'temperature=0'"):
        resolve_model("openai_compatible:model=x,base_url=http://127.0.0.1:1/v1,temperature=0")


def test_inline_spec_with_bad_value_is_a_usage_error() -> None:
    with pytest.raises(ModelSpecError, match="input_usd_per_million_tokens"):
        resolve_model("openai_compatible:model=x,input_price=cheap")


def test_scripted_resolves_as_is_with_a_known_zero_price() -> None:
    spec = resolve_model("scripted")

    assert spec.provider == "scripted"
    assert spec.name == "scripted"
    assert spec.price.cost_of(Usage(input_tokens=5, output_tokens=5)).cost_usd == 0.0


def test_user_registry_from_env_adds_and_replaces_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_file = tmp_path / "models.toml"
    user_file.write_text(
        '[models."my-vllm"]\n'
        'provider = "openai_compatible"\n'
        'model = "meta-llama/Llama-3.1-8B-Instruct"\n'
        'base_url = "http://127.0.0.1:8000/v1"\n'
        '[models."gpt-4o-mini"]\n'
        'provider = "openai_compatible"\n'
        'model = "gpt-4o-mini"\n'
        'base_url = "http://127.0.0.1:9000/v1"\n'
    )
    monkeypatch.setenv(REGISTRY_ENV, str(user_file))

    registry = load_registry()

    assert registry["my-vllm"].base_url == "http://127.0.0.1:8000/v1"
    assert registry["gpt-4o-mini"].base_url == "http://127.0.0.1:9000/v1"
    assert registry["gpt-4o-mini"].price.input_usd_per_million_tokens is None
    assert "qwen2.5-coder-1.5b" in registry


def test_missing_user_registry_file_says_how_to_fix_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(REGISTRY_ENV, str(tmp_path / "nope.toml"))

    with pytest.raises(ModelSpecError, match=REGISTRY_ENV):
        load_registry()


def test_invalid_user_registry_entry_names_the_model_and_file(tmp_path: Path) -> None:
    user_file = tmp_path / "models.toml"
    user_file.write_text('[models.broken]\nprovider = "ollama"\nmodel = "x"\n')

    with pytest.raises(ModelSpecError, match="'broken'"):
        load_registry(user_file)
