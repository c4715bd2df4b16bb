"""Generated borrower documents (HMDA has none), issued to match the real loan figures."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from teammates.evals.casebook.identities import fictional_name, usd_text
from teammates.evals.cases import Borrower, DocumentType, HeldDocument

STALE_AFTER_DAYS = 120
"""A paystub or bank statement issued more than this many days before application is stale."""


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
            f"Gross pay this period: {usd_text(gross)}",
            f"Year-to-date gross pay: {usd_text(gross * periods_ytd)}",
            f"Federal income tax: {usd_text(federal)}",
            f"Social Security tax: {usd_text(social)}",
            f"Medicare tax: {usd_text(medicare)}",
            f"Net pay: {usd_text(gross - federal - social - medicare)}",
        ]
    )


def _w2(name: str, ssn: str, employer: str, wages_usd: float) -> str:
    return "\n".join(
        [
            "Form W-2 Wage and Tax Statement 2021",
            f"Employer: {employer}",
            f"Employee: {name}",
            f"Employee's social security number: XXX-XX-{ssn[-4:]}",
            f"Box 1 Wages, tips, other compensation: {usd_text(wages_usd)}",
            f"Box 2 Federal income tax withheld: {usd_text(wages_usd * 0.1)}",
            f"Box 3 Social security wages: {usd_text(wages_usd)}",
            f"Box 5 Medicare wages and tips: {usd_text(wages_usd)}",
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
            f"Line 1 Gross receipts or sales: {usd_text(receipts)}",
            f"Line 28 Total expenses: {usd_text(receipts - net_profit_usd)}",
            f"Line 31 Net profit: {usd_text(net_profit_usd)}",
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
            f"Gross revenue: {usd_text(revenue)}",
            f"Total expenses: {usd_text(revenue - profit)}",
            f"Net profit: {usd_text(profit)}",
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
            f"Beginning balance: {usd_text(opening)}",
            f"Deposits and credits ({rng.randint(3, 14)}): {usd_text(monthly_deposits_usd)}",
            f"Withdrawals and debits: {usd_text(withdrawals)}",
            f"Ending balance: {usd_text(opening + monthly_deposits_usd - withdrawals)}",
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
            f"{usd_text(monthly_benefit_usd)}.",
            f"Medicare Part B premium deducted: {usd_text(part_b)}",
            f"Amount we will pay after deductions: {usd_text(monthly_benefit_usd - part_b)}",
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
            f"Monthly gross pension benefit: {usd_text(monthly_pension_usd)}",
            f"Federal tax withheld: {usd_text(withheld)}",
            f"Net monthly payment: {usd_text(monthly_pension_usd - withheld)}",
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

    doc_type: DocumentType
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


def borrower_documents(
    rng: random.Random, who: Borrower, applied: date, *, simple: bool, flaw: str | None
) -> list[HeldDocument]:
    """Income documents by employment plus a photo id; a flawed copy arrives first if `flaw`."""
    impostor = fictional_name(rng)
    while impostor.split()[1] == who.name.split()[1]:
        impostor = fictional_name(rng)
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
