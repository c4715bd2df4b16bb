import json
from pathlib import Path

import pytest

from teammates.evals.splittest import SECTION_TITLES, Arm, ArmOutcome, write_split_test_report


def _arm(arm: Arm, tasks: int, completed: int, cost: float, days: float) -> list[ArmOutcome]:
    return [
        ArmOutcome(
            task_id=f"{arm}-{i}",
            arm=arm,
            completed=i < completed,
            outcome="funded" if i < completed else "denied",
            days_to_outcome=days + i % 3,
            cost_usd=cost,
        )
        for i in range(tasks)
    ]


def test_report_has_sections_in_order_and_the_known_figures(tmp_path: Path) -> None:
    agent, human = _arm("agent", 100, 60, 10.0, 2.0), _arm("human", 100, 50, 20.0, 40.0)
    result = write_split_test_report(agent, human, "mortgage-2022", 0.5, tmp_path)

    text = (tmp_path / "report.md").read_text()
    positions = [text.index(f"## {title}") for title in SECTION_TITLES]
    assert positions == sorted(positions)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["cost"]["agent"]["value_usd"] == pytest.approx(1000 / 60)
    assert summary["cost"]["human"]["value_usd"] == pytest.approx(40.0)
    assert summary["cost"]["relative_difference"] == pytest.approx((1000 / 60) / 40 - 1)
    assert summary["completion"]["difference"] == pytest.approx(0.1)
    assert summary["time"]["agent_median_days"] == 3.0
    assert summary["time"]["human_median_days"] == 41.0
    assert not summary["sample_ratio"]["mismatch"]
    assert "$16.67" in text and "$40.00" in text and "+10.00 pp" in text
    assert result.underpowered and "**Underpowered:**" in text
    assert (tmp_path / "split_test.png").read_bytes()[:4] == b"\x89PNG"


def test_sample_ratio_mismatch_says_the_rest_is_not_to_be_trusted(tmp_path: Path) -> None:
    agent, human = _arm("agent", 300, 150, 1.0, 2.0), _arm("human", 500, 250, 1.0, 2.0)
    result = write_split_test_report(agent, human, "exp", 0.5, tmp_path)
    assert result.sample_ratio.mismatch
    assert "Nothing below is to be trusted" in (tmp_path / "report.md").read_text()


def test_tiny_arms_still_render_and_say_underpowered(tmp_path: Path) -> None:
    agent, human = _arm("agent", 1, 1, 1.0, 2.0), _arm("human", 2, 0, 5.0, 3.0)
    result = write_split_test_report(agent, human, "exp", 0.5, tmp_path)
    text = (tmp_path / "report.md").read_text()
    assert result.underpowered and "Underpowered" in text and "n/a" in text
    assert result.cost.human.value_usd is None and "unknown" in text


def test_large_arms_are_not_underpowered(tmp_path: Path) -> None:
    agent, human = _arm("agent", 3000, 1900, 1.0, 2.0), _arm("human", 3000, 1800, 9.0, 3.0)
    result = write_split_test_report(agent, human, "exp", 0.5, tmp_path, bootstrap_draws=200)
    assert not result.underpowered
    assert "a non-significant result is informative" in (tmp_path / "report.md").read_text()


def test_outcome_in_the_wrong_arm_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="has arm 'human' but was passed as the agent arm"):
        write_split_test_report(_arm("human", 2, 1, 1.0, 1.0), [], "exp", 0.5, tmp_path)
