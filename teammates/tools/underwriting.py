"""Qualification arithmetic and program rules. Models extract raw figures; this code decides.

Sources (checked 2026-12): Fannie Mae Selling Guide B3-6-02 (DTI max 50% through DU, 36% manual
up to 45% with compensating factors); FHFA conforming loan limits by county; HUD 4000.1 FHA
minimums (3.5% down at 580+, 10% down at 500-579); Regulation B 12 CFR 1002.9 and its model
form C-1 for the principal reasons on an adverse action notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NOTE_RATE = 0.05
"""Note rate used to size the proposed payment (2022 average 30-year fixed, rounded)."""
TERM_MONTHS = 360
"""Loan term."""
ESCROW_RATE_PER_YEAR = 0.0025
"""Taxes and insurance per year as a share of property value (same rule the datasets use)."""

PayPeriod = Literal["weekly", "biweekly", "semimonthly", "monthly", "annual"]
"""How often an income figure is paid."""

_PERIODS_PER_YEAR: dict[str, int] = {
    "weekly": 52,
    "biweekly": 26,
    "semimonthly": 24,
    "monthly": 12,
    "annual": 1,
}

Program = Literal["conforming", "jumbo", "fha"]
"""Loan programs the qualifier classifies into."""


def monthly_amount(amount_usd: float, period: str) -> float:
    """A raw amount paid per `period`, as a monthly figure."""
    if period not in _PERIODS_PER_YEAR:
        raise ValueError(f"period={period!r} is not one of {sorted(_PERIODS_PER_YEAR)}")
    return amount_usd * _PERIODS_PER_YEAR[period] / 12


def principal_and_interest(loan_amount_usd: float, rate: float = NOTE_RATE) -> float:
    """Level monthly payment of a fully amortising loan."""
    monthly_rate = rate / 12
    return loan_amount_usd * monthly_rate / (1 - (1 + monthly_rate) ** -TERM_MONTHS)


def housing_payment(loan_amount_usd: float, property_value_usd: float) -> float:
    """Proposed monthly housing payment: principal, interest, taxes and insurance."""
    escrow = property_value_usd * ESCROW_RATE_PER_YEAR / 12
    return principal_and_interest(loan_amount_usd) + escrow


@dataclass(frozen=True)
class Qualification:
    """The code's view of a loan file before underwriting."""

    monthly_income_usd: float
    """Qualifying monthly income."""
    monthly_debts_usd: float
    """Monthly payments on existing debts."""
    housing_payment_usd: float
    """Proposed housing payment."""
    dti: float
    """Back-end debt-to-income ratio, as a fraction."""
    ltv: float
    """Loan-to-value ratio, as a fraction."""
    program: Program
    """Program the loan falls under."""
    meets_guidelines: bool
    """Whether every program guideline below holds."""
    reasons: list[str]
    """Regulation B principal reasons for each guideline that fails."""


_MAX_LTV = {
    "conforming": {"principal_residence": 0.97, "second_home": 0.90, "investment": 0.85},
    "jumbo": {"principal_residence": 0.90, "second_home": 0.80, "investment": 0.75},
    "fha": {"principal_residence": 0.965, "second_home": 0.0, "investment": 0.0},
}
_MAX_DTI = {"conforming": 0.50, "jumbo": 0.43, "fha": 0.57}
_MIN_SCORE = {"conforming": 620, "jumbo": 700, "fha": 500}


def classify_program(loan_amount_usd: float, conforming_limit_usd: float, fha: bool) -> Program:
    """FHA when asked for; otherwise conforming up to the county limit, jumbo above it."""
    if fha:
        return "fha"
    return "conforming" if loan_amount_usd <= conforming_limit_usd else "jumbo"


def qualify(
    *,
    monthly_income_usd: float,
    monthly_debts_usd: float,
    loan_amount_usd: float,
    property_value_usd: float,
    occupancy: str,
    credit_score: int,
    conforming_limit_usd: float,
    fha_requested: bool,
) -> Qualification:
    """DTI, LTV, program and the guideline checks with their adverse-action reasons."""
    if monthly_income_usd <= 0:
        raise ValueError(f"monthly_income_usd={monthly_income_usd!r}; extract income first")
    program = classify_program(loan_amount_usd, conforming_limit_usd, fha_requested)
    housing = housing_payment(loan_amount_usd, property_value_usd)
    dti = (housing + monthly_debts_usd) / monthly_income_usd
    ltv = loan_amount_usd / property_value_usd

    max_ltv = _MAX_LTV[program][occupancy]
    if program == "fha" and credit_score < 580:
        max_ltv = 0.90
    reasons: list[str] = []
    if dti > _MAX_DTI[program]:
        reasons.append("Excessive obligations in relation to income")
    if ltv > max_ltv:
        reasons.append("Value or type of collateral not sufficient")
    if credit_score < _MIN_SCORE[program]:
        reasons.append("Credit score below program minimum")
    return Qualification(
        monthly_income_usd=round(monthly_income_usd, 2),
        monthly_debts_usd=round(monthly_debts_usd, 2),
        housing_payment_usd=round(housing, 2),
        dti=round(dti, 4),
        ltv=round(ltv, 4),
        program=program,
        meets_guidelines=not reasons,
        reasons=reasons,
    )
