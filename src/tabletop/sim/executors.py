"""Where replications run: in this process, on a local process pool, or on a Dask cluster.

Work is cut into batches (one policy, a range of replications). Every executor yields the
batches' results in submission order, so folding them gives the same numbers whatever
the executor and the number of workers.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from tabletop.errors import InputError
from tabletop.sim.metrics import ReplicationSummary, summarise
from tabletop.sim.prepared import Prepared
from tabletop.sim.records import ReplicationRecords
from tabletop.sim.spec import RunSpec
from tabletop.sim.world import World

#: One replication's summary, with its records when they are kept.
Played = tuple[ReplicationSummary, ReplicationRecords | None]


@dataclass(frozen=True)
class Batch:
    """Replications ``replications`` of the run spec at ``spec`` (an index into the specs)."""

    spec: int
    replications: range


def play(spec: RunSpec, replication: int, prepared: Prepared) -> tuple[ReplicationSummary, ReplicationRecords]:
    """Run one replication and summarise it."""
    world = World(
        spec.scenario, spec.policy, seed=spec.seed, replication=replication, days=spec.days, prepared=prepared
    )
    records = world.run()
    return summarise(records, spec.scenario, spec.policy), records


def play_batch(spec: RunSpec, batch: Batch, prepared: Prepared | None = None) -> list[Played]:
    """Run a batch of replications of one spec."""
    prepared = prepared or Prepared(spec.scenario, spec.policy, spec.horizon)
    played: list[Played] = []
    for replication in batch.replications:
        summary, records = play(spec, replication, prepared)
        played.append((summary, records if spec.keep_records else None))
    return played


class Executor(Protocol):
    """Runs batches and yields their results in the order the batches were given."""

    def run(self, specs: Sequence[RunSpec], batches: Sequence[Batch]) -> Iterator[list[Played]]:
        """Results of each batch, in order."""
        ...


class SerialExecutor:
    """Everything in this process, one batch after another."""

    def run(self, specs: Sequence[RunSpec], batches: Sequence[Batch]) -> Iterator[list[Played]]:
        """Results of each batch, in order."""
        prepared: dict[int, Prepared] = {}
        for batch in batches:
            spec = specs[batch.spec]
            if batch.spec not in prepared:
                prepared[batch.spec] = Prepared(spec.scenario, spec.policy, spec.horizon)
            yield play_batch(spec, batch, prepared[batch.spec])


_worker_specs: Sequence[RunSpec] = ()
_worker_prepared: dict[int, Prepared] = {}


def _init_worker(specs: Sequence[RunSpec]) -> None:
    global _worker_specs  # noqa: PLW0603 - the specs live in each worker process for its lifetime
    _worker_specs = specs
    _worker_prepared.clear()


def _play_in_worker(batch: Batch) -> list[Played]:
    spec = _worker_specs[batch.spec]
    if batch.spec not in _worker_prepared:
        _worker_prepared[batch.spec] = Prepared(spec.scenario, spec.policy, spec.horizon)
    return play_batch(spec, batch, _worker_prepared[batch.spec])


class ProcessExecutor:
    """A local pool of worker processes; the specs are sent once to each worker."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise InputError(f"need at least 1 worker, got {workers}")
        self.workers = workers

    def run(self, specs: Sequence[RunSpec], batches: Sequence[Batch]) -> Iterator[list[Played]]:
        """Results of each batch, in order."""
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_init_worker, initargs=(tuple(specs),)
        ) as pool:
            yield from pool.map(_play_in_worker, batches)


class DaskExecutor:
    """A Dask distributed cluster: the one at ``scheduler``, or a LocalCluster started for the run."""

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        self.workers = workers
        self.scheduler = scheduler

    def run(self, specs: Sequence[RunSpec], batches: Sequence[Batch]) -> Iterator[list[Played]]:
        """Results of each batch, in order."""
        try:
            from distributed import Client, LocalCluster  # noqa: PLC0415 - an optional extra
        except ImportError:
            raise InputError("the dask executor needs the scale extra: pip install 'tabletop[scale]'") from None
        cluster = None
        if self.scheduler is None:
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None)
        try:
            # A remote scheduler that does not answer in 10 s is not coming; a local one may be slow to start.
            client = Client(cluster) if cluster is not None else Client(self.scheduler, timeout="10s")
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from None
        try:
            shared = client.scatter(list(specs), broadcast=True)
            futures = [client.submit(play_batch, shared[b.spec], b, pure=False) for b in batches]
            for future in futures:
                yield future.result()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def batches_for(specs: int, first: int, count: int, workers: int) -> list[Batch]:
    """Cut ``count`` replications of every spec into batches: big enough to amortise a task's
    overhead, small enough that the workers stay balanced and progress shows."""
    size = max(1, min(50, count // max(1, workers * 4)))
    return [
        Batch(spec, range(start, min(start + size, first + count)))
        for spec in range(specs)
        for start in range(first, first + count, size)
    ]
