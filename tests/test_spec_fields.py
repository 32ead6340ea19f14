from __future__ import annotations

import math
import re
from datetime import datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from tabletop.spec.distributions import Distribution, Empirical, Fixed, LogNormal
from tabletop.spec.fields import (
    Duration,
    Instant,
    LocalDateTime,
    TimeOfDay,
    TimeZoneName,
    Weekday,
    format_duration,
    parse_duration,
)
from tabletop.spec.windows import Window

durations = TypeAdapter(Duration)
distributions: TypeAdapter[object] = TypeAdapter(Distribution)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("90s", 1.5), ("15m", 15), ("2h", 120), ("1d", 1440), ("1w", 10080), ("1h30m", 90), (45, 45), ("2.5", 2.5)],
)
def test_durations(text: str | int, minutes: float) -> None:
    assert durations.validate_python(text) == pytest.approx(minutes)


@given(st.integers(min_value=1, max_value=10_000), st.sampled_from(["s", "m", "h", "d", "w"]))
def test_duration_units_scale(n: int, unit: str) -> None:
    factor = {"s": 1 / 60, "m": 1, "h": 60, "d": 1440, "w": 10080}[unit]
    assert parse_duration(f"{n}{unit}") == pytest.approx(n * factor)


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "0"),
        (7.95 / 60, "8s"),
        (4.03, "4m2s"),
        (14.03, "14m2s"),  # the same step as 4m2s, not 14m beside 4.03m
        (59.995, "1h"),
        (60, "1h"),
        (60 + 7.95 / 60, "1h1m"),  # 8 seconds past a 1h target does not read as 1h
        (90, "1h30m"),
        (parse_duration("0.1h"), "6m"),  # 6.000000000000001 minutes
        (1439.5, "1d"),
        (2160, "1d12h"),
        (4737.6, "3d7h"),
        (20160, "2w"),
        (28800, "20d"),
        (-3.5, "-3m30s"),
        (math.nan, "—"),
    ],
)
def test_format_duration(minutes: float, text: str) -> None:
    assert format_duration(minutes) == text


# Under an hour both read to the second; a longer target's parts may read to different steps.
@given(st.integers(min_value=1, max_value=59), st.floats(min_value=0, max_value=1))
def test_elapsed_and_time_left_add_up_to_the_target(target: int, share: float) -> None:
    elapsed = target * share
    shown = parse_duration(format_duration(elapsed)) + parse_duration(
        format_duration(target - elapsed, up=False) or "0"
    )
    assert shown == pytest.approx(target), "elapsed rounds up and what is left rounds down, by the same step"


def test_time_left_rounds_down() -> None:
    assert format_duration(19 + 1.7 / 60, up=False) == "19m1s"
    assert format_duration(118 + 8 / 60, up=False) == "1h58m"
    assert format_duration(0.4 / 60, up=False) == "0"


@given(
    st.one_of(
        st.integers(min_value=1, max_value=1439), st.integers(min_value=24, max_value=2400).map(lambda h: h * 60)
    ),
    st.floats(min_value=1e-4, max_value=600),
)
def test_a_time_past_its_target_never_reads_as_the_target(target: int, over: float) -> None:
    text = format_duration(target + over)
    assert text != format_duration(target)
    assert parse_duration(text) >= target + over - 1e-6, "rounded up, and readable as a duration"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("-5m", "must be a positive duration, got -5 minutes"),
        (0, "must be a positive duration, got 0 minutes"),
        ("15 minutes", "'15 minutes' is not a duration"),
        (True, "expected a duration such as 15m or 2h, got true"),
    ],
)
def test_bad_durations(value: object, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        durations.validate_python(value)


def test_time_of_day() -> None:
    times = TypeAdapter(TimeOfDay)
    assert times.validate_python("09:30") == 570
    assert times.validate_python("24:00") == 1440
    for bad in ("25:00", "9h", "12:60"):
        with pytest.raises(ValidationError, match="is not a time of day"):
            times.validate_python(bad)
    with pytest.raises(ValidationError, match='expected a quoted time of day such as "09:00", got 600'):
        times.validate_python(600)


def test_time_zone_suggestion() -> None:
    zones = TypeAdapter(TimeZoneName)
    assert zones.validate_python("Asia/Singapore") == "Asia/Singapore"
    with pytest.raises(ValidationError, match="unknown time zone 'America/New_Yrok'; did you mean 'America/New_York'"):
        zones.validate_python("America/New_Yrok")


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("2027-03-14", datetime(2027, 3, 14)),
        ("2027-03-14T06:30", datetime(2027, 3, 14, 6, 30)),
        ("2027-03-14 06:30", datetime(2027, 3, 14, 6, 30)),
        ("20270314T0630", datetime(2027, 3, 14, 6, 30)),
    ],
)
def test_local_date_times(text: str, local: datetime) -> None:
    assert TypeAdapter(LocalDateTime).validate_python(text) == local


def test_a_date_followed_by_an_offset_is_refused_not_read_as_a_time() -> None:
    # Python's own reader takes the "+01:00" after a bare date for 01:00 that day.
    assert datetime.fromisoformat("2027-03-14+01:00") == datetime(2027, 3, 14, 1, 0)
    for kind in (LocalDateTime, Instant):
        with pytest.raises(ValidationError, match="'2027-03-14\\+01:00' is not an ISO-8601 date-time"):
            TypeAdapter(kind).validate_python("2027-03-14+01:00")


def test_an_instant_needs_an_offset_and_the_suggested_one_is_accepted() -> None:
    with pytest.raises(
        ValidationError, match=re.escape("2027-03-14T00:00:00 has no UTC offset; add one, e.g. 2027-03-14T00:00:00Z")
    ):
        TypeAdapter(Instant).validate_python("2027-03-14")
    assert TypeAdapter(Instant).validate_python("2027-03-14T00:00:00Z").utcoffset() is not None


def test_weekdays() -> None:
    days = TypeAdapter(Weekday)
    assert days.validate_python("Mon") == 0
    assert days.validate_python("sunday") == 6
    with pytest.raises(ValidationError, match="did you mean 'thu'"):
        days.validate_python("thr")


def test_distribution_shapes() -> None:
    assert distributions.validate_python("15m") == distributions.validate_python({"fixed": 15})
    exp = distributions.validate_python({"exponential": "30m"})
    assert exp == distributions.validate_python({"exponential": {"mean": 30}})
    empirical = distributions.validate_python({"empirical": [1, 2, 3]})
    assert isinstance(empirical, Empirical) and empirical.mean() == 2


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ({"lognormel": {"median": 1, "p90": 2}}, "unknown distribution 'lognormel'; did you mean 'lognormal'"),
        ({"lognormal": {"median": 5, "p90": 2}}, "p90 \\(2 m\\) must be greater than the median \\(5 m\\)"),
        ({"uniform": {"low": 5, "high": 5}}, "high \\(5 m\\) must be greater than low \\(5 m\\)"),
        ({"gamma": 3}, "gamma needs a mapping of parameters"),
        ({"fixed": 1, "exponential": 2}, "a distribution is one key naming its kind"),
        ({"empirical": {"values": [1, 2], "weights": [1]}}, "1 weights for 2 values"),
    ],
)
def test_bad_distributions(value: object, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        distributions.validate_python(value)


#: One of each distribution that draws from the generator.
RANDOM_DISTRIBUTIONS = [
    {"exponential": 30},
    {"lognormal": {"median": 2, "p90": 6}},
    {"gamma": {"shape": 2, "mean": 45}},
    {"uniform": {"low": 5, "high": 15}},
    {"triangular": {"low": 5, "mode": 10, "high": 30}},
    {"empirical": {"values": [1, 10], "weights": [3, 1]}},
]


@pytest.mark.parametrize("spec", RANDOM_DISTRIBUTIONS)
def test_sample_means_match_analytic_means(spec: object) -> None:
    dist = distributions.validate_python(spec)
    rng = np.random.default_rng(7)
    draws = np.array([dist.sample(rng) for _ in range(20_000)])  # type: ignore[attr-defined]
    mean = dist.mean()  # type: ignore[attr-defined]
    assert draws.mean() == pytest.approx(mean, rel=0.03)


@pytest.mark.parametrize("spec", RANDOM_DISTRIBUTIONS)
def test_a_block_is_the_draws_one_at_a_time(spec: object) -> None:
    """numpy fills an array from the stream as it would draw one value after another."""
    dist = distributions.validate_python(spec)
    rng = np.random.default_rng(5)
    singles = [dist.sample(rng) for _ in range(50)]  # type: ignore[attr-defined]
    block = dist.block(np.random.default_rng(5), 50)  # type: ignore[attr-defined]
    assert all(isinstance(v, float) for v in block)
    assert block == pytest.approx(singles, rel=1e-12)


def test_a_fixed_block_draws_nothing() -> None:
    rng = np.random.default_rng(5)
    assert Fixed(value=3).block(rng, 4) == [3.0] * 4
    assert rng.random() == np.random.default_rng(5).random()


def test_lognormal_quantiles() -> None:
    dist = LogNormal(median=2, p90=6)
    rng = np.random.default_rng(3)
    draws = np.array([dist.sample(rng) for _ in range(40_000)])
    assert np.median(draws) == pytest.approx(2, rel=0.03)
    assert np.quantile(draws, 0.9) == pytest.approx(6, rel=0.04)
    assert dist.mean() == pytest.approx(2 * math.exp(dist.sigma**2 / 2))


def test_windows_overnight_and_daytime() -> None:
    sleep = Window.model_validate({"start": "23:00", "end": "07:00"})
    work = Window.model_validate({"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"})
    monday = datetime(2027, 1, 4)
    assert sleep.contains(monday.replace(hour=23, minute=30))
    assert sleep.contains(monday.replace(hour=6, minute=59))
    assert not sleep.contains(monday.replace(hour=7))
    assert work.contains(monday.replace(hour=9))
    assert not work.contains(monday.replace(hour=17))
    assert not work.contains(datetime(2027, 1, 9, 12))  # Saturday
    friday_night = Window.model_validate({"days": ["fri"], "start": "22:00", "end": "02:00"})
    assert friday_night.contains(datetime(2027, 1, 9, 1, 30))  # early Saturday belongs to Friday's window
    assert not friday_night.contains(datetime(2027, 1, 8, 1, 30))  # early Friday belongs to Thursday's
    with pytest.raises(ValidationError, match="start and end are the same time"):
        Window.model_validate({"start": "09:00", "end": "09:00"})
