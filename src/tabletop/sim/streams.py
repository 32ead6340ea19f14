"""Random streams: one root seed, one child per replication, one stream per source.

Streams are keyed, not spawned in order, so a source's draws never depend on which other
sources exist or how often they were used. Arrivals and incident attributes are drawn
from streams that no policy decision touches, so every policy sees the same incidents in
replication k (common random numbers).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


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
