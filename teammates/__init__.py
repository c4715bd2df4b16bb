"""teammates: programmable teammates for regulated operations work.

The names most users need are re-exported here; everything else lives in `graphs`, `agents`,
`tools`, `models` and `evals`.
"""

from teammates.evals.cases import MortgageCase, PriorAuthCase, load_cases
from teammates.evals.costing import channel_prices, cost_breakdown, role_usage
from teammates.evals.episode import Episode, request_for, run_case
from teammates.evals.scoring import score
from teammates.graphs.builder import build_teammate
from teammates.graphs.persistence import open_checkpointer
from teammates.graphs.runtime import Runtime, TaskStatus
from teammates.graphs.wakeups import WakeupStore
from teammates.graphs.webhook import WebhookSender
from teammates.models.factory import chat_model
from teammates.models.registry import resolve_model
from teammates.tools.application import TaskRequest
from teammates.tools.clock import VirtualClock, WallClock
from teammates.tools.events import InboundEvent

__all__ = [
    "Episode",
    "InboundEvent",
    "MortgageCase",
    "PriorAuthCase",
    "Runtime",
    "TaskRequest",
    "TaskStatus",
    "VirtualClock",
    "WakeupStore",
    "WallClock",
    "WebhookSender",
    "build_teammate",
    "channel_prices",
    "chat_model",
    "cost_breakdown",
    "load_cases",
    "open_checkpointer",
    "request_for",
    "resolve_model",
    "role_usage",
    "run_case",
    "score",
]
