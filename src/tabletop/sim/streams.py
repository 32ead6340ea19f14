"""Random streams: one root seed, one child per replication, one stream per source.

Streams are keyed, not spawned in order, so a source's draws never depend on which other
sources exist or how often they were used. Arrivals and incident attributes are drawn
from streams that no policy decision touches, so every policy sees the same incidents in
replication k (common random numbers).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

#: Exponential draws made at a time by a stream that draws nothing else.
_BLOCK = 1024


class Source(IntEnum):
    """The independent sources of randomness inside one replication."""

    ARRIVALS = 0
    ATTRIBUTES = 1
    PERSON = 2
    POLICY = 3


def stream(seed: int, replication: int, source: Source, index: int = 0) -> np.random.Generator:
    """The generator for one source (and its index, e.g. an incident type or a person)."""
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=(replication, int(source), index))
    return np.random.Generator(np.random.PCG64(sequence))


class Exponentials:
    """A stream that only ever draws exponentials, a block at a time: the same numbers as one draw per call."""

    __slots__ = ("_block", "_generator", "_next")

    def __init__(self, generator: np.random.Generator) -> None:
        self._generator = generator
        self._block: list[float] = []
        self._next = 0

    def exponential(self, scale: float) -> float:
        """The next draw from the exponential distribution with mean ``scale``."""
        if self._next == len(self._block):
            # numpy draws an exponential as its mean times a standard one, from the stream's bits alike.
            self._block = self._generator.standard_exponential(_BLOCK).tolist()
            self._next = 0
        value = self._block[self._next]
        self._next += 1
        return value * scale
