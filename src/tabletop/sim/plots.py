"""Figures of experiment results: response times, SLA attainment, on-call load, handoffs, bottlenecks, sweeps.

Every function returns a :class:`~matplotlib.figure.Figure` built with the object API and no
pyplot, so figures can be drawn in any thread or process; :func:`save` writes PNG and SVG.
Each policy keeps its colour (its position among the outcomes) in every figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation
from matplotlib.ticker import FixedLocator, FuncFormatter, MultipleLocator, NullLocator, PercentFormatter
from matplotlib.transforms import Bbox

from tabletop.sim.experiment import RunOutcome
from tabletop.sim.metrics import EDGES, NO_TEAM, SLA_METRIC, Histogram
from tabletop.sim.records import BOTTLENECKS, HANDOFF_REASONS
from tabletop.sim.sweep import SweepPoint, pareto_front
from tabletop.spec.fields import format_duration, format_minutes, parse_duration

#: One colour per policy in outcome order: Okabe–Ito (distinguishable with colour-blindness), then Tol's muted.
POLICY_COLOURS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#882255",
    "#44AA99",
    "#999933",
    "#332288",
    "#AA4499",
)
#: The response-time metrics that get an ECDF figure.
ECDF_METRICS = ("time_to_acknowledge", "time_to_contain", "time_to_recover")
#: PNG resolution: a 9 × 4.5 in figure is 900 × 450 px, legible at 100% zoom.
DPI = 100

# Waiting is warm and darker the earlier it happens; working is neutral grey.
_BOTTLENECK_COLOURS = {
    "waiting_ack": "#B2182B",
    "waiting_handoff": "#EF8A62",
    "waiting_busy": "#FDDBC7",
    "working": "#BABABA",
}
_BOTTLENECK_LABELS = {
    "waiting_ack": "waiting for acknowledgement",
    "waiting_handoff": "waiting on a handoff",
    "waiting_busy": "waiting for a busy responder",
    "working": "working",
}
# Ticks for duration axes: the first row always, the second when the first gives too few.
_MAIN_TICKS = (1.0, 5.0, 15.0, 60.0, 240.0, 1440.0, 10080.0, 40320.0)
_EXTRA_TICKS = (0.25, 0.5, 2.0, 10.0, 30.0, 120.0, 480.0, 2880.0, 20160.0)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_LINE_STYLES = ("-", "--", ":", "-.")
_MUTED = "0.35"


def policy_colours(outcomes: Sequence[RunOutcome]) -> dict[str, str]:
    """Each policy's colour, by its position among the outcomes."""
    return {o.spec.policy.id: POLICY_COLOURS[i % len(POLICY_COLOURS)] for i, o in enumerate(outcomes)}


def save(figure: Figure, folder: Path, stem: str) -> list[Path]:
    """Write ``folder/stem.png`` and ``folder/stem.svg`` and return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{stem}.png", folder / f"{stem}.svg"
    # No software or date stamps, so the same results give the same PNG bytes.
    figure.savefig(png, dpi=DPI, metadata={"Software": None})
    # Drawing the PNG settled the layout; solving it again for the SVG would only cost time.
    engine = figure.get_layout_engine()
    figure.set_layout_engine("none")
    figure.savefig(svg, metadata={"Date": None})
    figure.set_layout_engine(engine)
    return [png, svg]


def _figure(width: float = 9.0, height: float = 4.5) -> Figure:
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _panels(figure: Figure, count: int, columns: int, *, sharex: bool = False, sharey: bool = False) -> list[Axes]:
    """A grid of ``count`` axes; unused cells of the last row are removed."""
    rows = math.ceil(count / columns)
    grid = figure.subplots(rows, columns, sharex=sharex, sharey=sharey, squeeze=False)
    axes: list[Axes] = list(grid.flat)
    for spare in axes[count:]:
        spare.remove()
    return axes[:count]


def _sla_name(metric: str) -> str:
    return metric.removeprefix("time_to_")


def _target(outcome: RunOutcome, tier: str, metric: str) -> float | None:
    """The policy's target for a tier and metric (None when it sets none or lacks the tier)."""
    found = next((t for t in outcome.spec.policy.tiers if t.id == tier), None)
    target: float | None = getattr(found.sla, _sla_name(metric)) if found is not None else None
    return target


def _tiers(outcomes: Sequence[RunOutcome]) -> list[str]:
    """Tier ids of every policy, most severe first as the first policy lists them."""
    tiers: list[str] = []
    for outcome in outcomes:
        tiers.extend(t.id for t in outcome.spec.policy.tiers if t.id not in tiers)
    return tiers


def _duration_axis(axes: Axes, low: float, high: float) -> None:
    """A log x axis from ``low`` to ``high`` minutes with ticks at round durations."""
    axes.set_xscale("log")
    axes.set_xlim(low, high)
    ticks = [t for t in _MAIN_TICKS if low <= t <= high]
    if len(ticks) < 4:
        ticks = sorted(ticks + [t for t in _EXTRA_TICKS if low <= t <= high])
    axes.xaxis.set_major_locator(FixedLocator(ticks))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: format_minutes(x)))
    axes.xaxis.set_minor_locator(NullLocator())


def _ecdf(histogram: Histogram, judged: int) -> np.ndarray:
    """Share of the judged incidents whose value lies below each bin edge."""
    cumulative: np.ndarray = np.cumsum(histogram.counts[: len(EDGES)]) / judged
    return cumulative


def _share_within(histogram: Histogram, judged: int, target: float) -> float:
    """Share of the judged incidents within the target, interpolated inside its bin on the log scale."""
    shares = _ecdf(histogram, judged)
    return float(np.interp(math.log(target), np.log(EDGES[1:]), shares[1:]))


def _policy_legend(figure: Figure, outcomes: Sequence[RunOutcome], extra: Sequence[Line2D] = ()) -> None:
    """One legend for the figure naming each policy's colour, below the panels."""
    handles = [Line2D([], [], color=colour, lw=2, label=policy) for policy, colour in policy_colours(outcomes).items()]
    handles.extend(extra)
    # Below the panels: constrained layout does not keep a legend above them clear of the title.
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), frameon=False)


def _metric_limits(outcomes: Sequence[RunOutcome], metric: str, tiers: Sequence[str]) -> tuple[float, float]:
    """X limits covering the 1st to 99.9th percentile of every tier and policy, and every target."""
    values = []
    for outcome in outcomes:
        for tier in tiers:
            sample = outcome.aggregate.sla_samples.get((tier, metric))
            if sample is not None and sample.n:
                values += [sample.histogram.quantile(0.01), sample.histogram.quantile(0.999)]
            target = _target(outcome, tier, metric)
            if target is not None:
                values.append(target)
    positive = [v for v in values if v > 0] or [1.0, 60.0]
    return max(min(positive) / 1.5, 0.1), max(positive) * 1.5


def ecdf_figure(outcomes: Sequence[RunOutcome], metric: str) -> Figure:
    """Share of incidents reaching a milestone within each time, one panel per tier, one line per policy."""
    tiers = _tiers(outcomes)
    figure = _figure(9.0, 3.2 + 2.4 * math.ceil(len(tiers) / 2))
    name = _sla_name(metric)
    figure.suptitle(f"Time to {name}: share of incidents within each time after detection")
    low, high = _metric_limits(outcomes, metric, tiers)
    panels = _panels(figure, len(tiers), 2, sharex=True, sharey=True)
    for axes, tier in zip(panels, tiers, strict=True):
        _ecdf_panel(axes, outcomes, tier, metric)
        _duration_axis(axes, low, high)
    for axes in panels[-2:]:
        # Shared axes show tick labels on the bottom row only; a panel above an empty cell needs its own.
        axes.tick_params(axis="x", labelbottom=True)
        axes.set_xlabel("minutes after detection (log scale)")
    for axes in panels[::2]:
        axes.set_ylabel("incidents")
    _policy_legend(figure, outcomes)
    return figure


def _ecdf_panel(axes: Axes, outcomes: Sequence[RunOutcome], tier: str, metric: str) -> None:
    """One tier's ECDFs, the target marked, and each policy's share within it in a small legend."""
    colours = policy_colours(outcomes)
    axes.set_ylim(0, 1.02)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.grid(True, color="0.9")
    targets = sorted({t for o in outcomes if (t := _target(o, tier, metric)) is not None})
    handles = [Line2D([], [], color=_MUTED, ls="--", lw=1, label=f"target {format_minutes(t)}") for t in targets]
    for target in targets:
        axes.axvline(target, color=_MUTED, ls="--", lw=1)
    judged = 0
    for outcome in outcomes:
        count = outcome.aggregate.sla_n.get((tier, metric), 0)
        sample = outcome.aggregate.sla_samples.get((tier, metric))
        if not count or sample is None:
            continue
        judged = count
        colour = colours[outcome.spec.policy.id]
        # The first edge is zero, which a log axis cannot show.
        axes.step(EDGES[1:], _ecdf(sample.histogram, count)[1:], where="post", color=colour, lw=1.6)
        own = _target(outcome, tier, metric)
        if own is not None:
            share = _share_within(sample.histogram, count, own)
            axes.plot([own], [share], "o", color=colour, ms=5, zorder=3)
            # The label gives attainment as the SLA table does (the mean of each replication's share),
            # which differs from the pooled curve's height when replications have unequal counts.
            mean, _, _ = outcome.aggregate.attainment(tier, metric)
            handles.append(Line2D([], [], color=colour, marker="o", ls="", label=f"{mean * 100:.1f}% within (mean)"))
    replications = outcomes[0].aggregate.replications
    axes.set_title(f"{tier}: {judged} incidents in {replications} replications" if judged else tier, fontsize=10)
    if not judged:
        axes.text(0.5, 0.5, f"no {tier} incidents", transform=axes.transAxes, ha="center", color=_MUTED)
    elif handles:
        axes.legend(handles=handles, loc="best", fontsize=8)


def _targeted_metrics(outcomes: Sequence[RunOutcome]) -> list[str]:
    """SLA metrics that some tier of some policy sets a target for, in lifecycle order."""
    return [
        metric
        for metric in SLA_METRIC.values()
        if any(_target(o, t, metric) is not None for o in outcomes for t in _tiers(outcomes))
    ]


def attainment_figure(outcomes: Sequence[RunOutcome], goal: float = 0.95) -> Figure:
    """SLA attainment per tier with 95% intervals, one panel per targeted metric, one point per policy."""
    metrics = _targeted_metrics(outcomes)
    columns = 3 if len(metrics) > 4 else 2
    figure = _figure(9.0, 1.6 + 2.6 * math.ceil(len(metrics) / columns))
    figure.suptitle("SLA attainment per tier: mean share of incidents within target, with 95% interval")
    panels = _panels(figure, len(metrics), columns, sharey=True)
    lowest = goal
    for axes, metric in zip(panels, metrics, strict=True):
        lowest = min(lowest, _attainment_panel(axes, outcomes, metric, goal))
    # A shared scale from the lowest interval, so panels compare and the goal line is in view;
    # from zero once that is near it, so a bottom at a few percent does not pass for the origin.
    bottom = math.floor(lowest * 10) / 10 - 0.02
    panels[0].set_ylim(bottom if bottom > 0.1 else 0, 1.02)
    for axes in panels[::columns]:
        axes.set_ylabel("attainment")
    goal_line = Line2D([], [], color=_MUTED, ls="--", lw=1, label=f"goal {goal:.0%}")
    _policy_legend(figure, outcomes, [goal_line])
    return figure


def _attainment_panel(axes: Axes, outcomes: Sequence[RunOutcome], metric: str, goal: float) -> float:
    """Points with error bars for one metric; returns the lowest value drawn."""
    tiers = _tiers(outcomes)
    colours = policy_colours(outcomes)
    width = 0.7 / len(outcomes)
    lowest = 1.0
    for index, outcome in enumerate(outcomes):
        offset = (index - (len(outcomes) - 1) / 2) * width
        for position, tier in enumerate(tiers):
            if _target(outcome, tier, metric) is None:
                continue
            mean, low, high = outcome.aggregate.attainment(tier, metric)
            if math.isnan(mean):
                continue
            error = [[mean - low], [high - mean]] if not math.isnan(low) else None
            axes.errorbar(
                position + offset,
                mean,
                yerr=error,
                fmt="o",
                color=colours[outcome.spec.policy.id],
                ms=5,
                capsize=3,
                lw=1.5,
            )
            lowest = min(lowest, mean if math.isnan(low) else low)
    axes.axhline(goal, color=_MUTED, ls="--", lw=1)
    axes.set_title(_sla_name(metric), fontsize=10)
    axes.set_xticks(range(len(tiers)), [_tier_tick(outcomes, tier, metric) for tier in tiers], fontsize=8)
    axes.set_xlim(-0.5, len(tiers) - 0.5)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.grid(True, axis="y", color="0.9")
    return lowest


def _tier_tick(outcomes: Sequence[RunOutcome], tier: str, metric: str) -> str:
    """A tier's tick label with its target underneath (several when the policies differ)."""
    targets = sorted({t for o in outcomes if (t := _target(o, tier, metric)) is not None})
    return f"{tier}\n" + ("/".join(f"≤{format_minutes(t)}" for t in targets) or "no target")


def interruption_heatmaps(outcomes: Sequence[RunOutcome]) -> list[Figure]:
    """Per policy, interruptions per replication by team and local hour of the week, on one colour scale."""
    teams = [team.id for team in outcomes[0].spec.scenario.teams]
    # People outside every team still carry pages; their own row keeps the rows adding up to everyone.
    if any(NO_TEAM in o.aggregate.interruptions_by_hour for o in outcomes):
        teams.append(NO_TEAM)
    rates = {
        o.spec.policy.id: np.array([o.aggregate.interruptions_by_hour.get(t, [0] * 168) for t in teams], dtype=float)
        / max(o.aggregate.replications, 1)
        for o in outcomes
    }
    highest = max(float(rate.max()) for rate in rates.values()) or 1.0
    labels = [team or "no team" for team in teams]
    return [_heatmap(policy, labels, rate, highest) for policy, rate in rates.items()]


def _heatmap(policy: str, teams: list[str], rate: np.ndarray, highest: float) -> Figure:
    """One policy's heatmap: rows are teams, columns the 168 hours from Monday 00:00."""
    figure = _figure(9.0, 1.9 + 0.32 * len(teams))
    axes = figure.subplots()
    # Square-root colours keep the quiet hours distinguishable next to a busy team; hours
    # without any interruption stay white.
    colours = colormaps["YlOrRd"].with_extremes(bad="white")
    image = axes.imshow(
        np.ma.masked_equal(rate, 0),
        aspect="auto",
        cmap=colours,
        norm=PowerNorm(0.5, vmin=0, vmax=highest),
        interpolation="nearest",
    )
    axes.set_yticks(range(len(teams)), teams)
    totals = axes.secondary_yaxis("right")
    totals.set_yticks(range(len(teams)), [f"{total:.1f}" for total in rate.sum(axis=1)])
    totals.set_ylabel("total per replication")
    for day in range(1, 7):
        axes.axvline(day * 24 - 0.5, color="0.25", lw=0.8)
    axes.set_xticks([day * 24 - 0.5 for day in range(8)], [""] * 8)
    axes.set_xticks([day * 24 + 11.5 for day in range(7)], _DAYS, minor=True)
    axes.tick_params(axis="x", which="minor", length=0)
    hours = axes.secondary_xaxis("top")
    hours.set_xticks([day * 24 + h - 0.5 for day in range(7) for h in (6, 12, 18)], ["6", "12", "18"] * 7)
    hours.tick_params(labelsize=7, length=2)
    axes.set_xlabel("hour of the week in each person's own time zone (marks at 06:00, 12:00 and 18:00)")
    axes.set_title(f"Interruptions by team and local hour of the week: {policy}", loc="left")
    colour_bar = figure.colorbar(image, ax=axes, pad=0.01, fraction=0.04)
    colour_bar.set_label("interruptions per replication")
    return figure


def handoff_figure(outcomes: Sequence[RunOutcome]) -> Figure:
    """Handoff delay by reason: each policy's median as a bar, its 90th percentile as a whisker."""
    reasons = [r for r in HANDOFF_REASONS if any(o.aggregate.handoffs[r].n for o in outcomes)]
    figure = _figure(9.0, 1.6 + 0.28 * max(len(reasons), 1) * (len(outcomes) + 0.6))
    figure.suptitle("Handoff delay by reason: from handoff to the receiver working")
    axes = figure.subplots()
    colours = policy_colours(outcomes)
    height = 0.8 / len(outcomes)
    longest = 1.0
    for index, outcome in enumerate(outcomes):
        for row, reason in enumerate(reasons):
            y = row + (index - (len(outcomes) - 1) / 2) * height
            sample = outcome.aggregate.handoffs[reason]
            per_replication = sample.n / max(outcome.aggregate.replications, 1)
            if not sample.n:
                axes.text(0, y, " none", va="center", fontsize=8, color=_MUTED)
                continue
            p50, p90 = sample.histogram.quantile(0.5), sample.histogram.quantile(0.9)
            colour = colours[outcome.spec.policy.id]
            axes.barh(y, p50, height=height * 0.85, color=colour)
            axes.errorbar(p50, y, xerr=[[0.0], [p90 - p50]], fmt="none", ecolor=colour, capsize=3, lw=1.2)
            axes.annotate(
                f"{per_replication:.1f} per replication",
                (p90, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
            longest = max(longest, p90)
    # Room on the right for the count labels.
    axes.set_xlim(0, longest * 1.35)
    axes.set_yticks(range(len(reasons)), [r.replace("_", " ") for r in reasons])
    # Whole slots, top to bottom, so a policy without handoffs of a reason keeps its place.
    axes.set_ylim(max(len(reasons), 1) - 0.5, -0.5)
    axes.set_xlabel("minutes (bar: median, whisker: 90th percentile)")
    axes.grid(True, axis="x", color="0.9")
    axes.set_axisbelow(True)
    if not reasons:
        axes.text(0.5, 0.5, "no handoffs", transform=axes.transAxes, ha="center", color=_MUTED)
    _policy_legend(figure, outcomes)
    return figure


def _stacked_bars(
    axes: Axes, labels: Sequence[str], rows: Sequence[Sequence[float]], widest: float, columns: int
) -> None:
    """Stacked horizontal bars of the bottleneck parts with the total at the end.

    ``columns`` is how many panels share the figure's width: the narrower the panel, the
    more room the totals need and the wider a segment must be to show its duration.
    """
    span = widest * (1.12 + 0.06 * columns)
    left = np.zeros(len(rows))
    values = np.array(rows, dtype=float).reshape(len(rows), len(BOTTLENECKS))
    for column, part in enumerate(BOTTLENECKS):
        bars = axes.barh(labels, values[:, column], left=left, color=_BOTTLENECK_COLOURS[part], height=0.6)
        # The same duration text as the report's tables, so a bar and its table cell read alike.
        texts = [format_duration(v) if v >= 0.08 * columns * span else "" for v in values[:, column]]
        text_colour = "white" if part == "waiting_ack" else "black"
        axes.bar_label(bars, texts, label_type="center", fontsize=8, color=text_colour)
        left += values[:, column]
    for y, total in enumerate(left):
        axes.annotate(
            format_duration(total), (total, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=9
        )
    axes.set_xlim(0, span)
    _linear_duration_axis(axes, span)
    axes.grid(True, axis="x", color="0.9")
    axes.set_axisbelow(True)


def _linear_duration_axis(axes: Axes, high: float) -> None:
    """Ticks at round durations (minutes, hours or days) on a linear x axis up to ``high`` minutes."""
    steps = (1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 480, 720, 1440, 2880, 10080)
    step = next((s for s in steps if high / s <= 6), steps[-1])
    # Every tick in the unit of the step (18h, 24h, 30h rather than 18h, 1d, 1.25d).
    unit, size = ("m", 1) if step < 60 else ("h", 60) if step < 1440 else ("d", 1440)
    axes.xaxis.set_major_locator(MultipleLocator(step))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / size:g}{unit}" if x else "0"))


def _bottleneck_legend(figure: Figure) -> None:
    handles = [Patch(color=_BOTTLENECK_COLOURS[p], label=_BOTTLENECK_LABELS[p]) for p in BOTTLENECKS]
    figure.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False, fontsize=9)


def _per_incident(row: Sequence[float]) -> list[float]:
    """Mean minutes per incident in each bottleneck from a bottlenecks_by row [incidents, minutes…]."""
    return [minutes / row[0] if row[0] else 0.0 for minutes in row[1:]]


def bottleneck_figure(outcomes: Sequence[RunOutcome]) -> Figure:
    """Where each policy's incident time goes, detection to recovery: one stacked bar per policy."""
    figure = _figure(9.0, 1.9 + 0.45 * len(outcomes))
    figure.suptitle("Where the time goes: mean time per incident from detection to recovery")
    axes = figure.subplots()
    rows = [[o.aggregate.bottlenecks[part] / max(o.aggregate.incidents, 1) for part in BOTTLENECKS] for o in outcomes]
    _stacked_bars(axes, [o.spec.policy.id for o in outcomes], rows, _widest(rows), 1)
    axes.invert_yaxis()
    colours = policy_colours(outcomes)
    for label in axes.get_yticklabels():
        label.set_color(colours.get(label.get_text(), "black"))
    axes.set_xlabel("time per incident")
    _bottleneck_legend(figure)
    return figure


def _widest(rows: Sequence[Sequence[float]]) -> float:
    """The longest stacked bar (1 when every bar is empty)."""
    return max((sum(row) for row in rows), default=0.0) or 1.0


def bottleneck_by_type_figure(outcomes: Sequence[RunOutcome]) -> Figure:
    """Where the time goes by incident type, one panel per policy on a shared scale."""
    types = [t.id for t in outcomes[0].spec.scenario.incident_types]
    columns = min(len(outcomes), 3)
    figure = _figure(9.0, 0.8 + (1.1 + 0.32 * len(types)) * math.ceil(len(outcomes) / columns))
    figure.suptitle("Where the time goes by incident type: mean time per incident, detection to recovery")
    panels = _panels(figure, len(outcomes), columns, sharey=True)
    empty = [0.0] * (len(BOTTLENECKS) + 1)
    rows = {
        o.spec.policy.id: [_per_incident(o.aggregate.bottlenecks_by.get(("incident_type", t), empty)) for t in types]
        for o in outcomes
    }
    widest = max(_widest(r) for r in rows.values())
    colours = policy_colours(outcomes)
    for axes, (policy, policy_rows) in zip(panels, rows.items(), strict=True):
        _stacked_bars(axes, types, policy_rows, widest, columns)
        axes.set_title(policy, color=colours[policy], fontsize=10)
        axes.set_xlabel("time per incident")
    panels[0].invert_yaxis()
    _bottleneck_legend(figure)
    return figure


def _swept(points: Sequence[SweepPoint], along: str | None) -> tuple[str, list[str]]:
    """The path on the x axis (the first that varies unless given) and the other paths."""
    paths = list(points[0].settings)
    varying = [p for p in paths if len({pt.settings[p] for pt in points}) > 1]
    chosen = along or (varying or paths)[0]
    return chosen, [p for p in paths if p != chosen]


def _positions(texts: Sequence[str]) -> tuple[dict[str, float], bool]:
    """X positions of the swept values: minutes or numbers when every value reads as one, else categories."""
    distinct = list(dict.fromkeys(texts))
    try:
        return {text: parse_duration(text) for text in distinct}, True
    except ValueError:
        return {text: float(i) for i, text in enumerate(distinct)}, False


def _sweep_lines(points: Sequence[SweepPoint], along: str, others: Sequence[str]) -> dict[str, list[SweepPoint]]:
    """Points grouped by the values of the other paths (one line each), in x order."""
    positions, _ = _positions([p.settings[along] for p in points])
    groups: dict[str, list[SweepPoint]] = {}
    for point in points:
        key = ", ".join(f"{path}={point.settings[path]}" for path in others)
        groups.setdefault(key, []).append(point)
    return {key: sorted(group, key=lambda p: positions[p.settings[along]]) for key, group in groups.items()}


def _metric_colour(metric: str) -> str:
    """Metrics coloured along the incident's life, from acknowledge (purple) through green to review (orange)."""
    order = list(SLA_METRIC.values())
    shades = ("#3B0F70", "#2C5FA8", "#1B9E9E", "#3FA34D", "#C99000", "#D9480F")
    return shades[order.index(metric) % len(shades)]


def sweep_curves_figure(points: Sequence[SweepPoint], along: str | None = None, goal: float = 0.95) -> Figure:
    """Attainment of each targeted tier and metric, with 95% bands, and interruptions along one swept path."""
    along, others = _swept(points, along)
    lines = _sweep_lines(points, along, others)
    outcomes = [points[0].outcome]
    tiers = [t for t in _tiers(outcomes) if any(_target(outcomes[0], t, m) is not None for m in SLA_METRIC.values())]
    figure = _figure(9.0, 1.8 + 2.5 * math.ceil((len(tiers) + 2) / 3))
    figure.suptitle(f"Sweep of {along}: SLA attainment with 95% bands, and on-call load")
    panels = _panels(figure, len(tiers) + 2, 3, sharex=True)
    positions, numeric = _positions([p.settings[along] for p in points])
    metrics: list[str] = []
    for axes, tier in zip(panels, tiers, strict=False):
        metrics += _sweep_tier_panel(axes, tier, lines=lines, along=along, positions=positions, goal=goal)
    _sweep_load_panel(panels[len(tiers)], lines, along, positions)
    values = list(positions.values())
    # Durations such as 5m … 60m crowd together on a linear axis; a log axis spaces them evenly.
    spread = numeric and min(values) > 0 and max(values) >= 4 * min(values)
    for axes in panels[:-1]:
        ordered = sorted(positions, key=positions.__getitem__)
        if spread:
            axes.set_xscale("log")
            axes.xaxis.set_minor_locator(NullLocator())
        axes.set_xticks([positions[text] for text in ordered], ordered)
        axes.tick_params(axis="x", labelbottom=True, labelsize=8)
        axes.set_xlabel(f"{along.rsplit('.', 1)[-1]}" + (" (minutes)" if numeric and _has_unit(positions) else ""))
    _sweep_legend(panels[-1], [m for m in SLA_METRIC.values() if m in metrics], list(lines), goal)
    return figure


def _has_unit(positions: dict[str, float]) -> bool:
    """Whether the swept values were written as durations (with a unit) rather than bare numbers."""
    return any(text.strip()[-1:].isalpha() for text in positions)


def _sweep_tier_panel(
    axes: Axes, tier: str, *, lines: dict[str, list[SweepPoint]], along: str, positions: dict[str, float], goal: float
) -> list[str]:
    """One tier's attainment curves with their bands; returns the metrics drawn."""
    drawn = []
    lowest = goal
    for style, group in zip(_LINE_STYLES * len(lines), lines.values(), strict=False):
        for metric in SLA_METRIC.values():
            if _target(group[0].outcome, tier, metric) is None:
                continue
            x = [positions[p.settings[along]] for p in group]
            found = [p.outcome.aggregate.attainment(tier, metric) for p in group]
            mean, low, high = (np.array(v, dtype=float) for v in zip(*found, strict=True))
            colour = _metric_colour(metric)
            axes.plot(x, mean, ls=style, marker="o", ms=3, color=colour, lw=1.4)
            axes.fill_between(x, low, high, color=colour, alpha=0.08, lw=0)
            lowest = float(np.nanmin([lowest, *mean, *low]))
            drawn.append(metric)
    axes.axhline(goal, color=_MUTED, ls="--", lw=1)
    axes.set_title(tier, fontsize=10)
    # Each tier on its own scale, from just below its lowest band (and the goal) to 100%.
    axes.set_ylim(max(math.floor(lowest * 10) / 10 - 0.02, -0.02), 1.02)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.grid(True, color="0.9")
    return drawn


def _sweep_load_panel(axes: Axes, lines: dict[str, list[SweepPoint]], along: str, positions: dict[str, float]) -> None:
    """Interruptions of everyone together per replication, all hours and sleep hours."""
    for style, group in zip(_LINE_STYLES * len(lines), lines.values(), strict=False):
        x = [positions[p.settings[along]] for p in group]
        axes.plot(x, [p.interruptions() for p in group], ls=style, marker="o", ms=3, color="#333333")
        axes.plot(x, [p.interruptions("sleep") for p in group], ls=style, marker="s", ms=3, color="#7B2CBF")
    axes.set_title("interruptions per replication", fontsize=10)
    axes.set_ylim(bottom=0)
    axes.grid(True, color="0.9")


def _sweep_legend(axes: Axes, metrics: Sequence[str], groups: Sequence[str], goal: float) -> None:
    """The last cell of the grid explains colours (metrics, load) and line styles (the other paths)."""
    axes.axis("off")
    handles = [Line2D([], [], color=_metric_colour(m), lw=2, label=f"{_sla_name(m)} attainment") for m in metrics]
    handles += [
        Line2D([], [], color=_MUTED, ls="--", lw=1, label=f"goal {goal:.0%}"),
        Line2D([], [], color="#333333", marker="o", label="all interruptions"),
        Line2D([], [], color="#7B2CBF", marker="s", label="during sleep"),
    ]
    if len(groups) > 1:
        handles += [
            Line2D([], [], color="black", ls=style, label=group)
            for style, group in zip(_LINE_STYLES * len(groups), groups, strict=False)
        ]
    axes.legend(handles=handles, loc="center", fontsize=8, frameon=False)


def tradeoff_figure(points: Sequence[SweepPoint]) -> Figure:
    """Mean SLA attainment against interruptions per replication, the Pareto-optimal variants joined."""
    figure = _figure()
    axes = figure.subplots()
    paths = list(points[0].settings)
    figure.suptitle("Trade-off: SLA attainment against on-call load, one point per policy variant")
    front = pareto_front(points)
    x = np.array([p.interruptions() for p in points])
    y = np.array([p.attainment() for p in points])
    best = np.flatnonzero(front)
    best = best[np.argsort(x[best])]
    axes.scatter(x, y, s=28, color="0.6", zorder=2, label="variant")
    axes.plot(x[best], y[best], "-o", color=POLICY_COLOURS[0], ms=7, zorder=3, label="Pareto-optimal")
    labels = [
        axes.annotate(
            ", ".join(p.settings.values()),
            (float(px), float(py)),
            xytext=(0, 0),
            textcoords="offset points",
            fontsize=8,
        )
        for p, px, py in zip(points, x, y, strict=True)
    ]
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    axes.set_xlabel("interruptions per replication, everyone together")
    axes.set_ylabel("mean attainment over targets")
    axes.grid(True, color="0.9")
    axes.margins(x=0.15, y=0.15)
    axes.legend(loc="lower right", fontsize=8, title=f"labels: {', '.join(paths)}", title_fontsize=8)
    _place_labels(figure, axes, labels, front)
    return figure


# Spots around a point for its label (offset in points, alignment), nearest first.
_LABEL_SPOTS: tuple[tuple[float, float, Literal["left", "right"]], ...] = (
    (6, 4, "left"),
    (6, -11, "left"),
    (-6, 4, "right"),
    (-6, -11, "right"),
    (6, 14, "left"),
    (6, -21, "left"),
    (-6, 14, "right"),
    (-6, -21, "right"),
)


def _place_labels(figure: Figure, axes: Axes, labels: Sequence[Annotation], front: Sequence[bool]) -> None:
    """Put each point label at the first spot around its point that covers no other label or point.

    The front rises to the right, so Pareto-optimal points try below right first, clear of the line.
    """
    figure.draw_without_rendering()
    placed = [Bbox.from_bounds(px - 5, py - 5, 10, 10) for px, py in axes.transData.transform([a.xy for a in labels])]
    for label, optimal in zip(labels, front, strict=True):
        spots = _LABEL_SPOTS[1:2] + _LABEL_SPOTS if optimal else _LABEL_SPOTS
        for dx, dy, align in spots:
            label.xyann = (dx, dy)
            label.set_horizontalalignment(align)
            if not any(label.get_window_extent().overlaps(other) for other in placed):
                break
        placed.append(label.get_window_extent())
