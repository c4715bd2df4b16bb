"""Builds the recorded-case datasets from the public reference data.

`build_datasets` reads the shared public files (HMDA 2022 Texas sample, FHFA 2022 county loan
limits, NPPES practitioners, NUCC taxonomy, sample payer networks), takes the real figures from
them and generates, with one seed, only what the public data lacks (identities, credit, debts,
documents, counterparties' timing). The same seed always writes the same bytes.

`datasets/README.md` says where every field comes from.
"""

from __future__ import annotations

import csv
import json
import math
import os
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from teammates.evals.cases import (
    Borrower,
    Channel,
    Contact,
    CreditFile,
    Debt,
    Employment,
    HeldDocument,
    IvrOption,
    Loan,
    MortgageCase,
    MortgageExpectation,
    Patient,
    Payer,
    PayerBehaviour,
    PriorAuthCase,
    PriorAuthExpectation,
    Provenance,
    Provider,
    Service,
)
from teammates.tools.checklists import mortgage_checklist
from teammates.tools.payer import DATA_ELEMENTS
from teammates.tools.underwriting import housing_payment

HMDA_FILE = "hmda_tx_2022_sample.csv"
LIMITS_FILE = "county_loan_limits_2022.txt"
PRACTITIONER_FILE = "sample-nppes-practitioner_20181204-data.csv"
TAXONOMY_FILE = "nucc_provider_taxonomy.csv"
NETWORK_FILE = "sample-nppes-network_20181204-data.csv"

STALE_AFTER_DAYS = 120
"""A paystub or bank statement issued more than this many days before application is stale."""

_DATA_ENV = "TEAMMATES_SHARED_DATA"


def shared_data_dir() -> Path:
    """Folder of the shared public data: `$TEAMMATES_SHARED_DATA`, else `<repo>/../shared/data`."""
    configured = os.environ.get(_DATA_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


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


# --- the public sources ------------------------------------------------------------------------


@dataclass(frozen=True)
class HmdaRow:
    """One usable HMDA record, with its 1-based data row number in the file."""

    row: int
    raw: dict[str, str]
    approved: bool
    amount_usd: float
    income_usd: float
    property_value_usd: float
    purpose: Literal["purchase", "home_improvement", "refinance", "cash_out_refinance", "other"]
    occupancy: Literal["principal_residence", "second_home", "investment"]
    dti_bin: str
    ltv_percent: float | None
    age_bin: str


_PURPOSES = {
    "1": "purchase",
    "2": "home_improvement",
    "31": "refinance",
    "32": "cash_out_refinance",
    "4": "other",
}
_OCCUPANCIES = {"1": "principal_residence", "2": "second_home", "3": "investment"}
_AGE_BINS = {
    "<25": (20, 24),
    "25-34": (25, 34),
    "35-44": (35, 44),
    "45-54": (45, 54),
    "55-64": (55, 64),
    "65-74": (65, 74),
    ">74": (75, 86),
}


def read_hmda(path: Path) -> list[HmdaRow]:
    """Rows with every value a case needs (no NA, Exempt, zero income or unknown purpose)."""
    usable: list[HmdaRow] = []
    with path.open(newline="") as handle:
        for number, raw in enumerate(csv.DictReader(handle), start=1):
            parsed = _parse_hmda(number, raw)
            if parsed is not None:
                usable.append(parsed)
    return usable


def _parse_hmda(number: int, raw: dict[str, str]) -> HmdaRow | None:
    try:
        amount, income = float(raw["loan_amount"]), float(raw["income"]) * 1000
        value = float(raw["property_value"])
    except ValueError:
        return None
    dti, age = raw["debt_to_income_ratio"], raw["applicant_age"]
    if income <= 0 or value <= 0 or dti in ("", "Exempt", "NA") or age not in _AGE_BINS:
        return None
    if raw["loan_purpose"] not in _PURPOSES or raw["occupancy_type"] not in _OCCUPANCIES:
        return None
    ltv = raw["loan_to_value_ratio"]
    return HmdaRow(
        row=number,
        raw=dict(raw),
        approved=raw["approved"] == "1",
        amount_usd=amount,
        income_usd=income,
        property_value_usd=value,
        purpose=_PURPOSES[raw["loan_purpose"]],  # type: ignore[arg-type]
        occupancy=_OCCUPANCIES[raw["occupancy_type"]],  # type: ignore[arg-type]
        dti_bin=dti,
        ltv_percent=float(ltv) if ltv else None,
        age_bin=age,
    )


@dataclass(frozen=True)
class County:
    """A Texas county and its 2022 one-unit conforming loan limit."""

    fips: str
    name: str
    area_code: str
    limit_usd: int


# Populous Texas counties (FIPS -> display name, phone area code); names are checked against the
# limits file. El Paso and Hudspeth keep Mountain time.
_TX_COUNTIES = {
    "48201": ("Harris", "713"),
    "48113": ("Dallas", "214"),
    "48439": ("Tarrant", "817"),
    "48029": ("Bexar", "210"),
    "48453": ("Travis", "512"),
    "48085": ("Collin", "972"),
    "48121": ("Denton", "940"),
    "48215": ("Hidalgo", "956"),
    "48157": ("Fort Bend", "281"),
    "48491": ("Williamson", "512"),
    "48339": ("Montgomery", "936"),
    "48303": ("Lubbock", "806"),
    "48355": ("Nueces", "361"),
    "48039": ("Brazoria", "979"),
    "48167": ("Galveston", "409"),
    "48309": ("McLennan", "254"),
    "48423": ("Smith", "903"),
    "48027": ("Bell", "254"),
    "48141": ("El Paso", "915"),
    "48229": ("Hudspeth", "915"),
}
_MOUNTAIN_TIME_COUNTIES = {"48141", "48229"}


def read_tx_counties(path: Path) -> dict[str, County]:
    """The curated Texas counties with their 2022 one-unit limits from the FHFA file."""
    counties: dict[str, County] = {}
    with path.open(newline="") as handle:
        for raw in csv.DictReader(handle, delimiter="|"):
            fips = raw["FIPSStateCode"] + raw["FIPSCountyCode"]
            if raw["State"] != "TX" or fips not in _TX_COUNTIES:
                continue
            name, area_code = _TX_COUNTIES[fips]
            if raw["CountyName"] != name.replace(" ", "").upper() + "COUNTY":
                raise ValueError(f"{path.name}: FIPS {fips} is {raw['CountyName']!r}, not {name!r}")
            counties[fips] = County(fips, name, area_code, int(raw["One-UnitLimit"]))
    return counties


# --- generated identities ----------------------------------------------------------------------

_FIRST_NAMES = [
    "Jane",
    "Marcus",
    "Priya",
    "Luis",
    "Avery",
    "Dana",
    "Tomas",
    "Keisha",
    "Wei",
    "Rosa",
    "Caleb",
    "Nadia",
    "Oscar",
    "Imani",
    "Grant",
    "Lucia",
    "Hector",
    "Mei",
    "Darius",
    "Elena",
    "Jordan",
    "Farah",
    "Victor",
    "Noor",
    "Rowan",
    "Beatriz",
]
_FICTIONAL_SURNAMES = [
    "Sampleton",
    "Testwell",
    "Mockley",
    "Demoson",
    "Exampleton",
    "Fauxley",
    "Placeholt",
    "Specimen",
    "Dummond",
    "Fabler",
    "Pretendo",
    "Inventa",
    "Figmentz",
    "Notreal",
    "Madeup",
    "Fictor",
]


def _fictional_name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST_NAMES)} {rng.choice(_FICTIONAL_SURNAMES)}"


def _fictional_ssn(rng: random.Random) -> str:
    """An SSN in the 900-999 area, which the SSA never assigns."""
    return f"{rng.randint(900, 999)}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def _fictional_phone(rng: random.Random, area_code: str) -> str:
    """E.164 number in the 555-0100..0199 range reserved for fiction."""
    return f"+1{area_code}5550{rng.randint(100, 199)}"


def _date_of_birth(rng: random.Random, age_bin: str, on: date) -> date:
    """A birth date that makes the person's age on `on` fall in the HMDA age bin."""
    age = rng.randint(*_AGE_BINS[age_bin])
    latest = date(on.year - age, on.month, min(on.day, 28))
    return latest - timedelta(days=rng.randint(0, 360))


def age_on(born: date, on: date) -> int:
    """Completed years of age on a date."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _weekday_between(rng: random.Random, first: date, last: date) -> date:
    while True:
        day = first + timedelta(days=rng.randint(0, (last - first).days))
        if day.weekday() < 5:
            return day


def _contact(
    rng: random.Random,
    name: str,
    area_code: str,
    time_zone: str,
    *,
    unresponsive: Channel | None = None,
    opt_out: bool = False,
) -> Contact:
    preferred: Channel = "email" if opt_out else rng.choice(["sms", "sms", "email", "voice"])
    consent: set[Channel] = {preferred, "email", rng.choice(["sms", "voice"])}
    if opt_out or unresponsive == "sms":
        consent.add("sms")
    if unresponsive is not None and unresponsive == preferred:
        preferred = "email" if unresponsive != "email" else "voice"
        consent.add(preferred)
    handle = name.lower().replace(" ", ".")
    return Contact(
        phone=_fictional_phone(rng, area_code),
        email=f"{handle}@example.com",
        time_zone=time_zone,
        consent=sorted(consent),
        preferred_channel=preferred,
        unresponsive_channels=[unresponsive] if unresponsive else [],
        opt_out_reply="STOP" if opt_out else None,
    )


def _money(amount: float) -> str:
    return f"${amount:,.2f}"


# --- borrower documents ------------------------------------------------------------------------

PayFrequency = Literal["weekly", "biweekly", "semimonthly", "monthly"]
_PERIODS_PER_YEAR: dict[PayFrequency, int] = {
    "weekly": 52,
    "biweekly": 26,
    "semimonthly": 24,
    "monthly": 12,
}
_EMPLOYERS = [
    "Bluebonnet Logistics LLC",
    "Pecan Street Dental Group",
    "Gulf Prairie Utilities",
    "Caprock Machine Works",
    "Live Oak Independent School District",
    "Brazos Valley Health Partners",
    "Lone Star Fabrication Inc",
    "Hill Country Foods",
]
_BUSINESSES = [
    "residential remodeling",
    "landscape design",
    "bookkeeping services",
    "food truck",
    "independent trucking",
    "photography studio",
]
_PENSION_PLANS = [
    "Gulf Coast Refiners Retirement Plan",
    "Texas Municipal Workers Pension Fund",
    "Panhandle Rail Employees Pension Plan",
]
_BANK = "Lone Star Community Bank"


def _pay_dates(frequency: PayFrequency, year: int) -> list[date]:
    """Pay dates of a year: Fridays for (bi)weekly, the 15th and month end, or month end."""
    if frequency in ("weekly", "biweekly"):
        first = date(year, 1, 7) - timedelta(days=(date(year, 1, 7).weekday() - 4) % 7)
        step = 7 if frequency == "weekly" else 14
        return [
            first + timedelta(days=step * i)
            for i in range(53)
            if (first + timedelta(days=step * i)).year == year
        ]
    month_ends = [date(year + (m == 12), m % 12 + 1, 1) - timedelta(days=1) for m in range(1, 13)]
    if frequency == "monthly":
        return month_ends
    return sorted(month_ends + [date(year, m, 15) for m in range(1, 13)])


def _last_pay_date(frequency: PayFrequency, not_after: date) -> date:
    dates = _pay_dates(frequency, not_after.year - 1) + _pay_dates(frequency, not_after.year)
    return max(d for d in dates if d <= not_after)


def _paystub(
    name: str, employer: str, annual_usd: float, frequency: PayFrequency, pay_date: date
) -> str:
    gross = round(annual_usd / _PERIODS_PER_YEAR[frequency], 2)
    periods_ytd = sum(1 for d in _pay_dates(frequency, pay_date.year) if d <= pay_date)
    federal, social, medicare = (
        round(gross * 0.1, 2),
        round(gross * 0.062, 2),
        round(gross * 0.0145, 2),
    )
    return "\n".join(
        [
            "EARNINGS STATEMENT",
            f"Employer: {employer}",
            f"Employee: {name}",
            f"Pay period: {frequency}",
            f"Pay date: {pay_date.isoformat()}",
            f"Gross pay this period: {_money(gross)}",
            f"Year-to-date gross pay: {_money(gross * periods_ytd)}",
            f"Federal income tax: {_money(federal)}",
            f"Social Security tax: {_money(social)}",
            f"Medicare tax: {_money(medicare)}",
            f"Net pay: {_money(gross - federal - social - medicare)}",
        ]
    )


def _w2(name: str, ssn: str, employer: str, wages_usd: float) -> str:
    return "\n".join(
        [
            "Form W-2 Wage and Tax Statement 2021",
            f"Employer: {employer}",
            f"Employee: {name}",
            f"Employee's social security number: XXX-XX-{ssn[-4:]}",
            f"Box 1 Wages, tips, other compensation: {_money(wages_usd)}",
            f"Box 2 Federal income tax withheld: {_money(wages_usd * 0.1)}",
            f"Box 3 Social security wages: {_money(wages_usd)}",
            f"Box 5 Medicare wages and tips: {_money(wages_usd)}",
        ]
    )


def _tax_return(
    name: str, business: str, net_profit_usd: float, filed: date, expense_share: float
) -> str:
    receipts = round(net_profit_usd / (1 - expense_share), 2)
    return "\n".join(
        [
            "Form 1040 U.S. Individual Income Tax Return 2021",
            f"Name: {name}",
            f"Date filed: {filed.isoformat()}",
            "Schedule C Profit or Loss From Business",
            f"Principal business: {business}",
            f"Line 1 Gross receipts or sales: {_money(receipts)}",
            f"Line 28 Total expenses: {_money(receipts - net_profit_usd)}",
            f"Line 31 Net profit: {_money(net_profit_usd)}",
        ]
    )


def _profit_and_loss(
    name: str,
    business: str,
    monthly_profit_usd: float,
    *,
    through: date,
    prepared: date,
    expense_share: float,
) -> str:
    profit = round(monthly_profit_usd * through.month, 2)
    revenue = round(profit / (1 - expense_share), 2)
    return "\n".join(
        [
            "PROFIT AND LOSS STATEMENT (unaudited)",
            f"Business: {business}",
            f"Owner: {name}",
            f"Period: {date(through.year, 1, 1).isoformat()} to {through.isoformat()}",
            f"Gross revenue: {_money(revenue)}",
            f"Total expenses: {_money(revenue - profit)}",
            f"Net profit: {_money(profit)}",
            f"Prepared: {prepared.isoformat()}",
        ]
    )


def _bank_statement(
    rng: random.Random, name: str, monthly_deposits_usd: float, period_end: date
) -> str:
    start = period_end.replace(day=1)
    opening = round(rng.uniform(2_000, 40_000), 2)
    withdrawals = round(monthly_deposits_usd * rng.uniform(0.7, 1.0), 2)
    return "\n".join(
        [
            f"{_BANK.upper()} - ACCOUNT STATEMENT",
            f"Account holder: {name}",
            f"Account: ****{rng.randint(1000, 9999)}",
            f"Statement period: {start.isoformat()} to {period_end.isoformat()}",
            f"Beginning balance: {_money(opening)}",
            f"Deposits and credits ({rng.randint(3, 14)}): {_money(monthly_deposits_usd)}",
            f"Withdrawals and debits: {_money(withdrawals)}",
            f"Ending balance: {_money(opening + monthly_deposits_usd - withdrawals)}",
        ]
    )


def _award_letter(name: str, monthly_benefit_usd: float, issued: date) -> str:
    part_b = 170.10
    return "\n".join(
        [
            "SOCIAL SECURITY ADMINISTRATION",
            "Your New Benefit Amount",
            f"Date: {issued.isoformat()}",
            f"Beneficiary: {name}",
            "Beginning December 2021, your monthly Social Security benefit before deductions is "
            f"{_money(monthly_benefit_usd)}.",
            f"Medicare Part B premium deducted: {_money(part_b)}",
            f"Amount we will pay after deductions: {_money(monthly_benefit_usd - part_b)}",
        ]
    )


def _pension_statement(name: str, plan: str, monthly_pension_usd: float, issued: date) -> str:
    withheld = round(monthly_pension_usd * 0.1, 2)
    return "\n".join(
        [
            "PENSION BENEFIT STATEMENT",
            f"Plan: {plan}",
            f"Retiree: {name}",
            f"Statement date: {issued.isoformat()}",
            f"Monthly gross pension benefit: {_money(monthly_pension_usd)}",
            f"Federal tax withheld: {_money(withheld)}",
            f"Net monthly payment: {_money(monthly_pension_usd - withheld)}",
        ]
    )


def _photo_id(rng: random.Random, name: str, born: date, issued: date) -> str:
    expires = date(issued.year + 8, born.month, min(born.day, 28))
    return "\n".join(
        [
            "TEXAS DRIVER LICENSE",
            f"Name: {name.upper()}",
            f"DOB: {born.isoformat()}",
            f"DL No: {rng.randint(10_000_000, 99_999_999)}",
            f"Issued: {issued.isoformat()}",
            f"Expires: {expires.isoformat()}",
        ]
    )


@dataclass(frozen=True)
class _Paper:
    """One document before its delivery timing is decided."""

    doc_type: Literal[
        "paystub",
        "w2",
        "tax_return",
        "bank_statement",
        "profit_and_loss",
        "social_security_award_letter",
        "pension_statement",
        "photo_id",
    ]
    issued_on: date
    name_on_document: str
    text: str


def _w2_papers(
    rng: random.Random, who: Borrower, applied: date, flaw: str | None, impostor: str
) -> tuple[list[_Paper], _Paper | None]:
    employer = rng.choice(_EMPLOYERS)
    frequency: PayFrequency = rng.choice(
        ["biweekly", "biweekly", "weekly", "semimonthly", "monthly"]
    )
    annual = who.annual_income_usd

    def stub(pay_date: date) -> _Paper:
        return _Paper(
            "paystub", pay_date, who.name, _paystub(who.name, employer, annual, frequency, pay_date)
        )

    wages = round(annual * rng.uniform(0.94, 1.0), 2)
    w2_issued = date(applied.year, 1, 31)
    papers = [
        stub(_last_pay_date(frequency, applied - timedelta(days=rng.randint(2, 12)))),
        _Paper("w2", w2_issued, who.name, _w2(who.name, who.ssn, employer, wages)),
    ]
    if flaw == "stale":
        old = _last_pay_date(frequency, applied - timedelta(days=rng.randint(125, 170)))
        return papers, stub(old)
    if flaw == "wrong_name":
        return papers, _Paper("w2", w2_issued, impostor, _w2(impostor, who.ssn, employer, wages))
    return papers, None


def _self_employed_papers(
    rng: random.Random, who: Borrower, applied: date, flaw: str | None, impostor: str
) -> tuple[list[_Paper], _Paper | None]:
    business = rng.choice(_BUSINESSES)
    expenses = rng.uniform(0.3, 0.6)
    monthly = who.annual_income_usd / 12
    filed = date(applied.year, 3, rng.randint(1, 31))
    month_end = applied.replace(day=1) - timedelta(days=1)
    prepared = month_end + timedelta(days=rng.randint(3, 10))
    prepared = min(prepared, applied - timedelta(days=1))
    deposits = round(monthly / (1 - expenses), 2)

    def statement(period_end: date, holder: str) -> _Paper:
        return _Paper(
            "bank_statement", period_end, holder, _bank_statement(rng, holder, deposits, period_end)
        )

    papers = [
        _Paper(
            "tax_return",
            filed,
            who.name,
            _tax_return(who.name, business, who.annual_income_usd, filed, expenses),
        ),
        _Paper(
            "profit_and_loss",
            prepared,
            who.name,
            _profit_and_loss(
                who.name,
                business,
                monthly,
                through=month_end,
                prepared=prepared,
                expense_share=expenses,
            ),
        ),
        statement(month_end, who.name),
    ]
    if flaw == "stale":
        old_end = (applied - timedelta(days=rng.randint(125, 170))).replace(day=1)
        return papers, statement(old_end - timedelta(days=1), who.name)
    if flaw == "wrong_name":
        return papers, statement(month_end, impostor)
    return papers, None


def _retired_papers(
    rng: random.Random, who: Borrower, applied: date, flaw: str | None, impostor: str
) -> tuple[list[_Paper], _Paper | None]:
    monthly = who.annual_income_usd / 12
    benefit = min(round(monthly * rng.uniform(0.3, 0.6), 2), 3345.0)
    pension = round(monthly - benefit, 2)
    plan = rng.choice(_PENSION_PLANS)
    letter_date = date(applied.year - 1, 12, rng.randint(1, 10))
    statement_date = applied.replace(day=1)
    papers = [
        _Paper(
            "social_security_award_letter",
            letter_date,
            who.name,
            _award_letter(who.name, benefit, letter_date),
        ),
        _Paper(
            "pension_statement",
            statement_date,
            who.name,
            _pension_statement(who.name, plan, pension, statement_date),
        ),
    ]
    if flaw == "wrong_name":
        return papers, _Paper(
            "pension_statement",
            statement_date,
            impostor,
            _pension_statement(impostor, plan, pension, statement_date),
        )
    return papers, None


_PAPERS_BY_EMPLOYMENT = {
    "w2_employee": _w2_papers,
    "self_employed": _self_employed_papers,
    "retired": _retired_papers,
}


def _held(paper: _Paper, sends_after: int, delay_hours: float) -> HeldDocument:
    return HeldDocument(
        doc_type=paper.doc_type,
        issued_on=paper.issued_on,
        name_on_document=paper.name_on_document,
        text=paper.text,
        sends_after_requests=sends_after,
        delay_hours=delay_hours,
    )


def _borrower_documents(
    rng: random.Random, who: Borrower, applied: date, *, simple: bool, flaw: str | None
) -> list[HeldDocument]:
    """Income documents by employment plus a photo id; a flawed copy arrives first if `flaw`."""
    impostor = _fictional_name(rng)
    while impostor.split()[1] == who.name.split()[1]:
        impostor = _fictional_name(rng)
    papers, flawed = _PAPERS_BY_EMPLOYMENT[who.employment](rng, who, applied, flaw, impostor)
    id_issued = applied - timedelta(days=rng.randint(200, 2500))
    papers.append(
        _Paper(
            "photo_id", id_issued, who.name, _photo_id(rng, who.name, who.date_of_birth, id_issued)
        )
    )

    # A third of the non-simple borrowers hold back one or two documents until reminded.
    slow: set[int] = set()
    if not simple and rng.random() < 0.35:
        slow = set(rng.sample(range(len(papers)), rng.choice([1, 1, 2])))
    held: list[HeldDocument] = []
    for number, paper in enumerate(papers):
        sends_after = rng.choice([2, 3]) if number in slow else 1
        if flawed is not None and paper.doc_type == flawed.doc_type:
            held.append(_held(flawed, 1, rng.choice([1.0, 4.0, 8.0])))
            sends_after = max(sends_after, rng.choice([2, 3]))
        delay = rng.choice([0.5, 2.0, 4.0]) if simple else rng.choice([1.0, 4.0, 8.0, 24.0, 72.0])
        held.append(_held(paper, sends_after, delay))
    return held


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
            raise ValueError(f"only {len(pool)} HMDA rows fit {quota}; relax the quota")
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
    mountain = sorted(f for f in counties if f in _MOUNTAIN_TIME_COUNTIES)
    central = sorted(f for f in counties if f not in _MOUNTAIN_TIME_COUNTIES)
    county = counties[rng.choice(mountain if twist.mountain_time else central)]
    zone = "America/Denver" if twist.mountain_time else "America/Chicago"
    applied = _weekday_between(rng, date(2022, 4, 1), date(2022, 11, 30))
    name = _fictional_name(rng)
    borrower = Borrower(
        name=name,
        ssn=_fictional_ssn(rng),
        date_of_birth=_date_of_birth(rng, row.age_bin, applied),
        employment=quota.employment,
        annual_income_usd=row.income_usd,
        contact=_contact(
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
    documents = _borrower_documents(rng, borrower, applied, simple=quota.simple, flaw=twist.flaw)
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


# --- prior authorization cases -----------------------------------------------------------------


@dataclass(frozen=True)
class _ServiceSpec:
    """A service that needs prior authorization, who orders it, and how payers judge it."""

    cpt: str
    description: str
    diagnoses: tuple[tuple[str, str], ...]
    taxonomies: tuple[str, ...]
    place_of_service: str
    units: int
    history: str
    denial_reason: str


_SERVICES = (
    _ServiceSpec(
        "72148",
        "MRI lumbar spine without contrast",
        (
            ("M54.16", "Radiculopathy, lumbar region"),
            ("M51.26", "Other intervertebral disc displacement, lumbar region"),
        ),
        ("207X00000X", "207Q00000X", "2084N0400X", "208100000X"),
        "22",
        1,
        "Low back pain radiating down the left leg for 9 weeks with numbness in the L5 "
        "distribution. Completed 6 weeks of physical therapy and NSAIDs without relief. "
        "Positive straight-leg raise on the left at 40 degrees.",
        "Six weeks of documented conservative therapy and a neurological deficit are required; "
        "neither is documented in the request.",
    ),
    _ServiceSpec(
        "70553",
        "MRI brain without contrast, followed by contrast",
        (
            ("G43.909", "Migraine, unspecified, not intractable, without status migrainosus"),
            ("R51.9", "Headache, unspecified"),
        ),
        ("2084N0400X", "207R00000X"),
        "22",
        1,
        "New pattern of headaches over 6 weeks, worse on waking, with intermittent blurred "
        "vision. Failed sumatriptan and topiramate. Mild papilledema on fundoscopy.",
        "Headache without a documented neurological deficit or change in pattern does not meet "
        "advanced imaging criteria.",
    ),
    _ServiceSpec(
        "73721",
        "MRI right knee (lower extremity joint) without contrast",
        (
            (
                "M23.221",
                "Derangement of posterior horn of medial meniscus due to old tear, right knee",
            ),
        ),
        ("207X00000X", "207Q00000X"),
        "11",
        1,
        "Right knee pain with locking and catching for 3 months after a twisting injury. "
        "Positive McMurray test. Radiographs show no fracture. 6 weeks of home exercise failed.",
        "Plain radiographs and a trial of conservative care must precede knee MRI; radiograph "
        "report not submitted.",
    ),
    _ServiceSpec(
        "78815",
        "PET/CT imaging, skull base to mid-thigh",
        (("C34.90", "Malignant neoplasm of unspecified part of unspecified bronchus or lung"),),
        ("207RH0003X", "207RX0202X", "207RP1001X"),
        "22",
        1,
        "3.1 cm right upper lobe mass on chest CT; CT-guided biopsy confirmed non-small cell "
        "carcinoma. PET/CT requested for initial staging before treatment planning.",
        "Initial staging PET/CT requires a biopsy-confirmed diagnosis; pathology report not "
        "submitted.",
    ),
    _ServiceSpec(
        "27447",
        "Total knee arthroplasty",
        (
            ("M17.11", "Unilateral primary osteoarthritis, right knee"),
            ("M17.12", "Unilateral primary osteoarthritis, left knee"),
        ),
        ("207X00000X",),
        "21",
        1,
        "Severe knee osteoarthritis with bone-on-bone medial compartment narrowing on standing "
        "radiographs. Failed 6 months of physical therapy, NSAIDs and two corticosteroid "
        "injections. Unable to walk more than one block.",
        "Failure of at least 3 months of non-operative treatment and weight-bearing radiographs "
        "are not documented.",
    ),
    _ServiceSpec(
        "93306",
        "Transthoracic echocardiogram, complete, with spectral and color flow Doppler",
        (("I50.9", "Heart failure, unspecified"), ("R06.02", "Shortness of breath")),
        ("207RC0000X", "207R00000X", "207Q00000X"),
        "11",
        1,
        "Progressive exertional dyspnea and bilateral ankle edema for 4 weeks. BNP 820 pg/mL. "
        "Chest radiograph shows cardiomegaly. No echocardiogram in the past 12 months.",
        "A repeat echocardiogram within 12 months requires a change in clinical status; prior "
        "study results not provided.",
    ),
    _ServiceSpec(
        "97110",
        "Therapeutic exercise, each 15 minutes (physical therapy)",
        (("M54.50", "Low back pain, unspecified"), ("M25.561", "Pain in right knee")),
        ("225100000X",),
        "11",
        12,
        "Initial evaluation: Oswestry disability index 42%, lumbar flexion limited to 40 "
        "degrees. Plan of care: 2 visits a week for 6 weeks, 1 unit of therapeutic exercise "
        "per visit, home program.",
        "Measurable functional goals and a signed plan of care are not documented.",
    ),
    _ServiceSpec(
        "J0897",
        "Injection, denosumab, 1 mg (60 mg every 6 months)",
        (("M81.0", "Age-related osteoporosis without current pathological fracture"),),
        ("207RE0101X", "207RR0500X", "207R00000X"),
        "11",
        60,
        "DXA T-score -2.8 at the femoral neck. Alendronate stopped after 8 months for "
        "esophagitis. eGFR 48 mL/min. Calcium and vitamin D replete.",
        "Step therapy: a documented trial and failure of an oral bisphosphonate is required.",
    ),
    _ServiceSpec(
        "43239",
        "Upper GI endoscopy with biopsy",
        (
            ("K21.9", "Gastro-esophageal reflux disease without esophagitis"),
            ("R13.10", "Dysphagia, unspecified"),
        ),
        ("207RG0100X",),
        "24",
        1,
        "Heartburn for 2 years with new solid-food dysphagia and 5 kg weight loss over 3 "
        "months despite 8 weeks of twice-daily omeprazole.",
        "Uncomplicated reflux without alarm features does not meet criteria for endoscopy.",
    ),
    _ServiceSpec(
        "95810",
        "Polysomnography, attended, 4 or more parameters",
        (("G47.33", "Obstructive sleep apnea (adult) (pediatric)"),),
        ("207RP1001X", "207Q00000X"),
        "22",
        1,
        "Loud snoring, witnessed apneas and Epworth sleepiness score 16. BMI 36. Home sleep "
        "apnea test inconclusive because of poor signal.",
        "An attended sleep study requires a failed or contraindicated home sleep apnea test; "
        "home test report not submitted.",
    ),
)


@dataclass(frozen=True)
class Practitioner:
    """A real NPPES practitioner with a primary taxonomy and a practice fax number."""

    row: int
    npi: str
    name: str
    taxonomy_code: str
    state: str
    fax_digits: str


def _practitioner_name(raw: dict[str, str]) -> str:
    parts = [
        raw["Provider First Name"],
        raw["Provider Middle Name"],
        raw["Provider Last Name (Legal Name)"],
    ]
    name = " ".join(p for p in parts if p)
    credential = raw["Provider Credential Text"]
    return f"{name}, {credential}" if credential else name


def read_practitioners(path: Path) -> list[Practitioner]:
    """Practitioners with a flagged primary taxonomy and a practice fax, in file order."""
    found: list[Practitioner] = []
    with path.open(newline="") as handle:
        for number, raw in enumerate(csv.DictReader(handle), start=1):
            primary = [
                raw[f"Healthcare Provider Taxonomy Code_{i}"]
                for i in range(1, 16)
                if raw[f"Healthcare Provider Primary Taxonomy Switch_{i}"] == "Y"
            ]
            fax = "".join(ch for ch in raw[_FAX_COLUMN] if ch.isdigit())
            if primary and len(fax) == 10:
                found.append(
                    Practitioner(
                        number,
                        raw["NPI"],
                        _practitioner_name(raw),
                        primary[0],
                        raw["Provider Business Practice Location Address State Name"],
                        fax,
                    )
                )
    return found


_FAX_COLUMN = "Provider Business Practice Location Address Fax Number"


def read_specialties(path: Path) -> dict[str, str]:
    """NUCC code -> specialization, or classification where the code has none."""
    with path.open(newline="") as handle:
        return {
            r["Code"]: r["Specialization"] or r["Classification"] for r in csv.DictReader(handle)
        }


@dataclass(frozen=True)
class _Network:
    row: int
    name: str
    state: str


def read_networks(path: Path) -> list[_Network]:
    """The sample's fictional payer networks with the state they cover."""
    with path.open(newline="") as handle:
        return [
            _Network(n, r["name"], r["coverage"])
            for n, r in enumerate(csv.DictReader(handle), start=1)
        ]


_IVR_LABELS = {
    "prior_authorization": "For prior authorization, precertification or referrals",
    "claims": "For claim status or payment questions",
    "eligibility": "To verify member eligibility and benefits",
    "pharmacy": "For pharmacy and prescription drug coverage",
    "other": "For all other questions, or to repeat these options",
}
_ELEMENTS = DATA_ELEMENTS
_SKIPPABLE_ELEMENTS = ("tax_id", "place_of_service", "units")


@dataclass(frozen=True)
class _PayerLine:
    """What stays the same about a payer across cases: its lines, menu and script."""

    network: _Network
    phone: str
    fax: str
    ivr_menu: list[IvrOption]
    required_elements: list[str]
    member_prefix: str


def _payer_line(network: _Network, number: int, seed: int) -> _PayerLine:
    rng = random.Random(f"{seed}:payer:{network.name}")
    others = rng.sample(["claims", "eligibility", "pharmacy"], rng.randint(1, 3))
    leads = [*others, "prior_authorization"]
    rng.shuffle(leads)
    leads.append("other")
    menu = [
        IvrOption(digit=str(i), label=f"{_IVR_LABELS[to]}, press {i}.", leads_to=to)
        for i, to in enumerate(leads, start=1)
    ]
    skipped = set(rng.sample(_SKIPPABLE_ELEMENTS, rng.randint(0, 2)))
    elements = [e for e in _ELEMENTS if e not in skipped]
    rng.shuffle(elements)
    prefix = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
    return _PayerLine(
        network,
        f"+1800555{number + 100:04d}",
        f"+1888555{number + 100:04d}",
        menu,
        elements,
        prefix,
    )


_BEHAVIOURS: tuple[PayerBehaviour, ...] = (
    "approved_on_call",
    "pended_for_clinical_notes",
    "denied_then_approved_on_appeal",
    "denied_final",
    "member_not_eligible",
)
_PA_TOOLS: dict[PayerBehaviour, list[str]] = {
    "approved_on_call": ["check_eligibility", "call_payer"],
    "pended_for_clinical_notes": [
        "check_eligibility",
        "call_payer",
        "fax_clinical_notes",
        "check_authorization_status",
    ],
    "denied_then_approved_on_appeal": [
        "check_eligibility",
        "call_payer",
        "fax_clinical_notes",
        "file_appeal",
        "check_authorization_status",
    ],
    "denied_final": [
        "check_eligibility",
        "call_payer",
        "fax_clinical_notes",
        "file_appeal",
        "check_authorization_status",
    ],
    "member_not_eligible": ["check_eligibility"],
}
_PA_STATUS = {
    "approved_on_call": "approved",
    "pended_for_clinical_notes": "approved",
    "denied_then_approved_on_appeal": "approved",
    "denied_final": "denied",
    "member_not_eligible": "not_eligible",
}
_STATE_AREA_CODES = {"MA": "617", "CT": "860", "RI": "401"}
_PA_GENERATED = [
    "patient",
    "provider.tax_id",
    "service.cpt",
    "service.icd10",
    "service.description",
    "service.place_of_service",
    "service.units",
    "service.urgency",
    "service.date_of_service",
    "payer.phone",
    "payer.fax",
    "payer.ivr_menu",
    "payer.required_elements",
    "payer.behaviour",
    "payer.decision_days",
    "payer.denial_reason",
    "requested_on",
    "member_eligible",
    "clinical_notes",
]
_PA_REAL = [
    "provider.npi",
    "provider.name",
    "provider.taxonomy_code",
    "provider.specialty",
    "provider.state",
    "provider.fax",
    "payer.name",
]
PA_CASES_PER_BEHAVIOUR = 5
"""Prior-authorization cases built for each payer behaviour."""
_EXPEDITED_PER_BEHAVIOUR = 2


@dataclass(frozen=True)
class _PriorAuthSources:
    practitioners: list[Practitioner]
    specialties: dict[str, str]
    payers: list[_PayerLine]


def _clinical_notes(
    rng: random.Random,
    patient: Patient,
    provider: Provider,
    spec: _ServiceSpec,
    *,
    icd: tuple[str, str],
    visit: date,
) -> HeldDocument:
    text = "\n".join(
        [
            f"CLINICAL NOTE - Office visit {visit.isoformat()}",
            f"Patient: {patient.name}    DOB: {patient.date_of_birth.isoformat()}    "
            f"Member ID: {patient.member_id}",
            f"Provider: {provider.name} (NPI {provider.npi}), {provider.specialty}",
            f"Diagnosis: {icd[0]} {icd[1]}",
            f"History and findings: {spec.history}",
            f"Plan: request prior authorization for {spec.description} (CPT/HCPCS {spec.cpt}), "
            f"{spec.units} unit(s).",
            f"Electronically signed: {provider.name} {visit.isoformat()}",
        ]
    )
    return HeldDocument(
        doc_type="clinical_notes",
        issued_on=visit,
        name_on_document=patient.name,
        text=text,
        sends_after_requests=rng.choice([1, 1, 1, 2]),
        delay_hours=rng.choice([2.0, 4.0, 8.0, 24.0]),
    )


_PA_REQUEST_TEMPLATES = (
    "Get the prior authorization for {service} (CPT {cpt}) for {patient}, DOB {dob}, member "
    "{member} with {payer}. Ordered by {provider}, NPI {npi}; diagnosis {icd}. {urgency}",
    "Please obtain prior auth: {patient} (member {member}, {payer}) needs {service}, CPT "
    "{cpt}, ICD-10 {icd}. Ordering provider {provider} (NPI {npi}). {urgency}",
)
_AGE_BY_CPT = {"J0897": (60, 85), "27447": (50, 84), "78815": (45, 85)}


def _prior_auth_case(
    index: int,
    behaviour: PayerBehaviour,
    spec: _ServiceSpec,
    urgency: Literal["standard", "expedited"],
    *,
    used: set[int],
    sources: _PriorAuthSources,
    seed: int,
) -> PriorAuthCase:
    rng = random.Random(f"{seed}:prior_auth:{index}")
    pool = [
        p for p in sources.practitioners if p.taxonomy_code in spec.taxonomies and p.row not in used
    ]
    doctor = rng.choice(pool)
    used.add(doctor.row)
    payer = rng.choice([p for p in sources.payers if p.network.state == doctor.state])
    requested = _weekday_between(rng, date(2022, 3, 1), date(2022, 11, 30))

    name = _fictional_name(rng)
    low, high = _AGE_BY_CPT.get(spec.cpt, (22, 80))
    born = date(requested.year - rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28))
    patient = Patient(
        name=name,
        date_of_birth=born,
        member_id=f"{payer.member_prefix}{rng.randint(100_000_000, 999_999_999)}",
        contact=_contact(rng, name, _STATE_AREA_CODES[doctor.state], "America/New_York"),
    )
    provider = Provider(
        npi=doctor.npi,
        name=doctor.name,
        taxonomy_code=doctor.taxonomy_code,
        specialty=sources.specialties[doctor.taxonomy_code],
        state=doctor.state,
        tax_id=f"00-{rng.randint(1_000_000, 9_999_999)}",
        fax=f"+1{doctor.fax_digits}",
    )
    icd = rng.choice(spec.diagnoses)
    lead_days = rng.randint(2, 4) if urgency == "expedited" else rng.randint(10, 30)
    service = Service(
        cpt=spec.cpt,
        icd10=icd[0],
        description=spec.description,
        place_of_service=spec.place_of_service,
        units=spec.units,
        urgency=urgency,
        date_of_service=requested + timedelta(days=lead_days),
    )
    notes = _clinical_notes(
        rng,
        patient,
        provider,
        spec,
        icd=icd,
        visit=requested - timedelta(days=rng.randint(1, 10)),
    )
    quick = behaviour in ("approved_on_call", "member_not_eligible")
    days = [1.0, 2.0] if urgency == "expedited" else [2.0, 3.0, 5.0]
    denies = behaviour in ("denied_then_approved_on_appeal", "denied_final")
    appeal = denies
    return PriorAuthCase(
        case_id=f"pa-{index:04d}",
        tags=_prior_auth_tags(behaviour, urgency, spec.cpt, notes),
        request=rng.choice(_PA_REQUEST_TEMPLATES).format(
            service=spec.description,
            cpt=spec.cpt,
            patient=name,
            dob=born.isoformat(),
            member=patient.member_id,
            payer=payer.network.name,
            provider=doctor.name,
            npi=doctor.npi,
            icd=icd[0],
            urgency="Expedited review: clinically urgent."
            if urgency == "expedited"
            else "Standard review.",
        ),
        patient=patient,
        provider=provider,
        service=service,
        payer=Payer(
            name=payer.network.name,
            phone=payer.phone,
            fax=payer.fax,
            ivr_menu=payer.ivr_menu,
            required_elements=payer.required_elements,
            behaviour=behaviour,
            decision_days=0.0 if quick else rng.choice(days),
            denial_reason=spec.denial_reason if denies else None,
        ),
        requested_on=requested,
        member_eligible=behaviour != "member_not_eligible",
        clinical_notes=notes,
        expected=PriorAuthExpectation(
            status=_PA_STATUS[behaviour],
            reference_number_required=behaviour != "member_not_eligible",
            clinical_notes_faxed=behaviour not in ("approved_on_call", "member_not_eligible"),
            appeal_filed=appeal,
            deadline_days=(3 if urgency == "expedited" else 7) + (14 if appeal else 0),
            expected_tools=_PA_TOOLS[behaviour],
        ),
        provenance=Provenance(
            source=f"{PRACTITIONER_FILE}#row={doctor.row}; {TAXONOMY_FILE}#code="
            f"{doctor.taxonomy_code}; {NETWORK_FILE}#row={payer.network.row}",
            real_fields=_PA_REAL,
            generated_fields=_PA_GENERATED,
            seed=seed,
            source_values={
                "NPI": doctor.npi,
                "name": doctor.name,
                "primary_taxonomy": doctor.taxonomy_code,
                "state": doctor.state,
                _FAX_COLUMN: doctor.fax_digits,
                "network_name": payer.network.name,
            },
        ),
    )


def _prior_auth_tags(
    behaviour: PayerBehaviour, urgency: str, cpt: str, notes: HeldDocument
) -> list[str]:
    tags = [behaviour, urgency, f"cpt_{cpt}"]
    if notes.sends_after_requests > 1:
        tags.append("needs_reminders")
    simple_behaviour = behaviour in ("approved_on_call", "pended_for_clinical_notes")
    if simple_behaviour and urgency == "standard" and notes.sends_after_requests == 1:
        tags.append("simple")
    return tags


def build_prior_auth_cases(data_dir: Path, seed: int) -> list[PriorAuthCase]:
    """Prior-authorization cases: every payer behaviour, real practitioners, seeded the rest."""
    rng = random.Random(f"{seed}:prior_auth")
    networks = read_networks(data_dir / NETWORK_FILE)
    sources = _PriorAuthSources(
        practitioners=read_practitioners(data_dir / PRACTITIONER_FILE),
        specialties=read_specialties(data_dir / TAXONOMY_FILE),
        payers=[_payer_line(n, i, seed) for i, n in enumerate(networks, start=1)],
    )
    plan: list[tuple[PayerBehaviour, _ServiceSpec, Literal["standard", "expedited"]]] = []
    for behaviour in _BEHAVIOURS:
        for j, spec in enumerate(rng.sample(_SERVICES, PA_CASES_PER_BEHAVIOUR)):
            plan.append(
                (behaviour, spec, "expedited" if j < _EXPEDITED_PER_BEHAVIOUR else "standard")
            )
    rng.shuffle(plan)
    used: set[int] = set()
    return [
        _prior_auth_case(i, b, spec, urgency, used=used, sources=sources, seed=seed)
        for i, (b, spec, urgency) in enumerate(plan, start=1)
    ]


# --- suites and files --------------------------------------------------------------------------


def build_suites(
    mortgages: list[MortgageCase], prior_auths: list[PriorAuthCase]
) -> dict[str, list[str]]:
    """`smoke` (3 simple cases), `default` (6 simple cases) and `full` (every case)."""

    def simple(cases: list[MortgageCase], decision: str) -> list[str]:
        return [c.case_id for c in cases if "simple" in c.tags and c.lender_decision == decision]

    approved, denied = simple(mortgages, "approved"), simple(mortgages, "denied")
    on_call = [c.case_id for c in prior_auths if {"simple", "approved_on_call"} <= set(c.tags)]
    pended = [
        c.case_id for c in prior_auths if {"simple", "pended_for_clinical_notes"} <= set(c.tags)
    ]
    if len(approved) < 2 or len(denied) < 2 or not on_call or not pended:
        raise ValueError(
            "too few simple cases for the smoke and default suites; "
            "add simple quotas or change the seed"
        )
    return {
        "smoke": [approved[0], denied[0], on_call[0]],
        "default": [*approved[:2], *denied[:2], on_call[0], pended[0]],
        "full": [c.case_id for c in mortgages] + [c.case_id for c in prior_auths],
    }


def build_datasets(shared_data_dir: Path, out_dir: Path, seed: int = 2022) -> dict[str, int]:
    """Write `mortgage.jsonl`, `prior_auth.jsonl` and `suites.json` into `out_dir`.

    The same data and seed always give the same bytes. Returns the number of cases per file
    and of suites.
    """
    if not (shared_data_dir / HMDA_FILE).exists():
        raise FileNotFoundError(
            f"no {HMDA_FILE} in {str(shared_data_dir)!r}; point {_DATA_ENV} at the shared data"
        )
    mortgages = build_mortgage_cases(shared_data_dir, seed)
    prior_auths = build_prior_auth_cases(shared_data_dir, seed)
    suites = build_suites(mortgages, prior_auths)

    out_dir.mkdir(parents=True, exist_ok=True)
    _write_jsonl(out_dir / "mortgage.jsonl", mortgages)
    _write_jsonl(out_dir / "prior_auth.jsonl", prior_auths)
    (out_dir / "suites.json").write_text(json.dumps(suites, indent=2) + "\n", encoding="utf-8")
    return {"mortgage": len(mortgages), "prior_auth": len(prior_auths), "suites": len(suites)}


def _write_jsonl(path: Path, cases: list[MortgageCase] | list[PriorAuthCase]) -> None:
    lines = [case.model_dump_json() + "\n" for case in cases]
    path.write_text("".join(lines), encoding="utf-8")
