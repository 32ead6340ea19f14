"""The engine against queueing theory: an M/M/c pool must reproduce Erlang C."""

from __future__ import annotations

import math

import numpy as np
import pytest
from engine_helpers import mmc_pair

from tabletop.sim.experiment import run_replications
from tabletop.sim.metrics import t_interval
from tabletop.sim.prepared import Prepared
from tabletop.sim.spec import RunSpec
from tabletop.sim.world import World


def erlang_c(lam: float, mu: float, c: int) -> tuple[float, float]:
    """P(wait) and Wq (hours) of an M/M/c queue, by the stable Erlang B recursion."""
    a = lam / mu
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    p_wait = b / (1 - rho * (1 - b))
    return p_wait, p_wait / (c * mu - lam)


def test_erlang_c_reference_values() -> None:
    p_wait, wq = erlang_c(8, 1, 10)
    assert p_wait == pytest.approx(0.409180, abs=1e-6)
    assert wq == pytest.approx(0.204590, abs=1e-6)
    assert p_wait * math.exp(-(10 - 8) * 0.5) == pytest.approx(0.150529, abs=1e-6)


def _replicate(c: int, lam: float, replications: int, days: int) -> dict[str, list[float]]:
    scenario, policy = mmc_pair(c, lam, "60m", days)
    prepared = Prepared(scenario, policy, scenario.horizon)
    out: dict[str, list[float]] = {"wq": [], "p_wait": [], "p_late": [], "util": [], "in_system": []}
    probe = np.random.default_rng(99)
    for replication in range(replications):
        records = World(scenario, policy, seed=11, replication=replication, prepared=prepared).run()
        # Discard the first day: the queue starts empty.
        incidents = [r for r in records.incidents if r.started >= 1440]
        waits = [(r.acknowledged - r.detected) / 60 for r in incidents]
        out["wq"].append(sum(waits) / len(waits))
        out["p_wait"].append(sum(w > 1e-9 for w in waits) / len(waits))
        out["p_late"].append(sum(w > 0.5 for w in waits) / len(waits))
        span_hours = (days - 1) * 24
        busy = sum((r.recovered - max(r.acknowledged, 0)) / 60 for r in incidents)
        out["util"].append(busy / (c * span_hours))
        # Little's law, checked independently: the number in the system seen at random instants.
        starts = np.array([r.detected for r in records.incidents])
        ends = np.array([r.recovered for r in records.incidents])
        instants = probe.uniform(2 * 1440, days * 1440, 400)
        counts = [int(np.count_nonzero((starts <= t) & (ends > t))) for t in instants]
        out["in_system"].append(float(np.mean(counts)))
    return out


def _assert_inside(values: list[float], expected: float, name: str) -> None:
    mean, low, high = t_interval(values)
    assert low <= expected <= high, f"{name}: {expected:.6f} outside [{low:.6f}, {high:.6f}] (mean {mean:.6f})"


def _check_against_theory(replications: int, days: int) -> dict[str, list[float]]:
    """Wq, P(wait), P(Wq > 0.5 h), utilisation and L = lambda * W, each inside its 95% interval."""
    lam, c = 8.0, 10
    p_wait, wq = erlang_c(lam, 1.0, c)
    result = _replicate(c, lam, replications, days)
    _assert_inside(result["wq"], wq, "Wq")
    _assert_inside(result["p_wait"], p_wait, "P(wait)")
    _assert_inside(result["p_late"], p_wait * math.exp(-(c - lam) * 0.5), "P(Wq > 0.5 h)")
    _assert_inside(result["util"], lam / c, "utilisation")
    _assert_inside(result["in_system"], lam * (wq + 1.0), "L (Little's law)")
    return result


def test_mmc_matches_erlang_c_fast() -> None:
    _check_against_theory(replications=12, days=8)


@pytest.mark.slow
def test_mmc_matches_erlang_c_tight() -> None:
    result = _check_against_theory(replications=60, days=28)
    _, wq = erlang_c(8.0, 1.0, 10)
    for name, scale in (("wq", wq), ("util", 0.8)):
        _, low, high = t_interval(result[name])
        assert (high - low) / 2 < 0.1 * scale, f"{name} interval too wide to be a tight check"


def test_sla_attainment_equals_share_acknowledged_in_time() -> None:
    scenario, policy = mmc_pair(10, 8.0, "60m", days=7)
    spec = RunSpec(scenario, policy, seed=3, keep_records=True)
    outcome = run_replications(spec, 3)
    for records, attained in zip(
        outcome.records, outcome.aggregate.sla_attainment[("T", "time_to_acknowledge")].values(), strict=True
    ):
        waits = [r.acknowledged - r.detected for r in records.incidents]
        assert attained == pytest.approx(sum(w <= 30 for w in waits) / len(waits))
