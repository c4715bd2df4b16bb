"""Builds the recorded-case datasets from the public reference data.

`build_datasets` reads the shared public files (HMDA 2022 Texas sample, FHFA 2022 county loan
limits, NPPES practitioners, NUCC taxonomy, sample payer networks), takes the real figures from
them and generates, with one seed, only what the public data lacks (identities, credit, debts,
documents, counterparties' timing). The same seed always writes the same bytes.

`datasets/README.md` says where every field comes from.
"""

from __future__ import annotations

import json
from pathlib import Path

from teammates.evals.casebook.mortgage import build_mortgage_cases
from teammates.evals.casebook.prior_auth import build_prior_auth_cases
from teammates.evals.casebook.sources import (
    DATA_ENV,
    SOURCE_FILES,
    SourceFileError,
    shared_data_dir,
)
from teammates.evals.cases import MortgageCase, PriorAuthCase

__all__ = ["build_datasets", "build_suites", "shared_data_dir"]


def build_suites(
    mortgages: list[MortgageCase], prior_auths: list[PriorAuthCase]
) -> dict[str, list[str]]:
    """`smoke` (3 simple cases), `default` (6 simple cases) and `full` (every case)."""

    def simple(cases: list[MortgageCase], decision: str) -> list[str]:
        return [c.case_id for c in cases if "simple" in c.tags and c.lender_decision == decision]

    approved, denied = simple(mortgages, "approved"), simple(mortgages, "denied")
    on_call = [c.case_id for c in prior_auths if {"simple", "approved_on_call"} <= set(c.tags)]
    pended = [
        c.case_id for c in prior_auths if {"simple", "pended_for_clinical_notes"} <= set(c.tags)
    ]
    if len(approved) < 2 or len(denied) < 2 or not on_call or not pended:
        raise ValueError(
            "too few simple cases for the smoke and default suites; "
            "add simple quotas or change the seed"
        )
    return {
        "smoke": [approved[0], denied[0], on_call[0]],
        "default": [*approved[:2], *denied[:2], on_call[0], pended[0]],
        "full": [c.case_id for c in mortgages] + [c.case_id for c in prior_auths],
    }


def build_datasets(shared_data_dir: Path, out_dir: Path, seed: int = 2022) -> dict[str, int]:
    """Write `mortgage.jsonl`, `prior_auth.jsonl` and `suites.json` into `out_dir`.

    The same data and seed always give the same bytes. Returns the number of cases per file
    and of suites.
    """
    missing = [name for name in SOURCE_FILES if not (shared_data_dir / name).is_file()]
    if missing:
        raise SourceFileError(
            f"{', '.join(missing)} not found in {str(shared_data_dir)!r}; point {DATA_ENV} "
            "(or --shared) at the shared data folder that holds them"
        )
    mortgages = build_mortgage_cases(shared_data_dir, seed)
    prior_auths = build_prior_auth_cases(shared_data_dir, seed)
    suites = build_suites(mortgages, prior_auths)

    out_dir.mkdir(parents=True, exist_ok=True)
    _write_jsonl(out_dir / "mortgage.jsonl", mortgages)
    _write_jsonl(out_dir / "prior_auth.jsonl", prior_auths)
    (out_dir / "suites.json").write_text(json.dumps(suites, indent=2) + "\n", encoding="utf-8")
    return {"mortgage": len(mortgages), "prior_auth": len(prior_auths), "suites": len(suites)}


def _write_jsonl(path: Path, cases: list[MortgageCase] | list[PriorAuthCase]) -> None:
    lines = [case.model_dump_json() + "\n" for case in cases]
    path.write_text("".join(lines), encoding="utf-8")
