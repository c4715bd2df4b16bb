"""Build the human-control datasets for the split test from real HMDA rows and published figures.

The mortgage control takes real 2022 Texas HMDA applications (the lenders' own decisions:
originated or denied) and adds what HMDA's sample lacks: applications that were withdrawn or
closed for incompleteness, days to outcome and cost, from published industry figures. The
prior-authorization control is generated from published rates only. Every figure below is an
assumption to verify at the source named beside it; `datasets/README.md` (Human-control data) lists
them all.

Each row records its arm explicitly (`arm=human`): the control is the human team's own book of
work, not tasks routed by `assign`, so it is not re-hashed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HMDA_FILE = "hmda_tx_2022_sample.csv"
"""Real 2022 Texas HMDA rows (originated or denied) in the shared data folder."""

MORTGAGE_FILE = "human_control_mortgage.csv"
PRIOR_AUTH_FILE = "human_control_prior_auth.csv"

COLUMNS = (
    "task_id",
    "arm",
    "completed",
    "outcome",
    "days_to_outcome",
    "cost_usd",
    "pre_period_covariate",
    "hmda_line",
    "loan_amount",
    "loan_purpose",
    "provenance",
)
"""Columns of both control files; the last four are provenance, ignored by the loader."""


@dataclass(frozen=True)
class MortgageFigures:
    """Published figures the mortgage control uses; each is an assumption to verify."""

    applications: int = 2000
    """Rows in the control."""
    withdrawn_share: float = 0.11
    """Applications withdrawn by the applicant (HMDA action 4), assumed for 2022 nationwide."""
    incomplete_share: float = 0.04
    """Files closed for incompleteness (HMDA action 5), assumed for 2022 nationwide."""
    cost_per_funded_loan_usd: float = 11_600.0
    """Freddie Mac Cost to Originate Study (Jan 2024): retail average, Q3 2023."""
    mean_days_to_close: float = 48.0
    """Application to closing; ICE (Ellie Mae) Origination Insight Report, 2022, assumed."""
    mean_days_to_denial: float = 21.0
    """Application to denial notice; Regulation B requires notice within 30 days."""
    mean_days_to_fallout: float = 25.0
    """Application to withdrawal or closing for incompleteness, assumed."""
    cost_noise_sigma: float = 0.3
    """Log-normal spread of per-application cost around the allocated mean, assumed."""


@dataclass(frozen=True)
class PriorAuthFigures:
    """Published figures the prior-authorization control uses; each is an assumption to verify."""

    requests: int = 400
    """Rows in the control."""
    denial_share: float = 0.074
    """Medicare Advantage requests fully or partly denied in 2022 (KFF, 2024)."""
    cost_per_request_usd: float = 10.97
    """Provider cost of a manual prior authorization (CAQH Index 2023)."""
    mean_days_to_decision: float = 5.0
    """Request to payer decision for a standard request, assumed."""


def build_control(shared_data_dir: Path, out_dir: Path, seed: int = 2022) -> list[Path]:
    """Write the mortgage and prior-authorization human controls into `out_dir`.

    The same seed gives byte-identical files. Returns the paths written.
    """
    hmda_path = shared_data_dir / HMDA_FILE
    if not hmda_path.is_file():
        raise FileNotFoundError(
            f"{hmda_path} not found; pass the shared data folder that holds {HMDA_FILE} "
            "(e.g. /work/shared/data)."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    mortgage = mortgage_control_rows(pd.read_csv(hmda_path), MortgageFigures(), rng)
    prior_auth = prior_auth_control_rows(PriorAuthFigures(), rng)
    written = [out_dir / MORTGAGE_FILE, out_dir / PRIOR_AUTH_FILE]
    for path, rows in zip(written, (mortgage, prior_auth), strict=True):
        _write_rows(path, rows)
    return written


def mortgage_control_rows(
    hmda: pd.DataFrame, figures: MortgageFigures, rng: np.random.Generator
) -> list[dict[str, object]]:
    """Rows of the mortgage control: real HMDA decisions plus published fall-out."""
    n_withdrawn = round(figures.applications * figures.withdrawn_share)
    n_incomplete = round(figures.applications * figures.incomplete_share)
    n_hmda = figures.applications - n_withdrawn - n_incomplete
    picked = hmda.sample(n=n_hmda, random_state=rng)

    rows: list[dict[str, object]] = []
    for index, record in picked.iterrows():
        funded = int(record["approved"]) == 1
        mean = figures.mean_days_to_close if funded else figures.mean_days_to_denial
        days = _gamma_days(rng, mean)
        rows.append(
            {
                "completed": funded,
                "outcome": "funded" if funded else "denied",
                "days_to_outcome": min(days, 30.0) if not funded else days,
                "hmda_line": int(str(index)) + 2,
                "loan_amount": float(record["loan_amount"]),
                "loan_purpose": int(record["loan_purpose"]),
                "provenance": "HMDA 2022 TX row (real decision); days and cost generated",
            }
        )
    for outcome, count in (("withdrawn", n_withdrawn), ("closed_incomplete", n_incomplete)):
        rows += [
            {
                "completed": False,
                "outcome": outcome,
                "days_to_outcome": _gamma_days(rng, figures.mean_days_to_fallout),
                "provenance": "generated from published fall-out share; days and cost generated",
            }
            for _ in range(count)
        ]

    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    _allocate_cost(rows, figures.cost_per_funded_loan_usd, figures.cost_noise_sigma, rng)
    return _numbered(rows, "human-mtg")


def prior_auth_control_rows(
    figures: PriorAuthFigures, rng: np.random.Generator
) -> list[dict[str, object]]:
    """Rows of the prior-authorization control, generated from published rates."""
    denied = rng.random(figures.requests) < figures.denial_share
    rows: list[dict[str, object]] = [
        {
            "completed": not bool(is_denied),
            "outcome": "denied" if is_denied else "approved",
            "days_to_outcome": _gamma_days(rng, figures.mean_days_to_decision),
            "cost_usd": round(figures.cost_per_request_usd, 2),
            "provenance": "generated from published rates (KFF 2024, CAQH Index 2023)",
        }
        for is_denied in denied
    ]
    return _numbered(rows, "human-pa")


def _gamma_days(rng: np.random.Generator, mean: float, shape: float = 4.0) -> float:
    """Days around a published mean: gamma with the given shape (right-skewed, positive)."""
    return round(max(float(rng.gamma(shape, mean / shape)), 0.1), 1)


def _allocate_cost(
    rows: list[dict[str, object]], per_funded_usd: float, sigma: float, rng: np.random.Generator
) -> None:
    """Give every application a cost so that total cost / funded loans = `per_funded_usd`.

    The published figure is total production expense divided by loans closed, so it already
    carries the work on denied and withdrawn files; it is spread over all applications with
    log-normal noise and rescaled to hit the figure.
    """
    funded = sum(bool(row["completed"]) for row in rows)
    weights = rng.lognormal(0.0, sigma, size=len(rows))
    costs = weights / weights.sum() * per_funded_usd * funded
    for row, cost in zip(rows, costs, strict=True):
        row["cost_usd"] = round(float(cost), 2)


def _numbered(rows: list[dict[str, object]], prefix: str) -> list[dict[str, object]]:
    return [
        {"task_id": f"{prefix}-{number:05d}", "arm": "human", **row}
        for number, row in enumerate(rows, start=1)
    ]


def _write_rows(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({column: _cell(row.get(column)) for column in COLUMNS})


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


if __name__ == "__main__":
    import sys

    for written_path in build_control(Path(sys.argv[1]), Path(sys.argv[2])):
        print(written_path)
