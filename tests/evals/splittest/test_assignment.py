import hashlib
import json
import os
import subprocess
import sys

import pytest

from teammates.evals.splittest import assign, assignment_point


def test_assignment_point_is_first_eight_bytes_of_sha256_over_two_to_the_64() -> None:
    digest = hashlib.sha256(b"mortgage-2022:mtg-00042").digest()
    assert assignment_point("mtg-00042", "mortgage-2022") == int.from_bytes(digest[:8]) / 2**64


@pytest.mark.parametrize("share", [0.5, 0.2, 0.9])
def test_share_of_agent_tasks_is_within_one_percent_over_100000_ids(share: float) -> None:
    agents = sum(assign(f"task-{i}", "exp-1", share) == "agent" for i in range(100_000))
    assert abs(agents / 100_000 - share) < 0.01


def test_assignment_is_identical_in_a_process_with_another_hash_seed() -> None:
    ids = [f"task-{i}" for i in range(300)]
    here = [assign(task_id, "mortgage-2022", 0.3) for task_id in ids]
    script = (
        "import json, sys; from teammates.evals.splittest import assign; "
        "print(json.dumps([assign(t, 'mortgage-2022', 0.3) for t in json.load(sys.stdin)]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(ids),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert json.loads(done.stdout) == here


def test_a_new_experiment_name_reshuffles_tasks() -> None:
    ids = [f"task-{i}" for i in range(1000)]
    first = [assign(t, "exp-a") for t in ids]
    second = [assign(t, "exp-b") for t in ids]
    assert 400 < sum(a != b for a, b in zip(first, second, strict=True)) < 600


@pytest.mark.parametrize("share", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_share_outside_open_unit_interval_names_the_value_and_the_fix(share: float) -> None:
    with pytest.raises(ValueError, match=r"strictly between 0 and 1, got .*e\.g\. 0\.5"):
        assign("task-1", "exp", share)


def test_blank_task_id_is_refused() -> None:
    with pytest.raises(ValueError, match="task_id must be a non-empty string"):
        assign("  ", "exp")
