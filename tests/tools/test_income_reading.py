"""The qualifier is offered only the income documents it has not read yet."""

from __future__ import annotations

from typing import Any

from teammates.agents.decision import action_schema
from teammates.tools.checklists import mortgage_checklist
from teammates.tools.mortgage import qualifier_tools


def _read_tool(facts: dict[str, Any]) -> Any:
    tools = qualifier_tools("retired", list(mortgage_checklist("retired")), facts=facts)
    return next(t for t in tools if t.name == "read_income_document")


def test_a_retiree_is_offered_the_pension_statement_once_the_award_letter_is_read() -> None:
    valid = {d: {"status": "valid"} for d in mortgage_checklist("retired")}
    facts = {
        "credit": {"score": 700, "monthly_debts_usd": 100.0},
        "documents": valid,
        "income_figures": {
            "social_security_award_letter": {"gross_amount_usd": 1800.0, "period": "monthly"}
        },
    }

    tool = _read_tool(facts)

    assert tool.available(facts)
    schema = action_schema([tool])
    assert schema["properties"]["doc_type"]["const"] == "pension_statement"


def test_nothing_left_to_read_takes_the_tool_away() -> None:
    valid = {d: {"status": "valid"} for d in mortgage_checklist("retired")}
    read = {"gross_amount_usd": 1.0, "period": "monthly"}
    facts = {
        "credit": {"score": 700, "monthly_debts_usd": 0.0},
        "documents": valid,
        "income_figures": {"social_security_award_letter": read, "pension_statement": read},
    }

    assert not _read_tool(facts).available(facts)
