"""Document checklists: which documents a job needs before it can move on.

One rule, used by the document collector, by the eval scoring and by the dataset builder, so a
recorded case's `expected.required_documents` and an agent's checklist can never disagree.
"""

from __future__ import annotations

from typing import Literal, get_args

Employment = Literal["w2_employee", "self_employed", "retired"]
"""How a borrower earns the income the lender counts."""

DocumentType = Literal[
    "paystub",
    "w2",
    "tax_return",
    "bank_statement",
    "profit_and_loss",
    "social_security_award_letter",
    "pension_statement",
    "photo_id",
    "clinical_notes",
]
"""Kinds of documents that collectors request and validate."""

_MORTGAGE: dict[str, tuple[DocumentType, ...]] = {
    "w2_employee": ("paystub", "w2", "photo_id"),
    "self_employed": ("tax_return", "profit_and_loss", "bank_statement", "photo_id"),
    "retired": ("social_security_award_letter", "pension_statement", "photo_id"),
}


def mortgage_checklist(employment: Employment) -> list[DocumentType]:
    """Documents to collect and validate before a loan goes to underwriting.

    W-2 employees prove income with a recent paystub and last year's W-2; self-employed
    borrowers with last year's tax return (Schedule C), a year-to-date profit and loss
    statement and a recent bank statement; retirees with their Social Security award letter and
    a pension statement. Everyone shows a photo id.
    """
    if employment not in _MORTGAGE:
        known = ", ".join(get_args(Employment))
        raise ValueError(f"unknown employment {employment!r}; use one of: {known}")
    return list(_MORTGAGE[employment])


def prior_auth_checklist(cpt: str) -> list[DocumentType]:
    """Documents to have on hand before asking a payer to authorize the service `cpt`.

    Note: every service that needs prior authorization is reviewed against clinical criteria,
    and payers pend or deny a request whose criteria the notes do not show, so the checklist is
    the clinical notes for every code. A code-specific list (pathology report for staging
    imaging, radiographs for joint replacement) is not modelled yet.
    """
    if not cpt.strip():
        raise ValueError("empty CPT/HCPCS code; pass the procedure code being authorized")
    return ["clinical_notes"]
