"""The A/B split test of agents against a human control.

Assign tasks with `assign`, collect each arm's `ArmOutcome`s (from the eval runner with
`outcomes_from_trials`, from a CSV with `load_outcomes_csv`), then `write_split_test_report`.
"""

from teammates.evals.splittest.assignment import Arm, assign, assignment_point
from teammates.evals.splittest.chance_to_win import (
    ChanceToWin,
    chance_to_win,
    probability_agent_better,
)
from teammates.evals.splittest.control import build_control
from teammates.evals.splittest.cost_per_completed import (
    CostComparison,
    RatioEstimate,
    cost_comparison,
    ratio_delta_method,
)
from teammates.evals.splittest.outcomes import (
    ArmOutcome,
    OutcomeFileError,
    load_outcomes_csv,
    outcomes_from_records,
    outcomes_from_trials,
)
from teammates.evals.splittest.report import (
    SECTION_TITLES,
    SplitTestResult,
    split_test,
    write_split_test_report,
)
from teammates.evals.splittest.stats import (
    CompletionComparison,
    CupedAdjustment,
    MinimumDetectableEffect,
    SampleRatioCheck,
    TimeToOutcome,
    completion_comparison,
    cuped_completion,
    minimum_detectable_effect,
    sample_ratio_check,
    time_to_outcome,
)

__all__ = [
    "SECTION_TITLES",
    "Arm",
    "ArmOutcome",
    "ChanceToWin",
    "CompletionComparison",
    "CostComparison",
    "CupedAdjustment",
    "MinimumDetectableEffect",
    "OutcomeFileError",
    "RatioEstimate",
    "SampleRatioCheck",
    "SplitTestResult",
    "TimeToOutcome",
    "assign",
    "assignment_point",
    "build_control",
    "chance_to_win",
    "completion_comparison",
    "cost_comparison",
    "cuped_completion",
    "load_outcomes_csv",
    "minimum_detectable_effect",
    "outcomes_from_records",
    "outcomes_from_trials",
    "probability_agent_better",
    "ratio_delta_method",
    "sample_ratio_check",
    "split_test",
    "time_to_outcome",
    "write_split_test_report",
]
