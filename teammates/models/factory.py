"""Turning model specs into chat models, one per role."""

from __future__ import annotations

from collections.abc import Mapping

from teammates.models.client import ChatModel, OpenAIChatModel
from teammates.models.registry import resolve_model
from teammates.models.spec import ModelSpec


def chat_model(spec: ModelSpec) -> ChatModel:
    """The client for `spec`; scripted specs belong to tests and are refused here."""
    if spec.provider == "scripted":
        raise ValueError(
            f"model {spec.name!r} is a scripted test double; pass a registry name such as "
            "'qwen2.5-coder-1.5b' or an inline openai_compatible:... spec"
        )
    return OpenAIChatModel(spec)


def parse_roles(default: str, roles: str | None) -> dict[str, ModelSpec]:
    """`--model` plus `--roles insurer_caller=spec;supervisor=spec` into a spec per role."""
    specs = {"default": resolve_model(default)}
    for item in filter(None, (roles or "").split(";")):
        role, sep, spec = item.partition("=")
        if not sep or not spec:
            raise ValueError(
                f"--roles item {item!r} is not role=spec; e.g. 'insurer_caller=qwen2.5-coder-1.5b'"
            )
        specs[role.strip()] = resolve_model(spec.strip())
    return specs


def models_for(specs: Mapping[str, ModelSpec]) -> dict[str, ChatModel]:
    """One client per distinct spec, shared by the roles that use it."""
    clients: dict[str, ChatModel] = {}
    by_role: dict[str, ChatModel] = {}
    for role, spec in specs.items():
        key = spec.model_dump_json()
        if key not in clients:
            clients[key] = chat_model(spec)
        by_role[role] = clients[key]
    return by_role
