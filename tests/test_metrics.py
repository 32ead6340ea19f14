"""Quantiles read from the fixed-bin histogram that stands in for the values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tabletop.sim.metrics import EDGES, Histogram, Sample

#: Ratio of a bin's upper edge to its lower edge.
BIN_RATIO = float(EDGES[2] / EDGES[1])
#: Every value below this shares the first bin and reads as 0.
FIRST_EDGE = float(EDGES[1])

minutes = st.floats(min_value=0.0, max_value=1e5, allow_nan=False, allow_infinity=False)


@given(st.lists(minutes, min_size=1, max_size=300), st.floats(min_value=0.0, max_value=1.0))
def test_quantiles_match_numpy_within_a_bin(values: list[float], q: float) -> None:
    histogram = Histogram()
    histogram.add(values)
    exact = float(np.quantile(values, q))
    # Each order statistic is read from its own bin, and interpolating between two of them
    # keeps the error of the worse one.
    assert exact / BIN_RATIO - FIRST_EDGE <= histogram.quantile(q) <= exact * BIN_RATIO


@given(st.lists(minutes, min_size=1, max_size=50), st.lists(minutes, min_size=1, max_size=50))
def test_merged_histograms_give_the_quantiles_of_all_the_values(first: list[float], second: list[float]) -> None:
    merged, left = Histogram(), Histogram()
    left.add(first)
    right = Histogram()
    right.add(second)
    merged.add(first + second)
    left.merge(right)
    for q in (0.0, 0.5, 0.9, 0.99, 1.0):
        assert left.quantile(q) == merged.quantile(q)


def test_two_values_have_their_midpoint_as_median() -> None:
    sample = Sample()
    sample.add([7.87, 16.19])
    described = sample.describe()
    assert described["p50"] == pytest.approx(12.03, rel=0.02)
    assert described["p90"] == pytest.approx(7.87 + 0.9 * (16.19 - 7.87), rel=0.02)


def test_no_values_have_no_quantile() -> None:
    assert math.isnan(Histogram().quantile(0.5))
