"""Recorded-case files: the shipped datasets load, and a bad line points at itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teammates.evals.cases import CaseFileError, MortgageCase, PriorAuthCase, load_cases, parse_case

DATASETS = Path(__file__).resolve().parents[2] / "datasets"


def _first_mortgage_line() -> dict[str, object]:
    line = (DATASETS / "mortgage.jsonl").read_text().splitlines()[0]
    raw: dict[str, object] = json.loads(line)
    return raw


def test_shipped_mortgage_cases_load_and_validate() -> None:
    cases = load_cases(DATASETS / "mortgage.jsonl")
    assert len(cases) >= 40
    assert all(isinstance(c, MortgageCase) for c in cases)


def test_shipped_prior_auth_cases_load_and_validate() -> None:
    cases = load_cases(DATASETS / "prior_auth.jsonl")
    assert len(cases) >= 20
    assert all(isinstance(c, PriorAuthCase) for c in cases)


def test_loading_the_folder_reads_every_case_file() -> None:
    cases = load_cases(DATASETS)
    assert {c.vertical for c in cases} == {"mortgage", "prior_auth"}


def test_suites_name_only_existing_cases() -> None:
    ids = {c.case_id for c in load_cases(DATASETS)}
    suites = json.loads((DATASETS / "suites.json").read_text())
    assert set(suites) >= {"smoke", "default", "full"}
    assert len(suites["smoke"]) == 3
    assert len(suites["default"]) == 6
    assert set(suites["full"]) == ids
    for names in suites.values():
        assert set(names) <= ids


def test_missing_ssn_error_names_case_and_field() -> None:
    raw = _first_mortgage_line()
    borrower = raw["borrower"]
    assert isinstance(borrower, dict)
    del borrower["ssn"]
    with pytest.raises(CaseFileError) as error:
        parse_case(json.dumps(raw), where="mortgage.jsonl:1")
    message = str(error.value)
    assert "mtg-0001" in message
    assert "'borrower.ssn'" in message
    assert "mortgage.jsonl:1" in message


def test_wrong_type_in_loan_amount_names_case_and_field() -> None:
    raw = _first_mortgage_line()
    loan = raw["loan"]
    assert isinstance(loan, dict)
    loan["amount_usd"] = "three hundred thousand"
    with pytest.raises(CaseFileError, match=r"mtg-0001.*'loan\.amount_usd'"):
        parse_case(json.dumps(raw))


def test_line_that_is_not_json_is_reported_with_its_place() -> None:
    with pytest.raises(CaseFileError, match=r"cases\.jsonl:7: not JSON"):
        parse_case("{not json", where="cases.jsonl:7")


def test_duplicate_case_ids_fail(tmp_path: Path) -> None:
    line = (DATASETS / "mortgage.jsonl").read_text().splitlines()[0]
    path = tmp_path / "dup.jsonl"
    path.write_text(f"{line}\n{line}\n")
    with pytest.raises(CaseFileError, match=r"dup\.jsonl:2: case id 'mtg-0001' appears twice"):
        load_cases(path)


def test_missing_case_file_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match=r"pass a \.jsonl file"):
        load_cases(tmp_path / "nowhere.jsonl")
