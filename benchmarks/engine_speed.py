"""Engine speed: Tabletop against a minimal SimPy model of the same M/M/c queue, and the full model.

1. M/M/c (lambda = 8/h, mu = 1/h, c = 10, the bundled ``mmc`` scenario): customers per second of
   Tabletop's engine against a minimal SimPy model written here (Resource + one generator
   process per customer), measured in the same run, medians of several runs.
2. The payments-platform scenario with every feature on: incidents per second on one core,
   and peak memory over many 28-day replications (it must not grow with their number).

    python benchmarks/engine_speed.py [--runs 3] [--replications 1000]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from tabletop.policies.loading import load_pair
from tabletop.sim.experiment import run_replications
from tabletop.sim.prepared import Prepared
from tabletop.sim.spec import RunSpec
from tabletop.sim.world import World


def simpy_mmc(lam_per_min: float, mean_service: float, servers: int, horizon: float, seed: int) -> tuple[int, float]:
    """The textbook SimPy model: customers, returns (customers served, mean wait in minutes)."""
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=servers)
    rng = np.random.default_rng(seed)
    waits: list[float] = []

    def customer(service: float) -> Generator[Any, Any, None]:
        arrived = env.now
        with desk.request() as request:
            yield request
            waits.append(env.now - arrived)
            yield env.timeout(service)

    def source() -> Generator[Any, Any, None]:
        while True:
            yield env.timeout(rng.exponential(1 / lam_per_min))
            env.process(customer(rng.exponential(mean_service)))

    env.process(source())
    env.run(until=horizon)
    return len(waits), sum(waits) / len(waits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--replications", type=int, default=1000)
    args = parser.parse_args()

    scenario, policy = load_pair("mmc", "mmc-pool")
    prepared = Prepared(scenario, policy, scenario.horizon)
    kind = scenario.incident_types[0]
    assert kind.rate_per_week is not None
    lam = kind.rate_per_week / 10080
    # One untimed run of each first: imports, caches and the interpreter's specialisation settle in.
    World(scenario, policy, seed=args.runs, replication=0, prepared=prepared).run()
    simpy_mmc(lam, 60.0, 10, scenario.horizon, args.runs)
    ours, theirs = [], []
    for run in range(args.runs):
        began = time.perf_counter()
        records = World(scenario, policy, seed=run, replication=0, prepared=prepared).run()
        ours.append(len(records.incidents) / (time.perf_counter() - began))
        began = time.perf_counter()
        served, _ = simpy_mmc(lam, 60.0, 10, scenario.horizon, run)
        theirs.append(served / (time.perf_counter() - began))
    tabletop_rate, simpy_rate = statistics.median(ours), statistics.median(theirs)
    # Each run times both engines back to back, so a run's own ratio is the least disturbed by a busy machine.
    ratios = sorted(a / b for a, b in zip(ours, theirs, strict=True))
    print(f"M/M/10, {scenario.horizon / 1440:g} days, median of {args.runs} runs:")
    print(f"  minimal SimPy (Resource + generators): {simpy_rate:,.0f} customers/s")
    print(f"  Tabletop engine:                       {tabletop_rate:,.0f} customers/s")
    spread = f"{ratios[0]:.2f}–{ratios[-1]:.2f}"
    print(f"  ratio Tabletop / SimPy:                {statistics.median(ratios):.2f} (runs: {spread})")

    spec = RunSpec(*load_pair("payments-platform", "payments-tiered"), seed=1)
    began = time.perf_counter()
    outcome = run_replications(spec, args.replications)
    elapsed = time.perf_counter() - began
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    incidents = outcome.aggregate.incidents
    print(f"payments-platform × payments-tiered, {args.replications} replications of 28 days, one core:")
    print(f"  {incidents:,} incidents in {elapsed:.1f} s: {incidents / elapsed:,.0f} incidents/s")
    print(f"  peak resident memory of this process: {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
