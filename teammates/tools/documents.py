"""The document collector's tools: request, remind, review, and report what is missing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from teammates.tools.application import ContactInfo, TaskRequest
from teammates.tools.backends import OutboundMessage
from teammates.tools.base import NoArgs, Tool, ToolContext, ToolResult
from teammates.tools.checklists import DocumentType
from teammates.tools.compliance import next_morning
from teammates.tools.messaging import send_message

RECENCY_DAYS: dict[str, int] = {
    "paystub": 120,
    "bank_statement": 120,
    "profit_and_loss": 180,
    "w2": 550,
    "tax_return": 550,
    "social_security_award_letter": 550,
    "pension_statement": 550,
    "photo_id": 3650,
    "clinical_notes": 180,
}
"""How old, in days before the application (or the request), a document may be."""

TAX_YEAR_DOCUMENTS = ("w2", "tax_return")
"""Documents judged by their tax year (the latest or the one before), not by a day count."""

REMINDER_GAP = timedelta(hours=20)
"""Minimum time between two requests for the same document (reminder cadence)."""

DOCUMENT_READING = (
    "Read this document. Kinds: paystub = earnings statement from an employer; w2 = Form W-2 "
    "wage and tax statement; tax_return = Form 1040 or Schedule C; bank_statement = bank "
    "account statement; profit_and_loss = profit and loss statement of a business; "
    "social_security_award_letter = Social Security benefit letter; pension_statement = "
    "pension benefit statement; photo_id = driver license, ID card or passport; "
    "clinical_notes = a doctor's clinical or office note. Say which kind it is, copy every "
    "person's name printed on it, and the date printed on it as YYYY-MM-DD. "
    "Copy what is printed; do not guess."
)


class DocumentFacts(BaseModel):
    """What a reviewer reads off a document; code decides whether it is acceptable."""

    doc_type: DocumentType = Field(description="what kind of document this is")
    names: list[str] = Field(
        description="every person's name printed on the document (not company names)",
        max_length=6,
    )
    issued_on: str = Field(description="the date on the document, as YYYY-MM-DD")


def review_args_model(document_ids: list[str]) -> type[BaseModel]:
    """Arguments for `review_document`: one of the documents waiting in the inbox."""
    id_literal = Literal[tuple(document_ids)]  # type: ignore[valid-type]

    class ReviewArgs(BaseModel):
        """Which received document to review."""

        model_config = ConfigDict(extra="forbid")
        document_id: id_literal  # type: ignore[valid-type]

    return ReviewArgs


def _subject(request: TaskRequest) -> tuple[str, ContactInfo | None, date, str]:
    """Who holds the documents: name, consumer contact (None for an office), as-of date, role."""
    if request.mortgage is not None:
        m = request.mortgage
        return m.borrower_name, m.contact, m.application_date, "borrower"
    if request.prior_auth is not None:
        p = request.prior_auth
        return p.patient_name, None, p.date_of_service, "provider_office"
    raise ValueError(f"task {request.task_id!r} has no application to collect documents for")


def checklist_status(facts: Mapping[str, Any], needed: list[str]) -> dict[str, list[str]]:
    """Needed documents split into valid, invalid, requested and not yet asked for."""
    documents = facts.get("documents", {})
    status: dict[str, list[str]] = {"valid": [], "invalid": [], "requested": [], "missing": []}
    for doc in needed:
        state = documents.get(doc, {}).get("status")
        key = {"valid": "valid", "invalid": "invalid", "requested": "requested"}.get(
            state or "", "missing"
        )
        status[key].append(doc)
    return status


def request_args_model(needed: list[str], office: bool) -> type[BaseModel]:
    """Argument model for `request_document`, with enums fitted to this job."""
    channels = ("email", "fax") if office else ("sms", "email", "voice")
    doc_literal = Literal[tuple(needed)]  # type: ignore[valid-type]
    channel_literal = Literal[channels]  # type: ignore[valid-type]

    class RequestDocumentArgs(BaseModel):
        """Ask for (or remind about) one document."""

        model_config = ConfigDict(extra="forbid")
        doc_type: doc_literal  # type: ignore[valid-type]
        channel: channel_literal
        message: str = Field(max_length=320)

    return RequestDocumentArgs


def _request(ctx: ToolContext, args: Any) -> ToolResult:
    _, contact, _, recipient = _subject(ctx.request)
    documents = dict(ctx.facts.get("documents", {}))
    entry = dict(documents.get(args.doc_type, {}))
    if entry.get("status") == "valid":
        return ToolResult(observation=f"{args.doc_type} is already in and valid; no request sent.")
    last = entry.get("last_request_at")
    if last and ctx.now() - datetime.fromisoformat(last) < REMINDER_GAP:
        return ToolResult(
            observation=f"{args.doc_type} was requested less than 20 hours ago; no reminder "
            "sent. Wait for the borrower before reminding."
        )
    if args.channel == "fax":
        address = ctx.request.prior_auth.provider_fax if ctx.request.prior_auth else ""
    elif args.channel == "email":
        address = (
            contact.email if contact else ctx.request.prior_auth.provider_email  # type: ignore[union-attr]
        )
    else:
        address = contact.phone if contact else ""
    message = OutboundMessage(
        channel=args.channel,
        recipient=recipient,
        address=address,
        body=args.message,
        purpose=f"document_request:{args.doc_type}",
    )
    result = send_message(ctx, message, contact, "request_document")
    if result.compliance:
        return result
    entry.update(
        {
            "status": "requested" if entry.get("status") != "invalid" else "invalid",
            "requests": entry.get("requests", 0) + 1,
            "last_request_at": ctx.now().isoformat(),
            "channel": args.channel,
        }
    )
    documents[args.doc_type] = entry
    result.facts["documents"] = documents
    result.observation += f" Request #{entry['requests']} for {args.doc_type}."
    return result


def _review(ctx: ToolContext, args: Any) -> ToolResult:
    inbox = [dict(item) for item in ctx.facts.get("inbox", [])]
    item = next((i for i in inbox if i["document_id"] == args.document_id), None)
    if item is None or item["reviewed"]:
        return ToolResult(observation=f"No unreviewed document {args.document_id!r} in the inbox.")
    text = ctx.backends.inbox.get(ctx.task_id, args.document_id).text
    if ctx.extract is None:
        raise RuntimeError("review_document needs a model to extract with")
    read, usage = ctx.extract(
        DOCUMENT_READING,
        text,
        DocumentFacts,
    )
    assert isinstance(read, DocumentFacts)
    name, _, as_of, _ = _subject(ctx.request)
    problem = validate(read, expected_name=name, as_of=as_of)
    item["reviewed"] = True
    documents = dict(ctx.facts.get("documents", {}))
    entry = dict(documents.get(read.doc_type, {}))
    if entry.get("status") != "valid":
        entry.update(
            {
                "status": "invalid" if problem else "valid",
                "document_id": args.document_id,
                "problem": problem,
            }
        )
        documents[read.doc_type] = entry
    verdict = f"rejected: {problem}" if problem else "accepted"
    return ToolResult(
        observation=f"Reviewed {args.document_id}: {read.doc_type}, {verdict}.",
        facts={"inbox": inbox, "documents": documents},
        usage=usage,
    )


def validate(read: DocumentFacts, *, expected_name: str, as_of: date) -> str | None:
    """Why a document is unacceptable (type, name, recency), or None when it is fine."""
    try:
        issued = date.fromisoformat(read.issued_on.strip()[:10])
    except ValueError:
        return f"no readable date ({read.issued_on!r})"
    if not any(_same_person(name, expected_name) for name in read.names):
        return "name on the document does not match the applicant"
    if issued > as_of + timedelta(days=30):
        return f"dated {issued}, after the application"
    if read.doc_type in TAX_YEAR_DOCUMENTS:
        # A W-2 or return is for a tax year; last year's is the newest there is until January.
        if as_of.year - issued.year > 1:
            return f"tax year {issued.year} is too old for an application in {as_of.year}"
        return None
    if (as_of - issued).days > RECENCY_DAYS[read.doc_type]:
        return f"too old: dated {issued}, limit {RECENCY_DAYS[read.doc_type]} days"
    return None


def _same_person(found: str, expected: str) -> bool:
    def tokens(text: str) -> set[str]:
        return {t for t in re.sub(r"[^a-z ]", " ", text.lower()).split() if len(t) > 1}

    wanted = tokens(expected)
    got = tokens(found)
    first, last = expected.lower().split()[0], expected.lower().split()[-1]
    return (
        bool(wanted)
        and re.sub(r"[^a-z]", "", last) in got
        and (re.sub(r"[^a-z]", "", first) in got or len(got & wanted) >= 2)
    )


def _wait(ctx: ToolContext, args: NoArgs) -> ToolResult:
    due = ctx.now() + timedelta(hours=24)
    for entry in ctx.facts.get("documents", {}).values():
        if entry.get("status") != "valid" and entry.get("last_request_at"):
            reminder = datetime.fromisoformat(entry["last_request_at"]) + REMINDER_GAP
            if ctx.now() < reminder < due:
                due = reminder
    if ctx.request.mortgage is not None:
        due = next_morning(due, ctx.request.mortgage.contact.time_zone)
    return ToolResult(
        observation="Waiting for documents or replies.",
        ends_turn="wait",
        wakeup={"events": ["document", "message"], "due_at": due.isoformat()},
    )


def _complete(ctx: ToolContext, args: NoArgs) -> ToolResult:
    return ToolResult(
        observation="All documents on the checklist are collected and valid.",
        facts={"documents_complete_at": ctx.now().isoformat()},
        ends_turn="done",
    )


def requestable(facts: Mapping[str, Any], needed: list[str], now: datetime) -> list[str]:
    """Documents not yet valid whose last request is older than the reminder gap."""
    status = checklist_status(facts, needed)
    documents = facts.get("documents", {})
    ready = []
    for doc in status["missing"] + status["invalid"] + status["requested"]:
        last = documents.get(doc, {}).get("last_request_at")
        if last is None or now - datetime.fromisoformat(last) >= REMINDER_GAP:
            ready.append(doc)
    return ready


def collector_tools(
    needed: list[str], facts: Mapping[str, Any], now: datetime, *, office: bool
) -> list[Tool]:
    """The collector's tools: review comes first, then requests the cadence allows, then wait."""
    askable = requestable(facts, needed, now)
    waiting_ids = [i["document_id"] for i in facts.get("inbox", []) if not i["reviewed"]]

    def unreviewed(f: Mapping[str, Any]) -> bool:
        return any(not item["reviewed"] for item in f.get("inbox", []))

    def all_valid(f: Mapping[str, Any]) -> bool:
        return len(checklist_status(f, needed)["valid"]) == len(needed)

    def may_ask(f: Mapping[str, Any]) -> bool:
        return bool(askable) and not all_valid(f) and not unreviewed(f)

    def may_wait(f: Mapping[str, Any]) -> bool:
        return not all_valid(f) and not unreviewed(f)

    return [
        Tool(
            "request_document",
            "Ask for a document, or remind about one already asked for. Write a short, "
            "polite message that says which document and how to send it.",
            request_args_model(askable or needed, office),
            False,
            _request,
            may_ask,
        ),
        Tool(
            "review_document",
            "Read a received document and check type, name and date.",
            review_args_model(waiting_ids or ["none"]),
            True,
            _review,
            unreviewed,
        ),
        Tool(
            "wait_for_documents",
            "Sleep until documents or replies arrive (or 24 hours pass).",
            NoArgs,
            True,
            _wait,
            may_wait,
        ),
        Tool(
            "report_documents_complete",
            "Tell the team every document is in and valid.",
            NoArgs,
            True,
            _complete,
            all_valid,
        ),
    ]
