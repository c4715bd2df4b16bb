"""Shared fixtures: recorded cases by id, a virtual clock, and scripted replies for a few cases.

The replies are what a well-behaved model answers on each case, in call order, as read off the
timeline of a replay (`teammates run --case ID`). Forced decisions (one action, no arguments)
make no model call and so have no reply here; extraction calls answer with the raw figures.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from teammates.evals.cases import MortgageCase, PriorAuthCase, load_cases
from teammates.tools.clock import VirtualClock

DATASETS = Path(__file__).resolve().parents[1] / "datasets"

Case = MortgageCase | PriorAuthCase


@pytest.fixture(scope="session")
def all_cases() -> dict[str, Case]:
    """Every shipped case, by id."""
    return {case.case_id: case for case in load_cases(DATASETS)}


@pytest.fixture
def case_by_id(all_cases: dict[str, Case]) -> Callable[[str], Case]:
    """Look a recorded case up by id (a missing id fails with the id in the message)."""

    def get(case_id: str) -> Case:
        if case_id not in all_cases:
            raise KeyError(f"no case {case_id!r} in {DATASETS}")
        return all_cases[case_id]

    return get


@pytest.fixture
def clock() -> VirtualClock:
    """A virtual clock at 2022-04-01 15:00 UTC (10:00 in Chicago, 09:00 in Denver)."""
    return VirtualClock(datetime(2022, 4, 1, 15, 0, tzinfo=UTC))


def _request(doc_type: str) -> dict[str, Any]:
    return {
        "action": "request_document",
        "doc_type": doc_type,
        "channel": "email",
        "message": f"Please upload your {doc_type.replace('_', ' ')} to the portal.",
    }


def _review(doc_type: str, name: str, issued_on: str) -> list[dict[str, Any]]:
    return [
        {"action": "review_document", "document_id": f"doc-{doc_type}-1"},
        {"doc_type": doc_type, "names": [name], "issued_on": issued_on},
    ]


def _give(*elements: str) -> list[dict[str, Any]]:
    return [{"action": "give_information", "element": e} for e in elements]


_NOTIFY = {
    "action": "notify_patient",
    "channel": "email",
    "message": "Your prior authorization was approved. Your provider will schedule you.",
}

REPLIES: dict[str, list[dict[str, Any]]] = {
    "mtg-0011": [
        {"action": "classify", "job": "mortgage"},
        {"action": "request_consent", "channel": "email"},
        _request("paystub"),
        _request("w2"),
        _request("photo_id"),
        *_review("paystub", "Farah Testwell", "2022-03-18"),
        *_review("w2", "Farah Testwell", "2022-01-31"),
        *_review("photo_id", "Farah Testwell", "2015-12-16"),
        {"action": "read_income_document", "doc_type": "paystub"},
        {"gross_amount_usd": 2384.62, "period": "biweekly"},
        {"action": "send_loan_estimate", "channel": "email"},
    ],
    "mtg-0025": [
        {"action": "classify", "job": "mortgage"},
        {"action": "request_consent", "channel": "email"},
        _request("paystub"),
        _request("w2"),
        _request("photo_id"),
        *_review("paystub", "Wei Exampleton", "2022-08-19"),
        *_review("photo_id", "Wei Exampleton", "2016-04-29"),
        *_review("w2", "Wei Exampleton", "2022-01-31"),
        {"action": "read_income_document", "doc_type": "paystub"},
        {"gross_amount_usd": 2500.0, "period": "biweekly"},
        {"action": "send_adverse_action_notice", "channel": "email"},
    ],
    "pa-0004": [
        {"action": "classify", "job": "prior_auth"},
        {
            "action": "press_key",
            "option": "prior authorization, precertification or referrals (press 2)",
        },
        *_give(
            "member_id",
            "npi",
            "tax_id",
            "patient_name",
            "cpt",
            "date_of_birth",
            "date_of_service",
            "urgency",
            "icd10",
        ),
        _NOTIFY,
    ],
    "pa-0006": [
        {"action": "classify", "job": "prior_auth"},
        {
            "action": "press_key",
            "option": "prior authorization, precertification or referrals (press 3)",
        },
        *_give(
            "patient_name",
            "npi",
            "member_id",
            "units",
            "icd10",
            "date_of_service",
            "urgency",
            "cpt",
            "date_of_birth",
        ),
        _request("clinical_notes"),
        *_review("clinical_notes", "Lucia Fictor", "2022-04-09"),
        _NOTIFY,
    ],
}
"""Model replies, in call order, that complete each case."""


@pytest.fixture
def replies() -> Callable[[str], list[str | dict[str, Any]]]:
    """A fresh copy of a case's scripted replies."""

    def get(case_id: str) -> list[str | dict[str, Any]]:
        return [dict(reply) for reply in REPLIES[case_id]]

    return get


@pytest.fixture
def shared_data() -> Path:
    """The shared public data folder; its absence fails the test (never a silent skip)."""
    from teammates.evals.casebook.sources import HMDA_FILE, shared_data_dir

    folder = shared_data_dir()
    if not (folder / HMDA_FILE).is_file():
        pytest.fail(
            f"shared data not found at {folder}: clone beside ../shared or set "
            "TEAMMATES_SHARED_DATA to its data folder"
        )
    return folder
