"""Paired comparison of policies on the same incidents, and runs to a requested precision."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from tabletop.sim.executors import Executor
from tabletop.sim.experiment import Progress, RunOutcome, run_experiment
from tabletop.sim.metrics import SLA_METRIC, Aggregate, t_interval
from tabletop.sim.results import document, number
from tabletop.sim.spec import RunSpec

Verdict = Literal["better", "worse", "no detectable difference", "no incidents"]


def paired_difference(baseline: Aggregate, other: Aggregate, key: tuple[str, str]) -> tuple[float, float, float, int]:
    """Mean of other − baseline attainment over the replications both judged, with its 95% interval."""
    ours, theirs = baseline.sla_attainment.get(key, {}), other.sla_attainment.get(key, {})
    shared = sorted(ours.keys() & theirs.keys())
    mean, low, high = t_interval([theirs[r] - ours[r] for r in shared])
    # Two shares differ by at most 1 either way, but the symmetric t-interval of a few
    # replications can reach past that; no bound beyond ±1 is possible, so it is clipped.
    return mean, max(low, -1.0), min(high, 1.0), len(shared)


def verdict(low: float, high: float, replications: int) -> Verdict:
    """Plain reading of a difference's interval: it excludes zero one way, the other, or not at all.

    Without a replication in which the tier had incidents there is nothing to compare, which
    is not the same as comparing and finding no difference.
    """
    if replications == 0:
        return "no incidents"
    if math.isnan(low) or low <= 0 <= high:
        return "no detectable difference"
    return "better" if low > 0 else "worse"


def differences(baseline: RunOutcome, other: RunOutcome) -> dict[str, Any]:
    """Per tier and SLA metric, the paired difference other − baseline and its verdict."""
    tiers = {tier.id: tier for tier in other.spec.policy.tiers}
    sla: dict[str, dict[str, Any]] = {}
    for base_tier in baseline.spec.policy.tiers:
        tier = tiers.get(base_tier.id)
        if tier is None:
            continue
        for sla_name, metric in SLA_METRIC.items():
            base_target, target = getattr(base_tier.sla, sla_name), getattr(tier.sla, sla_name)
            if base_target is None or target is None:
                continue
            mean, low, high, pairs = paired_difference(baseline.aggregate, other.aggregate, (tier.id, metric))
            sla.setdefault(tier.id, {})[metric] = {
                "difference": number(mean),
                "ci95": [number(low), number(high)],
                "verdict": verdict(low, high, pairs),
                "replications": pairs,
                "targets": [base_target, target],
            }
    return {"baseline": baseline.spec.policy.id, "sla": sla}


def targeted_rows(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(tier, metric) pairs that some policy of a compare document sets a target for, tiers most severe first."""
    policies = doc["policies"].values()
    tiers = list(dict.fromkeys(tier for results in policies for tier in results["sla"]))
    return [
        (tier, metric)
        for tier in tiers
        for metric in SLA_METRIC.values()
        if any(target is not None for target in targets(doc, tier, metric).values())
    ]


def targets(doc: dict[str, Any], tier: str, metric: str) -> dict[str, float | None]:
    """Each policy's target for a tier and metric in a compare document (None where it sets none)."""
    return {
        policy: results["sla"].get(tier, {}).get(metric, {}).get("target")
        for policy, results in doc["policies"].items()
    }


def compare_document(outcomes: Sequence[RunOutcome]) -> dict[str, Any]:
    """The compare document: every policy's results document and each one's differences from the first."""
    baseline, *others = outcomes
    return {
        "policies": {o.spec.policy.id: document(o.spec, o.aggregate) for o in outcomes},
        "differences": {o.spec.policy.id: differences(baseline, o) for o in others},
    }


def widest_interval(outcomes: Sequence[RunOutcome]) -> float:
    """Half-width of the widest attainment interval over every policy (NaN until there are two replications)."""
    widths = [o.aggregate.widest_interval() for o in outcomes]
    known = [w for w in widths if not math.isnan(w)]
    return max(known) if known else math.nan


def run_to_precision(
    specs: Sequence[RunSpec],
    precision: float,
    *,
    start: int,
    limit: int,
    executor: Executor | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> tuple[list[RunOutcome], bool]:
    """Add replications until every attainment interval is at most ±``precision`` or ``limit`` is reached.

    After each round the replications still needed are estimated from the widest interval
    (its half-width shrinks as one over the square root of the count). Returns the outcomes
    and whether the precision was reached.
    """
    count = min(start, limit)
    outcomes = run_experiment(
        specs, count, executor=executor, workers=workers, progress=progress, planned=count * len(specs)
    )
    while True:
        widest = widest_interval(outcomes)
        if not math.isnan(widest) and widest <= precision:
            return outcomes, True
        if count >= limit:
            return outcomes, False
        needed = count * (widest / precision) ** 2 if not math.isnan(widest) else 2 * count
        more = int(min(limit - count, max(math.ceil(needed) - count, 2, count // 2)))
        outcomes = run_experiment(
            specs,
            more,
            executor=executor,
            workers=workers,
            first=count,
            outcomes=outcomes,
            progress=progress,
            planned=(count + more) * len(specs),
            done_before=count * len(specs),
        )
        count += more
