"""``tabletop run SCENARIO --policy POLICY``: Monte Carlo replications and a summary of SLA attainment."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from tabletop.cli.options import add_run_options, command_line, run_specs
from tabletop.policies.loading import load_pair, policy_path
from tabletop.scenarios.loading import scenario_path
from tabletop.sim.experiment import RunOutcome
from tabletop.sim.results import document, no_targets_note, write_csv
from tabletop.sim.spec import RunSpec
from tabletop.sim.sweep import SweepPoint
from tabletop.spec.fields import format_duration


def register(commands: Any) -> None:
    """Add the subcommand to the parser."""
    parser = commands.add_parser(
        "run",
        help="play a scenario against a policy and measure SLAs",
        description=(
            "Play R replications of a scenario against a policy and report SLA attainment per tier "
            "with 95% confidence intervals, the bottlenecks, handoff delays and the heaviest on-call loads. "
            "The same seed gives the same results whatever the number of workers."
        ),
    )
    add_run_options(parser, out_help="write per-incident and per-handoff CSV and an HTML report into DIR")
    parser.add_argument("--policy", required=True, metavar="POLICY", help="policy file or library name")
    parser.set_defaults(handler=run)


def percent(value: float | None) -> str:
    """A share as a percentage, or a dash when unknown."""
    return "—" if value is None else f"{value * 100:.1f}%"


def minutes(value: float | None) -> str:
    """Minutes as a duration that never reads as a target it went past (1h1m, not 1h), or a dash when unknown."""
    return "—" if value is None else format_duration(value)


def _render_sla(doc: dict[str, Any], goal: float, console: Console) -> None:
    """The SLA attainment table, or why there is none."""
    table = Table(title="SLA attainment (95% interval over replications)", title_justify="left")
    for column in ("tier", "metric", "target", "attained", "95% CI", "p50", "p90", "n"):
        table.add_column(column, justify="left" if column in ("tier", "metric") else "right")
    for tier, metrics in doc["sla"].items():
        for metric, entry in metrics.items():
            if entry["target"] is None:
                continue
            attained = entry["attainment"]
            low, high = entry["ci95"]
            style = "red" if attained is not None and attained < goal else "green"
            mark = " ✗" if attained is not None and attained < goal else ""
            interval = "—" if low is None else f"{low * 100:.1f}–{percent(high)}"
            table.add_row(
                tier,
                metric.removeprefix("time_to_"),
                minutes(entry["target"]),
                f"[{style}]{percent(attained)}{mark}[/]",
                interval,
                minutes(entry["p50"]),
                minutes(entry["p90"]),
                str(entry["n"]),
            )
    if table.row_count:
        console.print(table)
    else:
        console.print(no_targets_note([doc["policy"]]), markup=False)


def render_summary(doc: dict[str, Any], goal: float, console: Console) -> None:
    """Print the SLA table, bottlenecks, handoffs and heaviest loads of a results document."""
    per_rep = doc["incidents"] / doc["replications"]
    console.print(
        f"[bold]{doc['scenario']}[/] played against [bold]{doc['policy']}[/]: "
        f"{doc['replications']} replications × {doc['days']:g} days, seed {doc['seed']}, "
        f"{doc['incidents']} incidents ({per_rep:.1f} per replication)"
    )
    _render_sla(doc, goal, console)
    bottlenecks = doc["bottlenecks"]
    total = sum(v for v in bottlenecks.values() if v is not None) or 1.0
    parts = sorted(bottlenecks.items(), key=lambda kv: -(kv[1] or 0))
    console.print(
        "Where the time goes (detection to recovery, per incident): "
        + ", ".join(f"{name.replace('_', ' ')} {minutes(v)} ({(v or 0) / total:.0%})" for name, v in parts)
    )
    waits = [
        (entry[part] or 0.0, part, dimension, value)
        for dimension, values in doc["bottlenecks_by"].items()
        if dimension != "service"
        for value, entry in values.items()
        for part in ("waiting_ack", "waiting_handoff", "waiting_busy")
    ]
    worst = [w for w in sorted(waits, reverse=True)[:3] if w[0] >= 1]
    if worst:
        console.print(
            "Longest waits: "
            + "; ".join(
                f"{dimension.replace('_', ' ')} {value}: {part.replace('_', ' ')} {minutes(waited)}"
                for waited, part, dimension, value in worst
            )
        )
    adherence = ", ".join(f"{c} {percent(v)}" for c, v in doc["update_adherence"].items() if v is not None)
    if adherence:
        console.print(f"Status updates on time: {adherence}")
    if doc["cost"] is not None:
        console.print(
            f"Response cost (Dispatch model): {doc['cost']['per_incident']:,.0f} per incident, "
            f"{doc['cost']['per_replication']:,.0f} per replication"
        )
    handoffs = doc["handoffs"]
    if handoffs["count"]:
        reasons = ", ".join(
            f"{reason.replace('_', ' ')} {entry['count']} (mean {minutes(entry['mean'])})"
            for reason, entry in handoffs["by_reason"].items()
        )
        console.print(f"Handoffs: {handoffs['per_replication']:.1f} per replication; {reasons}")
    loads = sorted(doc["load"]["per_person"].items(), key=lambda kv: -(kv[1]["interruptions"] or 0))[:5]
    if loads:
        heavy = Table(title="Heaviest on-call loads (per replication)", title_justify="left")
        for column in ("person", "pages", "interruptions", "business", "off hours", "sleep", "hours engaged"):
            heavy.add_column(column, justify="left" if column == "person" else "right")
        for person, load in loads:
            heavy.add_row(
                person,
                f"{load['pages']:.1f}",
                f"{load['interruptions']:.1f}",
                f"{load['business']:.1f}",
                f"{load['off']:.1f}",
                f"[red]{load['sleep']:.1f}[/]" if load["sleep"] >= 2 else f"{load['sleep']:.1f}",
                f"{load['hours_engaged']:.1f}",
            )
        console.print(heavy)


def run(args: argparse.Namespace) -> int:
    """Run the replications, print the summary and write the requested files."""
    scenario, policy = load_pair(args.scenario, args.policy)
    spec = RunSpec(scenario, policy, args.seed, args.days, keep_records=args.out is not None)
    (outcome,) = run_specs([spec], args, f"{policy.id} × {scenario.id}")
    doc = document(spec, outcome.aggregate)
    render_summary(doc, args.goal, Console())
    if args.json is not None:
        args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        print(f"results document: {args.json}")
    if args.out is not None:
        for path in write_csv(outcome.records, args.out):
            print(f"records: {path}")
        files = {"scenario": scenario_path(args.scenario), f"policy {policy.id}": policy_path(args.policy)}
        print(f"report: {write_outputs(args, [outcome], files)}")
    return 0


def write_outputs(
    args: argparse.Namespace,
    outcomes: list[RunOutcome],
    files: dict[str, Path],
    sweep: list[SweepPoint] | None = None,
) -> Path:
    """Write the HTML and Markdown report with its plots into --out; returns the HTML file."""
    from tabletop.sim.report import Provenance, write_report  # noqa: PLC0415 - matplotlib loads slowly

    provenance = Provenance(command_line(), args.seed, files)
    write_report(args.out, outcomes, provenance, sweep=sweep, goal=args.goal)
    return Path(args.out) / "report.html"
