"""The dataset builder: deterministic, matches the shipped files, and true to its sources."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest

from teammates.evals.casebook import build_datasets
from teammates.evals.casebook.documents import STALE_AFTER_DAYS
from teammates.evals.casebook.identities import age_on
from teammates.evals.casebook.mortgage import debt_to_income_percent, hmda_dti_bin
from teammates.evals.casebook.sources import (
    HMDA_FILE,
    LIMITS_FILE,
    NETWORK_FILE,
    PRACTITIONER_FILE,
    SOURCE_FILES,
    TAXONOMY_FILE,
    SourceFileError,
    shared_data_dir,
)
from teammates.evals.cases import MortgageCase, PriorAuthCase, load_cases
from teammates.tools.checklists import mortgage_checklist, prior_auth_checklist

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
DATA = shared_data_dir()
needs_data = pytest.mark.usefixtures("shared_data")


def _mortgages() -> list[MortgageCase]:
    return [c for c in load_cases(DATASETS / "mortgage.jsonl") if isinstance(c, MortgageCase)]


def _prior_auths() -> list[PriorAuthCase]:
    return [c for c in load_cases(DATASETS / "prior_auth.jsonl") if isinstance(c, PriorAuthCase)]


def _cited_row(source: str, file: str) -> int:
    part = next(p for p in source.split("; ") if p.startswith(f"{file}#row="))
    return int(part.split("=")[1])


@cache
def _csv_rows(file: str) -> list[dict[str, str]]:
    with (DATA / file).open(newline="") as handle:
        return list(csv.DictReader(handle))


@needs_data
def test_builder_is_deterministic_and_matches_the_shipped_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    counts = build_datasets(DATA, first)
    assert counts == build_datasets(DATA, second)
    for name in ("mortgage.jsonl", "prior_auth.jsonl", "suites.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
        assert (first / name).read_bytes() == (DATASETS / name).read_bytes(), (
            f"datasets/{name} is stale; run `teammates datasets build`"
        )


@needs_data
def test_another_seed_draws_other_cases(tmp_path: Path) -> None:
    build_datasets(DATA, tmp_path, seed=7)
    assert (tmp_path / "mortgage.jsonl").read_bytes() != (DATASETS / "mortgage.jsonl").read_bytes()


Edit = Callable[[str], str] | None
"""A change to one shared file's text; None removes the file."""


def _shared_copy(tmp_path: Path, edits: dict[str, Edit]) -> Path:
    """The shared folder as links, with each file in `edits` rewritten (or removed)."""
    folder = tmp_path / "shared"
    folder.mkdir()
    for source in SOURCE_FILES:
        edit = edits.get(source, _unchanged)
        if edit is _unchanged:
            (folder / source).symlink_to(DATA / source)
        elif edit is not None:
            text = (DATA / source).read_text(encoding="utf-8")
            (folder / source).write_text(edit(text), encoding="utf-8")
    return folder


def _unchanged(text: str) -> str:
    return text


@needs_data
@pytest.mark.parametrize(
    ("edits", "message"),
    [
        ({LIMITS_FILE: None, NETWORK_FILE: None}, rf"{LIMITS_FILE}, {NETWORK_FILE} not found in"),
        (
            {HMDA_FILE: lambda text: text.replace("loan_amount", "loan_amt", 1)},
            rf"{HMDA_FILE} has no column 'loan_amount'; it must keep the header",
        ),
        (
            {HMDA_FILE: lambda text: "\n".join(text.splitlines()[:50])},
            rf"{HMDA_FILE}: 0 usable rows fit .* restore the full sample",
        ),
        (
            {TAXONOMY_FILE: lambda text: text.splitlines()[0]},
            rf"{TAXONOMY_FILE} has no taxonomy code",
        ),
    ],
    ids=["two-missing", "renamed-column", "truncated", "header-only-taxonomy"],
)
def test_a_broken_shared_folder_is_named_and_nothing_is_written(
    tmp_path: Path, edits: dict[str, Edit], message: str
) -> None:
    shared = _shared_copy(tmp_path, edits)

    with pytest.raises(SourceFileError, match=message):
        build_datasets(shared, tmp_path / "out")

    assert not (tmp_path / "out").exists()


def test_mortgage_counts_cover_both_decisions_and_jumbo_loans() -> None:
    cases = _mortgages()
    decisions = Counter(c.lender_decision for c in cases)
    assert len(cases) >= 40
    assert decisions["approved"] >= 15 and decisions["denied"] >= 15
    assert sum(c.expected.program == "jumbo" for c in cases) >= 4
    assert len({c.loan.purpose for c in cases}) >= 4
    assert len({c.loan.occupancy for c in cases}) == 3
    assert {c.borrower.employment for c in cases} == {"w2_employee", "self_employed", "retired"}


def test_prior_auth_counts_cover_every_behaviour_three_times() -> None:
    cases = _prior_auths()
    behaviours = Counter(c.payer.behaviour for c in cases)
    assert len(cases) >= 20
    assert len(behaviours) == 5
    assert min(behaviours.values()) >= 3
    assert {c.service.urgency for c in cases} == {"standard", "expedited"}


def test_every_generated_dti_lands_in_its_hmda_bin() -> None:
    for case in _mortgages():
        published = case.provenance.source_values["debt_to_income_ratio"]
        assert hmda_dti_bin(debt_to_income_percent(case)) == published, case.case_id


def test_hmda_bins_follow_the_published_edges() -> None:
    assert hmda_dti_bin(19.99) == "<20%"
    assert hmda_dti_bin(35.99) == "30%-<36%"
    assert hmda_dti_bin(36.0) == "36"
    assert hmda_dti_bin(49.7) == "49"
    assert hmda_dti_bin(60.0) == "50%-60%"
    assert hmda_dti_bin(60.01) == ">60%"


@needs_data
def test_real_mortgage_figures_equal_the_cited_hmda_row() -> None:
    rows = _csv_rows(HMDA_FILE)
    for case in _mortgages():
        row = rows[_cited_row(case.provenance.source, HMDA_FILE) - 1]
        assert row == case.provenance.source_values, case.case_id
        assert case.loan.amount_usd == float(row["loan_amount"])
        assert case.borrower.annual_income_usd == float(row["income"]) * 1000
        assert case.loan.property_value_usd == float(row["property_value"])
        assert case.lender_decision == ("approved" if row["approved"] == "1" else "denied")


@needs_data
def test_real_practitioners_equal_the_cited_nppes_row() -> None:
    rows = _csv_rows(PRACTITIONER_FILE)
    for case in _prior_auths():
        row = rows[_cited_row(case.provenance.source, PRACTITIONER_FILE) - 1]
        assert case.provider.npi == row["NPI"]
        assert row["Provider Last Name (Legal Name)"] in case.provider.name
        fax = row["Provider Business Practice Location Address Fax Number"]
        assert case.provider.fax == f"+1{fax}"
        codes = [row[f"Healthcare Provider Taxonomy Code_{i}"] for i in range(1, 16)]
        assert case.provider.taxonomy_code in codes


def test_program_follows_the_county_limit_and_fha_request() -> None:
    for case in _mortgages():
        limit = case.loan.conforming_limit_usd
        assert limit == 647_200  # every Texas county in 2022
        if case.loan.fha_requested:
            expected = "fha"
        else:
            expected = "jumbo" if case.loan.amount_usd > limit else "conforming"
        assert case.expected.program == expected, case.case_id


def test_generated_identities_are_plausible_and_never_real() -> None:
    bins = {
        "<25": (18, 24),
        "25-34": (25, 34),
        "35-44": (35, 44),
        "45-54": (45, 54),
        "55-64": (55, 64),
        "65-74": (65, 74),
        ">74": (75, 120),
    }
    for case in _mortgages():
        low, high = bins[case.provenance.source_values["applicant_age"]]
        assert low <= age_on(case.borrower.date_of_birth, case.loan.application_date) <= high
        assert case.borrower.ssn.startswith("9")
        assert case.borrower.contact.email.endswith("@example.com")
        assert case.borrower.contact.phone[5:9] == "5550"
        assert case.loan.application_date.weekday() < 5
        assert case.loan.application_date.year == 2022


def test_required_documents_follow_the_checklist_and_are_all_held() -> None:
    for case in _mortgages():
        assert case.expected.required_documents == mortgage_checklist(case.borrower.employment)
        held = {d.doc_type for d in case.documents}
        assert set(case.expected.required_documents) <= held
    for pa in _prior_auths():
        assert prior_auth_checklist(pa.service.cpt) == [pa.clinical_notes.doc_type]


def test_every_flawed_document_is_followed_by_a_valid_one() -> None:
    flawed_cases = 0
    for case in _mortgages():
        for doc in case.documents:
            stale = case.loan.application_date - doc.issued_on > timedelta(STALE_AFTER_DAYS)
            stale = stale and doc.doc_type in ("paystub", "bank_statement")
            if not (stale or doc.name_on_document != case.borrower.name):
                continue
            flawed_cases += 1
            assert doc.sends_after_requests == 1
            valid = [d for d in case.documents if d.doc_type == doc.doc_type and d is not doc]
            assert valid and valid[0].sends_after_requests > 1
            assert valid[0].name_on_document == case.borrower.name
    assert flawed_cases >= 4


def test_document_text_states_raw_figures_consistent_with_income() -> None:
    periods = {"weekly": 52, "biweekly": 26, "semimonthly": 24, "monthly": 12}
    for case in _mortgages():
        for doc in case.documents:
            if doc.doc_type != "paystub" or doc.name_on_document != case.borrower.name:
                continue
            lines = dict(line.split(": ", 1) for line in doc.text.splitlines() if ": " in line)
            gross = float(lines["Gross pay this period"].strip("$").replace(",", ""))
            annual = gross * periods[lines["Pay period"]]
            assert abs(annual - case.borrower.annual_income_usd) < 1.0, case.case_id


def test_prior_auth_expectations_follow_the_behaviour() -> None:
    for case in _prior_auths():
        behaviour = case.payer.behaviour
        appeal = behaviour in ("denied_then_approved_on_appeal", "denied_final")
        assert case.expected.appeal_filed == appeal
        assert case.expected.reference_number_required == (behaviour != "member_not_eligible")
        assert case.member_eligible == (behaviour != "member_not_eligible")
        base = 3 if case.service.urgency == "expedited" else 7
        assert case.expected.deadline_days == base + (14 if appeal else 0)
        menu = [o.leads_to for o in case.payer.ivr_menu]
        assert 3 <= len(menu) <= 5 and menu.count("prior_authorization") == 1


def test_payers_put_prior_authorization_behind_different_digits() -> None:
    digits = {
        o.digit
        for c in _prior_auths()
        for o in c.payer.ivr_menu
        if o.leads_to == "prior_authorization"
    }
    assert len(digits) >= 2
