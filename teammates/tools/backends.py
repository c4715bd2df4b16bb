"""The outside world as the tools see it: one protocol per counterparty.

Tools never talk to the network; they call these. The sandbox world implements every protocol
from a recorded case; production wires real vendors behind the same signatures.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

Channel = Literal["sms", "email", "voice", "fax"]
"""A channel a message can travel on."""


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class Tradeline(_Record):
    """One debt on a credit report."""

    kind: str
    """Kind of obligation."""
    monthly_payment_usd: float
    """Required monthly payment."""


class CreditReport(_Record):
    """What the bureau returns on a pull."""

    score: int
    """Representative credit score."""
    tradelines: list[Tradeline]
    """Open debts."""


class OutboundMessage(_Record):
    """A message an agent wants sent; it passes the compliance guard and the outbox first."""

    channel: Channel
    """How it travels."""
    recipient: Literal["borrower", "patient", "payer", "provider_office"]
    """Who it is for."""
    address: str
    """Phone number, email address or fax number."""
    body: str
    """Text of the message (or the fax cover and pages)."""
    purpose: str
    """Why it is sent: `credit_consent`, `document_request:paystub`, `loan_estimate`..."""
    pages: int = 1
    """Fax pages."""


class DeliveryReceipt(_Record):
    """What the channel says after sending."""

    message_id: str
    """Provider id of the message."""
    sms_segments: int = 0
    """Billable SMS segments."""
    voice_minutes: float = 0.0
    """Billable voice minutes."""
    fax_pages: int = 0
    """Billable fax pages."""
    emails: int = 0
    """Emails sent."""


class ReceivedDocument(_Record):
    """A document that arrived in the inbox."""

    document_id: str
    """Inbox id."""
    claimed_type: str
    """The type the sender says it is."""
    text: str
    """Its text."""
    received_at: datetime
    """When it arrived."""


class UnderwritingPackage(_Record):
    """What goes to the underwriter."""

    task_id: str
    """The task."""
    program: str
    """Program the loan was found eligible for."""
    dti: float
    """Back-end debt-to-income ratio."""
    ltv: float
    """Loan-to-value ratio."""
    credit_score: int
    """Representative score."""
    documents: list[str]
    """Validated documents."""


class EligibilityResult(_Record):
    """An eligibility and benefits check (X12 270/271 in the real world)."""

    active: bool
    """Whether coverage is active on the date of service."""
    plan: str
    """Plan name."""
    prior_auth_required: bool
    """Whether the service needs prior authorization."""


class PayerTurn(_Record):
    """What the payer line says after the caller's last move."""

    speaker: Literal["ivr", "representative", "system"]
    """Who is talking."""
    text: str
    """What they said."""
    asks_for: str | None = None
    """Data element the representative asks for, when asking."""
    menu: list[str] = []
    """Phone-menu options as `digit: words`, while the IVR is speaking."""
    call_ended: bool = False
    """Whether the call is over."""
    reference_number: str | None = None
    """Reference or authorization number, once given."""
    status: Literal["approved", "pended", "denied", "not_eligible", "in_review"] | None = None
    """Decision stated on the call, if any."""
    denial_reason: str | None = None
    """Specific denial reason, when denied."""


class AuthorizationStatus(_Record):
    """A status check on a prior authorization."""

    reference_number: str
    """Reference checked."""
    status: Literal["in_review", "pended", "approved", "denied"]
    """Where it stands."""
    denial_reason: str | None = None
    """Specific reason when denied."""


class CreditBureau(Protocol):
    """Tri-merge credit."""

    def pull_credit(self, task_id: str) -> CreditReport: ...


class Underwriter(Protocol):
    """Automated or human underwriting; the decision arrives later as an inbound event."""

    def submit(self, package: UnderwritingPackage) -> str: ...


class LoanLimits(Protocol):
    """FHFA conforming loan limits."""

    def one_unit_limit(self, county_fips: str, year: int) -> float: ...


class Channels(Protocol):
    """SMS, email, voice and fax senders."""

    def send(
        self, task_id: str, message: OutboundMessage, idempotency_key: str
    ) -> DeliveryReceipt: ...


class DocumentInbox(Protocol):
    """Where uploaded and faxed documents land."""

    def get(self, task_id: str, document_id: str) -> ReceivedDocument: ...


class PayerLine(Protocol):
    """The payer's eligibility service, phone line and status lookup."""

    def check_eligibility(
        self, task_id: str, member_id: str, date_of_service: date
    ) -> EligibilityResult: ...

    def dial(self, task_id: str) -> PayerTurn: ...

    def press(self, task_id: str, digit: str) -> PayerTurn: ...

    def say(self, task_id: str, element: str, value: str) -> PayerTurn: ...

    def hang_up(self, task_id: str) -> None: ...

    def status(self, task_id: str, reference_number: str) -> AuthorizationStatus: ...

    def appeal(self, task_id: str, reference_number: str, kind: str, argument: str) -> str: ...


class Backends(Protocol):
    """Everything the tools may call."""

    @property
    def credit_bureau(self) -> CreditBureau: ...

    @property
    def underwriter(self) -> Underwriter: ...

    @property
    def loan_limits(self) -> LoanLimits: ...

    @property
    def channels(self) -> Channels: ...

    @property
    def inbox(self) -> DocumentInbox: ...

    @property
    def payer(self) -> PayerLine: ...
