"""One trial's result: the row the eval suite writes to `results.jsonl`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

FailureKind = Literal[
    "wrong_decision",
    "document_missing",
    "deadline_missed",
    "compliance_event",
    "budget_exhausted",
    "error",
]
"""Why a trial did not complete, in the order scoring checks them."""


class CostBreakdown(BaseModel):
    """Dollars per source; a `None` anywhere makes `total_usd` None."""

    model_config = ConfigDict(frozen=True)

    model_usd: float | None
    """Model tokens or compute, all roles."""
    voice_usd: float
    """Voice minutes."""
    sms_usd: float
    """SMS segments."""
    email_usd: float
    """Emails."""
    fax_usd: float
    """Fax pages."""
    total_usd: float | None
    """Sum of the above, or None when a model price is unknown."""


class RoleUsage(BaseModel):
    """Usage of one model in one role during a trial."""

    model_config = ConfigDict(frozen=True)

    role: str
    """supervisor, borrower_qualifier, document_collector, insurer_caller or judge."""
    model: str
    """Registry name of the model."""
    input_tokens: int
    """Prompt tokens."""
    output_tokens: int
    """Completion tokens."""
    model_calls: int
    """Requests made."""
    compute_seconds: float
    """Seconds the server spent answering."""
    cost_usd: float | None
    """Dollars, None when the price is unknown or a per-token price met uncounted calls."""
    uncounted_calls: int = 0
    """Calls whose reply carried no usable token counts."""


class TrialResult(BaseModel):
    """One case x model assignment x trial. Holds no personal data."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    """Recorded case id."""
    vertical: Literal["mortgage", "prior_auth"]
    """Which kind of job."""
    tags: list[str]
    """The case's tags."""
    assignment: str
    """Name of the model assignment, e.g. `qwen2.5-coder-1.5b` or `sup=a,insurer_caller=b`."""
    roles: dict[str, str]
    """Model registry name per role."""
    trial: int
    """Trial index, from 0."""
    completed: bool
    """Whether the final state matched the expected outcome with no compliance event."""
    failure: FailureKind | None
    """First expectation that failed."""
    failure_detail: str | None
    """A sentence on what was expected and what happened."""
    outcome: str | None
    """Outcome status the run ended with."""
    cost: CostBreakdown
    """Cost of the trial."""
    usage: list[RoleUsage]
    """Model usage by role and model."""
    input_tokens: int
    """All prompt tokens."""
    output_tokens: int
    """All completion tokens."""
    model_calls: int
    """All model requests."""
    agent_steps: int
    """Agent and supervisor steps taken."""
    wall_seconds: float
    """Real seconds the trial took."""
    virtual_days: float | None
    """Days of case time from application to outcome; None when no outcome."""
    compliance_events: int
    """Blocked sends and other rule events."""
    tools_called: list[str]
    """Distinct tools called, in first-call order."""
    voice_minutes: float
    """Minutes on the phone."""
    sms_segments: int
    """SMS segments sent."""
    emails: int
    """Emails sent."""
    fax_pages: int
    """Fax pages sent."""
    judge_score: float | None = None
    """GEval score of the messages sent, None when judging was skipped."""
    tool_correctness: float | None = None
    """DeepEval ToolCorrectnessMetric score."""
