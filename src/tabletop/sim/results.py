"""The results document that ``--json`` writes, and per-record CSV files."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import astuple
from pathlib import Path
from typing import Any

from tabletop import __version__
from tabletop.sim.document_blocks import prose_list
from tabletop.sim.metrics import SLA_METRIC, Aggregate, Histogram
from tabletop.sim.records import BOTTLENECKS, HandoffRecord, IncidentRecord, ReplicationRecords, column_names
from tabletop.sim.spec import RunSpec


def no_targets_note(policies: Sequence[str]) -> str:
    """What to say instead of an SLA table when none of the policies sets a target."""
    if len(policies) == 1:
        named, whose = f"policy {policies[0]}", "its"
    else:
        named, whose = f"policies {prose_list(policies)}", "their"
    return (
        f"No SLA targets are defined in {named}, so no attainment is measured; add sla: to {whose} tiers, "
        "e.g. sla: {acknowledge: 15m, recover: 4h}."
    )


def number(value: float) -> float | None:
    """JSON has no NaN: unknown values are null."""
    return None if math.isnan(value) else round(value, 6)


def document(spec: RunSpec, aggregate: Aggregate) -> dict[str, Any]:
    """The results document of one scenario played against one policy."""
    replications = aggregate.replications
    metrics = {}
    for name, sample in aggregate.metrics.items():
        described = sample.describe()
        metrics[name] = {k: (number(float(v)) if k != "n" else v) for k, v in described.items()}
    sla: dict[str, dict[str, Any]] = {}
    for tier in spec.policy.tiers:
        entries: dict[str, Any] = {}
        for sla_name, metric in SLA_METRIC.items():
            target = getattr(tier.sla, sla_name)
            found = aggregate.sla_samples.get((tier.id, metric))
            if found is None:
                continue
            mean, low, high = aggregate.attainment(tier.id, metric)
            described = found.describe()
            entries[metric] = {
                "target": target,
                "attainment": number(mean) if target is not None else None,
                "ci95": [number(low), number(high)] if target is not None else None,
                "n": aggregate.sla_n.get((tier.id, metric), 0),
                "p50": number(float(described["p50"])),
                "p90": number(float(described["p90"])),
                "p99": number(float(described["p99"])),
            }
        sla[tier.id] = entries
    all_delays = list(aggregate.handoffs.values())
    count = sum(s.n for s in all_delays)
    total = math.fsum(s.total for s in all_delays)
    merged = _merged_quantiles(aggregate)
    handoffs = {
        "count": count,
        "per_replication": number(count / replications),
        "delay": {"mean": number(total / count if count else math.nan), "p50": merged[0], "p90": merged[1]},
        "by_reason": {
            reason: {
                "count": s.n,
                "mean": number(s.total / s.n if s.n else math.nan),
                "p50": number(s.histogram.quantile(0.5)),
                "p90": number(s.histogram.quantile(0.9)),
            }
            for reason, s in aggregate.handoffs.items()
            if s.n
        },
    }
    per_person = {
        person: {
            "pages": number(load.pages / replications),
            "interruptions": number(load.interruptions / replications),
            "business": number(load.business / replications),
            "off": number(load.off / replications),
            "sleep": number(load.sleep / replications),
            "hours_engaged": number(load.engaged_minutes / 60 / replications),
        }
        for person, load in sorted(aggregate.load.items())
    }
    incidents = max(aggregate.incidents, 1)
    return {
        "tabletop_version": __version__,
        "scenario": spec.scenario.id,
        "policy": spec.policy.id,
        "seed": spec.seed,
        "replications": replications,
        "days": number(spec.horizon / 1440),
        "incidents": aggregate.incidents,
        "metrics": metrics,
        "sla": sla,
        "handoffs": handoffs,
        "load": {"per_person": per_person, "unit": "per replication"},
        "bottlenecks": {part: number(aggregate.bottlenecks[part] / incidents) for part in BOTTLENECKS},
        "bottlenecks_by": _bottlenecks_by(aggregate),
        "update_adherence": {
            channel: number(on_time / due if due else math.nan) for channel, (due, on_time) in aggregate.updates.items()
        },
        "cost": _cost(spec, aggregate),
    }


def _bottlenecks_by(aggregate: Aggregate) -> dict[str, dict[str, dict[str, float | None]]]:
    """Mean minutes per incident in each bottleneck, by incident type, root service and owning team."""
    result: dict[str, dict[str, dict[str, float | None]]] = {"incident_type": {}, "service": {}, "team": {}}
    for (dimension, value), row in sorted(aggregate.bottlenecks_by.items()):
        count = row[0]
        entry: dict[str, float | None] = {"incidents": count}
        entry.update({part: number(row[i] / count) for i, part in enumerate(BOTTLENECKS, start=1)})
        result[dimension][value] = entry
    return result


def _cost(spec: RunSpec, aggregate: Aggregate) -> dict[str, float | None] | None:
    """Dispatch's engagement-weighted response cost, when the policy asks for it."""
    if spec.policy.cost is None:
        return None
    return {
        "per_replication": number(aggregate.cost / aggregate.replications),
        "per_incident": number(aggregate.cost / aggregate.incidents if aggregate.incidents else math.nan),
    }


def _merged_quantiles(aggregate: Aggregate) -> tuple[float | None, float | None]:
    merged = Histogram()
    for sample in aggregate.handoffs.values():
        merged.merge(sample.histogram)
    return number(merged.quantile(0.5)), number(merged.quantile(0.9))


def write_csv(records: list[ReplicationRecords], folder: Path) -> list[Path]:
    """Write incidents.csv and handoffs.csv with one row per record, replications in order."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, record_type, rows in (
        ("incidents.csv", IncidentRecord, (r for rep in records for r in rep.incidents)),
        ("handoffs.csv", HandoffRecord, (h for rep in records for h in rep.handoffs)),
    ):
        path = folder / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(column_names(record_type))
            for row in rows:
                writer.writerow(["" if isinstance(v, float) and math.isnan(v) else v for v in astuple(row)])
        written.append(path)
    return written
