"""The `teammates` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from teammates.evals.cases import MortgageCase, PriorAuthCase

console = Console(soft_wrap=True)

DATASETS = Path(__file__).resolve().parent.parent / "datasets"
"""The shipped recorded cases."""


def _find_case(case_id: str, cases_path: Path) -> MortgageCase | PriorAuthCase:
    from teammates.evals.cases import load_cases

    cases = {c.case_id: c for c in load_cases(cases_path)}
    if case_id not in cases:
        close = [c for c in cases if c.startswith(case_id[:3])][:8]
        raise SystemExit(
            f"error: no case {case_id!r} in {cases_path}; some ids: {', '.join(close)}"
        )
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
    build.add_argument("--shared", help="folder of the shared public data")
    build.add_argument("--out", default=str(DATASETS))
    build.add_argument("--seed", type=int, default=2022)
    build.set_defaults(func=cmd_datasets_build)

    models = sub.add_parser("models", help="the model registry and local models").add_subparsers(
        dest="action", required=True
    )
    install = models.add_parser("install", help="install the local models and server")
    install.add_argument("names", nargs="*", help="models to install (default: all local)")
    install.add_argument("--cache", help="cache folder (default $TEAMMATES_MODEL_CACHE)")
    install.set_defaults(func=cmd_models_install)
    listing = models.add_parser("list", help="list registered models and prices")
    listing.set_defaults(func=cmd_models_list)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `teammates` script."""
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
    )
    try:
        return int(args.func(args))
    except (ValueError, FileNotFoundError) as exc:
        console.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        return 2


if __name__ == "__main__":
    sys.exit(main())
