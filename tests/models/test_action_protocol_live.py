"""The action protocol against the real embedded 1.5B model: a few decisions it must get right.

Needs `teammates models install` (run in CI by .ci/run; deselected from the quick run).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from teammates.agents.decision import decide
from teammates.agents.specialist import extract, load_prompt
from teammates.graphs.supervisor import PROMPT, ClassifyArgs
from teammates.models.client import OpenAIChatModel
from teammates.models.local_server import LocalModelServer
from teammates.models.registry import resolve_model
from teammates.tools.base import Tool, ToolResult
from teammates.tools.mortgage import INCOME_READING, IncomeFigures
from teammates.tools.payer import GiveArgs, press_args

pytestmark = pytest.mark.local_model

CALLER_PROMPT = load_prompt(
    str(Path(__file__).resolve().parents[2] / "teammates/agents/insurer_caller.py"),
    "insurer_caller",
)


def _noop(ctx: object, args: object) -> ToolResult:
    return ToolResult(observation="")


@pytest.fixture(scope="module")
def model() -> Iterator[OpenAIChatModel]:
    spec = resolve_model("qwen2.5-coder-1.5b").model_copy(update={"base_url": None})
    server = LocalModelServer(spec)
    if not server.model_file.is_file():
        pytest.fail(f"{server.model_file} is missing: run `teammates models install` first")
    with server as base_url:
        yield OpenAIChatModel(spec, base_url=base_url)


def test_supervisor_classifies_a_prior_authorization_request(model: OpenAIChatModel) -> None:
    tool = Tool("classify", "Say which kind of job this request is.", ClassifyArgs, True, _noop)
    decision = decide(
        model, role="supervisor", system=PROMPT, tools=[tool], task_id="live-1",
        observation="Request: please get the prior authorization for this lumbar spine MRI, "
        "CPT 72148, for our patient with Blue Plan.",
    )  # fmt: skip
    assert decision.args.job == "prior_auth"  # type: ignore[attr-defined]
    assert decision.usage.model_calls == 1 and decision.usage.input_tokens > 0


def test_caller_picks_the_prior_authorization_option_of_the_phone_menu(
    model: OpenAIChatModel,
) -> None:
    menu = [
        "claim status or payment questions (press 1)",
        "pharmacy benefits (press 2)",
        "prior authorization, precertification or referrals (press 3)",
        "all other questions (press 4)",
    ]
    press = Tool("press_key", "Choose the phone-menu option for prior authorization.",
                 press_args(menu), False, _noop)  # fmt: skip
    decision = decide(
        model, role="insurer_caller", system=CALLER_PROMPT, tools=[press], task_id="live-2",
        observation="ON THE CALL. Transcript so far:\nivr: (phone menu)\n"
        "The phone menu is playing: pick the option that leads to prior authorization.",
    )  # fmt: skip
    assert decision.args.option.endswith("(press 3)")  # type: ignore[attr-defined]


def test_caller_answers_the_representative_with_the_element_asked_for(
    model: OpenAIChatModel,
) -> None:
    give = Tool("give_information", "Answer the representative with the data element asked for.",
                GiveArgs, False, _noop)  # fmt: skip
    decision = decide(
        model, role="insurer_caller", system=CALLER_PROMPT, tools=[give], task_id="live-3",
        observation="ON THE CALL. representative: Thank you. Can I have the member id, please?\n"
        "The representative is waiting for your answer.",
    )  # fmt: skip
    assert decision.tool.name == "give_information"
    assert decision.args.element == "member_id"  # type: ignore[attr-defined]


def test_qualifier_reads_raw_paystub_figures_not_totals(model: OpenAIChatModel) -> None:
    paystub = (Path(__file__).parent / "paystub.txt").read_text()
    figures, usage = extract(
        model, "borrower_qualifier", "live-4",
        INCOME_READING, paystub, IncomeFigures,
    )  # fmt: skip
    assert isinstance(figures, IncomeFigures)
    assert figures.gross_amount_usd == pytest.approx(2058.75)
    assert figures.period == "biweekly"
    assert usage.model_calls >= 1
