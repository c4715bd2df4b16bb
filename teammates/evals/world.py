"""The sandbox world: plays every counterparty of a recorded case against the agents' tools.

It implements every backend protocol the tools call. It is deterministic for a case and a seed:
the same tool calls at the same virtual times produce the same replies, documents and
decisions. The underwriter returns the lender's real decision from the HMDA record.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import re
from datetime import date, datetime, timedelta
from typing import Any

from teammates.evals.cases import HeldDocument, MortgageCase, PriorAuthCase
from teammates.tools.backends import (
    AuthorizationStatus,
    CreditReport,
    DeliveryReceipt,
    EligibilityResult,
    OutboundMessage,
    PayerTurn,
    ReceivedDocument,
    Tradeline,
    UnderwritingPackage,
)
from teammates.tools.clock import Clock
from teammates.tools.events import InboundEvent
from teammates.tools.messaging import sms_segments

REPLY_DELAY = timedelta(minutes=40)
"""How long a person takes to answer a text or email they will answer."""


class WorldError(RuntimeError):
    """A tool asked the world for something this case cannot answer."""


class SandboxWorld:
    """Every counterparty of one case: bureau, borrower, underwriter, payer, fax line."""

    def __init__(self, case: MortgageCase | PriorAuthCase, clock: Clock, seed: int = 0) -> None:
        self.case = case
        self.clock = clock
        self.seed = seed
        self.credit_bureau = self
        self.underwriter = self
        self.loan_limits = self
        self.channels = self
        self.inbox = self
        self.payer = self
        self.sent: list[tuple[datetime, OutboundMessage]] = []
        self._keys: dict[str, DeliveryReceipt] = {}
        self._queue: list[tuple[datetime, int, InboundEvent]] = []
        self._sequence = 0
        self._requests: dict[str, int] = {}
        self._documents: dict[str, HeldDocument] = {}
        self._opted_out: set[str] = set()
        self._call: dict[str, Any] = {}
        self._payer_state: dict[str, Any] = {}
        self.credit_pulls = 0

    # ---- scheduling -------------------------------------------------------------------------

    def _schedule(self, at: datetime, event: InboundEvent) -> None:
        self._sequence += 1
        heapq.heappush(self._queue, (at, self._sequence, event))

    def next_event_at(self) -> datetime | None:
        """When the world will next do something on its own."""
        return self._queue[0][0] if self._queue else None

    def pop_due(self, now: datetime) -> list[InboundEvent]:
        """Events due at or before `now`, in order."""
        due = []
        while self._queue and self._queue[0][0] <= now:
            due.append(heapq.heappop(self._queue)[2])
        return due

    def _ref(self, prefix: str, salt: str) -> str:
        digest = hashlib.sha256(f"{self.case.case_id}:{self.seed}:{salt}".encode()).digest()
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        code = letters[digest[0] % 24] + "".join(
            (letters + "23456789")[b % 32] for b in digest[1:8]
        )
        return f"{prefix}-{code}"

    # ---- credit bureau, loan limits, underwriter ----------------------------------------------

    def _mortgage(self) -> MortgageCase:
        if not isinstance(self.case, MortgageCase):
            raise WorldError(f"case {self.case.case_id!r} is not a mortgage case")
        return self.case

    def pull_credit(self, task_id: str) -> CreditReport:
        case = self._mortgage()
        self.credit_pulls += 1
        return CreditReport(
            score=case.credit.score,
            tradelines=[
                Tradeline(kind=d.kind, monthly_payment_usd=d.monthly_payment_usd)
                for d in case.credit.debts
            ],
        )

    def one_unit_limit(self, county_fips: str, year: int) -> float:
        case = self._mortgage()
        if case.loan.conforming_limit_usd is None:
            raise WorldError(
                f"case {case.case_id!r} has no conforming_limit_usd; rebuild the datasets "
                "with `teammates datasets build`"
            )
        return case.loan.conforming_limit_usd

    def submit(self, package: UnderwritingPackage) -> str:
        case = self._mortgage()
        decision = case.lender_decision
        reasons = [] if decision == "approved" else _denial_reasons(package)
        self._schedule(
            self.clock.now() + timedelta(days=case.underwriting_days),
            InboundEvent(
                kind="underwriting_decision",
                at=(self.clock.now() + timedelta(days=case.underwriting_days)).isoformat(),
                party="underwriter",
                decision=decision,
                reasons=reasons,
            ),
        )
        return self._ref("UW", "submission")

    # ---- channels ------------------------------------------------------------------------------

    def send(self, task_id: str, message: OutboundMessage, idempotency_key: str) -> DeliveryReceipt:
        if idempotency_key in self._keys:
            return self._keys[idempotency_key]
        now = self.clock.now()
        self.sent.append((now, message))
        receipt = DeliveryReceipt(
            message_id=self._ref("MSG", idempotency_key),
            sms_segments=sms_segments(message.body) if message.channel == "sms" else 0,
            voice_minutes=float(max(1, math.ceil(len(message.body.split()) / 150)))
            if message.channel == "voice"
            else 0.0,
            emails=1 if message.channel == "email" else 0,
            fax_pages=message.pages if message.channel == "fax" else 0,
        )
        self._keys[idempotency_key] = receipt
        if message.recipient in ("borrower", "patient", "provider_office"):
            self._react(message, now)
        return receipt

    def _contact(self) -> Any:
        if isinstance(self.case, MortgageCase):
            return self.case.borrower.contact
        return self.case.patient.contact

    def _react(self, message: OutboundMessage, now: datetime) -> None:
        """How the person on the other end answers."""
        if message.recipient == "provider_office":
            if message.purpose == "document_request:clinical_notes":
                self._document_request("clinical_notes", now, "fax")
            return
        contact = self._contact()
        if message.channel in contact.unresponsive_channels:
            return
        if message.channel == "sms" and contact.opt_out_reply and "sms" not in self._opted_out:
            self._opted_out.add("sms")
            self._reply(now + timedelta(minutes=5), "sms", contact.opt_out_reply)
            return
        if message.purpose == "credit_consent":
            self._reply(now + REPLY_DELAY, message.channel, "YES")
        elif message.purpose.startswith("document_request:"):
            self._document_request(message.purpose.split(":", 1)[1], now, "upload")

    def _reply(self, at: datetime, channel: str, body: str) -> None:
        party = "borrower" if isinstance(self.case, MortgageCase) else "patient"
        self._schedule(
            at,
            InboundEvent(
                kind="message", at=at.isoformat(), channel=channel, party=party, body=body
            ),
        )

    def _held(self, doc_type: str) -> list[HeldDocument]:
        if isinstance(self.case, MortgageCase):
            return [d for d in self.case.documents if d.doc_type == doc_type]
        return [self.case.clinical_notes] if doc_type == "clinical_notes" else []

    def _document_request(self, doc_type: str, now: datetime, channel: str) -> None:
        count = self._requests.get(doc_type, 0) + 1
        self._requests[doc_type] = count
        for index, held in enumerate(self._held(doc_type)):
            if held.sends_after_requests == count:
                document_id = f"doc-{doc_type}-{index + 1}"
                self._documents[document_id] = held
                at = now + timedelta(hours=held.delay_hours)
                party = "borrower" if isinstance(self.case, MortgageCase) else "provider_office"
                self._schedule(
                    at,
                    InboundEvent(
                        kind="document",
                        at=at.isoformat(),
                        channel=channel,
                        party=party,
                        document_id=document_id,
                        doc_type=doc_type,
                    ),
                )

    # ---- document inbox ------------------------------------------------------------------------

    def get(self, task_id: str, document_id: str) -> ReceivedDocument:
        held = self._documents.get(document_id)
        if held is None:
            raise WorldError(f"no document {document_id!r} was sent in case {self.case.case_id!r}")
        return ReceivedDocument(
            document_id=document_id,
            claimed_type=held.doc_type,
            text=held.text,
            received_at=self.clock.now(),
        )

    # ---- payer ---------------------------------------------------------------------------------

    def _prior_auth(self) -> PriorAuthCase:
        if not isinstance(self.case, PriorAuthCase):
            raise WorldError(f"case {self.case.case_id!r} is not a prior authorization case")
        return self.case

    def check_eligibility(
        self, task_id: str, member_id: str, date_of_service: date
    ) -> EligibilityResult:
        case = self._prior_auth()
        return EligibilityResult(
            active=case.member_eligible and member_id == case.patient.member_id,
            plan=case.payer.name,
            prior_auth_required=True,
        )

    def _menu(self) -> PayerTurn:
        case = self._prior_auth()
        text = f"Thank you for calling {case.payer.name} provider services. " + " ".join(
            option.label for option in case.payer.ivr_menu
        )
        return PayerTurn(
            speaker="ivr",
            text=text,
            menu=[f"{_menu_words(o.label)} (press {o.digit})" for o in case.payer.ivr_menu],
        )

    def dial(self, task_id: str) -> PayerTurn:
        self._call = {"stage": "menu", "element": 0, "wrong_keys": 0}
        return self._menu()

    def press(self, task_id: str, digit: str) -> PayerTurn:
        case = self._prior_auth()
        if self._call.get("stage") != "menu":
            return PayerTurn(speaker="system", text="No menu is playing.")
        option = next((o for o in case.payer.ivr_menu if o.digit == digit), None)
        if option is None or option.leads_to != "prior_authorization":
            self._call["wrong_keys"] += 1
            if self._call["wrong_keys"] >= 3:
                self._call = {}
                return PayerTurn(speaker="ivr", text="Goodbye.", call_ended=True)
            reached = option.leads_to.replace("_", " ") if option else "an invalid option"
            menu = self._menu()
            return menu.model_copy(
                update={
                    "text": f"You reached {reached}; that line cannot help with this. " + menu.text
                }
            )
        self._call["stage"] = "representative"
        return self._ask(intro="Prior authorization, this is Sam. ")

    def _ask(self, intro: str = "") -> PayerTurn:
        case = self._prior_auth()
        element = case.payer.required_elements[self._call["element"]]
        spoken = (
            element.replace("_", " ").replace("icd10", "ICD-10 code").replace("cpt", "CPT code")
        )
        return PayerTurn(
            speaker="representative",
            text=f"{intro}Can I have the {spoken}, please?",
            asks_for=element,
        )

    def say(self, task_id: str, element: str, value: str) -> PayerTurn:
        case = self._prior_auth()
        if self._call.get("stage") != "representative":
            return PayerTurn(speaker="system", text="Nobody is listening; call first.")
        expected = case.payer.required_elements[self._call["element"]]
        if element != expected:
            return self._ask(intro="Sorry, that is not what I asked for. ")
        if element == "member_id" and not case.member_eligible:
            self._call = {}
            return PayerTurn(
                speaker="representative",
                text="I can't find active coverage for that member; we can't open a request.",
                call_ended=True,
                status="not_eligible",
            )
        self._call["element"] += 1
        if self._call["element"] < len(case.payer.required_elements):
            return self._ask(intro="Thank you. ")
        self._call = {}
        return self._decide_on_call()

    def _decide_on_call(self) -> PayerTurn:
        case = self._prior_auth()
        reference = self._ref("PA", "reference")
        now = self.clock.now()
        self._payer_state = {"reference": reference, "submitted_at": now}
        behaviour = case.payer.behaviour
        if behaviour == "approved_on_call":
            self._payer_state["final"] = "approved"
            return PayerTurn(
                speaker="representative",
                text=f"That service is approved. Your authorization number is {reference}.",
                call_ended=True,
                reference_number=reference,
                status="approved",
            )
        if behaviour == "pended_for_clinical_notes":
            return PayerTurn(
                speaker="representative",
                text=f"I've pended this for clinical review. Please fax the clinical notes to "
                f"{case.payer.fax} with reference {reference}.",
                call_ended=True,
                reference_number=reference,
                status="pended",
            )
        return PayerTurn(
            speaker="representative",
            text=f"I've submitted it for clinical review, reference {reference}. A decision "
            f"comes within {case.payer.decision_days:g} day(s).",
            call_ended=True,
            reference_number=reference,
            status="in_review",
        )

    def hang_up(self, task_id: str) -> None:
        self._call = {}

    def record_fax(self, at: datetime) -> None:
        """The payer's fax line received the clinical notes."""
        self._payer_state.setdefault("notes_at", at)

    def status(self, task_id: str, reference_number: str) -> AuthorizationStatus:
        case = self._prior_auth()
        state = self._payer_state
        if reference_number not in (state.get("reference"), state.get("appeal")):
            raise WorldError(f"unknown reference {reference_number!r}")
        if "notes_at" not in state:
            self._notice_fax()
        now = self.clock.now()
        wait = timedelta(days=case.payer.decision_days)
        behaviour = case.payer.behaviour

        def answer(status: str, reason: str | None = None) -> AuthorizationStatus:
            return AuthorizationStatus(
                reference_number=reference_number,
                status=status,
                denial_reason=reason,
            )

        if behaviour == "approved_on_call":
            return answer("approved")
        if behaviour == "pended_for_clinical_notes":
            notes = state.get("notes_at")
            if notes is None:
                return answer("pended")
            return answer("approved" if now >= notes + wait else "in_review")
        if "appeal_at" in state:
            if now < state["appeal_at"] + wait:
                return answer("in_review")
            if behaviour == "denied_then_approved_on_appeal":
                return answer("approved")
            return answer("denied", case.payer.denial_reason)
        if now >= state["submitted_at"] + wait:
            return answer("denied", case.payer.denial_reason)
        return answer("in_review")

    def _notice_fax(self) -> None:
        for at, message in self.sent:
            if message.recipient == "payer" and message.channel == "fax":
                self._payer_state["notes_at"] = at
                return

    def appeal(self, task_id: str, reference_number: str, kind: str, argument: str) -> str:
        self._prior_auth()
        self._notice_fax()
        self._payer_state["appeal_at"] = self.clock.now()
        self._payer_state["appeal"] = self._ref("APL", "appeal")
        self._payer_state["appeal_kind"] = kind
        return str(self._payer_state["appeal"])


def _denial_reasons(package: UnderwritingPackage) -> list[str]:
    """Regulation B reasons an underwriter would give for the figures in the package."""
    reasons = []
    if package.dti > 0.43:
        reasons.append("Excessive obligations in relation to income")
    if package.ltv > 0.95:
        reasons.append("Value or type of collateral not sufficient")
    if package.credit_score < 640:
        reasons.append("Credit history")
    return reasons or ["Credit application does not meet underwriting standards"]


def _menu_words(label: str) -> str:
    """'For prior authorization or referrals, press 2.' -> 'prior authorization or referrals'."""
    words = re.sub(r",?\s*press \d+\.?", "", label).strip().rstrip(".")
    return re.sub(r"^(for|to)\s+", "", words, flags=re.IGNORECASE)
