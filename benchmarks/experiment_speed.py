"""Scale-out: wall time of a policy comparison with 1 and 2 worker processes, and of make demo's work.

    python benchmarks/experiment_speed.py [--replications 200]

Prints the speed-up of ``--workers 2`` over ``--workers 1`` for a comparison of the three
payments-platform policies, and checks that both give the same compare document.
"""

from __future__ import annotations

import argparse
import json
import time

from tabletop.policies.loading import load_pair
from tabletop.sim.compare import compare_document
from tabletop.sim.experiment import run_experiment
from tabletop.sim.spec import RunSpec

POLICIES = ("payments-flat", "payments-tiered", "payments-follow-the-sun")


def timed(replications: int, workers: int) -> tuple[float, str]:
    specs = [RunSpec(*load_pair("payments-platform", policy), seed=1) for policy in POLICIES]
    began = time.perf_counter()
    outcomes = run_experiment(specs, replications, workers=workers)
    elapsed = time.perf_counter() - began
    return elapsed, json.dumps(compare_document(outcomes), sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200)
    args = parser.parse_args()
    one, doc_one = timed(args.replications, 1)
    two, doc_two = timed(args.replications, 2)
    print(f"compare 3 policies × {args.replications} replications × 28 days (payments-platform):")
    print(f"  --workers 1: {one:.1f} s")
    print(f"  --workers 2: {two:.1f} s")
    print(f"  speed-up: {one / two:.2f}×; documents identical: {doc_one == doc_two}")


if __name__ == "__main__":
    main()
