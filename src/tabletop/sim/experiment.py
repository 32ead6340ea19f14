"""Replications of scenarios against policies, folded in replication order into aggregates."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tabletop.errors import InputError
from tabletop.sim.executors import Executor, ProcessExecutor, SerialExecutor, batches_for
from tabletop.sim.metrics import Aggregate
from tabletop.sim.records import ReplicationRecords
from tabletop.sim.spec import RunSpec

#: Called as replications finish with (replications done, replications planned), over all specs.
Progress = Callable[[int, int], None]


@dataclass
class RunOutcome:
    """The folded results of one spec and, when asked for, every replication's records."""

    spec: RunSpec
    aggregate: Aggregate
    records: list[ReplicationRecords]


def executor_for(workers: int) -> Executor:
    """The default executor: this process for one worker, a local process pool otherwise."""
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)


def run_experiment(
    specs: Sequence[RunSpec],
    replications: int,
    *,
    executor: Executor | None = None,
    workers: int = 1,
    first: int = 0,
    outcomes: list[RunOutcome] | None = None,
    progress: Progress | None = None,
    planned: int | None = None,
    done_before: int = 0,
) -> list[RunOutcome]:
    """Run replications ``first … first + replications - 1`` of every spec.

    Replication k of every spec uses the same random streams, so the specs are compared on
    the same incidents. Pass ``outcomes`` to extend earlier results (``first`` must follow on).
    """
    if replications < 1:
        raise InputError(f"need at least 1 replication, got {replications}")
    executor = executor or executor_for(workers)
    outcomes = outcomes or [RunOutcome(spec, Aggregate(spec.policy), []) for spec in specs]
    total = planned if planned is not None else replications * len(specs)
    done = done_before
    batches = batches_for(len(specs), first, replications, workers)
    for batch, played in zip(batches, executor.run(specs, batches), strict=True):
        outcome = outcomes[batch.spec]
        for summary, records in played:
            outcome.aggregate.add(summary)
            if records is not None:
                outcome.records.append(records)
            done += 1
            if progress is not None:
                progress(done, total)
    return outcomes


def run_replications(
    spec: RunSpec,
    replications: int,
    *,
    executor: Executor | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> RunOutcome:
    """Run replications ``0 … replications - 1`` of one spec."""
    (outcome,) = run_experiment([spec], replications, executor=executor, workers=workers, progress=progress)
    return outcome
