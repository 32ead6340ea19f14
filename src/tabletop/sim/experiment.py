"""Replications of one scenario against one policy, serially or on a local process pool."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from tabletop.errors import InputError
from tabletop.policies.model import Policy
from tabletop.policies.roster import RosterCalendar
from tabletop.scenarios.model import Scenario
from tabletop.sim.metrics import Aggregate, ReplicationSummary, summarise
from tabletop.sim.records import ReplicationRecords
from tabletop.sim.world import World, roster_for

#: Called after each replication with (replications done, replications planned).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunSpec:
    """What to run: the pair, the seed, the length of each replication and whether to keep records."""

    scenario: Scenario
    policy: Policy
    seed: int
    days: float | None = None
    keep_records: bool = False


@dataclass
class RunOutcome:
    """The folded results and, when asked for, every replication's records."""

    aggregate: Aggregate
    records: list[ReplicationRecords]


_worker_spec: RunSpec | None = None
_worker_calendar: RosterCalendar | None = None


def _horizon(spec: RunSpec) -> float:
    return spec.days * 1440.0 if spec.days is not None else spec.scenario.horizon


def play(spec: RunSpec, replication: int, calendar: RosterCalendar) -> tuple[ReplicationSummary, ReplicationRecords]:
    """Run one replication and summarise it."""
    world = World(
        spec.scenario, spec.policy, seed=spec.seed, replication=replication, days=spec.days, calendar=calendar
    )
    records = world.run()
    return summarise(records, spec.policy), records


def _init_worker(spec: RunSpec) -> None:
    global _worker_spec, _worker_calendar  # noqa: PLW0603 - one spec and calendar per worker process
    _worker_spec = spec
    _worker_calendar = roster_for(spec.scenario, spec.policy, _horizon(spec))


def _play_chunk(replications: range) -> list[tuple[ReplicationSummary, ReplicationRecords | None]]:
    spec, calendar = _worker_spec, _worker_calendar
    assert spec is not None and calendar is not None
    results: list[tuple[ReplicationSummary, ReplicationRecords | None]] = []
    for replication in replications:
        summary, records = play(spec, replication, calendar)
        results.append((summary, records if spec.keep_records else None))
    return results


def _chunks(first: int, count: int, workers: int) -> Iterator[range]:
    """Split replications into chunks big enough to amortise the pool's overhead, small enough to balance."""
    size = max(1, count // (workers * 4))
    for start in range(first, first + count, size):
        yield range(start, min(start + size, first + count))


def run_replications(
    spec: RunSpec,
    replications: int,
    *,
    workers: int = 1,
    first: int = 0,
    aggregate: Aggregate | None = None,
    progress: Progress | None = None,
) -> RunOutcome:
    """Run replications ``first … first + replications - 1`` and fold them, in order, into an aggregate."""
    if replications < 1:
        raise InputError(f"need at least 1 replication, got {replications}")
    if workers < 1:
        raise InputError(f"need at least 1 worker, got {workers}")
    aggregate = aggregate or Aggregate(spec.policy)
    kept: list[ReplicationRecords] = []
    done = 0

    def fold(summary: ReplicationSummary, records: ReplicationRecords | None) -> None:
        nonlocal done
        aggregate.add(summary)
        if records is not None and spec.keep_records:
            kept.append(records)
        done += 1
        if progress is not None:
            progress(done, replications)

    if workers == 1 or replications == 1:
        calendar = roster_for(spec.scenario, spec.policy, _horizon(spec))
        for replication in range(first, first + replications):
            fold(*play(spec, replication, calendar))
        return RunOutcome(aggregate, kept)

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(spec,)) as pool:
        # map() yields chunk results in submission order, so folding is in replication order.
        for chunk in pool.map(_play_chunk, _chunks(first, replications, workers)):
            for summary, records in chunk:
                fold(summary, records)
    return RunOutcome(aggregate, kept)
