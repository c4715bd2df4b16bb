"""What a customer hands over with a job: the request text and the application data.

The application is what the customer knows. What the world will reveal (credit, documents, the
payer's decision) is not here: the agents find it out through tools.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from teammates.tools.backends import Channel

Vertical = Literal["mortgage", "prior_auth"]
"""The kinds of job the teammate does."""


def iana_zone(value: str) -> str:
    """`value` if it names an IANA time zone; otherwise an error that says what to pass."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"time_zone={value!r} is not an IANA zone; use e.g. 'America/Chicago'"
        ) from exc
    return value


class _Form(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ContactInfo(_Form):
    """How to reach a person, and what they agreed to."""

    phone: str
    """E.164 phone number."""
    email: str
    """Email address."""
    time_zone: str
    """IANA time zone, for calling hours."""
    consent: list[Channel]
    """Channels with prior express consent."""
    preferred_channel: Channel
    """Channel the person asked to be reached on."""

    _known_zone = field_validator("time_zone")(classmethod(lambda cls, v: iana_zone(v)))


class MortgageApplication(_Form):
    """A loan application (the parts of a Uniform Residential Loan Application we use)."""

    borrower_name: str
    """Applicant's full name."""
    ssn: str = Field(repr=False)
    """Social security number; never logged or reported."""
    date_of_birth: date = Field(repr=False)
    """Date of birth; never logged or reported."""
    employment: Literal["w2_employee", "self_employed", "retired"]
    """Employment type."""
    stated_annual_income_usd: float
    """Income the applicant stated; verified from documents."""
    contact: ContactInfo
    """How to reach the borrower."""
    loan_amount_usd: float = Field(gt=0)
    """Loan amount applied for."""
    property_value_usd: float = Field(gt=0)
    """Estimated property value."""
    purpose: Literal["purchase", "home_improvement", "refinance", "cash_out_refinance", "other"]
    """Loan purpose."""
    occupancy: Literal["principal_residence", "second_home", "investment"]
    """Occupancy."""
    state: str
    """Property state."""
    county_fips: str
    """Five-digit county FIPS code of the property."""
    application_date: date
    """Date the application was taken (starts the TRID and Reg B clocks)."""
    fha_requested: bool = False
    """Whether the borrower asked for an FHA loan."""


class PriorAuthApplication(_Form):
    """A prior authorization request, with the data elements a payer asks for."""

    patient_name: str
    """Member's full name."""
    date_of_birth: date = Field(repr=False)
    """Member's date of birth; never logged or reported."""
    member_id: str = Field(repr=False)
    """Payer member id; never logged or reported."""
    patient_contact: ContactInfo
    """How to reach the patient."""
    provider_name: str
    """Ordering practitioner."""
    npi: str
    """Practitioner NPI."""
    tax_id: str
    """Practice tax id."""
    provider_fax: str
    """Practice fax, where the office sends and receives clinical documents."""
    provider_email: str
    """Practice email for document requests."""
    payer_name: str
    """Health plan."""
    payer_phone: str
    """Provider services line."""
    payer_fax: str
    """Clinical documentation fax line."""
    cpt: str
    """Procedure code."""
    icd10: str
    """Diagnosis code."""
    service_description: str
    """Plain description of the service."""
    place_of_service: str
    """CMS place-of-service code."""
    units: int = Field(gt=0)
    """Units requested."""
    urgency: Literal["standard", "expedited"]
    """Review urgency."""
    date_of_service: date
    """Planned date of service."""


class TaskRequest(_Form):
    """One job for the teammate."""

    task_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    """Caller-chosen id; also the checkpoint thread id."""
    text: str = Field(min_length=1)
    """What the customer asked for, in their words."""
    mortgage: MortgageApplication | None = None
    """Application data for a mortgage job."""
    prior_auth: PriorAuthApplication | None = None
    """Request data for a prior authorization job."""
