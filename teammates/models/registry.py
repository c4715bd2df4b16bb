"""The model registry: named model specs, and inline specs for any OpenAI-compatible endpoint.

A model is named on the command line either by a registry name (`qwen2.5-coder-1.5b`) or by an
inline spec, `HEAD:key=value,key=value`, where HEAD is a provider (`openai_compatible`, `local`,
`scripted`) to build a spec from scratch, or a registry name whose fields the keys replace:

    openai_compatible:model=gpt-4o-mini,base_url=https://api.openai.com/v1,api_key_env=OPENAI_API_KEY,input_price=0.15,output_price=0.60
    qwen2.5-coder-1.5b:base_url=http://127.0.0.1:18080/v1

Keys are the `ModelSpec` fields plus three price keys (`input_price`, `output_price` in dollars
per million tokens; `compute_price` in dollars per hour). An inline spec without a price has an
unknown price, so its costs are reported as unknown.
"""

from __future__ import annotations

import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from teammates.models.spec import ModelSpec

REGISTRY_ENV = "TEAMMATES_MODEL_REGISTRY"
"""Environment variable naming a user registry file read on top of the built-in one."""

INLINE_SYNTAX = (
    "openai_compatible:model=MODEL,base_url=URL[,api_key_env=VAR][,input_price=USD_PER_M]"
    "[,output_price=USD_PER_M][,compute_price=USD_PER_HOUR][,structured_output=MODE]"
    "[,context_tokens=N][,name=NAME]"
)
"""The inline spec syntax, shown in errors."""

_SPEC_KEYS = (
    "name",
    "model",
    "base_url",
    "api_key_env",
    "structured_output",
    "context_tokens",
    "gguf_file",
)
_PRICE_KEYS = {
    "input_price": "input_usd_per_million_tokens",
    "output_price": "output_usd_per_million_tokens",
    "compute_price": "compute_usd_per_hour",
}
_PROVIDERS = ("openai_compatible", "local", "scripted")


class ModelSpecError(ValueError):
    """A model name, inline spec or registry file that cannot be used as given."""


def load_registry(path: Path | None = None) -> dict[str, ModelSpec]:
    """Named model specs: the built-in registry, then the user file on top of it.

    The user file is `path`, else the file named by `$TEAMMATES_MODEL_REGISTRY`, else none. It
    has the layout of the built-in `registry.toml`; its models add to the built-in ones and
    replace those of the same name.
    """
    registry: dict[str, ModelSpec] = {}
    for source, document in _registry_documents(path):
        for name, table in document.get("models", {}).items():
            registry[name] = _spec_from_table(name, table, source)
    return registry


def resolve_model(spec: str, registry: dict[str, ModelSpec] | None = None) -> ModelSpec:
    """The model named by `spec`: a registry name or an inline spec (see the module docstring)."""
    known = load_registry() if registry is None else registry
    spec = spec.strip()
    if spec in known:
        return known[spec]

    head, colon, body = spec.partition(":")
    if not colon or (head not in known and head not in _PROVIDERS):
        raise ModelSpecError(
            f"Unknown model {spec!r}. Known names: {', '.join(sorted(known))}. "
            f"Or give an inline spec: {INLINE_SYNTAX}"
        )
    fields = _parse_inline(spec, body)
    base = known[head].model_dump() if head in known else {"provider": head}
    return _spec_from_inline(spec, base, fields)


def registry_tables(section: str, path: Path | None = None) -> dict[str, dict[str, Any]]:
    """The raw `[section."key"]` tables of the built-in and user registry files, user last."""
    tables: dict[str, dict[str, Any]] = {}
    for _, document in _registry_documents(path):
        tables.update(document.get(section, {}))
    return tables


def _registry_documents(path: Path | None) -> list[tuple[str, dict[str, Any]]]:
    builtin = resources.files("teammates.models").joinpath("registry.toml").read_text("utf-8")
    documents = [("built-in registry.toml", tomllib.loads(builtin))]

    user_file = path if path is not None else _user_registry_path()
    if user_file is not None:
        documents.append((str(user_file), _read_user_registry(user_file)))
    return documents


def _user_registry_path() -> Path | None:
    value = os.environ.get(REGISTRY_ENV)
    return Path(value).expanduser() if value else None


def _read_user_registry(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ModelSpecError(
            f"Model registry file {str(path)!r} does not exist; fix the path or unset "
            f"{REGISTRY_ENV}."
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ModelSpecError(
            f"Model registry file {str(path)!r} is not valid TOML: {error}"
        ) from None


def _spec_from_table(name: str, table: dict[str, Any], source: str) -> ModelSpec:
    try:
        return ModelSpec.model_validate({"name": name, **table})
    except ValidationError as error:
        raise ModelSpecError(f"Model {name!r} in {source} is not a valid spec:\n{error}") from None


def _parse_inline(spec: str, body: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in body.split(","))):
        key, equals, value = item.partition("=")
        key = key.strip()
        if not equals or key not in (*_SPEC_KEYS, *_PRICE_KEYS):
            known_keys = ", ".join((*_SPEC_KEYS, *_PRICE_KEYS))
            raise ModelSpecError(
                f"Inline model spec {spec!r}: {item!r} is not KEY=VALUE with a known key "
                f"({known_keys}). Syntax: {INLINE_SYNTAX}"
            )
        fields[key] = value.strip()
    return fields


def _spec_from_inline(spec: str, base: dict[str, Any], fields: dict[str, str]) -> ModelSpec:
    data = dict(base)
    data.update({key: value for key, value in fields.items() if key in _SPEC_KEYS})

    price_fields = {_PRICE_KEYS[key]: value for key, value in fields.items() if key in _PRICE_KEYS}
    if price_fields:
        data["price"] = {
            **data.get("price", {}),
            **price_fields,
            "source": "inline spec",
            "as_of": None,
        }
    data.setdefault("name", data.get("model"))

    try:
        return ModelSpec.model_validate(data)
    except ValidationError as error:
        raise ModelSpecError(
            f"Inline model spec {spec!r} is not a valid spec:\n{error}\nSyntax: {INLINE_SYNTAX}"
        ) from None
