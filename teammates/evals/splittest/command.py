"""`teammates split-test`: agents against the human control, one command."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

DATASETS = Path(__file__).resolve().parents[3] / "datasets"
"""The shipped datasets folder."""

CONTROLS = {
    "mortgage": DATASETS / "human_control_mortgage.csv",
    "prior_auth": DATASETS / "human_control_prior_auth.csv",
}
"""Default human control per vertical."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `split-test` on the root command's subparsers."""
    split = sub.add_parser(
        "split-test", help="A/B split test of the agents against the human control"
    )
    split.add_argument("--experiment", default="mortgage-2022", help="experiment name (hash salt)")
    split.add_argument("--vertical", choices=sorted(CONTROLS), default="mortgage")
    split.add_argument("--model", default="qwen2.5-coder-1.5b", help="agent arm's model spec")
    split.add_argument("--roles", help="per-role overrides: 'role=SPEC;role=SPEC'")
    split.add_argument("--cases", help="case file or folder (default: the shipped datasets)")
    split.add_argument("--suite", help="named suite (default: every case of the vertical)")
    split.add_argument("--control", help="human-arm outcome CSV (default: the shipped control)")
    split.add_argument("--agent-share", type=float, default=0.1,
                       help="planned share of tasks in the agent arm (default 0.1)")  # fmt: skip
    split.add_argument("--agent-results", metavar="DIR",
                       help="reuse the trials of an earlier `teammates eval` folder")  # fmt: skip
    split.add_argument("--concurrency", type=int, default=1)
    split.add_argument("--out", default=str(Path("runs") / "split-test"))
    split.set_defaults(func=cmd_split_test)


def cmd_split_test(args: argparse.Namespace) -> int:
    """Run the agent arm (or reuse it), draw the human arm, and write the report."""
    from teammates.evals.runner import select_cases
    from teammates.evals.splittest.experiment import run_split_test
    from teammates.models.factory import parse_roles

    console = Console(soft_wrap=True)
    cases = select_cases(
        cases_path=Path(args.cases) if args.cases else None,
        suite=args.suite,
        vertical=args.vertical,
    )
    control = Path(args.control) if args.control else CONTROLS[args.vertical]
    console.print(
        f"split test {args.experiment!r}: {len(cases)} agent task(s) on {args.model}, "
        f"control {control.name}, agent share {args.agent_share}"
    )
    result = run_split_test(
        experiment=args.experiment,
        cases=cases,
        specs=parse_roles(args.model, args.roles),
        control_csv=control,
        agent_share=args.agent_share,
        out_dir=Path(args.out),
        agent_results=Path(args.agent_results) if args.agent_results else None,
        concurrency=args.concurrency,
    )
    completion = result.completion
    if completion.agent.total < len(cases):
        console.print(
            f"[yellow]note:[/] only {completion.agent.total} of {len(cases)} cases have a "
            "finished agent trial; the report covers those only"
        )
    console.print(
        f"agent {completion.agent.completed}/{completion.agent.total} vs human "
        f"{completion.human.completed}/{completion.human.total}; "
        f"sample ratio {'MISMATCH' if result.sample_ratio.mismatch else 'ok'}; "
        f"report: {Path(args.out) / 'report.md'}",
        highlight=False,
    )
    return 0
