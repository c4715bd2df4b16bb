"""Choosing one action as schema-constrained JSON.

The offered actions become one JSON schema (an `anyOf` of objects whose `action` field is a
constant), the model's answer is validated against the tool's argument model, and a reply that
does not validate is sent back once with the error before the step fails.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from teammates.models.client import ChatModel, ChatReply, ChatRequest
from teammates.models.usage import Usage
from teammates.tools.base import Tool


class ActionError(RuntimeError):
    """The model's answer was not a valid action, twice in a row.

    It carries the usage of the failed calls, which are paid for all the same.
    """

    def __init__(self, message: str, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage or Usage()


@dataclass(frozen=True)
class Decision:
    """The action chosen and what choosing it cost."""

    tool: Tool
    """Tool to run."""
    args: BaseModel
    """Validated arguments."""
    usage: Usage
    """Model usage for this choice (zero when only one action was offered)."""
    forced: bool
    """True when a single action was offered and no model was asked."""


def action_schema(tools: Sequence[Tool]) -> dict[str, Any]:
    """One object schema per tool, `action` first, joined by `anyOf`."""
    branches = []
    for tool in tools:
        args_schema = inline_schema(tool.args.model_json_schema())
        properties = {"action": {"const": tool.name}, **args_schema.get("properties", {})}
        branches.append(
            {
                "type": "object",
                "properties": properties,
                "required": ["action", *args_schema.get("required", [])],
            }
        )
    return branches[0] if len(branches) == 1 else {"anyOf": branches}


def inline_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop titles and resolve local `$ref`s so small grammar converters read it."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(defs[node["$ref"].split("/")[-1]])
            return {k: walk(v) for k, v in node.items() if k not in ("title", "$defs")}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result: dict[str, Any] = walk(schema)
    return result


def describe(tools: Sequence[Tool]) -> str:
    """The action list the model reads."""
    lines = []
    for tool in tools:
        fields = tool.args.model_fields
        params = ", ".join(fields) if fields else ""
        lines.append(f"- {tool.name}({params}): {tool.description}")
    return "\n".join(lines)


def decide(
    model: ChatModel,
    *,
    role: str,
    system: str,
    observation: str,
    tools: Sequence[Tool],
    task_id: str,
    seed: int | None = None,
    temperature: float = 0.0,
) -> Decision:
    """Ask `model` for the next action among `tools`; a lone tool without arguments is forced."""
    if not tools:
        raise ValueError(f"{role}: no action is available; the caller must end the turn")
    if len(tools) == 1 and not tools[0].args.model_fields:
        return Decision(tools[0], tools[0].args(), Usage(), forced=True)

    by_name = {tool.name: tool for tool in tools}
    messages = [
        {"role": "system", "content": f"{system}\n\nActions:\n{describe(tools)}"},
        {"role": "user", "content": f"{observation}\n\nReply with one JSON action."},
    ]
    schema = action_schema(tools)
    usage = Usage()
    for attempt in range(2):
        reply: ChatReply = model.complete(
            ChatRequest(
                role=role,
                messages=messages,
                schema=schema,
                max_tokens=200,
                temperature=temperature,
                seed=seed,
                task_id=task_id,
            )
        )
        usage = usage + reply.usage
        try:
            return _validate(reply.text, by_name, usage)
        except (ValueError, ValidationError) as exc:
            if attempt == 1:
                raise ActionError(
                    f"{role}: model {model.spec.name!r} gave no valid action twice; "
                    f"last answer {reply.text[:200]!r}: {exc}",
                    usage,
                ) from exc
            messages = [
                *messages,
                {"role": "assistant", "content": reply.text},
                {"role": "user", "content": f"That is not a valid action ({exc}). Try again."},
            ]
    raise AssertionError("unreachable")


def _validate(text: str, by_name: dict[str, Tool], usage: Usage) -> Decision:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg}") from exc
    if not isinstance(raw, dict) or raw.get("action") not in by_name:
        raise ValueError(f"`action` must be one of {sorted(by_name)}")
    tool = by_name[raw.pop("action")]
    return Decision(tool, tool.args.model_validate(raw), usage, forced=False)
