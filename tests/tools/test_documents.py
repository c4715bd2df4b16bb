"""Code, not the model, decides whether a document read off the inbox is acceptable."""

from __future__ import annotations

from datetime import date

import pytest

from teammates.tools.documents import DocumentFacts, validate

APPLIED = date(2022, 4, 1)


@pytest.mark.parametrize(
    ("doc_type", "person", "issued_on", "problem"),
    [
        ("paystub", "Farah Testwell", "2022-03-18", None),
        ("photo_id", "FARAH TESTWELL", "2015-12-16", None),
        ("w2", "Farah M. Testwell", "2022-01-31", None),
        ("paystub", "Farah Testwell", "2021-12-01", "too old: dated 2021-12-01, limit 120 days"),
        (
            "bank_statement",
            "Farah Testwell",
            "2022-05-15",
            "dated 2022-05-15, after the application",
        ),
        (
            "w2",
            "Bluebonnet Logistics LLC",
            "2022-01-31",
            "name on the document does not match the applicant",
        ),
        (
            "w2",
            "Farah Sampleton",
            "2022-01-31",
            "name on the document does not match the applicant",
        ),
        ("paystub", "Farah Testwell", "March 18", "no readable date ('March 18')"),
        # A W-2 is judged by its tax year: last year's is current all year long.
        ("w2", "Farah Testwell", "2021-04-30", None),
        (
            "w2",
            "Farah Testwell",
            "2020-01-31",
            "tax year 2020 is too old for an application in 2022",
        ),
    ],
)
def test_validate_checks_name_and_recency(doc_type, person, issued_on, problem) -> None:
    read = DocumentFacts(doc_type=doc_type, names=[person], issued_on=issued_on)

    assert validate(read, expected_name="Farah Testwell", as_of=APPLIED) == problem


def test_clinical_notes_naming_patient_and_doctor_match_the_patient() -> None:
    read = DocumentFacts(
        doc_type="clinical_notes", names=["PAUL E BERARD, MD", "Rosa Testwell"],
        issued_on="2022-03-20",
    )  # fmt: skip

    assert validate(read, expected_name="Rosa Testwell", as_of=APPLIED) is None
