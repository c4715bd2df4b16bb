from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from teammates.evals.splittest import assign, build_control, load_outcomes_csv
from teammates.evals.splittest.control import MortgageFigures, mortgage_control_rows

SHARED = Path("/work/shared/data")


def _hmda(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"approved": [1, 0] * (rows // 2), "loan_amount": 200000.0, "loan_purpose": 1}
    )


def test_cost_per_funded_loan_matches_the_published_figure() -> None:
    figures = MortgageFigures(applications=400)
    rows = mortgage_control_rows(_hmda(1000), figures, np.random.default_rng(0))
    funded = sum(bool(row["completed"]) for row in rows)
    total = sum(float(str(row["cost_usd"])) for row in rows)
    assert total / funded == pytest.approx(11_600.0, abs=0.01)


def test_fall_out_share_and_arm_are_as_documented() -> None:
    rows = mortgage_control_rows(_hmda(4000), MortgageFigures(), np.random.default_rng(0))
    outcomes = [row["outcome"] for row in rows]
    assert outcomes.count("withdrawn") == 220 and outcomes.count("closed_incomplete") == 80
    assert {row["arm"] for row in rows} == {"human"}
    assert rows[0]["task_id"] == "human-mtg-00001"
    assert all(row["completed"] == (row["outcome"] == "funded") for row in rows)


@pytest.mark.usefixtures("shared_data")
def test_build_is_reproducible_and_loads_as_human_outcomes(tmp_path: Path) -> None:
    first = build_control(SHARED, tmp_path / "a")
    second = build_control(SHARED, tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    mortgage = load_outcomes_csv(first[0])
    assert len(mortgage) == 2000 and {o.arm for o in mortgage} == {"human"}
    assert len(load_outcomes_csv(first[1])) == 400


@pytest.mark.usefixtures("shared_data")
def test_checked_in_control_files_match_the_builder(tmp_path: Path) -> None:
    datasets = Path(__file__).parents[3] / "datasets"
    for built in build_control(SHARED, tmp_path):
        assert built.read_bytes() == (datasets / built.name).read_bytes()


def test_human_ids_are_not_hash_routed() -> None:
    # Control rows record arm=human explicitly; the hash would send some to the agent arm.
    arms = {assign(f"human-mtg-{i:05d}", "mortgage-2022") for i in range(1, 200)}
    assert arms == {"agent", "human"}
