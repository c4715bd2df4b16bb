"""Recorded cases: one real-world job and everything the outside world did in it.

A case file is JSONL, one case per line. Each line validates against `RecordedCase` (a
discriminated union on `vertical`). Loading reports the case id and the field of every error,
so a broken line in a 60-case file points at itself.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from teammates.tools.application import iana_zone

# Defined in tools (the lowest layer) and re-exported here.
from teammates.tools.checklists import DocumentType as DocumentType  # noqa: PLC0414
from teammates.tools.checklists import Employment as Employment  # noqa: PLC0414

Channel = Literal["sms", "email", "voice", "fax"]
"""A channel a message can travel on."""


CASE_ID_PATTERN = r"^[A-Za-z0-9._-]+$"
"""Case ids become task and thread ids: letters, digits, dot, dash and underscore only."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provenance(_Strict):
    """Where the figures of a case came from."""

    source: str
    """The public file and row the real figures came from (`hmda_tx_2022_sample.csv#row=812`)."""
    real_fields: list[str]
    """Fields copied from the public source."""
    generated_fields: list[str]
    """Fields the public data lacks, generated with `seed` and labelled as such."""
    seed: int
    """The seed the generated fields came from."""
    source_values: dict[str, str] = {}
    """Raw values of the cited source row, column -> value as written in the file (e.g. the
    HMDA `debt_to_income_ratio` bin the generated debts were fitted to)."""


class Contact(_Strict):
    """How to reach a person, and what they agreed to."""

    phone: str
    """E.164 phone number (generated; 555 exchange)."""
    email: str
    """Email address (generated; example.com domain)."""
    time_zone: str
    """IANA time zone of the person, used for calling hours."""
    consent: list[Channel]
    """Channels the person gave prior express consent to be contacted on."""
    preferred_channel: Channel
    """Channel the person answers first."""
    unresponsive_channels: list[Channel] = []
    """Channels the person never answers on; a collector must switch away from them."""
    opt_out_reply: str | None = None
    """If set, the person answers the first text with this word (e.g. "STOP")."""

    _known_zone = field_validator("time_zone")(classmethod(lambda cls, v: iana_zone(v)))


class HeldDocument(_Strict):
    """A document a counterparty holds and sends when asked often enough."""

    doc_type: DocumentType
    """What the document is."""
    issued_on: date
    """Date printed on the document."""
    name_on_document: str
    """Whose name the document bears."""
    text: str
    """The document's text, as an OCR pipeline would hand it over."""
    sends_after_requests: int = 1
    """How many requests (first ask plus reminders) it takes before it is sent."""
    delay_hours: float = 4.0
    """Hours between the request that triggers it and its arrival."""


class Debt(_Strict):
    """One tradeline on the credit report."""

    kind: Literal["auto_loan", "student_loan", "credit_card", "personal_loan", "child_support"]
    """Kind of obligation."""
    monthly_payment_usd: float
    """Required monthly payment."""


class Borrower(_Strict):
    """The applicant (generated identity; never a real person)."""

    name: str
    """Full name."""
    ssn: str
    """Social security number (generated, 9xx area so it can never be real)."""
    date_of_birth: date
    """Date of birth (generated)."""
    employment: Employment
    """Employment type, which drives the document checklist."""
    annual_income_usd: float
    """Income the lender relied on (HMDA `income` x 1000)."""
    contact: Contact
    """How to reach the borrower."""


class Loan(_Strict):
    """The loan applied for."""

    amount_usd: float
    """Loan amount (HMDA `loan_amount`)."""
    property_value_usd: float
    """Property value (HMDA `property_value`)."""
    purpose: Literal["purchase", "home_improvement", "refinance", "cash_out_refinance", "other"]
    """Loan purpose (HMDA `loan_purpose`)."""
    occupancy: Literal["principal_residence", "second_home", "investment"]
    """Occupancy (HMDA `occupancy_type`)."""
    state: str
    """Two-letter state of the property."""
    county_fips: str
    """Five-digit county FIPS code of the property (generated: HMDA's sample omits it)."""
    application_date: date
    """Date the application was taken."""
    fha_requested: bool = False
    """Whether the borrower asked for an FHA loan."""
    conforming_limit_usd: float | None = None
    """One-unit conforming loan limit of the county in the application year (real, copied from
    `county_loan_limits_<year>.txt` at build time); the sandbox's loan-limit lookup serves it."""


class CreditFile(_Strict):
    """What the credit bureau reveals when asked (generated: HMDA omits credit)."""

    score: int = Field(ge=300, le=850)
    """Representative credit score."""
    debts: list[Debt]
    """Open tradelines with monthly payments."""


class MortgageExpectation(_Strict):
    """The final state that counts as completing a mortgage case."""

    decision: Literal["loan_estimate", "adverse_action"]
    """Loan Estimate issued (lender approved) or adverse action notice sent (lender denied)."""
    program: Literal["conforming", "jumbo", "fha"]
    """Program the code must find the loan eligible for."""
    required_documents: list[DocumentType]
    """Documents that must be collected and validated before underwriting."""
    deadline_days: int
    """Calendar days from application by which the decision notice must be sent."""
    expected_tools: list[str]
    """Tools a correct run calls at least once (for tool-correctness scoring)."""


class MortgageCase(_Strict):
    """A mortgage origination job, from application to Loan Estimate or adverse action."""

    case_id: str = Field(pattern=CASE_ID_PATTERN, max_length=64)
    """Stable id, e.g. `mtg-0007`."""
    vertical: Literal["mortgage"] = "mortgage"
    """Discriminator."""
    tags: list[str]
    """Free labels for filtering (`approved`, `jumbo`, `self_employed`...)."""
    request: str
    """What the customer asked for, in their words."""
    borrower: Borrower
    """The applicant."""
    loan: Loan
    """The loan applied for."""
    credit: CreditFile
    """What the credit bureau returns."""
    documents: list[HeldDocument]
    """Documents the borrower holds and sends when asked."""
    lender_decision: Literal["approved", "denied"]
    """The lender's real decision from the HMDA record; the sandbox underwriter returns it."""
    underwriting_days: float = 2.0
    """Days the underwriter takes to decide."""
    expected: MortgageExpectation
    """What a completed run ends with."""
    provenance: Provenance
    """Where every figure came from."""


class Patient(_Strict):
    """The member whose service needs authorization (generated identity)."""

    name: str
    """Full name."""
    date_of_birth: date
    """Date of birth (generated)."""
    member_id: str
    """Payer member id (generated)."""
    contact: Contact
    """How to reach the patient."""


class Provider(_Strict):
    """The ordering practitioner (a real NPPES record)."""

    npi: str
    """National Provider Identifier."""
    name: str
    """Practitioner name as in NPPES."""
    taxonomy_code: str
    """Primary NUCC taxonomy code."""
    specialty: str
    """NUCC specialization of that code, or its classification where it has none."""
    state: str
    """Practice state."""
    tax_id: str
    """Tax id of the practice (generated: NPPES omits it for individuals)."""
    fax: str
    """Practice fax number from NPPES."""


class Service(_Strict):
    """What is to be authorized."""

    cpt: str
    """CPT/HCPCS procedure code."""
    icd10: str
    """ICD-10-CM diagnosis code."""
    description: str
    """Plain description of the service."""
    place_of_service: str
    """CMS place-of-service code."""
    units: int
    """Units requested."""
    urgency: Literal["standard", "expedited"]
    """Review urgency (CMS-0057-F: 7 days standard, 72 hours expedited)."""
    date_of_service: date
    """Planned date of service."""


class IvrOption(_Strict):
    """One entry of the payer's phone menu."""

    digit: str
    """Key to press."""
    label: str
    """What the recording says for it."""
    leads_to: Literal["prior_authorization", "claims", "eligibility", "pharmacy", "other"]
    """Where pressing it goes."""


PayerBehaviour = Literal[
    "approved_on_call",
    "pended_for_clinical_notes",
    "denied_then_approved_on_appeal",
    "denied_final",
    "member_not_eligible",
]
"""How the payer handles the request."""


class Payer(_Strict):
    """The health plan and how it behaves in this case."""

    name: str
    """Plan name (fictional network names from the NPPES sample)."""
    phone: str
    """Provider services line."""
    fax: str
    """Clinical documentation fax line."""
    ivr_menu: list[IvrOption]
    """Phone menu, in the order the recording reads it."""
    required_elements: list[str]
    """Data elements the representative asks for, in order."""
    behaviour: PayerBehaviour
    """What the payer does with the request."""
    decision_days: float
    """Days after a complete submission (or appeal) until the payer decides."""
    denial_reason: str | None = None
    """Specific denial reason, when the payer denies."""


class PriorAuthExpectation(_Strict):
    """The final state that counts as completing a prior-authorization case."""

    status: Literal["approved", "denied", "not_eligible"]
    """Final authorization status."""
    reference_number_required: bool
    """Whether the run must end holding the payer's reference number."""
    clinical_notes_faxed: bool
    """Whether clinical notes must have been faxed to the payer."""
    appeal_filed: bool
    """Whether an appeal (or peer-to-peer request) must have been filed."""
    deadline_days: int
    """Calendar days by which the outcome must be reached."""
    expected_tools: list[str]
    """Tools a correct run calls at least once."""


class PriorAuthCase(_Strict):
    """A prior authorization job for one service."""

    case_id: str = Field(pattern=CASE_ID_PATTERN, max_length=64)
    """Stable id, e.g. `pa-0003`."""
    vertical: Literal["prior_auth"] = "prior_auth"
    """Discriminator."""
    tags: list[str]
    """Free labels for filtering."""
    request: str
    """What the customer asked for."""
    patient: Patient
    """The member."""
    provider: Provider
    """The ordering practitioner."""
    service: Service
    """What needs authorization."""
    payer: Payer
    """The plan and its behaviour."""
    requested_on: date | None = None
    """Date the customer handed the job over; the case's clock starts here."""
    member_eligible: bool
    """Whether the eligibility check finds active coverage."""
    clinical_notes: HeldDocument
    """Clinical notes the provider's office sends when asked."""
    expected: PriorAuthExpectation
    """What a completed run ends with."""
    provenance: Provenance
    """Where every figure came from."""


RecordedCase = Annotated[MortgageCase | PriorAuthCase, Field(discriminator="vertical")]
"""Any recorded case."""

_CASE = TypeAdapter(RecordedCase)


class CaseFileError(ValueError):
    """A case file has a line that is not a valid recorded case."""


def parse_case(line: str, *, where: str = "<string>") -> MortgageCase | PriorAuthCase:
    """Validate one JSONL line; the error names the case id and every bad field."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CaseFileError(
            f"{where}: not JSON ({exc.msg} at column {exc.colno}); "
            "each line must be one JSON object"
        ) from exc
    case_id = raw.get("case_id", "<no case_id>") if isinstance(raw, dict) else "<not an object>"
    try:
        return _CASE.validate_python(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"field {_field_path(err['loc'])!r}: {err['msg']}{_got(err.get('input'))}"
            for err in exc.errors()
        )
        raise CaseFileError(f"{where}: case {case_id!r}: {problems}") from exc


def _field_path(loc: tuple[int | str, ...]) -> str:
    """Dotted path of a bad field, without the union's `vertical` tag that pydantic prepends."""
    if loc and loc[0] in ("mortgage", "prior_auth"):
        loc = loc[1:]
    return ".".join(str(part) for part in loc)


def _got(value: object) -> str:
    """The offending value, for scalars only: a whole object could hold personal data."""
    if isinstance(value, dict | list):
        return ""
    return f" (got {str(value)[:60]!r})"


def load_cases(path: Path) -> list[MortgageCase | PriorAuthCase]:
    """Load every case of a JSONL file, or of all `*.jsonl` files in a folder."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not files or not all(f.exists() for f in files):
        raise CaseFileError(
            f"no case file at {str(path)!r}; pass a .jsonl file or a folder of them"
        )
    cases: list[MortgageCase | PriorAuthCase] = []
    seen: set[str] = set()
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise CaseFileError(
                f"{file.name}: not UTF-8 text (byte {exc.start}); save the case file as UTF-8"
            ) from exc
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            case = parse_case(line, where=f"{file.name}:{number}")
            if case.case_id in seen:
                raise CaseFileError(f"{file.name}:{number}: case id {case.case_id!r} appears twice")
            seen.add(case.case_id)
            cases.append(case)
    return cases
