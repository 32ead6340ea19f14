"""Options shared by the commands that run replications (run, compare, sweep), and running them."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence

from tabletop.cli.arguments import fraction, output_file, output_folder, positive_float, positive_int, seed
from tabletop.cli.progress import ProgressBar
from tabletop.errors import InputError
from tabletop.sim.compare import run_to_precision
from tabletop.sim.executors import DaskExecutor, Executor
from tabletop.sim.experiment import RunOutcome, executor_for, run_experiment
from tabletop.sim.spec import RunSpec


def add_run_options(parser: argparse.ArgumentParser, *, out_help: str) -> None:
    """The scenario argument and the options of every command that runs replications."""
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario file or library name")
    parser.add_argument("--days", type=positive_float, metavar="D", help="days per replication (default: the horizon)")
    parser.add_argument(
        "--replications",
        "-r",
        type=positive_int,
        default=30,
        metavar="R",
        help="replications (default 30; with --precision, the first round)",
    )
    parser.add_argument(
        "--seed", type=seed, default=1, metavar="S", help="root random seed, a whole number ≥ 0 (default 1)"
    )
    parser.add_argument(
        "--precision",
        type=fraction,
        metavar="P",
        help="add replications until every attainment interval is at most ±P (e.g. 0.02 for ±2 points)",
    )
    parser.add_argument(
        "--max-replications",
        type=positive_int,
        default=1000,
        metavar="N",
        help="the most replications --precision may use (default 1000)",
    )
    parser.add_argument("--workers", "-w", type=positive_int, default=1, metavar="W", help="processes (default 1)")
    parser.add_argument(
        "--executor",
        choices=("process", "dask"),
        default="process",
        help="where replications run: a local process pool (default) or a Dask cluster",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address (e.g. tcp://10.0.0.5:8786); without it --executor dask starts a local cluster",
    )
    parser.add_argument("--json", type=output_file, metavar="FILE", help="write the results document to FILE")
    parser.add_argument("--out", type=output_folder, metavar="DIR", help=out_help)
    parser.add_argument(
        "--goal",
        type=fraction,
        default=0.95,
        metavar="G",
        help="attainment below this share is shown as a breach (default 0.95)",
    )


def executor_from(args: argparse.Namespace) -> Executor:
    """The executor the options ask for."""
    if args.scheduler is not None and args.executor != "dask":
        raise InputError("--scheduler goes with --executor dask")
    if args.executor == "dask":
        return DaskExecutor(args.workers, args.scheduler)
    return executor_for(args.workers)


def check_replications(args: argparse.Namespace) -> None:
    """Refuse a --precision run whose first round is already beyond its limit."""
    if args.precision is not None and args.max_replications < args.replications:
        raise InputError(
            f"--max-replications {args.max_replications} is below --replications {args.replications}, "
            "the first round of --precision; raise --max-replications or lower --replications"
        )


def run_specs(specs: Sequence[RunSpec], args: argparse.Namespace, label: str) -> list[RunOutcome]:
    """Run the replications the options ask for, with a progress bar, and say how many it took."""
    check_replications(args)
    executor = executor_from(args)
    with ProgressBar(label) as bar:
        if args.precision is None:
            return run_experiment(specs, args.replications, executor=executor, workers=args.workers, progress=bar)
        outcomes, reached = run_to_precision(
            specs,
            args.precision,
            start=args.replications,
            limit=args.max_replications,
            executor=executor,
            workers=args.workers,
            progress=bar,
        )
    used = outcomes[0].aggregate.replications
    if reached:
        print(f"precision ±{args.precision * 100:g} points reached with {used} replications", file=sys.stderr)
    else:
        print(
            f"precision ±{args.precision * 100:g} points not reached within --max-replications {used}; "
            "the widest intervals are wider",
            file=sys.stderr,
        )
    return outcomes


def command_line() -> str:
    """The command as typed, for the reproducibility record."""
    return shlex.join(["tabletop", *sys.argv[1:]])
