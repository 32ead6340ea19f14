"""Metrics computed from records: per replication first, then folded over replications in order.

A replication is reduced to a :class:`ReplicationSummary` of counts, sums and fixed-bin
histograms, so memory does not grow with the number of replications and folding the
summaries in replication order gives the same numbers whatever the number of workers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import get_args

import numpy as np
import numpy.typing as npt
from scipy import stats

from tabletop.policies.model import SLA_METRICS, Policy
from tabletop.scenarios.model import Scenario
from tabletop.sim.clock import HourClass
from tabletop.sim.records import BOTTLENECKS, HANDOFF_REASONS, UPDATE_COUNTS, IncidentRecord, ReplicationRecords

#: Each metric as a function of an incident record (minutes; NaN when a milestone was never reached).
METRICS: dict[str, Callable[[IncidentRecord], float]] = {
    "time_to_detect": lambda r: r.detected - r.started,
    "time_to_acknowledge": lambda r: r.acknowledged - r.detected,
    "time_to_mobilize": lambda r: r.mobilized - r.detected,
    "time_to_identify": lambda r: r.identified - r.detected,
    "time_to_contain": lambda r: r.contained - r.detected,
    "time_to_recover": lambda r: r.recovered - r.detected,
    "time_to_review": lambda r: r.reviewed - r.recovered,
    "customer_impact": lambda r: r.recovered - r.started,
}
#: Status-update channels whose adherence is measured.
UPDATE_CHANNELS = tuple(UPDATE_COUNTS)
#: The metric each SLA target of a tier is judged on.
SLA_METRIC = {name: f"time_to_{name}" for name in SLA_METRICS}

#: Histogram bin edges in minutes: 0, then 100 logarithmic bins a decade from 0.001 to 10^6.
EDGES = np.concatenate(([0.0], np.logspace(-3, 6, 901)))

#: The interruptions_by_hour key of people who belong to no team (no team id is empty).
NO_TEAM = ""


class Histogram:
    """Counts of values in fixed logarithmic bins: mergeable, deterministic quantiles."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts = np.zeros(len(EDGES) + 1, dtype=np.int64)

    def add(self, values: Iterable[float]) -> None:
        """Count values (NaNs are skipped)."""
        array = np.asarray(list(values), dtype=float)
        array = array[~np.isnan(array)]
        if array.size:
            np.add.at(self.counts, np.searchsorted(EDGES, array, side="right"), 1)

    def merge(self, other: Histogram) -> None:
        """Add another histogram's counts."""
        self.counts += other.counts

    @property
    def n(self) -> int:
        """How many values were counted."""
        return int(self.counts.sum())

    def quantile(self, q: float) -> float:
        """The q-quantile as numpy's default (linear between order statistics), each read from its bin.

        The k-th smallest value is placed inside its bin as if the bin's values were spread evenly
        on the log scale, so the answer is within a bin's width (a factor of 10^0.01, or a
        thousandth of a minute near 0) of the quantile of the values themselves.
        """
        total = self.n
        if total == 0:
            return math.nan
        rank = q * (total - 1)
        below = math.floor(rank)
        cumulative = np.cumsum(self.counts)
        lower = self._order_statistic(below, cumulative)
        if rank == below:
            return lower
        upper = self._order_statistic(below + 1, cumulative)
        return lower + (rank - below) * (upper - lower)

    def _order_statistic(self, k: int, cumulative: npt.NDArray[np.int64]) -> float:
        """The k-th smallest value counted (from 0), placed geometrically inside its bin."""
        index = int(np.searchsorted(cumulative, k, side="right"))
        if index <= 1:
            return 0.0  # below a thousandth of a minute
        if index >= len(EDGES):
            return float(EDGES[-1])
        low, high = EDGES[index - 1], EDGES[index]
        fraction = (k - cumulative[index - 1] + 0.5) / self.counts[index]
        return float(low * (high / low) ** fraction)


@dataclass
class Sample:
    """Count, sum and histogram of one metric."""

    n: int = 0
    total: float = 0.0
    histogram: Histogram = field(default_factory=Histogram)

    def add(self, values: list[float]) -> None:
        """Add the non-NaN values."""
        kept = [v for v in values if not math.isnan(v)]
        self.n += len(kept)
        self.total += math.fsum(kept)
        self.histogram.add(kept)

    def merge(self, other: Sample) -> None:
        """Fold another sample in."""
        self.n += other.n
        self.total += other.total
        self.histogram.merge(other.histogram)

    def describe(self) -> dict[str, float | int]:
        """Mean, p50, p90, p99 and n."""
        return {
            "mean": self.total / self.n if self.n else math.nan,
            "p50": self.histogram.quantile(0.5),
            "p90": self.histogram.quantile(0.9),
            "p99": self.histogram.quantile(0.99),
            "n": self.n,
        }


@dataclass
class PersonLoad:
    """One person's on-call load in one replication (or summed over several)."""

    pages: int = 0
    interruptions: int = 0
    business: int = 0
    off: int = 0
    sleep: int = 0
    engaged_minutes: float = 0.0

    def merge(self, other: PersonLoad) -> None:
        """Add another load."""
        self.pages += other.pages
        self.interruptions += other.interruptions
        self.business += other.business
        self.off += other.off
        self.sleep += other.sleep
        self.engaged_minutes += other.engaged_minutes


@dataclass
class ReplicationSummary:
    """Everything the results need from one replication."""

    replication: int
    incidents: int = 0
    metrics: dict[str, Sample] = field(default_factory=dict)
    #: (tier, metric) -> number judged, number meeting the target, and the metric's sample.
    sla: dict[tuple[str, str], tuple[int, int, Sample]] = field(default_factory=dict)
    handoffs: dict[str, Sample] = field(default_factory=dict)
    load: dict[str, PersonLoad] = field(default_factory=dict)
    bottlenecks: dict[str, float] = field(default_factory=dict)
    #: (dimension, value) -> incidents and minutes per bottleneck, for incident type, service and team.
    bottlenecks_by: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    #: team (NO_TEAM for people in none) -> interruptions of its members by their local hour of the week (168 counts)
    interruptions_by_hour: dict[str, list[int]] = field(default_factory=dict)
    #: channel -> [updates due, updates on time]
    updates: dict[str, list[int]] = field(default_factory=dict)
    cost: float = 0.0


def interruptions(page_times: list[float]) -> list[int]:
    """Indexes of the pages that start an interruption: pages within 60 s after one that started one belong to it."""
    starts: list[int] = []
    last = -math.inf
    for index, t in enumerate(page_times):
        if t - last > 1.0:
            starts.append(index)
            last = t
    return starts


def summarise(records: ReplicationRecords, scenario: Scenario, policy: Policy) -> ReplicationSummary:
    """Reduce one replication's records to a summary."""
    incidents = [r for r in records.incidents if not math.isnan(r.detected)]
    summary = ReplicationSummary(records.replication, incidents=len(incidents))
    # Each metric of each incident, worked out once for the overall samples and every tier's.
    values = {name: [metric(r) for r in incidents] for name, metric in METRICS.items()}
    for name, metric_values in values.items():
        sample = Sample()
        sample.add(metric_values)
        summary.metrics[name] = sample
    for tier in policy.tiers:
        tier_id = tier.id
        in_tier = [i for i, r in enumerate(incidents) if r.tier == tier_id]
        for sla_name, metric_name in SLA_METRIC.items():
            target = getattr(tier.sla, sla_name)
            metric_values = values[metric_name]
            tier_values = [metric_values[i] for i in in_tier]
            sample = Sample()
            sample.add(tier_values)
            # NaN (never reached) meets no target.
            met = sum(v <= target for v in tier_values) if target is not None else 0
            summary.sla[(tier_id, metric_name)] = (len(in_tier), met, sample)
    for reason in HANDOFF_REASONS:
        sample = Sample()
        sample.add([h.delay for h in records.handoffs if h.reason == reason])
        summary.handoffs[reason] = sample
    _summarise_load(records, scenario, summary)
    for part in BOTTLENECKS:
        summary.bottlenecks[part] = math.fsum(getattr(r, part) for r in incidents)
    by = summary.bottlenecks_by
    for record in incidents:
        parts = (1.0, *(getattr(record, part) for part in BOTTLENECKS))
        for key in (("incident_type", record.incident_type), ("service", record.root_service), ("team", record.team)):
            row = by.get(key)
            if row is None:
                row = by[key] = [0.0] * len(parts)
            for i, minutes in enumerate(parts):
                row[i] += minutes
    for channel, (due, posted) in UPDATE_COUNTS.items():
        summary.updates[channel] = [sum(getattr(r, due) for r in incidents), sum(getattr(r, posted) for r in incidents)]
    summary.cost = math.fsum(r.cost for r in incidents)
    return summary


def _summarise_load(records: ReplicationRecords, scenario: Scenario, summary: ReplicationSummary) -> None:
    """Each person's pages, interruptions by hour class and engaged minutes; interruptions by team and hour."""
    by_person: dict[str, list[tuple[float, str, int]]] = {}
    for page in records.pages:
        pages = by_person.get(page.person)
        if pages is None:
            pages = by_person[page.person] = []
        pages.append((page.paged, page.hour_class, page.hour_of_week))
    teams_of: dict[str, list[str]] = {}
    for team in scenario.teams:
        for member in team.members:
            teams_of.setdefault(member, []).append(team.id)
    by_hour = summary.interruptions_by_hour
    for person, pages in sorted(by_person.items()):
        pages.sort()
        load = summary.load[person] = PersonLoad(pages=len(pages))
        # A person with pages has at least one interruption: their teams' rows are made in the order they count.
        rows = [by_hour.setdefault(team, [0] * 168) for team in teams_of.get(person) or (NO_TEAM,)]
        classes = dict.fromkeys(get_args(HourClass), 0)
        for index in interruptions([t for t, _, _ in pages]):
            _, hours, hour_of_week = pages[index]
            classes[hours] += 1
            for row in rows:
                row[hour_of_week] += 1
        for hours, count in classes.items():
            setattr(load, hours, count)
        load.interruptions = sum(classes.values())
    for person, minutes in sorted(records.engaged.items()):
        summary.load.setdefault(person, PersonLoad()).engaged_minutes = minutes


def t_interval(values: list[float]) -> tuple[float, float, float]:
    """Mean and 95% Student-t confidence interval of replication means."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = math.fsum(values) / n
    if n == 1:
        return mean, math.nan, math.nan
    sd = float(np.std(values, ddof=1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


class Aggregate:
    """Summaries folded over replications, in replication order."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.replications = 0
        self.incidents = 0
        self.metrics: dict[str, Sample] = {name: Sample() for name in METRICS}
        self.sla_samples: dict[tuple[str, str], Sample] = {}
        self.sla_n: dict[tuple[str, str], int] = {}
        #: (tier, metric) -> replication -> share of the tier's incidents meeting the target
        self.sla_attainment: dict[tuple[str, str], dict[int, float]] = {}
        self.handoffs: dict[str, Sample] = {reason: Sample() for reason in HANDOFF_REASONS}
        self.load: dict[str, PersonLoad] = {}
        self.bottlenecks: dict[str, float] = dict.fromkeys(BOTTLENECKS, 0.0)
        self.bottlenecks_by: dict[tuple[str, str], list[float]] = {}
        self.updates: dict[str, list[int]] = {channel: [0, 0] for channel in UPDATE_CHANNELS}
        self.interruptions_by_hour: dict[str, list[int]] = {}
        self.cost = 0.0

    def add(self, summary: ReplicationSummary) -> None:
        """Fold in the next replication's summary."""
        self.replications += 1
        self.incidents += summary.incidents
        for name, sample in summary.metrics.items():
            self.metrics[name].merge(sample)
        for key, (judged, met, sample) in summary.sla.items():
            self.sla_samples.setdefault(key, Sample()).merge(sample)
            self.sla_n[key] = self.sla_n.get(key, 0) + judged
            if judged:
                self.sla_attainment.setdefault(key, {})[summary.replication] = met / judged
        for reason, sample in summary.handoffs.items():
            self.handoffs[reason].merge(sample)
        for person, load in summary.load.items():
            self.load.setdefault(person, PersonLoad()).merge(load)
        for part, minutes in summary.bottlenecks.items():
            self.bottlenecks[part] += minutes
        for key, row in summary.bottlenecks_by.items():
            total = self.bottlenecks_by.setdefault(key, [0.0] * len(row))
            for i, value in enumerate(row):
                total[i] += value
        for team, counts in summary.interruptions_by_hour.items():
            total_counts = self.interruptions_by_hour.setdefault(team, [0] * 168)
            for hour, count in enumerate(counts):
                total_counts[hour] += count
        for channel, (due, on_time) in summary.updates.items():
            self.updates[channel][0] += due
            self.updates[channel][1] += on_time
        self.cost += summary.cost

    def attainment(self, tier: str, metric: str) -> tuple[float, float, float]:
        """Mean attainment over replications with its 95% interval, clipped to [0, 1]."""
        mean, low, high = t_interval(list(self.sla_attainment.get((tier, metric), {}).values()))
        return mean, max(low, 0.0), min(high, 1.0)

    def widest_interval(self) -> float:
        """Half-width of the widest attainment interval among metrics with targets (NaN if none)."""
        widths = []
        for tier in self.policy.tiers:
            for sla_name, metric in SLA_METRIC.items():
                if getattr(tier.sla, sla_name) is None:
                    continue
                _, low, high = self.attainment(tier.id, metric)
                if not math.isnan(low):
                    widths.append((high - low) / 2)
        return max(widths) if widths else math.nan
