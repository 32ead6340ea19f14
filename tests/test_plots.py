"""Figures of experiment results: the right panels, lines, targets and scales."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D

from tabletop.policies.loading import load_pair
from tabletop.sim import plots
from tabletop.sim.experiment import RunOutcome, run_experiment
from tabletop.sim.metrics import Aggregate
from tabletop.sim.records import BOTTLENECKS, HANDOFF_REASONS
from tabletop.sim.spec import RunSpec
from tabletop.sim.sweep import SweepPoint, pareto_front
from tabletop.spec.fields import format_duration, format_minutes, parse_duration

POLICIES = ("payments-flat", "payments-tiered", "payments-follow-the-sun")
TIERS = ["SEV1", "SEV2", "SEV3", "SEV4"]


@pytest.fixture(scope="module")
def outcomes() -> list[RunOutcome]:
    specs = [RunSpec(*load_pair("payments-platform", p), seed=3, days=7) for p in POLICIES]
    return run_experiment(specs, 3)


def sweep_points(outcomes: list[RunOutcome], values: list[str]) -> list[SweepPoint]:
    """The three policies stand in for variants along ``delay``, each also at two values of ``mode``."""
    return [
        SweepPoint({"chains.ops.levels.0.delay": value, "mode": mode}, outcome)
        for mode in ("a", "b")
        for value, outcome in zip(values, outcomes, strict=True)
    ]


def xs(line: Line2D) -> list[float]:
    """A line's x values as floats."""
    values: list[float] = np.asarray(line.get_xdata(), dtype=float).tolist()
    return values


def ys(line: Line2D) -> list[float]:
    """A line's y values as floats."""
    values: list[float] = np.asarray(line.get_ydata(), dtype=float).tolist()
    return values


def policy_lines(figure: Figure) -> list[list[Line2D]]:
    """Per panel, the lines drawn in a policy colour."""
    return [[line for line in axes.lines if line.get_color() in plots.POLICY_COLOURS] for axes in figure.axes]


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0, "0"), (0.5, "30s"), (5, "5m"), (12.345, "12.3m"), (90, "1.5h"), (1440, "1d"), (2160, "1.5d"), (10080, "1w")],
)
def test_durations_read_as_people_write_them(minutes: float, text: str) -> None:
    assert format_minutes(minutes) == text


def test_ecdf_has_a_panel_per_tier_a_line_per_policy_and_the_target(outcomes: list[RunOutcome]) -> None:
    for metric in plots.ECDF_METRICS:
        figure = plots.ecdf_figure(outcomes, metric)
        assert [a.get_title().split(":")[0] for a in figure.axes] == TIERS
        for axes, tier, lines in zip(figure.axes, TIERS, policy_lines(figure), strict=True):
            steps = [line for line in lines if len(xs(line)) > 1]
            assert len(steps) == len(POLICIES)
            target = getattr(outcomes[0].spec.policy.tiers[TIERS.index(tier)].sla, metric.removeprefix("time_to_"))
            verticals = [line for line in axes.lines if xs(line) == [target, target]]
            assert len(verticals) == 1
            legend = axes.get_legend()
            assert legend is not None
            texts = [t.get_text() for t in legend.get_texts()]
            assert texts[0] == f"target {format_minutes(target)}"
            # The same statistic as the SLA table: the mean of the replications' shares.
            means = [o.aggregate.attainment(tier, metric)[0] for o in outcomes]
            assert texts[1:] == [f"{mean * 100:.1f}% within (mean)" for mean in means]
            assert axes.get_xscale() == "log"


def test_ecdf_panels_with_an_axis_title_show_their_ticks() -> None:
    # Three tiers: the second panel has no panel below it, so it carries the axis for its column.
    (outcome,) = run_experiment([RunSpec(*load_pair("startup", "startup-basic"), seed=1, days=7)], 1)
    assert len(outcome.spec.policy.tiers) == 3
    figure = plots.ecdf_figure([outcome], "time_to_contain")
    figure.draw_without_rendering()
    titled = [axes for axes in figure.axes if axes.get_xlabel()]
    assert len(titled) == 2
    for axes in titled:
        shown = [t.label1.get_text() for t in axes.xaxis.get_major_ticks() if t.label1.get_visible()]
        assert len([text for text in shown if text]) >= 3


def test_ecdf_reaches_the_share_of_incidents_that_got_there(outcomes: list[RunOutcome]) -> None:
    figure = plots.ecdf_figure(outcomes, "time_to_recover")
    aggregate = outcomes[0].aggregate
    step = policy_lines(figure)[0][0]
    reached = aggregate.sla_samples[("SEV1", "time_to_recover")].n / aggregate.sla_n[("SEV1", "time_to_recover")]
    assert ys(step)[-1] == pytest.approx(reached)


def test_attainment_has_a_point_per_policy_and_tier_with_intervals_and_the_goal(outcomes: list[RunOutcome]) -> None:
    figure = plots.attainment_figure(outcomes, goal=0.9)
    assert [a.get_title() for a in figure.axes] == [
        "acknowledge",
        "mobilize",
        "identify",
        "contain",
        "recover",
        "review",
    ]
    for axes in figure.axes:
        targeted = 3 if axes.get_title() in ("mobilize", "review") else 4  # SEV4 sets no target for these
        points = [c for c in axes.containers if isinstance(c, ErrorbarContainer)]
        assert len(points) <= targeted * len(POLICIES)
        assert len(points) >= len(POLICIES)
        assert any(ys(line) == [0.9, 0.9] for line in axes.lines)
        assert "SEV1\n≤" in axes.get_xticklabels()[0].get_text()
    legend_texts = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend_texts == [*POLICIES, "goal 90%"]
    # The shared scale starts at zero or clearly above it, never a few percent up.
    bottom, _ = figure.axes[0].get_ylim()
    assert bottom == 0 or bottom > 0.1


def test_heatmaps_share_one_colour_scale_over_teams_and_168_hours(outcomes: list[RunOutcome]) -> None:
    figures = plots.interruption_heatmaps(outcomes)
    assert len(figures) == len(POLICIES)
    teams = len(outcomes[0].spec.scenario.teams) + 1  # and the people in no team
    images = [next(a for a in f.axes if a.images).images[0] for f in figures]
    assert all(isinstance(image, AxesImage) and np.asarray(image.get_array()).shape == (teams, 168) for image in images)
    assert len({image.norm.vmax for image in images}) == 1
    highest = max(
        max(v) / o.aggregate.replications for o in outcomes for v in o.aggregate.interruptions_by_hour.values()
    )
    assert images[0].norm.vmax == pytest.approx(highest)
    for figure, policy in zip(figures, POLICIES, strict=True):
        assert figure.axes[0].get_title(loc="left").endswith(policy)
        assert any(a.get_ylabel() == "interruptions per replication" for a in figure.axes)  # the colour bar
        assert figure.axes[0].get_yticklabels()[-1].get_text() == "no team"
        days = [t.get_text() for t in figure.axes[0].get_xticklabels(minor=True)]
        assert days == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def test_heatmap_rows_add_up_to_everyone_s_interruptions(outcomes: list[RunOutcome]) -> None:
    for outcome, figure in zip(outcomes, plots.interruption_heatmaps(outcomes), strict=True):
        image = next(a for a in figure.axes if a.images).images[0]
        everyone = sum(load.interruptions for load in outcome.aggregate.load.values())
        assert np.asarray(image.get_array()).sum() == pytest.approx(everyone / outcome.aggregate.replications)


def test_handoff_delay_bar_and_whisker_per_policy_and_reason(outcomes: list[RunOutcome]) -> None:
    figure = plots.handoff_figure(outcomes)
    axes = figure.axes[0]
    used = [(o, r) for r in HANDOFF_REASONS for o in outcomes if o.aggregate.handoffs[r].n]
    bars = [c for c in axes.containers if isinstance(c, BarContainer)]
    assert len(bars) == len(used)
    for bar, (outcome, reason) in zip(bars, sorted(used, key=lambda u: outcomes.index(u[0])), strict=True):
        assert bar.patches[0].get_width() == pytest.approx(outcome.aggregate.handoffs[reason].histogram.quantile(0.5))
    labels = [t.get_text() for t in axes.texts if t.get_text().endswith("per replication")]
    assert len(labels) == len(used)


def test_bottlenecks_stack_four_parts_per_policy_and_per_incident_type(outcomes: list[RunOutcome]) -> None:
    figure = plots.bottleneck_figure(outcomes)
    axes = figure.axes[0]
    bars = [c for c in axes.containers if isinstance(c, BarContainer)]
    assert len(bars) == len(BOTTLENECKS) and all(len(b.patches) == len(POLICIES) for b in bars)
    total = sum(b.patches[0].get_width() for b in bars)
    aggregate = outcomes[0].aggregate
    assert total == pytest.approx(sum(aggregate.bottlenecks.values()) / aggregate.incidents)
    # Durations read as in the report's table: the total once rounded up, the parts in the same format.
    texts = [t.get_text() for t in axes.texts]  # the parts' labels, then each bar's total
    assert texts[-len(POLICIES)] == format_duration(total)
    labels = [text for text in texts[: -len(POLICIES)] if text]
    assert labels and all(text == format_duration(parse_duration(text)) for text in labels)
    by_type = plots.bottleneck_by_type_figure(outcomes)
    assert [a.get_title() for a in by_type.axes] == list(POLICIES)
    assert len({a.get_xlim() for a in by_type.axes}) == 1  # one scale for every policy
    types = len(outcomes[0].spec.scenario.incident_types)
    assert all(len(c.patches) == types for a in by_type.axes for c in a.containers if isinstance(c, BarContainer))


def test_sweep_curves_put_durations_on_a_numeric_axis(outcomes: list[RunOutcome]) -> None:
    points = sweep_points(outcomes, ["5m", "1h", "30m"])
    figure = plots.sweep_curves_figure(points)
    tier_panels = figure.axes[:4]
    assert [a.get_title() for a in tier_panels] == TIERS
    positions = {tuple(xs(line)) for a in tier_panels for line in a.lines if len(xs(line)) == 3}
    assert positions == {(5.0, 30.0, 60.0)}
    assert [t.get_text() for t in tier_panels[0].get_xticklabels()] == ["5m", "30m", "1h"]
    # One line per targeted metric and value of the other path, each with its band.
    sla = outcomes[0].spec.policy.tiers[0].sla
    targeted = sum(getattr(sla, m) is not None for m in ("acknowledge", "mobilize", "identify", "contain", "recover"))
    sev1 = tier_panels[0]
    assert len([line for line in sev1.lines if len(xs(line)) == 3]) == 2 * (targeted + 1)  # and review
    assert len(sev1.collections) == 2 * (targeted + 1)
    assert all(isinstance(c, PolyCollection) for c in sev1.collections)
    load = figure.axes[4]
    assert load.get_title() == "interruptions per replication"
    assert len(load.lines) == 4  # all and sleep, for each value of the other path
    legend = figure.axes[5].get_legend()
    assert legend is not None
    legend_texts = [t.get_text() for t in legend.get_texts()]
    assert "mode=a" in legend_texts and "mode=b" in legend_texts


def test_sweep_curves_put_other_values_in_categories(outcomes: list[RunOutcome]) -> None:
    points = sweep_points(outcomes, ["[ana, ben]", "true", "pool"])
    figure = plots.sweep_curves_figure(points, along="chains.ops.levels.0.delay")
    axes = figure.axes[0]
    assert [t.get_text() for t in axes.get_xticklabels()] == ["[ana, ben]", "true", "pool"]
    assert {tuple(xs(line)) for line in axes.lines if len(xs(line)) == 3} == {(0.0, 1.0, 2.0)}
    with pytest.raises(ValueError):
        parse_duration("pool")


def test_tradeoff_joins_the_pareto_front_and_labels_every_point_apart(outcomes: list[RunOutcome]) -> None:
    points = sweep_points(outcomes, ["5m", "30m", "1h"])
    figure = plots.tradeoff_figure(points)
    axes = figure.axes[0]
    front = [line for line in axes.lines if line.get_label() == "Pareto-optimal"]
    assert len(front) == 1 and len(xs(front[0])) == sum(pareto_front(points))
    assert xs(front[0]) == sorted(xs(front[0]))
    labels = [t for t in axes.texts if t.get_text()]
    assert sorted(t.get_text() for t in labels) == sorted(", ".join(p.settings.values()) for p in points)
    figure.draw_without_rendering()
    boxes = [t.get_window_extent() for t in labels]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_figures_of_an_outcome_without_incidents_say_so(outcomes: list[RunOutcome]) -> None:
    empty = [RunOutcome(o.spec, Aggregate(o.spec.policy), []) for o in outcomes[:1]]
    ecdf = plots.ecdf_figure(empty, "time_to_acknowledge")
    assert all(any(t.get_text().startswith("no SEV") for t in a.texts) for a in ecdf.axes)
    handoffs = plots.handoff_figure(empty)
    assert [t.get_text() for t in handoffs.axes[0].texts] == ["no handoffs"]
    others = [plots.attainment_figure(empty), plots.bottleneck_figure(empty), plots.bottleneck_by_type_figure(empty)]
    for figure in [ecdf, handoffs, *plots.interruption_heatmaps(empty), *others]:
        figure.draw_without_rendering()


def test_save_writes_png_and_svg_of_the_figure_size(outcomes: list[RunOutcome], tmp_path: Path) -> None:
    png, svg = plots.save(plots.bottleneck_figure(outcomes), tmp_path / "plots", "bottlenecks")
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png.read_bytes()[16:20], "big")
    assert width == 900
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
