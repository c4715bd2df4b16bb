"""The `teammates` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from teammates.evals.cases import MortgageCase, PriorAuthCase
from teammates.evals.splittest import command as split_test
from teammates.models.client import ModelCallError
from teammates.models.install import LocalModelError

console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 120)

DATASETS = Path(__file__).resolve().parent.parent / "datasets"
"""The shipped recorded cases."""


def _find_case(case_id: str, cases_path: Path) -> MortgageCase | PriorAuthCase:
    from teammates.evals.cases import load_cases

    cases = {c.case_id: c for c in load_cases(cases_path)}
    if case_id not in cases:
        close = [c for c in cases if c.startswith(case_id[:3])][:8] or sorted(cases)[:8]
        raise ValueError(f"no case {case_id!r} in {cases_path}; some ids: {', '.join(close)}")
    return cases[case_id]


def cmd_run(args: argparse.Namespace) -> int:
    """Replay one recorded case in the sandbox and print its timeline in virtual time."""
    from teammates.evals.costing import channel_prices, cost_breakdown, role_usage
    from teammates.evals.episode import run_case
    from teammates.evals.scoring import score
    from teammates.graphs.persistence import open_checkpointer
    from teammates.models.factory import models_for, parse_roles

    case = _find_case(args.case, Path(args.cases))
    specs = parse_roles(args.model, args.roles)
    models = models_for(specs)
    console.print(f"[bold]{args.case}[/] on {', '.join(f'{r}={s.name}' for r, s in specs.items())}")
    with open_checkpointer(args.checkpoints) as saver:
        episode = run_case(
            case,
            models,
            checkpointer=saver,
            seed=args.seed,
            task_id=f"{args.case}-run-{args.seed}-{_stamp()}",
            durability="sync",
        )
    start = episode.started_at
    for line in episode.state.get("timeline", []):
        from datetime import datetime

        day = (datetime.fromisoformat(line["at"]) - start).total_seconds() / 86400
        console.print(
            f"day {day:6.2f}  {line['actor']:<20} {line['action']:<28} {line['summary'][:90]}",
            highlight=False,
            markup=False,
        )
    outcome = episode.state.get("outcome") or {}
    result = score(episode)
    usage = role_usage(episode.state, {s.name: s for s in specs.values()})
    cost = cost_breakdown(usage, episode.state.get("fees", {}), channel_prices())
    sent = [m for m in episode.state.get("messages", []) if m["direction"] == "out"]
    console.print(
        f"\noutcome: [bold]{outcome.get('status', 'none')}[/]  "
        f"completed: {'yes' if result.completed else 'no'}"
        + (f" ({result.failure}: {result.detail})" if result.failure else "")
    )
    console.print(
        f"messages sent: {len(sent)} ("
        + ", ".join(
            f"{c}={sum(1 for m in sent if m['channel'] == c)}"
            for c in ("sms", "email", "voice", "fax")
        )
        + ")"
    )
    total = "unknown" if cost.total_usd is None else f"${cost.total_usd:.4f}"
    calls = sum(u.model_calls for u in usage)
    console.print(
        f"model calls: {calls}, tokens in/out: {sum(u.input_tokens for u in usage)}/"
        f"{sum(u.output_tokens for u in usage)}; cost: {total}; "
        f"wall: {episode.wall_seconds:.1f}s"
    )
    return 0 if result.completed else 1


def _stamp() -> str:
    import time

    return str(int(time.time()))


def cmd_datasets_build(args: argparse.Namespace) -> int:
    """Regenerate the recorded cases and control data from the shared public files."""
    from teammates.evals.casebook import build_datasets, shared_data_dir
    from teammates.evals.splittest.control import build_control

    source = Path(args.shared) if args.shared else shared_data_dir()
    if not source.is_dir():
        raise SystemExit(
            f"error: shared data folder {str(source)!r} not found; pass --shared PATH or set "
            "TEAMMATES_SHARED_DATA"
        )
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise SystemExit(f"error: --out {args.out!r} is a file; pass a folder to write into")
    counts = build_datasets(source, Path(args.out), seed=args.seed)
    control = build_control(source, Path(args.out), seed=args.seed)
    console.print(f"wrote {counts} and {len(control)} control file(s) to {args.out}")
    return 0


def cmd_models_install(args: argparse.Namespace) -> int:
    """Install the embedded local models and their server."""
    from teammates.models.install import install_models

    results = install_models(args.names or None, Path(args.cache) if args.cache else None)
    for result in results:
        console.print(f"{result.name}: {result.status} ({result.path})")
    return 0


def cmd_models_list(args: argparse.Namespace) -> int:
    """List the registry's models and prices."""
    from teammates.models.registry import load_registry

    for name, spec in load_registry().items():
        price = spec.price
        if price.compute_usd_per_hour is not None:
            text = f"${price.compute_usd_per_hour}/hour of compute"
        elif price.input_usd_per_million_tokens is not None:
            text = (
                f"${price.input_usd_per_million_tokens}/M in, "
                f"${price.output_usd_per_million_tokens}/M out"
            )
        else:
            text = "price unknown"
        console.print(f"{name:<24} {spec.provider:<18} {text}")
    return 0


EVAL_MODELS = ("qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b")
"""Assignments `teammates eval` compares when no --model is given: both embedded local models."""

EVAL_JUDGE = "qwen2.5-coder-1.5b"
"""Default GEval judge: the larger embedded local model."""

EVAL_OUT = Path("runs") / "eval-latest"
"""Default output folder of `teammates eval`."""


def cmd_eval_run(args: argparse.Namespace) -> int:
    """Replay recorded cases under each model assignment and report cost per completed task."""
    from teammates.evals.runner import Assignment, EvalConfig, run_eval, select_cases
    from teammates.models.factory import parse_roles
    from teammates.models.registry import resolve_model

    assignments = [Assignment.of(parse_roles(m, args.roles)) for m in args.model or EVAL_MODELS]
    suite = args.suite or (None if args.cases or args.vertical or args.tag else "default")
    cases = select_cases(
        cases_path=Path(args.cases) if args.cases else None,
        suite=suite,
        vertical=args.vertical,
        tag=args.tag,
    )
    judge = None
    if not args.no_judge:
        same = [s for a in assignments for s in a.specs.values() if s.name == args.judge]
        judge = same[0] if same else resolve_model(args.judge)
    temperature = args.temperature
    if temperature is None:
        temperature = 0.0 if args.trials == 1 else 0.7
    config = EvalConfig(
        assignments=assignments,
        cases=cases,
        out_dir=Path(args.out),
        trials=args.trials,
        concurrency=args.concurrency,
        seed=args.seed,
        temperature=temperature,
        record=not args.no_record and not args.replay,
        replay_from=Path(args.replay) if args.replay else None,
        judge=judge,
    )
    console.print(
        f"eval: {len(cases)} case(s) x {len(assignments)} assignment(s) x {args.trials} "
        f"trial(s) into {args.out}" + (f"; judge {judge.name}" if judge else "; no judge")
    )
    try:
        results = run_eval(config, console)
    except KeyboardInterrupt:
        console.print("interrupted: run the same command again to finish the missing trials")
        return 130
    if args.replay and any(r.failure == "error" for r in results):
        console.print(
            "[red]replay incomplete:[/] some trials asked for answers the recording does not "
            "hold (their rows say why); the figures above are not a faithful re-score"
        )
        return 1
    return 0


def cmd_eval_recommend(args: argparse.Namespace) -> int:
    """Print the cheapest assignment whose completion meets the target, with its intervals."""
    from teammates.evals.recommend import NoRecommendationError, recommend

    try:
        choice = recommend([Path(d) for d in args.dirs], args.target)
    except NoRecommendationError as exc:
        console.print(f"no recommendation: {exc}", highlight=False)
        return 1
    console.print(choice.describe(), highlight=False)
    low, high = choice.cost_per_completed_low, choice.cost_per_completed_high
    if low is not None and high is not None:
        console.print(f"cost per completed task, 95% interval: ${low:,.4f} to ${high:,.4f}")
    console.print("roles: " + ", ".join(f"{r}={m}" for r, m in sorted(choice.roles.items())))
    return 0


def _eval_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    evals = sub.add_parser(
        "eval",
        help="compare models on recorded cases (`eval` alone means `eval run`)",
        description="`teammates eval` alone, or followed by options of `eval run` (such as "
        "`--replay DIR --out DIR`), means `teammates eval run`; see `teammates eval run --help`.",
    ).add_subparsers(dest="action", required=True)
    run = evals.add_parser("run", help="replay cases per model assignment and report costs")
    run.add_argument("--model", action="append",
                     help="registry name or inline spec; repeat to compare (default: both "
                     f"local models, {', '.join(EVAL_MODELS)})")  # fmt: skip
    run.add_argument("--roles", help="per-role overrides for every --model: 'role=SPEC;role=SPEC'")
    run.add_argument("--cases", help="case file or folder (default: the shipped datasets)")
    run.add_argument(
        "--suite",
        help="named suite (default: `default`; every case when --vertical or --tag filters)",
    )
    run.add_argument("--vertical", choices=("mortgage", "prior_auth"))
    run.add_argument("--tag", help="only cases with this tag")
    run.add_argument("--trials", type=int, default=1, help="trials per case and assignment")
    run.add_argument("--concurrency", type=int, default=1, help="trials run at once")
    run.add_argument("--out", default=str(EVAL_OUT), help="output folder (re-run to resume)")
    run.add_argument(
        "--no-record", action="store_true", help="skip recording model answers (kept for --replay)"
    )
    run.add_argument("--replay", metavar="DIR", help="answer from the recordings in DIR")
    run.add_argument("--no-judge", action="store_true", help="skip the GEval message judge")
    run.add_argument("--judge", default=EVAL_JUDGE, help="model that judges consumer messages")
    run.add_argument("--seed", type=int, default=0, help="seed of trial 0 (trial t: seed + t)")
    run.add_argument("--temperature", type=float,
                     help="sampling temperature (default 0, or 0.7 when --trials > 1)")  # fmt: skip
    run.set_defaults(func=cmd_eval_run)
    rec = evals.add_parser("recommend", help="cheapest assignment meeting a completion target")
    rec.add_argument("--target", type=float, required=True, help="completion rate, e.g. 0.9")
    rec.add_argument("dirs", nargs="+", help="output folders of eval runs")
    rec.set_defaults(func=cmd_eval_recommend)


def _eval_defaults_to_run(argv: Sequence[str]) -> list[str]:
    """`teammates eval [options]` means `teammates eval run [options]`."""
    args = list(argv)
    command = next((i for i, a in enumerate(args) if not a.startswith("-")), None)
    if command is not None and args[command] == "eval":
        following = args[command + 1 : command + 2]
        if following not in (["run"], ["recommend"], ["-h"], ["--help"]):
            args.insert(command + 1, "run")
    return args


def parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    root = argparse.ArgumentParser(prog="teammates", description=__doc__)
    root.add_argument("-v", "--verbose", action="store_true", help="log each step")
    sub = root.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="replay one recorded case in the sandbox")
    run.add_argument("--case", required=True, help="case id, e.g. mtg-0011")
    run.add_argument(
        "--model",
        default="qwen2.5-coder-1.5b",
        help="registry name or inline spec (openai_compatible:model=...,base_url=...)",
    )
    run.add_argument("--roles", help="per-role models: 'insurer_caller=SPEC;supervisor=SPEC'")
    run.add_argument("--cases", default=str(DATASETS), help="case file or folder")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument(
        "--checkpoints",
        default=str(Path.home() / ".cache/teammates/runs.sqlite"),
        help="SQLite file or postgresql:// URL for checkpoints",
    )
    run.set_defaults(func=cmd_run)

    datasets = sub.add_parser("datasets", help="recorded cases").add_subparsers(
        dest="action", required=True
    )
    build = datasets.add_parser("build", help="regenerate datasets/ from ../shared/data")
    build.add_argument(
        "--shared", help="folder of the shared public data (default: $TEAMMATES_SHARED_DATA, "
        "else ../shared/data beside the repository)"
    )  # fmt: skip
    build.add_argument(
        "--out", default=str(DATASETS), help="folder for the case files and the human-control "
        "CSVs (default: the shipped datasets/; its README.md is written by hand, not rebuilt)"
    )  # fmt: skip
    build.add_argument(
        "--seed", type=int, default=2022,
        help="seed of everything generated; 2022 gives the shipped files byte for byte",
    )  # fmt: skip
    build.set_defaults(func=cmd_datasets_build)

    split_test.add_parser(sub)

    models = sub.add_parser("models", help="the model registry and local models").add_subparsers(
        dest="action", required=True
    )
    install = models.add_parser("install", help="install the local models and server")
    install.add_argument("names", nargs="*", help="models to install (default: all local)")
    install.add_argument("--cache", help="cache folder (default $TEAMMATES_MODEL_CACHE)")
    install.set_defaults(func=cmd_models_install)
    listing = models.add_parser("list", help="list registered models and prices")
    listing.set_defaults(func=cmd_models_list)
    _eval_parsers(sub)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `teammates` script."""
    args = parser().parse_args(_eval_defaults_to_run(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
    )
    try:
        return int(args.func(args))
    except (ValueError, FileNotFoundError, FileExistsError, NotADirectoryError) as exc:
        console.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        return 2
    except (ModelCallError, LocalModelError) as exc:
        console.print(f"[red]the run failed:[/] {exc}", markup=True, highlight=False)
        return 3


if __name__ == "__main__":
    sys.exit(main())
