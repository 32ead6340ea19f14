"""The experiment report: one self-contained HTML file, the same content in Markdown, and the plots.

The report is built once as a list of blocks (headings, paragraphs, tables, figures, code;
see :mod:`tabletop.sim.document_blocks`) and rendered twice: to HTML with every image
embedded as a PNG data URI, and to Markdown that refers to the PNG files written next to it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import math
import platform
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from tabletop.policies.model import EscalationChain, Policy, Target
from tabletop.scenarios.model import Scenario
from tabletop.sim import plots
from tabletop.sim.compare import compare_document, targeted_rows, targets
from tabletop.sim.document_blocks import (
    Block,
    Bullets,
    Cell,
    Code,
    Heading,
    Image,
    Paragraph,
    Table,
    counted,
    prose_list,
    render_html,
    render_markdown,
)
from tabletop.sim.experiment import RunOutcome
from tabletop.sim.metrics import NO_TEAM, SLA_METRIC
from tabletop.sim.records import BOTTLENECKS, HANDOFF_REASONS
from tabletop.sim.results import document, no_targets_note
from tabletop.sim.sweep import SweepPoint, pareto_front
from tabletop.spec.fields import format_duration

_PACKAGES = ("tabletop", "numpy", "scipy", "simpy", "matplotlib")


@dataclass(frozen=True)
class Provenance:
    """How the results were produced, for the reproducibility block."""

    #: The command line as typed.
    command: str
    seed: int
    #: Label (e.g. "scenario", "policy payments-tiered") -> input file; the report gives each file's SHA-256.
    files: dict[str, Path]


class _Plots:
    """Saves figures into the plots folder and remembers the files written."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.written: list[Path] = []

    def add(self, figure: Figure, stem: str, caption: str) -> Image:
        """Save the figure as PNG and SVG; the block that shows it."""
        self.written += plots.save(figure, self.folder, stem)
        return Image(self.folder, stem, caption)


def write_report(
    folder: Path,
    outcomes: Sequence[RunOutcome],
    provenance: Provenance,
    *,
    sweep: Sequence[SweepPoint] | None = None,
    goal: float = 0.95,
) -> list[Path]:
    """Write report.html, report.md and plots/*.png and *.svg into ``folder``; return every path written.

    ``outcomes`` are the policies reported in detail, compared with the first when there
    are several; ``sweep`` adds the sweep table and its curves.
    """
    if not outcomes:
        raise ValueError("a report needs the outcome of at least one policy")
    folder.mkdir(parents=True, exist_ok=True)
    figures = _Plots(folder / "plots")
    documents = _documents(outcomes)
    blocks = [
        *_overview(outcomes, documents, provenance, goal, sweep),
        *(_sweep_section(sweep, goal, figures) if sweep else []),
        *_sla_section(outcomes, documents, goal, figures),
        *_updates_and_cost_section(documents),
        *_load_section(outcomes, documents, figures),
        *_handoff_section(outcomes, documents, figures),
        *_bottleneck_section(outcomes, documents, figures),
        *_scenario_section(outcomes[0].spec.scenario),
        *_policy_section([o.spec.policy for o in outcomes], _variant_settings(sweep or [])),
        *_reproducibility(outcomes, provenance),
    ]
    title = f"Tabletop report: {outcomes[0].spec.scenario.name}"
    html_path, markdown_path = folder / "report.html", folder / "report.md"
    html_path.write_text(render_html(title, blocks), encoding="utf-8")
    markdown_path.write_text(render_markdown(blocks), encoding="utf-8")
    return [html_path, markdown_path, *figures.written]


def _documents(outcomes: Sequence[RunOutcome]) -> dict[str, Any]:
    """The compare document; with one outcome, its results document and no differences."""
    if len(outcomes) > 1:
        return compare_document(outcomes)
    (outcome,) = outcomes
    return {"policies": {outcome.spec.policy.id: document(outcome.spec, outcome.aggregate)}, "differences": {}}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def signed_points(value: float) -> str:
    """A signed difference of shares in percentage points (a bound near zero keeps a digit that is not)."""
    text = f"{value * 100 + 0.0:+.1f}"  # adding 0.0 turns −0.0 into 0.0
    if value and text in ("+0.0", "-0.0"):
        text = f"{value * 100:+.1g}"
    return text.replace("-", "−")


def _minutes(value: float | None) -> str:
    return "—" if value is None else format_duration(value)


# --- sections -------------------------------------------------------------------------------------------


def _overview(
    outcomes: Sequence[RunOutcome],
    documents: dict[str, Any],
    provenance: Provenance,
    goal: float,
    sweep: Sequence[SweepPoint] | None,
) -> list[Block]:
    """Title, what was played, and the findings in a few lines."""
    first = outcomes[0]
    scenario = first.spec.scenario
    policies = [o.spec.policy.id for o in outcomes]
    replications, incidents = first.aggregate.replications, first.aggregate.incidents
    played = _sweep_played(sweep) if sweep else prose_list(policies)
    text = (
        f"Scenario {scenario.id} ({scenario.name}) played against {played}: "
        f"{replications} replications of {first.spec.horizon / 1440:g} days each, seed {provenance.seed}, "
        f"{incidents / max(replications, 1):.1f} incidents per replication."
    )
    if sweep:
        text += " " + _sweep_detailed(sweep, policies)
    if len(outcomes) > 1:
        text += (
            f" Every {'variant' if sweep else 'policy'} played the same incidents (common random numbers), so "
            f"differences are paired replication by replication; each is measured against {policies[0]}."
        )
    findings = [
        _goal_finding(policy, doc, goal) + _updates_finding(doc) for policy, doc in documents["policies"].items()
    ]
    findings += [_difference_finding(policy, found) for policy, found in documents["differences"].items()]
    return [
        Heading(1, f"Tabletop report: {scenario.name}"),
        Paragraph(text),
        Heading(2, "Findings"),
        Bullets(findings),
    ]


def _sweep_played(points: Sequence[SweepPoint]) -> str:
    """The variants a sweep played, counted and named by their first and last ids."""
    ids = [point.outcome.spec.policy.id for point in points]
    return f"{len(ids)} policy variants ({ids[0]} to {ids[-1]})" if len(ids) > 1 else f"1 policy variant ({ids[0]})"


def _sweep_detailed(points: Sequence[SweepPoint], detailed: Sequence[str]) -> str:
    """Which variants the sections after the sweep table detail, and why those."""
    front = pareto_front(points)
    optimal = [p.outcome.spec.policy.id for p, best in zip(points, front, strict=True) if best]
    baseline, others = detailed[0], list(detailed[1:])
    text = (
        f"The parameter sweep section covers every variant; {len(optimal)} of them "
        f"{'is' if len(optimal) == 1 else 'are'} Pareto-optimal (no other variant beats them on both attainment "
        f"and interruptions); the other sections detail only {baseline}, the baseline"
        f"{' (itself Pareto-optimal)' if baseline in optimal else ''}"
    )
    if not others:
        return text + "."
    rest = [policy for policy in optimal if policy != baseline]
    plural = "s" if len(others) > 1 else ""
    if any(policy not in optimal for policy in others):
        return text + f", and {prose_list(others)}."
    if len(others) < len(rest):
        return (
            text
            + f", and the first {len(others)} of the {len(rest)} other Pareto-optimal variants: {prose_list(others)}."
        )
    return text + f", and the other Pareto-optimal variant{plural}: {prose_list(others)}."


def _goal_finding(policy: str, doc: dict[str, Any], goal: float) -> str:
    """How many targets a policy meets at the goal, and the worst miss."""
    entries = [
        (entry["attainment"], tier, metric)
        for tier, metrics in doc["sla"].items()
        for metric, entry in metrics.items()
        if entry["attainment"] is not None
    ]
    if not entries:
        targeted = any(entry["target"] is not None for metrics in doc["sla"].values() for entry in metrics.values())
        return (
            f"{policy} had no incidents in a tier with SLA targets." if targeted else f"{policy} sets no SLA targets."
        )
    met = sum(1 for value, _, _ in entries if value >= goal)
    text = f"{policy} meets the {goal:.0%} goal on {met} of {len(entries)} targets"
    if met == len(entries):
        return text + "."
    value, tier, metric = min(entries)
    return text + f"; the furthest below is {tier} {metric.removeprefix('time_to_')} at {_percent(value)}."


def _updates_finding(doc: dict[str, Any]) -> str:
    """The share of status updates a policy posts on time, per channel, as a sentence to follow its goal finding."""
    adherence = doc["update_adherence"].items()
    shares = [f"{_percent(share)} of {channel}" for channel, share in adherence if share is not None]
    return f" It posts {prose_list(shares)} status updates on time." if shares else ""


def _difference_finding(policy: str, found: dict[str, Any]) -> str:
    """How a policy compares with the baseline, counting verdicts over tiers and metrics."""
    verdicts = Counter(entry["verdict"] for metrics in found["sla"].values() for entry in metrics.values())
    text = (
        f"{policy} against {found['baseline']}: better on {verdicts['better']}, worse on {verdicts['worse']}, "
        f"no detectable difference on {verdicts['no detectable difference']} targets"
    )
    if verdicts["no incidents"]:
        text += f"; {verdicts['no incidents']} more had no incidents to compare"
    text += "."
    differing = [
        f"{tier} {metric.removeprefix('time_to_')} ({_minutes(theirs)} against {_minutes(ours)})"
        for tier, metrics in found["sla"].items()
        for metric, entry in metrics.items()
        for ours, theirs in [entry["targets"]]
        if ours != theirs
    ]
    if differing:
        text += f" Each is judged against its own target where {policy} sets a different one: {prose_list(differing)}."
    return text


def _attainment_cell(entry: dict[str, Any] | None, goal: float) -> Cell:
    if entry is None or entry["attainment"] is None:
        return Cell("—")
    low, high = entry["ci95"]
    detail = "" if low is None else f"{low * 100:.1f}–{high * 100:.1f}"
    below = entry["attainment"] < goal
    return Cell(_percent(entry["attainment"]) + (" ✗" if below else ""), detail, "miss" if below else "")


def _difference_cell(entry: dict[str, Any] | None) -> Cell:
    if entry is None:
        return Cell("—")
    if entry["verdict"] == "no incidents":
        return Cell("no incidents")
    low, high = entry["ci95"]
    interval = "" if low is None else f" ({signed_points(low)} to {signed_points(high)})"
    tone = entry["verdict"] if entry["verdict"] in ("better", "worse") else ""
    return Cell(entry["verdict"], f"{signed_points(entry['difference'])} pp{interval}", tone)


def _sla_section(
    outcomes: Sequence[RunOutcome], documents: dict[str, Any], goal: float, figures: _Plots
) -> list[Block]:
    """The SLA table (the comparison when there are several policies) with its plots."""
    docs = documents["policies"]
    policies = list(docs)
    rows = []
    differing = []
    for tier, metric in targeted_rows(documents):
        entries = [doc["sla"].get(tier, {}).get(metric) for doc in docs.values()]
        own = targets(documents, tier, metric)
        if len(set(own.values())) == 1:
            target = Cell(_minutes(own[policies[0]]))
        else:
            differing.append(f"{tier} {metric.removeprefix('time_to_')}")
            named = ", ".join(f"{policy} {_minutes(value)}" for policy, value in own.items())
            target = Cell(" / ".join(_minutes(value) for value in own.values()), named)
        row = [Cell(tier), Cell(metric.removeprefix("time_to_")), target]
        row += [_attainment_cell(entry, goal) for entry in entries]
        if len(policies) > 1:
            row += [_difference_cell(d["sla"].get(tier, {}).get(metric)) for d in documents["differences"].values()]
        else:
            (entry,) = entries
            row += [Cell(_minutes(entry["p50"])), Cell(_minutes(entry["p90"])), Cell(str(entry["n"]))]
        rows.append(row)
    header = ["tier", "metric", "target", *policies]
    if len(policies) > 1:
        header += [f"{policy} − {policies[0]}" for policy in policies[1:]]
        intro = (
            "Share of each tier's incidents within the target: the mean over replications and its 95% interval "
            f"(✗ marks attainment below the {goal:.0%} goal). The last columns give each policy's paired difference "
            f"from {policies[0]} in percentage points with its 95% interval, and the verdict: better or worse when "
            "the interval excludes zero, no incidents when the tier had none in any replication."
        )
        if differing:
            intro += (
                f" The policies set different targets for {prose_list(differing)}: there each policy's attainment "
                "is against its own target (listed in column order), so the difference reflects the target as well "
                "as the response."
            )
    else:
        header += ["p50", "p90", "incidents"]
        intro = (
            "Share of each tier's incidents within the target: the mean over replications and its 95% interval "
            f"(✗ marks attainment below the {goal:.0%} goal), with the median and 90th percentile of the metric."
        )
    blocks: list[Block] = [Heading(2, "SLA attainment")]
    if rows:
        blocks += [Paragraph(intro), Table(header, rows)]
        blocks.append(
            figures.add(
                plots.attainment_figure(outcomes, goal),
                "attainment",
                "SLA attainment per tier and metric with 95% intervals over replications; the dashed line is the goal.",
            )
        )
    else:
        blocks.append(Paragraph(no_targets_note(policies)))
    blocks.append(Heading(2, "Response times"))
    blocks += [
        figures.add(
            plots.ecdf_figure(outcomes, metric),
            f"ecdf-{metric}",
            f"Time to {metric.removeprefix('time_to_')}: share of each tier's incidents within each time after "
            "detection (all replications pooled; a curve stops short of 100% when some incidents never got there). "
            "Where a tier has a target, the dashed line marks it and a dot where the pooled curve crosses it; the "
            "legend gives the attainment the SLA table shows: the mean over replications of the share within it.",
        )
        for metric in plots.ECDF_METRICS
    ]
    return blocks


def _updates_and_cost_section(documents: dict[str, Any]) -> list[Block]:
    """Each policy's share of status updates posted on time and its response cost, when measured."""
    docs = documents["policies"]
    adherence = [doc["update_adherence"] for doc in docs.values()]
    channels = list(dict.fromkeys(c for shares in adherence for c, v in shares.items() if v is not None))
    costed = any(doc["cost"] is not None for doc in docs.values())
    if not channels and not costed:
        return []
    header = ["policy", *(f"{channel} updates on time" for channel in channels)]
    if costed:
        header += ["cost per incident", "cost per replication"]
    rows = []
    for policy, doc in docs.items():
        row = [Cell(policy)] + [Cell(_percent(doc["update_adherence"].get(channel))) for channel in channels]
        if costed:
            cost = doc["cost"] or {}
            row += [Cell(_amount(cost.get("per_incident"))), Cell(_amount(cost.get("per_replication")))]
        rows.append(row)
    parts = []
    if channels:
        parts.append("Share of the status updates due on each channel that were posted on time, over all replications.")
    if costed:
        parts.append(
            "Response cost in the Dispatch model (role-weighted engaged hours plus review hours, at the hourly rate)"
            + ("; — where a policy sets no cost model." if any(doc["cost"] is None for doc in docs.values()) else ".")
        )
    title = "Status updates and cost" if channels and costed else "Status updates" if channels else "Response cost"
    return [Heading(2, title), Paragraph(" ".join(parts)), Table(header, rows)]


def _amount(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _load_section(outcomes: Sequence[RunOutcome], documents: dict[str, Any], figures: _Plots) -> list[Block]:
    """On-call load of everyone together, the heaviest individual loads and the heatmaps."""
    docs = documents["policies"]
    columns = ("pages", "interruptions", "business", "off", "sleep", "hours_engaged")
    totals = [
        [Cell(policy)] + [Cell(f"{sum(p[c] or 0 for p in doc['load']['per_person'].values()):.1f}") for c in columns]
        for policy, doc in docs.items()
    ]
    header = ["policy", "pages", "interruptions", "business hours", "off hours", "sleep hours", "hours engaged"]
    names = {p.id: p.name for p in outcomes[0].spec.scenario.people}
    heaviest = [
        sorted(doc["load"]["per_person"].items(), key=lambda kv: (-(kv[1]["interruptions"] or 0), kv[0]))[:5]
        for doc in docs.values()
    ]
    top = [
        [Cell(str(rank + 1))]
        + [
            Cell(names.get(ranked[rank][0], ranked[rank][0]), _person_load(ranked[rank][1]))
            if rank < len(ranked)
            else Cell("—")
            for ranked in heaviest
        ]
        for rank in range(max(map(len, heaviest), default=0))
    ]
    heatmaps = plots.interruption_heatmaps(outcomes)
    caption = "by team and hour of the week, in each person's local time (Monday 00:00 first), per replication"
    if any(NO_TEAM in o.aggregate.interruptions_by_hour for o in outcomes):
        caption += "; people in no team have the row 'no team', so the rows add up to everyone"
    if len(outcomes) > 1:
        caption += "; every policy is drawn on the same colour scale"
    return [
        Heading(2, "On-call load"),
        Paragraph(
            "Everyone together, per replication. Interruptions count pages within a minute of each other once; "
            "business, off and sleep hours are in each person's own time zone."
        ),
        Table(header, totals),
        Heading(3, "Heaviest loads"),
        Paragraph("The five people interrupted most often under each policy, per replication."),
        Table(["rank", *docs], top),
        *(
            figures.add(
                figure,
                f"interruptions-{policy}",
                f"Interruptions under {policy} {caption}.",
            )
            for policy, figure in zip(docs, heatmaps, strict=True)
        ),
    ]


def _person_load(load: dict[str, Any]) -> str:
    return f"{load['interruptions']:.1f} interruptions, {load['sleep']:.1f} in sleep hours"


def _handoff_section(outcomes: Sequence[RunOutcome], documents: dict[str, Any], figures: _Plots) -> list[Block]:
    """Handoffs by reason side by side: how many and how long until the receiver works."""
    docs = documents["policies"]
    reasons = [r for r in HANDOFF_REASONS if any(r in doc["handoffs"]["by_reason"] for doc in docs.values())]
    rows = []
    for reason in reasons:
        row = [Cell(reason.replace("_", " "))]
        for doc in docs.values():
            entry = doc["handoffs"]["by_reason"].get(reason)
            if entry is None:
                # Zero per replication, so the column stays numeric and aligns with the others.
                row.append(Cell("0.0", "none"))
                continue
            per_replication = entry["count"] / doc["replications"]
            row.append(Cell(f"{per_replication:.1f}", f"median {_minutes(entry['p50'])}, p90 {_minutes(entry['p90'])}"))
        rows.append(row)
    blocks: list[Block] = [
        Heading(2, "Handoffs"),
        Paragraph(
            "Handoffs per replication by reason, with the delay from the handoff to the receiver working "
            "(after any briefing)."
        ),
    ]
    if not rows:
        return [*blocks, Paragraph("No handoffs happened.")]
    blocks.append(Table(["reason", *docs], rows))
    blocks.append(
        figures.add(
            plots.handoff_figure(outcomes),
            "handoff-delay",
            "Handoff delay by reason: the bar is the median, the whisker reaches the 90th percentile; "
            "labels give handoffs per replication.",
        )
    )
    return blocks


def _bottleneck_section(outcomes: Sequence[RunOutcome], documents: dict[str, Any], figures: _Plots) -> list[Block]:
    """Where incident time goes, per policy and by incident type."""
    # The total comes from the unrounded parts, so it is rounded up once, as the bars' totals are.
    rows = [
        [Cell(policy)]
        + [Cell(_minutes(doc["bottlenecks"][part])) for part in BOTTLENECKS]
        + [Cell(_minutes(math.fsum(outcome.aggregate.bottlenecks.values()) / max(outcome.aggregate.incidents, 1)))]
        for outcome, (policy, doc) in zip(outcomes, documents["policies"].items(), strict=True)
    ]
    header = ["policy", "waiting for acknowledgement", "waiting on a handoff", "waiting for a busy responder"]
    return [
        Heading(2, "Where the time goes"),
        Paragraph("Mean time per incident from detection to recovery, split into waiting and working."),
        Table([*header, "working", "total"], rows),
        figures.add(
            plots.bottleneck_figure(outcomes),
            "bottlenecks",
            "Mean time per incident from detection to recovery, stacked by what the incident was waiting for.",
        ),
        figures.add(
            plots.bottleneck_by_type_figure(outcomes),
            "bottlenecks-by-type",
            "The same split by incident type, one panel per policy on a shared scale.",
        ),
    ]


def _sweep_section(points: Sequence[SweepPoint], goal: float, figures: _Plots) -> list[Block]:
    """The sweep table with Pareto marks, the response curves and the trade-off."""
    paths = list(points[0].settings)
    front = pareto_front(points)
    # The Pareto mark comes right after the variant: setting paths are long, and the table may outgrow the page.
    rows = [
        [Cell(point.outcome.spec.policy.id), Cell("★" if optimal else "")]
        + [Cell(point.settings[path]) for path in paths]
        + [
            Cell(_percent(point.attainment())),
            Cell(f"{point.interruptions():.1f}"),
            Cell(f"{point.interruptions('sleep'):.1f}"),
        ]
        for point, optimal in zip(points, front, strict=True)
    ]
    header = ["variant", "Pareto-optimal", *paths, "mean attainment", "interruptions", "in sleep hours"]
    return [
        Heading(2, "Parameter sweep"),
        Paragraph(
            "Each variant sets the values shown. Mean attainment averages every tier and targeted metric; "
            "interruptions are everyone's together, per replication. A Pareto-optimal variant is one that no other "
            "beats on both attainment and interruptions."
        ),
        Table(header, rows),
        figures.add(
            plots.sweep_curves_figure(points, goal=goal),
            "sweep-curves",
            "Attainment of every targeted tier and metric along the swept value, with 95% bands, and the "
            "interruptions per replication.",
        ),
        figures.add(
            plots.tradeoff_figure(points),
            "sweep-tradeoff",
            "Mean attainment against interruptions per replication; Pareto-optimal variants are joined.",
        ),
    ]


def _scenario_section(scenario: Scenario) -> list[Block]:
    """Teams, people and their time zones, services and incident types."""
    zones = Counter(p.time_zone for p in scenario.people)
    weekly = sum(t.rate_per_week or 0 for t in scenario.incident_types)
    facts = [
        f"{counted(len(scenario.teams), 'team')} and {counted(len(scenario.people), 'person', 'people')} "
        f"in {counted(len(zones), 'time zone')}: "
        + ", ".join(f"{zone} {count}" for zone, count in zones.most_common()),
        f"{len(scenario.services)} services and {len(scenario.incident_types)} incident types, "
        f"{weekly:.1f} random incidents a week",
    ]
    people = {p.id: p for p in scenario.people}
    teams = [
        [
            Cell(team.id),
            Cell(team.domain),
            Cell(str(len(team.members))),
            Cell(", ".join(sorted({people[m].time_zone for m in team.members if m in people}))),
        ]
        for team in scenario.teams
    ]
    services = [
        [
            Cell(s.id),
            Cell(s.owner),
            Cell(s.tier),
            Cell(", ".join(s.depends_on) or "—"),
            Cell("yes" if s.customer_facing else "no"),
        ]
        for s in scenario.services
    ]
    types = [
        [
            Cell(t.id),
            Cell(t.name or t.id),
            Cell(f"{t.rate_per_week:g}" if t.rate_per_week is not None else f"scripted ×{len(t.times or [])}"),
            Cell(t.tier or "from the service"),
            Cell(", ".join(t.root_weights())),
        ]
        for t in scenario.incident_types
    ]
    blocks: list[Block] = [Heading(2, f"Scenario: {scenario.name}")]
    if scenario.description:
        blocks.append(Paragraph(scenario.description.strip()))
    return [
        *blocks,
        Bullets(facts),
        Table(["team", "domain", "people", "time zones"], teams),
        Table(["incident type", "name", "per week", "tier", "root services"], types),
        Table(["service", "owner", "tier", "depends on", "customer-facing"], services),
    ]


def _tier_rows(policy: Policy) -> list[list[Cell]]:
    return [
        [Cell(t.id), Cell(t.name)] + [Cell(_minutes(getattr(t.sla, name))) for name in SLA_METRIC] for t in policy.tiers
    ]


def _variant_settings(points: Sequence[SweepPoint]) -> dict[str, dict[str, str]]:
    """The values each swept variant sets, by the variant's policy id."""
    return {point.outcome.spec.policy.id: point.settings for point in points}


def _policy_section(policies: Sequence[Policy], variants: dict[str, dict[str, str]]) -> list[Block]:
    """Each policy's tiers and targets, rotations and escalation chains; for a sweep variant, what it sets."""
    header = ["tier", "name", *SLA_METRIC]
    shared = all(p.tiers == policies[0].tiers for p in policies)
    blocks: list[Block] = [Heading(2, "Policies")]
    if shared:
        blocks += [
            Paragraph("Tiers and SLA targets, the same in every policy:"),
            Table(header, _tier_rows(policies[0])),
        ]
    for policy in policies:
        blocks.append(Heading(3, f"{policy.id}: {policy.name}"))
        settings = variants.get(policy.id)
        if settings:
            # A variant keeps its base file's name and description, which may name values the sweep replaced.
            changed = prose_list([f"{path} = {value}" for path, value in settings.items()])
            blocks.append(
                Paragraph(
                    f"Sweep variant {policy.id} sets {changed}. The description below is the base policy's; "
                    "the tables show the values played."
                )
            )
        if policy.description:
            blocks.append(Paragraph(policy.description.strip()))
        if not shared:
            blocks.append(Table(header, _tier_rows(policy)))
        rotations = [
            [
                Cell(rotation.id),
                Cell(level),
                Cell(", ".join(dict.fromkeys(p for layer in spec.layers for p in layer.people))),
                Cell(", ".join(dict.fromkeys(_minutes(layer.turn) for layer in spec.layers))),
            ]
            for rotation in policy.rotations
            for level, spec in rotation.levels.items()
        ]
        if rotations:
            blocks.append(Table(["rotation", "level", "people", "turn"], rotations))
        chains = [[Cell(c.id), Cell(_chain_levels(c)), Cell(_chain_after(c))] for c in policy.escalation_chains]
        blocks.append(Table(["escalation chain", "levels (delay before the next)", "then"], chains))
    return blocks


def _target_text(target: Target) -> str:
    level = f" {target.level}" if target.level else ""
    return f"{target.kind.replace('_', ' ')} {target.ref}{level}"


def _chain_levels(chain: EscalationChain) -> str:
    return " → ".join(
        f"{level.name or ', '.join(map(_target_text, level.targets))} ({_minutes(level.delay)})"
        for level in chain.levels
    )


def _chain_after(chain: EscalationChain) -> str:
    """What happens when the levels run out: repeats, then the backstop."""
    parts = [f"repeat ×{chain.repeat}"] if chain.repeat else []
    if chain.backstop is not None:
        parts.append("backstop " + ", ".join(map(_target_text, chain.backstop.targets)))
    return "; ".join(parts) or "—"


def _reproducibility(outcomes: Sequence[RunOutcome], provenance: Provenance) -> list[Block]:
    """Command line, seed, run length, versions and the hash of every input file."""
    first = outcomes[0]
    settings = [
        ("seed", str(provenance.seed)),
        ("replications", ", ".join(dict.fromkeys(str(o.aggregate.replications) for o in outcomes))),
        ("days per replication", f"{first.spec.horizon / 1440:g}"),
        ("python", platform.python_version()),
        *((package, importlib.metadata.version(package)) for package in _PACKAGES),
    ]
    files = [
        [Cell(label), Cell(str(path)), Cell(hashlib.sha256(path.read_bytes()).hexdigest())]
        for label, path in provenance.files.items()
    ]
    blocks: list[Block] = [
        Heading(2, "Reproducibility"),
        Paragraph("Run this command with the same files and versions to get the same numbers:"),
        Code(provenance.command),
        Table(["setting", "value"], [[Cell(k), Cell(v)] for k, v in settings]),
    ]
    if files:
        blocks.append(Table(["file", "path", "sha256"], files))
    return blocks
