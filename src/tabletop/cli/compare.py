"""``tabletop compare SCENARIO --policy A --policy B …``: policies on the same incidents, with paired differences."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from tabletop.cli.options import add_run_options, run_specs
from tabletop.cli.run import minutes, percent, write_outputs
from tabletop.errors import InputError
from tabletop.policies.loading import load_pair, policy_path
from tabletop.scenarios.loading import scenario_path
from tabletop.sim.compare import compare_document, targeted_rows, targets
from tabletop.sim.report import signed_points
from tabletop.sim.results import no_targets_note
from tabletop.sim.spec import RunSpec

#: How each verdict shows in the table: style and a short word (a legend spells out the last).
_VERDICT_SHOWN = {
    "better": ("green", "better"),
    "worse": ("red", "worse"),
    "no detectable difference": ("dim", "no diff."),
    "no incidents": ("dim", "no incidents"),
}


def register(commands: Any) -> None:
    """Add the subcommand to the parser."""
    parser = commands.add_parser(
        "compare",
        help="compare policies on the same incidents",
        description=(
            "Play every policy against the same replications of the scenario (common random numbers) and "
            "report, per tier and SLA metric, each policy's attainment and its paired difference from the first "
            "policy with a 95% interval and a plain verdict."
        ),
    )
    add_run_options(parser, out_help="write an HTML and Markdown report with plots into DIR")
    parser.add_argument(
        "--policy",
        action="append",
        required=True,
        metavar="POLICY",
        help="a policy file or library name; give two or more, the first is the baseline",
    )
    parser.set_defaults(handler=run)


def short_names(names: list[str]) -> dict[str, str]:
    """Policy ids without the dash-ended prefix they all share (``payments-flat`` → ``flat``), for narrow tables."""
    prefix = os.path.commonprefix(names)  # noqa: RUF071 - ids are compared as text, not as paths
    prefix = prefix[: prefix.rfind("-") + 1]
    return {name: name[len(prefix) :] or name for name in names}


def _signed_points(value: float | None) -> str:
    return "—" if value is None else signed_points(value)


def _attainment_cell(doc: dict[str, Any], name: str, tier: str, metric: str, goal: float) -> str:
    """A policy's attainment and, unless it is the baseline, its difference from the baseline and the verdict."""
    mine = doc["policies"][name]["sla"].get(tier, {}).get(metric)
    attained = mine["attainment"] if mine else None
    style = "red" if attained is not None and attained < goal else ""
    cell = f"[{style}]{percent(attained)}[/]" if style else percent(attained)
    diff = doc["differences"].get(name, {}).get("sla", {}).get(tier, {}).get(metric)
    if diff is None:
        return cell
    tone, word = _VERDICT_SHOWN[diff["verdict"]]
    if diff["verdict"] == "no incidents":
        return cell + f"\n[{tone}]{word}[/]"
    low, high = diff["ci95"]
    shown = "" if low is None else f" [{_signed_points(low)}, {_signed_points(high)}]"
    return cell + f"\n[{tone}]{_signed_points(diff['difference'])}{shown}\n{word}[/]"


def _sla_table(doc: dict[str, Any], goal: float, short: dict[str, str]) -> tuple[Table, list[str]]:
    """The attainment table, and the notes that explain what it shows."""
    names = list(doc["policies"])
    table = Table(title="SLA attainment, and the difference from the baseline in points [95% interval]")
    table.add_column("tier")
    table.add_column("metric")
    table.add_column("target", justify="right")
    for name in names:
        table.add_column(short[name], justify="right")
    differing = False
    for tier, metric in targeted_rows(doc):
        own = targets(doc, tier, metric)
        if len(set(own.values())) == 1:
            target = minutes(own[names[0]])
        else:
            differing = True
            target = "\n".join(f"{short[name]} {minutes(value)}" for name, value in own.items())
        cells = [_attainment_cell(doc, name, tier, metric, goal) for name in names]
        table.add_row(tier, metric.removeprefix("time_to_"), target, *cells)
    notes: list[str] = []
    if differing:
        notes.append(
            "Where the target column names policies, their targets differ: each policy's attainment is against "
            "its own target, so the difference reflects the target as well as the response"
        )
    notes.append("no diff. = no detectable difference: the 95% interval of the paired difference includes 0")
    found = [entry for d in doc["differences"].values() for metrics in d["sla"].values() for entry in metrics.values()]
    if any(entry["verdict"] == "no incidents" for entry in found):
        notes.append("no incidents = the tier had no incidents in any replication, so there is nothing to compare")
    return table, notes


def _load_table(doc: dict[str, Any], short: dict[str, str]) -> Table:
    """Each policy's on-call load and handoffs, per replication."""
    load = Table(title="On-call load and handoffs (per replication)", title_justify="left")
    for column in ("policy", "pages", "interruptions", "in sleep hours", "busiest person", "handoffs", "handoff p50"):
        load.add_column(column, justify="left" if column in ("policy", "busiest person") else "right")
    for name, policy_doc in doc["policies"].items():
        people = policy_doc["load"]["per_person"]
        pages = sum(p["pages"] or 0 for p in people.values())
        interrupts = sum(p["interruptions"] or 0 for p in people.values())
        sleep = sum(p["sleep"] or 0 for p in people.values())
        busiest = max(people.items(), key=lambda kv: kv[1]["interruptions"] or 0, default=None)
        who = f"{busiest[0]} ({busiest[1]['interruptions']:.1f})" if busiest else "—"
        handoffs = policy_doc["handoffs"]
        load.add_row(
            short[name],
            f"{pages:.1f}",
            f"{interrupts:.1f}",
            f"{sleep:.1f}",
            who,
            f"{handoffs['per_replication'] or 0:.1f}",
            minutes(handoffs["delay"]["p50"]),
        )
    return load


def render_comparison(doc: dict[str, Any], goal: float, console: Console) -> None:
    """Print attainment side by side with each policy's difference from the baseline."""
    names = list(doc["policies"])
    baseline = names[0]
    first = doc["policies"][baseline]
    short = short_names(names)
    console.print(
        f"[bold]{first['scenario']}[/]: {len(names)} policies on the same {first['replications']} replications × "
        f"{first['days']:g} days (seed {first['seed']}); differences are against [bold]{baseline}[/]"
    )
    if any(short[n] != n for n in names):
        console.print("policies: " + ", ".join(f"{short[n]} = {n}" for n in names))
    if targeted_rows(doc):
        table, notes = _sla_table(doc, goal, short)
        console.print(table)
        for note in notes:
            console.print(note)
    else:
        console.print(no_targets_note(names), markup=False)
    console.print(_load_table(doc, short))


def run(args: argparse.Namespace) -> int:
    """Run every policy on the same replications, print the comparison and write the requested files."""
    if len(args.policy) < 2:
        raise InputError("compare needs at least two --policy options; use tabletop run for one")
    specs = []
    for argument in args.policy:
        scenario, policy = load_pair(args.scenario, argument)
        specs.append(RunSpec(scenario, policy, args.seed, args.days))
    ids = [spec.policy.id for spec in specs]
    if len(set(ids)) != len(ids):
        raise InputError(f"two policies share an id ({', '.join(ids)}); give each policy a distinct id")
    outcomes = run_specs(specs, args, f"{len(specs)} policies × {specs[0].scenario.id}")
    doc = compare_document(outcomes)
    render_comparison(doc, args.goal, Console())
    if args.json is not None:
        args.json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        print(f"compare document: {args.json}")
    if args.out is not None:
        files: dict[str, Path] = {"scenario": scenario_path(args.scenario)}
        for argument, spec in zip(args.policy, specs, strict=True):
            files[f"policy {spec.policy.id}"] = policy_path(argument)
        print(f"report: {write_outputs(args, outcomes, files)}")
    return 0
