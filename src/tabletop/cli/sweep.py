"""``tabletop sweep SCENARIO --policy P --set PATH=V1,V2 …``: a grid of policy variants on the same incidents."""

from __future__ import annotations

import argparse
import csv
import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tabletop.cli.arguments import argument_type, output_file
from tabletop.cli.options import add_run_options, run_specs
from tabletop.cli.run import percent, write_outputs
from tabletop.policies.loading import load_pair, policy_path
from tabletop.scenarios.loading import scenario_path
from tabletop.sim.metrics import SLA_METRIC
from tabletop.sim.results import document, number
from tabletop.sim.spec import RunSpec
from tabletop.sim.sweep import SweepPoint, pareto_front, parse_setting, variants


def register(commands: Any) -> None:
    """Add the subcommand to the parser."""
    parser = commands.add_parser(
        "sweep",
        help="sweep policy parameters and show the SLA / on-call load trade-off",
        description=(
            "Play every combination of the --set values against the same replications and tabulate SLA "
            "attainment against on-call load. PATH is a dotted path into the policy file: mapping keys by name, "
            "list items by index or id, e.g. escalation_chains.payments.levels.0.delay=5m,15m,30m or "
            "rotations.sre.levels.primary.layers.0.people=[ana,ben],[ana,ben,cat]. Points no other point beats "
            "on both attainment and interruptions are marked ★ (the Pareto front)."
        ),
    )
    add_run_options(parser, out_help="write an HTML and Markdown report with the sweep plots into DIR")
    parser.add_argument("--policy", required=True, metavar="POLICY", help="the policy file or library name to vary")
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        required=True,
        type=argument_type(parse_setting),
        metavar="PATH=V1,V2",
        help="a policy value to vary and the values to try; repeat for a grid",
    )
    parser.add_argument("--csv", type=output_file, metavar="FILE", help="write one row per variant to FILE")
    parser.set_defaults(handler=run)


def rows(points: list[SweepPoint]) -> list[dict[str, Any]]:
    """One flat row per variant: its settings, every targeted attainment with its interval, and the load."""
    front = pareto_front(points)
    table = []
    for point, optimal in zip(points, front, strict=True):
        row: dict[str, Any] = dict(point.settings)
        row["attainment_mean"] = number(point.attainment())
        row["interruptions"] = number(point.interruptions())
        row["sleep_interruptions"] = number(point.interruptions("sleep"))
        row["pareto"] = optimal
        for tier in point.outcome.spec.policy.tiers:
            for sla_name, metric in SLA_METRIC.items():
                if getattr(tier.sla, sla_name) is None:
                    continue
                mean, low, high = point.outcome.aggregate.attainment(tier.id, metric)
                row[f"{tier.id}.{sla_name}"] = number(mean)
                row[f"{tier.id}.{sla_name}.low"] = number(low)
                row[f"{tier.id}.{sla_name}.high"] = number(high)
        table.append(row)
    return table


def render_sweep(points: list[SweepPoint], console: Console) -> None:
    """Print the variants with mean attainment, interruptions and the Pareto front."""
    table = Table(title="Sweep: mean SLA attainment against on-call load (per replication)", title_justify="left")
    paths = list(points[0].settings)
    for number_, path in enumerate(paths, start=1):
        console.print(f"[{number_}] {path}")
        table.add_column(f"[{number_}]")
    for column in ("attainment", "interruptions", "in sleep hours", "Pareto"):
        table.add_column(column, justify="right")
    for point, optimal in zip(points, pareto_front(points), strict=True):
        table.add_row(
            # As plain text: a value such as [ana,ben] would otherwise be read as console markup and vanish.
            *(Text(value) for value in point.settings.values()),
            percent(number(point.attainment())),
            f"{point.interruptions():.1f}",
            f"{point.interruptions('sleep'):.1f}",
            "★" if optimal else "",
        )
    console.print(table)


def run(args: argparse.Namespace) -> int:
    """Build the variants, run them on the same replications, and report the trade-off."""
    scenario, _ = load_pair(args.scenario, args.policy)
    labelled = variants(policy_path(args.policy), args.settings, scenario)
    specs = [RunSpec(scenario, policy, args.seed, args.days) for _, policy in labelled]
    outcomes = run_specs(specs, args, f"{len(specs)} variants × {scenario.id}")
    points = [SweepPoint(label, outcome) for (label, _), outcome in zip(labelled, outcomes, strict=True)]
    render_sweep(points, Console())
    table = rows(points)
    if args.csv is not None:
        with args.csv.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(table[0]))
            writer.writeheader()
            writer.writerows(table)
        print(f"sweep table: {args.csv}")
    if args.json is not None:
        doc = {
            "settings": [s.path for s in args.settings],
            "points": [
                {"settings": p.settings, "results": document(p.outcome.spec, p.outcome.aggregate)} for p in points
            ],
        }
        args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        print(f"sweep document: {args.json}")
    if args.out is not None:
        files = {"scenario": scenario_path(args.scenario), "policy": policy_path(args.policy)}
        # The report details the first variant and up to three others from the Pareto front;
        # the sweep table and plots cover every variant.
        optimal = [p.outcome for p, best in zip(points, pareto_front(points), strict=True) if best]
        shown = [outcomes[0], *[o for o in optimal if o is not outcomes[0]][:3]]
        print(f"report: {write_outputs(args, shown, files, sweep=points)}")
    return 0
