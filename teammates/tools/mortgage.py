"""The borrower qualifier's tools: consent, credit, income, eligibility, underwriting, notices."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from teammates.tools.application import MortgageApplication, TaskRequest
from teammates.tools.backends import OutboundMessage, UnderwritingPackage
from teammates.tools.base import NoArgs, Tool, ToolContext, ToolResult
from teammates.tools.checklists import mortgage_checklist
from teammates.tools.compliance import next_morning
from teammates.tools.messaging import send_message
from teammates.tools.underwriting import (
    NOTE_RATE,
    monthly_amount,
    principal_and_interest,
    qualify,
)

CONSENT_REMINDER_GAP = timedelta(hours=20)
"""How long an unanswered consent request stands before it may be sent again."""

INCOME_READING = (
    "Read this document. Return the GROSS income for one period exactly as printed (on a "
    "paystub: 'Gross pay this period', not net pay and not year-to-date; on a W-2 or tax "
    "return: the yearly figure; on a benefit letter: the monthly benefit) and how often that "
    "amount is paid. Do not add anything up."
)
"""What the qualifier's model is asked when it reads an income document."""

INCOME_DOCUMENTS = {
    "w2_employee": ["paystub"],
    "self_employed": ["tax_return"],
    "retired": ["social_security_award_letter", "pension_statement"],
}
"""Documents whose figures make up qualifying income, by employment type."""


def application(request: TaskRequest) -> MortgageApplication:
    """The mortgage application of a request (the supervisor guarantees it is there)."""
    if request.mortgage is None:
        raise ValueError(f"task {request.task_id!r} has no mortgage application")
    return request.mortgage


class ConsentArgs(BaseModel):
    """Ask the borrower to authorise the credit pull."""

    model_config = ConfigDict(extra="forbid")
    channel: Literal["sms", "email"]
    """Channel to ask on."""


class IncomeDocArgs(BaseModel):
    """Which validated income document to read."""

    model_config = ConfigDict(extra="forbid")
    doc_type: Literal["paystub", "tax_return", "social_security_award_letter", "pension_statement"]
    """Document to read."""


def income_doc_args(unread: list[str]) -> type[BaseModel]:
    """`IncomeDocArgs` narrowed to the documents not read yet, so a read is never repeated."""
    if not unread:
        return IncomeDocArgs
    narrowed: Any = Literal[tuple(unread)]
    model: type[BaseModel] = create_model(
        "IncomeDocArgs", __base__=IncomeDocArgs, doc_type=(narrowed, ...)
    )
    return model


class NoticeArgs(BaseModel):
    """How to deliver a decision notice."""

    model_config = ConfigDict(extra="forbid")
    channel: Literal["email", "sms"]
    """Channel; notices are usually emailed."""


class IncomeFigures(BaseModel):
    """Raw figures read off an income document; code turns them into monthly income."""

    gross_amount_usd: float = Field(
        description="the GROSS income for one period as printed (before taxes); never net "
        "pay, never a year-to-date total"
    )
    period: Literal["weekly", "biweekly", "semimonthly", "monthly", "annual"] = Field(
        description="how often that amount is paid"
    )


def _request_consent(ctx: ToolContext, args: ConsentArgs) -> ToolResult:
    app = application(ctx.request)
    first = app.borrower_name.split()[0]
    body = (
        f"Hi {first}, this is your loan team. To review your mortgage application we need "
        "your permission to pull your credit report. Reply YES to agree. Reply STOP to opt out."
    )
    address = app.contact.phone if args.channel == "sms" else app.contact.email
    message = OutboundMessage(
        channel=args.channel,
        recipient="borrower",
        address=address,
        body=body,
        purpose="credit_consent",
    )
    result = send_message(ctx, message, app.contact, "request_consent")
    if not result.compliance:
        result.facts["credit_consent"] = "requested"
        result.facts["consent_requested_at"] = ctx.now().isoformat()
        result.observation += " Waiting for the borrower's YES."
    return result


def _wait_for_borrower(ctx: ToolContext, args: NoArgs) -> ToolResult:
    app = application(ctx.request)
    due = next_morning(ctx.now() + CONSENT_REMINDER_GAP, app.contact.time_zone)
    return ToolResult(
        observation="Waiting for the borrower.",
        ends_turn="wait",
        wakeup={"events": ["message", "document"], "due_at": due.isoformat()},
    )


def _pull_credit(ctx: ToolContext, args: NoArgs) -> ToolResult:
    report = ctx.backends.credit_bureau.pull_credit(ctx.task_id)
    debts = round(sum(t.monthly_payment_usd for t in report.tradelines), 2)
    return ToolResult(
        observation=(
            f"Credit pulled: score {report.score}, {len(report.tradelines)} tradelines, "
            f"monthly debts ${debts:,.2f}."
        ),
        facts={
            "credit": {
                "score": report.score,
                "monthly_debts_usd": debts,
                "tradelines": [t.model_dump() for t in report.tradelines],
            }
        },
    )


def _hand_to_collector(ctx: ToolContext, args: NoArgs) -> ToolResult:
    app = application(ctx.request)
    return ToolResult(
        observation="Asked the document collector for "
        + ", ".join(mortgage_checklist(app.employment)),
        facts={"documents_needed": list(mortgage_checklist(app.employment))},
        ends_turn="handoff",
    )


def _read_income(ctx: ToolContext, args: Any) -> ToolResult:
    document = ctx.facts["documents"][args.doc_type]
    text = ctx.backends.inbox.get(ctx.task_id, document["document_id"]).text
    if ctx.extract is None:
        raise RuntimeError("read_income_document needs a model to extract with")
    figures, usage = ctx.extract(
        INCOME_READING,
        text,
        IncomeFigures,
    )
    assert isinstance(figures, IncomeFigures)
    income = dict(ctx.facts.get("income_figures", {}))
    income[args.doc_type] = figures.model_dump()
    monthly = monthly_amount(figures.gross_amount_usd, figures.period)
    return ToolResult(
        observation=f"Read {args.doc_type}: ${figures.gross_amount_usd:,.2f} {figures.period} "
        f"(= ${monthly:,.2f} a month).",
        facts={"income_figures": income},
        usage=usage,
    )


def monthly_income(employment: str, figures: Mapping[str, Any]) -> float:
    """Qualifying monthly income from the raw figures of the income documents."""
    return round(
        sum(
            monthly_amount(figures[doc]["gross_amount_usd"], figures[doc]["period"])
            for doc in INCOME_DOCUMENTS[employment]
        ),
        2,
    )


def _evaluate(ctx: ToolContext, args: NoArgs) -> ToolResult:
    app = application(ctx.request)
    limit = ctx.backends.loan_limits.one_unit_limit(app.county_fips, app.application_date.year)
    result = qualify(
        monthly_income_usd=monthly_income(app.employment, ctx.facts["income_figures"]),
        monthly_debts_usd=ctx.facts["credit"]["monthly_debts_usd"],
        loan_amount_usd=app.loan_amount_usd,
        property_value_usd=app.property_value_usd,
        occupancy=app.occupancy,
        credit_score=ctx.facts["credit"]["score"],
        conforming_limit_usd=limit,
        fha_requested=app.fha_requested,
    )
    qualification = {**result.__dict__, "conforming_limit_usd": limit}
    verdict = "meets" if result.meets_guidelines else "does not meet"
    return ToolResult(
        observation=(
            f"Program {result.program} (county limit ${limit:,.0f}); DTI {result.dti:.1%}, "
            f"LTV {result.ltv:.1%}; {verdict} guidelines"
            + (f" ({'; '.join(result.reasons)})" if result.reasons else "")
            + "."
        ),
        facts={"qualification": qualification},
    )


def _submit(ctx: ToolContext, args: NoArgs) -> ToolResult:
    q = ctx.facts["qualification"]
    package = UnderwritingPackage(
        task_id=ctx.task_id,
        program=q["program"],
        dti=q["dti"],
        ltv=q["ltv"],
        credit_score=ctx.facts["credit"]["score"],
        documents=sorted(ctx.facts.get("documents", {})),
    )
    submission = ctx.backends.underwriter.submit(package)
    due = ctx.now().timestamp() + 10 * 86400
    return ToolResult(
        observation=f"Submitted to underwriting ({submission}). Waiting for the decision.",
        facts={"underwriting": {"submission": submission, "submitted_at": ctx.now().isoformat()}},
        ends_turn="wait",
        wakeup={"events": ["underwriting_decision"], "due_at": _iso(ctx, due)},
    )


def loan_estimate_terms(app: MortgageApplication, facts: Mapping[str, Any]) -> dict[str, Any]:
    """Loan Estimate figures (12 CFR 1026.37), priced by a simple, documented rate sheet."""
    q = facts["qualification"]
    rate = NOTE_RATE
    rate += 0.005 if facts["credit"]["score"] < 680 else 0.0
    rate += 0.0025 if q["ltv"] > 0.80 else 0.0
    rate += 0.0025 if q["program"] == "jumbo" else 0.0
    rate -= 0.0025 if q["program"] == "fha" else 0.0
    payment = principal_and_interest(app.loan_amount_usd, rate)
    closing_costs = round(app.loan_amount_usd * 0.02 + 1500, 2)
    down = max(app.property_value_usd - app.loan_amount_usd, 0) if app.purpose == "purchase" else 0
    return {
        "loan_amount_usd": app.loan_amount_usd,
        "program": q["program"],
        "term_months": 360,
        "interest_rate": round(rate, 5),
        "monthly_principal_and_interest_usd": round(payment, 2),
        "estimated_closing_costs_usd": closing_costs,
        "estimated_cash_to_close_usd": round(down + closing_costs, 2),
    }


def _send_loan_estimate(ctx: ToolContext, args: NoticeArgs) -> ToolResult:
    app = application(ctx.request)
    terms = loan_estimate_terms(app, ctx.facts)
    body = (
        f"Your Loan Estimate: {terms['program']} loan of ${terms['loan_amount_usd']:,.0f}, "
        f"{terms['interest_rate']:.3%} fixed for 30 years, principal and interest "
        f"${terms['monthly_principal_and_interest_usd']:,.2f}/month, estimated cash to close "
        f"${terms['estimated_cash_to_close_usd']:,.2f}. The full Loan Estimate is attached."
    )
    return _notice(ctx, args, app, body, "loan_estimate", {"terms": terms})


def _send_adverse_action(ctx: ToolContext, args: NoticeArgs) -> ToolResult:
    app = application(ctx.request)
    underwriting = ctx.facts.get("underwriting", {})
    reasons = (
        list(underwriting.get("reasons") or [])
        or list(ctx.facts["qualification"]["reasons"])
        or ["Credit application does not meet the lender's underwriting standards"]
    )
    body = (
        "We are unable to approve your mortgage application at this time. Principal reasons: "
        + "; ".join(reasons)
        + ". You have the right to a free copy of your credit report within 60 days. The "
        "federal Equal Credit Opportunity Act prohibits creditors from discriminating against "
        "credit applicants."
    )
    return _notice(ctx, args, app, body, "adverse_action", {"reasons": reasons})


def _notice(
    ctx: ToolContext,
    args: NoticeArgs,
    app: MortgageApplication,
    body: str,
    kind: str,
    details: dict[str, Any],
) -> ToolResult:
    address = app.contact.phone if args.channel == "sms" else app.contact.email
    message = OutboundMessage(
        channel=args.channel, recipient="borrower", address=address, body=body, purpose=kind
    )
    result = send_message(ctx, message, app.contact, f"send_{kind}")
    if result.compliance:
        return result
    q = ctx.facts["qualification"]
    result.facts["notice"] = {"kind": kind, "sent_at": ctx.now().isoformat(), **details}
    result.outcome = {
        "status": kind,
        "program": q["program"],
        "dti": q["dti"],
        "ltv": q["ltv"],
        "at": ctx.now().isoformat(),
        **details,
    }
    result.ends_turn = "done"
    return result


def _iso(ctx: ToolContext, timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=ctx.now().tzinfo).isoformat()


def _docs_valid(facts: Mapping[str, Any], doc_types: list[str]) -> bool:
    documents = facts.get("documents", {})
    return all(documents.get(d, {}).get("status") == "valid" for d in doc_types)


def _income_docs_unread(facts: Mapping[str, Any], employment: str) -> list[str]:
    read = facts.get("income_figures", {})
    return [d for d in INCOME_DOCUMENTS[employment] if d not in read]


def qualifier_tools(
    employment: str,
    checklist: list[str],
    now: datetime | None = None,
    facts: Mapping[str, Any] | None = None,
) -> list[Tool]:
    """The qualifier's tools, with guards for this borrower's employment and checklist.

    A consent request unanswered for `CONSENT_REMINDER_GAP` may be sent again (the borrower
    may not read that channel); until then the qualifier can only wait.
    """

    def ask_again(f: Mapping[str, Any]) -> bool:
        asked = f.get("consent_requested_at")
        if now is None or not isinstance(asked, str):
            return False
        return now - datetime.fromisoformat(asked) >= CONSENT_REMINDER_GAP

    def consent_open(f: Mapping[str, Any]) -> bool:
        consent = f.get("credit_consent")
        return consent is None or (consent == "requested" and ask_again(f))

    def consent_pending(f: Mapping[str, Any]) -> bool:
        return f.get("credit_consent") == "requested" and not ask_again(f)

    def can_pull(f: Mapping[str, Any]) -> bool:
        return f.get("credit_consent") == "given" and "credit" not in f

    def needs_documents(f: Mapping[str, Any]) -> bool:
        return "credit" in f and not _docs_valid(f, checklist)

    def can_read(f: Mapping[str, Any]) -> bool:
        return _docs_valid(f, checklist) and bool(_income_docs_unread(f, employment))

    def can_evaluate(f: Mapping[str, Any]) -> bool:
        return (
            _docs_valid(f, checklist)
            and not _income_docs_unread(f, employment)
            and "qualification" not in f
        )

    def can_submit(f: Mapping[str, Any]) -> bool:
        return "qualification" in f and "submission" not in f.get("underwriting", {})

    def awaiting_decision(f: Mapping[str, Any]) -> bool:
        u = f.get("underwriting", {})
        return "submission" in u and "decision" not in u

    def approved(f: Mapping[str, Any]) -> bool:
        return f.get("underwriting", {}).get("decision") == "approved" and "notice" not in f

    def denied(f: Mapping[str, Any]) -> bool:
        return f.get("underwriting", {}).get("decision") == "denied" and "notice" not in f

    return [
        Tool(
            "request_consent",
            "Ask the borrower to authorise a credit pull.",
            ConsentArgs,
            False,
            _request_consent,
            consent_open,
        ),
        Tool(
            "wait_for_borrower",
            "Sleep until the borrower replies (or 24 hours pass).",
            NoArgs,
            True,
            _wait_for_borrower,
            consent_pending,
        ),
        Tool(
            "pull_credit",
            "Pull the borrower's credit report (needs consent).",
            NoArgs,
            False,
            _pull_credit,
            can_pull,
        ),
        Tool(
            "hand_to_document_collector",
            "Ask the document collector to gather and validate the borrower's documents.",
            NoArgs,
            False,
            _hand_to_collector,
            needs_documents,
        ),
        Tool(
            "read_income_document",
            "Read the income figures off a validated document.",
            income_doc_args(_income_docs_unread(facts or {}, employment)),
            True,
            _read_income,
            can_read,
        ),
        Tool(
            "evaluate_eligibility",
            "Compute DTI, LTV and program eligibility from the figures gathered.",
            NoArgs,
            True,
            _evaluate,
            can_evaluate,
        ),
        Tool(
            "submit_to_underwriting",
            "Send the loan file to the underwriter.",
            NoArgs,
            False,
            _submit,
            can_submit,
        ),
        Tool(
            "wait_for_underwriting",
            "Sleep until the underwriter decides.",
            NoArgs,
            True,
            _wait_for_underwriting,
            awaiting_decision,
        ),
        Tool(
            "send_loan_estimate",
            "Send the Loan Estimate (underwriter approved).",
            NoticeArgs,
            False,
            _send_loan_estimate,
            approved,
        ),
        Tool(
            "send_adverse_action_notice",
            "Send the adverse action notice with the principal reasons (underwriter denied).",
            NoticeArgs,
            False,
            _send_adverse_action,
            denied,
        ),
    ]


def _wait_for_underwriting(ctx: ToolContext, args: NoArgs) -> ToolResult:
    due = ctx.now().timestamp() + 5 * 86400
    return ToolResult(
        observation="Waiting for the underwriting decision.",
        ends_turn="wait",
        wakeup={"events": ["underwriting_decision"], "due_at": _iso(ctx, due)},
    )
