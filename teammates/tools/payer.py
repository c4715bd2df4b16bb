"""The insurer caller's tools: eligibility, the payer call, faxes, status checks, appeals."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from teammates.tools.application import PriorAuthApplication, TaskRequest
from teammates.tools.backends import OutboundMessage, PayerTurn
from teammates.tools.base import NoArgs, Tool, ToolContext, ToolResult
from teammates.tools.messaging import send_message
from teammates.tools.privacy import mask_value

DATA_ELEMENTS = (
    "npi",
    "tax_id",
    "member_id",
    "patient_name",
    "date_of_birth",
    "cpt",
    "icd10",
    "date_of_service",
    "place_of_service",
    "units",
    "urgency",
)
"""Data elements a payer representative may ask for on a prior-authorization call."""

MAX_STATUS_CHECKS = 8
"""Follow-ups on one request before the caller stops and reports."""


def prior_auth(request: TaskRequest) -> PriorAuthApplication:
    """The prior-authorization request data (the supervisor guarantees it is there)."""
    if request.prior_auth is None:
        raise ValueError(f"task {request.task_id!r} has no prior authorization request")
    return request.prior_auth


def element_value(app: PriorAuthApplication, element: str) -> str:
    """The value of a data element, read from the request, never from the model."""
    values = {
        "npi": app.npi,
        "tax_id": app.tax_id,
        "member_id": app.member_id,
        "patient_name": app.patient_name,
        "date_of_birth": app.date_of_birth.isoformat(),
        "cpt": app.cpt,
        "icd10": app.icd10,
        "date_of_service": app.date_of_service.isoformat(),
        "place_of_service": app.place_of_service,
        "units": str(app.units),
        "urgency": app.urgency,
    }
    return values[element]


class GiveArgs(BaseModel):
    """Answer the representative's question with one data element."""

    model_config = ConfigDict(extra="forbid")
    element: Literal[DATA_ELEMENTS]  # type: ignore[valid-type]
    """The element the representative asked for; its value comes from the request."""


class AppealArgs(BaseModel):
    """Contest a denial."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["appeal", "peer_to_peer"]
    """Written appeal with the notes, or a peer-to-peer review request."""
    argument: str = Field(max_length=400)
    """Why the service is medically necessary, in two sentences."""


class NotifyArgs(BaseModel):
    """Tell the patient the outcome."""

    model_config = ConfigDict(extra="forbid")
    channel: Literal["sms", "email", "voice"]
    """Channel to use."""
    message: str = Field(max_length=320)
    """Short, plain message with the decision and what happens next."""


def menu_digit(option: str) -> str:
    """The key of a menu option written `words (press N)` (or `N: words`)."""
    found = re.search(r"press (\d+)\)?\s*$", option)
    return found.group(1) if found else option.split(":", maxsplit=1)[0].strip()


def press_args(options: list[str]) -> type[BaseModel]:
    """Arguments for pressing a key. The options lead with the menu's own words and end with the
    key, so a small model chooses by meaning rather than by position."""
    option_literal = Literal[tuple(options)]  # type: ignore[valid-type]

    class PressArgs(BaseModel):
        """Choose the phone-menu option that leads to prior authorization."""

        model_config = ConfigDict(extra="forbid")
        option: option_literal  # type: ignore[valid-type]

    return PressArgs


def _auth(facts: Mapping[str, Any]) -> dict[str, Any]:
    return dict(facts.get("authorization", {}))


def _check_eligibility(ctx: ToolContext, args: NoArgs) -> ToolResult:
    app = prior_auth(ctx.request)
    result = ctx.backends.payer.check_eligibility(ctx.task_id, app.member_id, app.date_of_service)
    facts: dict[str, Any] = {"eligibility": result.model_dump()}
    if not result.active:
        facts["authorization"] = {**_auth(ctx.facts), "status": "not_eligible"}
    return ToolResult(
        observation=(
            f"Eligibility: coverage {'active' if result.active else 'NOT active'} on "
            f"{result.plan}; prior authorization "
            f"{'required' if result.prior_auth_required else 'not required'}."
        ),
        facts=facts,
    )


def _call_turn(ctx: ToolContext, turn: PayerTurn, said: str | None) -> ToolResult:
    call = dict(ctx.facts.get("call", {}))
    transcript = list(call.get("transcript", []))
    if said:
        transcript.append(f"caller: {said}")
    spoken = "(phone menu)" if turn.menu else turn.text
    transcript.append(f"{turn.speaker}: {spoken}")
    call.update(
        {
            "active": not turn.call_ended,
            "speaker": turn.speaker,
            "asks_for": turn.asks_for,
            "menu": list(turn.menu),
            "last": turn.text,
            "transcript": transcript[-6:],
            "minutes": call.get("minutes", 0.0) + 0.5,
        }
    )
    facts: dict[str, Any] = {"call": call}
    if turn.status is not None:
        auth = _auth(ctx.facts)
        auth.update({"status": turn.status, "status_at": ctx.now().isoformat()})
        if turn.reference_number:
            auth["reference_number"] = turn.reference_number
        if turn.denial_reason:
            auth["denial_reason"] = turn.denial_reason
        facts["authorization"] = auth
    return ToolResult(
        observation=f"{turn.speaker} says: {turn.text}",
        facts=facts,
        fees={"voice_minutes": 0.5},
    )


def _dial(ctx: ToolContext, args: NoArgs) -> ToolResult:
    fresh = {**ctx.facts, "call": {"minutes": ctx.facts.get("call", {}).get("minutes", 0.0)}}
    return _call_turn(replace(ctx, facts=fresh), ctx.backends.payer.dial(ctx.task_id), None)


def _press(ctx: ToolContext, args: Any) -> ToolResult:
    digit = menu_digit(str(args.option))
    return _call_turn(ctx, ctx.backends.payer.press(ctx.task_id, digit), f"presses {digit}")


def _give(ctx: ToolContext, args: GiveArgs) -> ToolResult:
    value = element_value(prior_auth(ctx.request), args.element)
    turn = ctx.backends.payer.say(ctx.task_id, args.element, value)
    return _call_turn(ctx, turn, f"{args.element} = {mask_value(args.element, value)}")


def _hang_up(ctx: ToolContext, args: NoArgs) -> ToolResult:
    ctx.backends.payer.hang_up(ctx.task_id)
    call = {**ctx.facts.get("call", {}), "active": False}
    return ToolResult(observation="Call ended.", facts={"call": call})


def _ask_for_notes(ctx: ToolContext, args: NoArgs) -> ToolResult:
    return ToolResult(
        observation="Asked the document collector for the clinical notes.",
        facts={"documents_needed": ["clinical_notes"]},
        ends_turn="handoff",
    )


def _fax_notes(ctx: ToolContext, args: NoArgs) -> ToolResult:
    app = prior_auth(ctx.request)
    auth = _auth(ctx.facts)
    document = ctx.facts["documents"]["clinical_notes"]
    text = ctx.backends.inbox.get(ctx.task_id, document["document_id"]).text
    pages = 1 + max(1, len(text) // 2500)
    message = OutboundMessage(
        channel="fax",
        recipient="payer",
        address=app.payer_fax,
        body=f"Clinical notes for reference {auth.get('reference_number')}, CPT {app.cpt}.\n\n"
        + text,
        purpose="clinical_notes",
        pages=pages,
    )
    result = send_message(ctx, message, None, "fax_clinical_notes")
    auth.update({"notes_faxed": True, "notes_faxed_at": ctx.now().isoformat(), "status_checks": 0})
    if auth.get("status") == "pended":
        auth["status"] = "in_review"
        auth["status_at"] = ctx.now().isoformat()
    result.facts["authorization"] = auth
    return result


def _appeal(ctx: ToolContext, args: AppealArgs) -> ToolResult:
    auth = _auth(ctx.facts)
    appeal_ref = ctx.backends.payer.appeal(
        ctx.task_id, auth["reference_number"], args.kind, args.argument
    )
    auth.update(
        {
            "appeal_filed": True,
            "appeal_kind": args.kind,
            "appeal_reference": appeal_ref,
            "status_checks": 0,
            "checked_since_wait": True,
            "status": "in_review",
            "status_at": ctx.now().isoformat(),
        }
    )
    return ToolResult(
        observation=f"{args.kind} filed ({appeal_ref}); the payer will decide on its timeline.",
        facts={"authorization": auth},
    )


def _wait_for_payer(ctx: ToolContext, args: NoArgs) -> ToolResult:
    due = ctx.now() + timedelta(days=1)
    auth = {**_auth(ctx.facts), "checked_since_wait": False}
    return ToolResult(
        observation="Waiting one day before checking the status again.",
        facts={"authorization": auth},
        ends_turn="wait",
        wakeup={"events": [], "due_at": due.isoformat()},
    )


def _status(ctx: ToolContext, args: NoArgs) -> ToolResult:
    auth = _auth(ctx.facts)
    result = ctx.backends.payer.status(ctx.task_id, auth["reference_number"])
    auth["status_checks"] = auth.get("status_checks", 0) + 1
    auth["checked_since_wait"] = True
    if result.status != "in_review":
        auth.update({"status": result.status, "status_at": ctx.now().isoformat()})
        if result.denial_reason:
            auth["denial_reason"] = result.denial_reason
    reason = f" Reason: {result.denial_reason}" if result.denial_reason else ""
    return ToolResult(
        observation=f"Status of {result.reference_number}: {result.status}.{reason}",
        facts={"authorization": auth},
    )


def final_status(facts: Mapping[str, Any]) -> str | None:
    """The authorization's final status, or None while it can still change."""
    auth = facts.get("authorization", {})
    status = auth.get("status")
    if status in ("approved", "not_eligible"):
        return str(status)
    if status == "denied" and auth.get("appeal_filed"):
        return "denied"
    return None


def _notify(ctx: ToolContext, args: NotifyArgs) -> ToolResult:
    app = prior_auth(ctx.request)
    contact = app.patient_contact
    address = contact.email if args.channel == "email" else contact.phone
    message = OutboundMessage(
        channel=args.channel,
        recipient="patient",
        address=address,
        body=args.message,
        purpose=f"authorization_{final_status(ctx.facts)}",
    )
    result = send_message(ctx, message, contact, "notify_patient")
    if not result.compliance:
        result.facts["patient_notified_at"] = ctx.now().isoformat()
    return result


def _close(ctx: ToolContext, args: NoArgs) -> ToolResult:
    auth = _auth(ctx.facts)
    status = final_status(ctx.facts)
    return ToolResult(
        observation=f"Authorization closed: {status}.",
        outcome={
            "status": status,
            "reference_number": auth.get("reference_number"),
            "denial_reason": auth.get("denial_reason"),
            "appeal_filed": bool(auth.get("appeal_filed")),
            "clinical_notes_faxed": bool(auth.get("notes_faxed")),
            "at": ctx.now().isoformat(),
        },
        ends_turn="done",
    )


def caller_tools(facts: Mapping[str, Any]) -> list[Tool]:
    """The insurer caller's tools; the phone menu's options come from the live call."""
    auth = facts.get("authorization", {})
    call = facts.get("call", {})
    on_call = bool(call.get("active"))
    status = auth.get("status")
    notes_valid = facts.get("documents", {}).get("clinical_notes", {}).get("status") == "valid"
    menu = list(call.get("menu", []))
    final = final_status(facts)

    tools = [
        Tool(
            "check_eligibility",
            "Check the member's coverage and benefits for the service.",
            NoArgs,
            True,
            _check_eligibility,
            lambda f: "eligibility" not in f,
        ),
        Tool(
            "call_payer",
            "Call the payer's provider line to request the authorization.",
            NoArgs,
            False,
            _dial,
            lambda f: (
                f.get("eligibility", {}).get("active") is True
                and not on_call
                and not auth.get("reference_number")
                and status is None
            ),
        ),
        Tool(
            "give_information",
            "Answer the representative with the data element asked for.",
            GiveArgs,
            False,
            _give,
            lambda f: on_call and call.get("speaker") == "representative",
        ),
        Tool(
            "hang_up",
            "End the call.",
            NoArgs,
            False,
            _hang_up,
            lambda f: on_call and call.get("speaker") == "system",
        ),
        Tool(
            "request_clinical_notes",
            "Ask the document collector to get the clinical notes from the provider's office.",
            NoArgs,
            False,
            _ask_for_notes,
            lambda f: (
                not on_call
                and status in ("pended", "denied")
                and not notes_valid
                and not auth.get("appeal_filed")
            ),
        ),
        Tool(
            "fax_clinical_notes",
            "Fax the clinical notes to the payer with the reference.",
            NoArgs,
            False,
            _fax_notes,
            lambda f: (
                not on_call
                and notes_valid
                and not auth.get("notes_faxed")
                and status in ("pended", "denied")
                and bool(auth.get("reference_number"))
            ),
        ),
        Tool(
            "file_appeal",
            "Appeal the denial (or request a peer-to-peer review).",
            AppealArgs,
            False,
            _appeal,
            lambda f: (
                not on_call
                and status == "denied"
                and not auth.get("appeal_filed")
                and bool(auth.get("notes_faxed"))
            ),
        ),
        Tool(
            "wait_for_payer",
            "Sleep a day; the payer decides on its own timeline.",
            NoArgs,
            True,
            _wait_for_payer,
            lambda f: (
                not on_call and status == "in_review" and auth.get("checked_since_wait", True)
            ),
        ),
        Tool(
            "check_authorization_status",
            "Ask the payer where the request stands.",
            NoArgs,
            True,
            _status,
            lambda f: (
                not on_call
                and status == "in_review"
                and not auth.get("checked_since_wait", True)
                and auth.get("status_checks", 0) < MAX_STATUS_CHECKS
            ),
        ),
        Tool(
            "notify_patient",
            "Tell the patient the decision.",
            NotifyArgs,
            False,
            _notify,
            lambda f: final is not None and "patient_notified_at" not in f and not on_call,
        ),
        Tool(
            "close_authorization",
            "Record the final outcome and finish.",
            NoArgs,
            True,
            _close,
            lambda f: final is not None and "patient_notified_at" in f,
        ),
    ]
    if on_call and call.get("speaker") == "ivr" and menu:
        tools.insert(
            1,
            Tool(
                "press_key",
                "Choose the phone-menu option for prior authorization.",
                press_args(menu),
                False,
                _press,
                lambda f: True,
            ),
        )
    return tools
