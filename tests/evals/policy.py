"""A deterministic stand-in for a good model: picks the sensible action for a schema and prompt.

It reads the `anyOf` branches of an action schema (each with an `action` const), takes the
first action in `PREFERENCE` that is offered, and fills its arguments from the schema: the
first enum value, a short message for text fields. For extraction requests (a schema without
`action`) it reads the document the way a careful reviewer would: kind from its heading, the
person from the labelled name line, the date printed on it.
"""

from __future__ import annotations

import re
from typing import Any

from teammates.models.client import ChatModel, ChatRequest, FunctionModel
from teammates.models.spec import ModelSpec, Price

PREFERENCE = (
    "classify",
    "review_document",
    "report_documents_complete",
    "request_consent",
    "pull_credit",
    "check_eligibility",
    "fax_clinical_notes",
    "file_appeal",
    "call_payer",
    "check_authorization_status",
    "request_document",
    "submit_to_underwriting",
    "send_loan_estimate",
    "send_adverse_action_notice",
)
"""Actions in the order a careful agent reaches for them; anything else comes after, in order."""

_KINDS = (
    ("EARNINGS STATEMENT", "paystub"),
    ("W-2", "w2"),
    ("1040", "tax_return"),
    ("SCHEDULE C", "tax_return"),
    ("PROFIT AND LOSS", "profit_and_loss"),
    ("BANK", "bank_statement"),
    ("SOCIAL SECURITY", "social_security_award_letter"),
    ("PENSION", "pension_statement"),
    ("CLINICAL", "clinical_notes"),
    ("LICENSE", "photo_id"),
    ("IDENTIFICATION", "photo_id"),
    ("PASSPORT", "photo_id"),
)
_NAME_LABELS = (
    "Employee",
    "Name",
    "Patient",
    "Taxpayer",
    "Beneficiary",
    "Account holder",
    "Proprietor",
    "Member",
    "Recipient",
    "Pensioner",
)
_INCOME_LINES = (
    ("Gross pay this period", None),
    ("Box 1", "annual"),
    ("monthly benefit", "monthly"),
    ("monthly", "monthly"),
    ("annual", "annual"),
    ("net profit", "annual"),
    ("total income", "annual"),
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def answer(request: ChatRequest) -> dict[str, Any]:
    """The reply a careful model would give to `request`."""
    schema = request.schema or {}
    branches = schema.get("anyOf", [schema])
    if not any("action" in b.get("properties", {}) for b in branches):
        text = request.messages[-1]["content"]
        if "gross_amount_usd" in schema.get("properties", {}):
            return read_income(text)
        return read_document(text)
    offered = {b["properties"]["action"]["const"]: b for b in branches}
    ranked = [name for name in PREFERENCE if name in offered] or list(offered)
    prompt = request.messages[-1]["content"]
    return _fit(fill(offered[ranked[0]]), offered[ranked[0]], prompt)


def _fit(values: dict[str, Any], branch: dict[str, Any], prompt: str) -> dict[str, Any]:
    """Choose among enum values the one the prompt points at."""
    props = branch["properties"]
    lower = prompt.lower()
    if values["action"] == "classify":
        values["job"] = "prior_auth" if "prior auth" in lower else "mortgage"
    if "option" in props:
        values["option"] = next(o for o in props["option"]["enum"] if "prior auth" in o.lower())
    if "element" in props:
        asked = lower.rsplit("can i have the ", 1)[-1].split(", please")[0]
        spoken = {
            e: e.replace("_", " ").replace("icd10", "icd-10 code").replace("cpt", "cpt code")
            for e in props["element"]["enum"]
        }
        values["element"] = next(
            (e for e, words in spoken.items() if words == asked), values["element"]
        )
    if "channel" in props:
        preferred = re.search(r"preferred channel: (\w+)", lower)
        if preferred and preferred.group(1) in props["channel"].get("enum", []):
            values["channel"] = preferred.group(1)
    if "kind" in props:
        values["kind"] = "appeal"
    return values


def fill(branch: dict[str, Any]) -> dict[str, Any]:
    """Arguments for one branch: consts, first enum values, short text, zero numbers."""
    values: dict[str, Any] = {}
    for name, prop in branch.get("properties", {}).items():
        if "const" in prop:
            values[name] = prop["const"]
        elif "enum" in prop:
            values[name] = prop["enum"][0]
        elif prop.get("type") == "string":
            values[name] = (
                "Hello, this is your team. Here is what we need from you and what happens next."
            )
        elif prop.get("type") in ("integer", "number"):
            values[name] = 0
        elif prop.get("type") == "boolean":
            values[name] = True
        elif prop.get("type") == "array":
            values[name] = []
    return values


def read_document(text: str) -> dict[str, str]:
    """Kind, person and printed date of a document, as a reviewer would copy them."""
    upper = text.upper()
    kind = next((k for marker, k in _KINDS if marker in upper), "paystub")
    return {"doc_type": kind, "names": [_person(text)], "issued_on": _issued(text)}


def read_income(text: str) -> dict[str, Any]:
    """The income amount printed on a document and how often it is paid."""
    for label, period in _INCOME_LINES:
        match = re.search(rf"{label}[^$\n]*\$([\d,]+(?:\.\d+)?)", text, re.IGNORECASE)
        if match:
            paid = re.search(r"Pay period:\s*(\w+)", text, re.IGNORECASE)
            return {
                "gross_amount_usd": float(match.group(1).replace(",", "")),
                "period": paid.group(1).lower() if paid and period is None else period or "annual",
            }
    return {"gross_amount_usd": 0.0, "period": "annual"}


def _person(text: str) -> str:
    for line in text.splitlines():
        for label in _NAME_LABELS:
            match = re.match(rf"\s*{label}( name)?:\s*(.+?)(\s{{2,}}|$)", line, re.IGNORECASE)
            if match:
                return match.group(2).strip()
    return "unknown"


def _issued(text: str) -> str:
    for line in text.splitlines():
        if "DOB" in line or "birth" in line.lower():
            continue
        found = _DATE.search(line)
        if found:
            return found.group(0)
    year = re.search(r"\b(20\d{2})\b", text)
    return f"{int(year.group(1)) + 1}-01-31" if year else "2000-01-01"


def careful_model(name: str = "careful") -> FunctionModel:
    """A `FunctionModel` driven by `answer`."""
    return FunctionModel(answer, name=name)


def careful_spec(
    name: str = "careful", input_price: float = 1.0, output_price: float = 2.0
) -> ModelSpec:
    """A registry-style spec for the careful model, priced per token so costs are known."""
    return ModelSpec(
        name=name,
        provider="scripted",
        model=name,
        price=Price(
            input_usd_per_million_tokens=input_price, output_usd_per_million_tokens=output_price
        ),
    )


def careful_factory(spec: ModelSpec) -> ChatModel:
    """A model factory for `EvalConfig` that answers every spec with the careful policy."""
    return careful_model(spec.name)
