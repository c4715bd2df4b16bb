"""Mortgage cases: real HMDA rows drawn to quotas, fitted with generated credit and debts."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from teammates.evals.casebook.documents import borrower_documents
from teammates.evals.casebook.identities import (
    draw_contact,
    draw_date_of_birth,
    fictional_name,
    fictional_ssn,
    weekday_between,
)
from teammates.evals.casebook.sources import (
    HMDA_FILE,
    LIMITS_FILE,
    MOUNTAIN_TIME_COUNTIES,
    County,
    HmdaRow,
    SourceFileError,
    read_hmda,
    read_tx_counties,
)
from teammates.evals.cases import (
    Borrower,
    Channel,
    CreditFile,
    Debt,
    Employment,
    HeldDocument,
    Loan,
    MortgageCase,
    MortgageExpectation,
    Provenance,
)
from teammates.tools.checklists import mortgage_checklist
from teammates.tools.underwriting import housing_payment

# --- underwriting arithmetic the cases are fitted to --------------------------------------------


def proposed_housing_payment(amount_usd: float, property_value_usd: float) -> float:
    """Monthly principal and interest (5.0%, 30 years) plus taxes and insurance, to the cent.

    The rule itself lives in `teammates.tools.underwriting`, so the cases are fitted to exactly
    the arithmetic the underwriting tools apply.
    """
    return round(housing_payment(amount_usd, property_value_usd), 2)


def debt_to_income_percent(case: MortgageCase) -> float:
    """Back-end DTI of a case: (proposed housing payment + debts) / monthly income, in percent."""
    housing = proposed_housing_payment(case.loan.amount_usd, case.loan.property_value_usd)
    debts = sum(d.monthly_payment_usd for d in case.credit.debts)
    return (housing + debts) / (case.borrower.annual_income_usd / 12) * 100


def hmda_dti_bin(percent: float) -> str:
    """The HMDA `debt_to_income_ratio` value a DTI (in percent) is published as."""
    if percent < 20:
        return "<20%"
    if percent < 30:
        return "20%-<30%"
    if percent < 36:
        return "30%-<36%"
    if percent < 50:
        return str(math.floor(percent))
    if percent <= 60:
        return "50%-60%"
    return ">60%"


def _dti_bin_range(label: str) -> tuple[float, float]:
    """Lower and upper DTI percent of a HMDA bin (the open end of `>60%` is capped at 75)."""
    ranges = {
        "<20%": (0.0, 20.0),
        "20%-<30%": (20.0, 30.0),
        "30%-<36%": (30.0, 36.0),
        "50%-60%": (50.0, 60.0),
        ">60%": (60.0, 75.0),
    }
    if label in ranges:
        return ranges[label]
    exact = float(label)
    return exact, exact + 1


# --- mortgage cases ----------------------------------------------------------------------------

Program = Literal["conforming", "jumbo", "fha"]
_DTI_MARGIN = 0.3
"""Percentage points kept between a fitted DTI and the edges of its HMDA bin."""
_FHA_MAX_LOAN_USD = 350_000
_RETIREMENT_AGES = ("65-74", ">74")
_WORKING_AGES = ("<25", "25-34", "35-44", "45-54", "55-64")


@dataclass(frozen=True)
class _Quota:
    """How many HMDA rows of one kind to draw, and what to generate around them."""

    count: int
    approved: bool
    program: Program
    employment: Employment
    purpose: str | None = "purchase"
    occupancy: str | None = "principal_residence"
    simple: bool = False


_A, _D = True, False
_MORTGAGE_QUOTAS = (
    _Quota(2, _A, "conforming", "w2_employee", simple=True),
    _Quota(2, _A, "conforming", "w2_employee"),
    _Quota(1, _A, "conforming", "self_employed"),
    _Quota(1, _A, "conforming", "retired"),
    _Quota(1, _A, "conforming", "w2_employee", occupancy="second_home"),
    _Quota(1, _A, "conforming", "self_employed", occupancy="investment"),
    _Quota(1, _A, "conforming", "w2_employee", purpose="refinance"),
    _Quota(1, _A, "conforming", "retired", purpose="refinance"),
    _Quota(1, _A, "conforming", "w2_employee", purpose="cash_out_refinance"),
    _Quota(1, _A, "conforming", "self_employed", purpose="cash_out_refinance"),
    _Quota(
        1, _A, "conforming", "w2_employee", purpose="cash_out_refinance", occupancy="investment"
    ),
    _Quota(1, _A, "conforming", "w2_employee", purpose="home_improvement"),
    _Quota(1, _A, "conforming", "w2_employee", purpose="other"),
    _Quota(2, _A, "jumbo", "w2_employee"),
    _Quota(1, _A, "jumbo", "self_employed"),
    _Quota(1, _A, "jumbo", "w2_employee", purpose="refinance"),
    _Quota(2, _A, "fha", "w2_employee"),
    _Quota(1, _A, "fha", "self_employed"),
    _Quota(2, _D, "conforming", "w2_employee", simple=True),
    _Quota(2, _D, "conforming", "w2_employee"),
    _Quota(1, _D, "conforming", "self_employed"),
    _Quota(2, _D, "conforming", "retired"),
    _Quota(1, _D, "conforming", "w2_employee", occupancy="investment"),
    _Quota(1, _D, "conforming", "w2_employee", occupancy="second_home"),
    _Quota(1, _D, "conforming", "w2_employee", purpose="refinance"),
    _Quota(1, _D, "conforming", "retired", purpose="refinance"),
    _Quota(2, _D, "conforming", "w2_employee", purpose="cash_out_refinance"),
    _Quota(1, _D, "conforming", "self_employed", purpose="cash_out_refinance"),
    _Quota(
        1, _D, "conforming", "w2_employee", purpose="cash_out_refinance", occupancy="investment"
    ),
    _Quota(2, _D, "conforming", "w2_employee", purpose="home_improvement"),
    _Quota(1, _D, "conforming", "retired", purpose="home_improvement"),
    _Quota(1, _D, "conforming", "w2_employee", purpose="other"),
    _Quota(1, _D, "conforming", "self_employed", purpose="other"),
    _Quota(1, _D, "jumbo", "w2_employee", purpose=None, occupancy=None),
    _Quota(1, _D, "jumbo", "self_employed", purpose=None, occupancy=None),
    _Quota(1, _D, "fha", "w2_employee"),
)


def _debt_budget_usd(row: HmdaRow) -> tuple[int, int] | None:
    """Whole-dollar monthly debts that put the DTI inside the row's bin, or None if none can."""
    monthly_income = row.income_usd / 12
    housing = proposed_housing_payment(row.amount_usd, row.property_value_usd)
    low, high = _dti_bin_range(row.dti_bin)
    least = math.ceil(max(0.0, (low + _DTI_MARGIN) * monthly_income / 100 - housing))
    most = math.floor((high - _DTI_MARGIN) * monthly_income / 100 - housing)
    return (least, most) if least <= most else None


def _fits(row: HmdaRow, quota: _Quota, conforming_limit: int) -> bool:
    if row.approved != quota.approved or row.amount_usd < 20_000:
        return False
    if (quota.purpose and row.purpose != quota.purpose) or (
        quota.occupancy and row.occupancy != quota.occupancy
    ):
        return False
    ages = _RETIREMENT_AGES if quota.employment == "retired" else _WORKING_AGES
    if row.age_bin not in ages or _debt_budget_usd(row) is None:
        return False
    if quota.program == "jumbo":
        return row.amount_usd > conforming_limit
    if quota.program == "fha":
        return (
            row.purpose == "purchase"
            and row.occupancy == "principal_residence"
            and row.amount_usd <= _FHA_MAX_LOAN_USD
            and (row.ltv_percent or 0) >= 96
        )
    return row.amount_usd <= conforming_limit


def _draw_rows(
    rng: random.Random, rows: list[HmdaRow], limits: list[int]
) -> list[tuple[_Quota, HmdaRow]]:
    """Draw distinct HMDA rows for every quota; jumbo means above every curated county's limit."""
    taken: set[int] = set()
    drawn: list[tuple[_Quota, HmdaRow]] = []
    for quota in _MORTGAGE_QUOTAS:
        limit = max(limits) if quota.program == "jumbo" else min(limits)
        pool = [r for r in rows if r.row not in taken and _fits(r, quota, limit)]
        if len(pool) < quota.count:
            raise SourceFileError(
                f"{HMDA_FILE}: {len(pool)} usable rows fit {quota}, which needs {quota.count}; "
                "restore the full sample, or relax the quota in casebook/mortgage.py"
            )
        for row in rng.sample(pool, quota.count):
            taken.add(row.row)
            drawn.append((quota, row))
    rng.shuffle(drawn)
    return drawn


def _debts(rng: random.Random, row: HmdaRow) -> list[Debt]:
    budget = _debt_budget_usd(row)
    if budget is None:
        raise ValueError(f"HMDA row {row.row}: no debts can fit DTI bin {row.dti_bin!r}")
    total = rng.randint(*budget)
    if total == 0:
        return []
    if total < 60:
        return [Debt(kind="credit_card", monthly_payment_usd=float(total))]
    kinds = rng.sample(
        ["credit_card", "auto_loan", "student_loan", "personal_loan", "child_support"],
        rng.choice([1, 2, 2, 3]),
    )
    shares = [rng.uniform(0.3, 1.0) for _ in kinds]
    parts = [max(15, round(total * s / sum(shares))) for s in shares[:-1]]
    if total - sum(parts) < 15:
        parts, kinds = [], kinds[-1:]
    parts.append(total - sum(parts))
    return [Debt(kind=k, monthly_payment_usd=float(p)) for k, p in zip(kinds, parts, strict=True)]


def _credit_score(rng: random.Random, approved: bool, program: Program) -> int:
    ranges = {
        (True, "fha"): (590, 680),
        (True, "jumbo"): (720, 810),
        (True, "conforming"): (660, 815),
        (False, "fha"): (540, 620),
        (False, "jumbo"): (650, 730),
        (False, "conforming"): (560, 700),
    }
    return rng.randint(*ranges[(approved, program)])


@dataclass(frozen=True)
class _Twist:
    """The counterparty quirks a case is given on top of its real figures."""

    flaw: Literal["stale", "wrong_name"] | None = None
    unresponsive: Channel | None = None
    opt_out: bool = False
    mountain_time: bool = False


def _assign_twists(rng: random.Random, drawn: list[tuple[_Quota, HmdaRow]]) -> list[_Twist]:
    """Spread the quirks over the non-simple cases, disjointly, so each case has at most one."""
    eligible = [i for i, (q, _) in enumerate(drawn) if not q.simple]
    stale_ok = [i for i in eligible if drawn[i][0].employment != "retired"]
    stale = rng.sample(stale_ok, 3)
    rest = [i for i in eligible if i not in stale]
    picks = rng.sample(rest, 12)
    twists = [_Twist() for _ in drawn]
    for i in stale:
        twists[i] = _Twist(flaw="stale")
    for i in picks[:2]:
        twists[i] = _Twist(flaw="wrong_name")
    for i in picks[2:6]:
        twists[i] = _Twist(unresponsive=rng.choice(["sms", "sms", "voice"]))
    for i in picks[6:9]:
        twists[i] = _Twist(opt_out=True)
    for i in picks[9:12]:
        twists[i] = _Twist(mountain_time=True)
    return twists


_PURPOSE_WORDS = {
    "purchase": "purchase",
    "refinance": "rate-and-term refinance",
    "cash_out_refinance": "cash-out refinance",
    "home_improvement": "home improvement loan",
    "other": "loan (other purpose)",
}
_OCCUPANCY_WORDS = {
    "principal_residence": "principal residence",
    "second_home": "second home",
    "investment": "investment property",
}
_REQUEST_TEMPLATES = (
    "Originate this loan: {amount} {purpose}, {occupancy}, {county} County TX; "
    "borrower {name}.{fha}",
    "Please take this application from intake to decision: {name} wants a {amount} {purpose} "
    "on a {occupancy} in {county} County, TX.{fha}",
    "New application. Borrower: {name}. {amount} {purpose}, {occupancy}, "
    "{county} County TX.{fha} Handle documents and disclosures.",
)
_MORTGAGE_GENERATED = [
    "borrower.name",
    "borrower.ssn",
    "borrower.date_of_birth",
    "borrower.employment",
    "borrower.contact",
    "loan.county_fips",
    "loan.application_date",
    "loan.fha_requested",
    "credit.score",
    "credit.debts",
    "documents",
    "underwriting_days",
]
_MORTGAGE_REAL = [
    "loan.amount_usd",
    "borrower.annual_income_usd",
    "loan.property_value_usd",
    "loan.purpose",
    "loan.occupancy",
    "loan.state",
    "loan.conforming_limit_usd",
    "lender_decision",
]


def _mortgage_case(
    index: int,
    quota: _Quota,
    row: HmdaRow,
    *,
    twist: _Twist,
    counties: dict[str, County],
    seed: int,
) -> MortgageCase:
    rng = random.Random(f"{seed}:mortgage:{index}")
    mountain = sorted(f for f in counties if f in MOUNTAIN_TIME_COUNTIES)
    central = sorted(f for f in counties if f not in MOUNTAIN_TIME_COUNTIES)
    county = counties[rng.choice(mountain if twist.mountain_time else central)]
    zone = "America/Denver" if twist.mountain_time else "America/Chicago"
    applied = weekday_between(rng, date(2022, 4, 1), date(2022, 11, 30))
    name = fictional_name(rng)
    borrower = Borrower(
        name=name,
        ssn=fictional_ssn(rng),
        date_of_birth=draw_date_of_birth(rng, row.age_bin, applied),
        employment=quota.employment,
        annual_income_usd=row.income_usd,
        contact=draw_contact(
            rng,
            name,
            county.area_code,
            zone,
            unresponsive=twist.unresponsive,
            opt_out=twist.opt_out,
        ),
    )
    loan = Loan(
        amount_usd=row.amount_usd,
        property_value_usd=row.property_value_usd,
        purpose=row.purpose,
        occupancy=row.occupancy,
        state="TX",
        county_fips=county.fips,
        application_date=applied,
        fha_requested=quota.program == "fha",
        conforming_limit_usd=float(county.limit_usd),
    )
    program: Program = quota.program
    if program != "fha":
        program = "jumbo" if row.amount_usd > county.limit_usd else "conforming"
    documents = borrower_documents(rng, borrower, applied, simple=quota.simple, flaw=twist.flaw)
    decision = "approved" if row.approved else "denied"
    fha = " FHA loan requested." if loan.fha_requested else ""
    request = rng.choice(_REQUEST_TEMPLATES).format(
        amount=f"${row.amount_usd:,.0f}",
        purpose=_PURPOSE_WORDS[row.purpose],
        occupancy=_OCCUPANCY_WORDS[row.occupancy],
        county=county.name,
        name=name,
        fha=fha,
    )
    return MortgageCase(
        case_id=f"mtg-{index:04d}",
        tags=_mortgage_tags(decision, program, quota, twist, documents),
        request=request,
        borrower=borrower,
        loan=loan,
        credit=CreditFile(score=_credit_score(rng, row.approved, program), debts=_debts(rng, row)),
        documents=documents,
        lender_decision=decision,
        underwriting_days=rng.choice([1.0, 2.0, 2.0, 3.0]),
        expected=MortgageExpectation(
            decision="loan_estimate" if row.approved else "adverse_action",
            program=program,
            required_documents=mortgage_checklist(quota.employment),
            deadline_days=30,
            expected_tools=[
                "request_consent",
                "pull_credit",
                "request_document",
                "submit_to_underwriting",
                "send_loan_estimate" if row.approved else "send_adverse_action_notice",
            ],
        ),
        provenance=Provenance(
            source=f"{HMDA_FILE}#row={row.row}; {LIMITS_FILE}#fips={county.fips}",
            real_fields=_MORTGAGE_REAL,
            generated_fields=_MORTGAGE_GENERATED,
            seed=seed,
            source_values=row.raw,
        ),
    )


def _mortgage_tags(
    decision: str, program: Program, quota: _Quota, twist: _Twist, documents: list[HeldDocument]
) -> list[str]:
    tags = [decision, program, quota.employment]
    if quota.simple:
        tags.append("simple")
    if twist.flaw:
        tags.append(f"{twist.flaw}_document")
    if twist.unresponsive:
        tags.append(f"unresponsive_{twist.unresponsive}")
    if twist.opt_out:
        tags.append("sms_opt_out")
    if twist.mountain_time:
        tags.append("mountain_time")
    if any(d.sends_after_requests > 1 for d in documents):
        tags.append("needs_reminders")
    return tags


def build_mortgage_cases(data_dir: Path, seed: int) -> list[MortgageCase]:
    """Mortgage cases from HMDA rows drawn with `seed`."""
    rng = random.Random(f"{seed}:mortgage")
    counties = read_tx_counties(data_dir / LIMITS_FILE)
    limits = [c.limit_usd for c in counties.values()]
    drawn = _draw_rows(rng, read_hmda(data_dir / HMDA_FILE), limits)
    twists = _assign_twists(rng, drawn)
    return [
        _mortgage_case(i, quota, row, twist=twist, counties=counties, seed=seed)
        for i, ((quota, row), twist) in enumerate(zip(drawn, twists, strict=True), start=1)
    ]
