"""On-call queries per second on a year-long follow-the-sun rotation.

Builds the roster calendar of the bundled follow-the-sun policy for one year, then asks
"who is on call?" at random instants: per rotation level by POSIX seconds (the engine's
path) and for the whole policy by datetime (the CLI's path). Prints the figures.

    python benchmarks/oncall_queries.py [--queries N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from tabletop.policies.loading import load_policy
from tabletop.policies.roster import RosterCalendar


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--policy", default="payments-follow-the-sun")
    args = parser.parse_args()

    policy = load_policy(args.policy)
    start = datetime(2027, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=365)
    began = time.perf_counter()
    calendar = RosterCalendar(policy, start, end)
    build = time.perf_counter() - began
    keys = [(r.id, level) for r in policy.rotations for level in r.levels]
    segments = sum(len(calendar.segments(r, lvl)) for r, lvl in keys)
    print(f"policy {policy.id}: {len(keys)} rotation levels, {segments} on-call intervals over 365 days")
    print(f"calendar build: {build * 1000:.1f} ms")

    rng = random.Random(args.seed)
    lo, hi = start.timestamp(), end.timestamp()
    instants = [rng.uniform(lo, hi) for _ in range(args.queries)]
    picks = [keys[rng.randrange(len(keys))] for _ in range(args.queries)]
    on_call_at = calendar.on_call_at
    began = time.perf_counter()
    covered = 0
    for (rotation, level), at in zip(picks, instants, strict=True):
        if on_call_at(rotation, level, at) is not None:
            covered += 1
    elapsed = time.perf_counter() - began
    print(
        f"single-level queries: {args.queries / elapsed:,.0f} per second "
        f"({elapsed * 1e9 / args.queries:.0f} ns each; {covered / args.queries:.1%} answered with a person)"
    )

    moments = [datetime.fromtimestamp(t, UTC) for t in instants[: args.queries // 10]]
    began = time.perf_counter()
    for moment in moments:
        calendar.who_is_on_call(moment)
    elapsed = time.perf_counter() - began
    print(f"whole-policy queries ({len(keys)} levels each): {len(moments) / elapsed:,.0f} per second")


if __name__ == "__main__":
    main()
