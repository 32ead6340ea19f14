"""Field types shared by scenario and policy files: durations, times of day, zones, ids."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from tabletop.spec.suggest import did_you_mean

#: Engine time: float minutes since the scenario's start.
Minutes = float

_UNIT_MINUTES = {"s": 1 / 60, "m": 1.0, "h": 60.0, "d": 1440.0, "w": 10080.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_DURATION = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[smhdw]\s*)+$")


class Spec(BaseModel):
    """Base of every file model: unknown keys are errors and models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def shown(value: Any) -> str:
    """A value as the user wrote it, for error messages (no Python reprs)."""
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f"'{value}'"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def parse_duration(value: Any) -> float:
    """Minutes from a number of minutes or a string such as ``90s``, ``15m``, ``2h``, ``1d`` or ``1h30m``."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 15m or 2h, got {shown(value)}")
    if isinstance(value, int | float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"{shown(value)} is not a duration; write minutes as a number or a string such as 15m")
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            return parse_duration(number)
        sign = -1.0 if text.startswith("-") else 1.0
        text = text.lstrip("-")
        if _DURATION.match(text):
            return sign * sum(float(n) * _UNIT_MINUTES[u] for n, u in _DURATION_PART.findall(text))
        raise ValueError(
            f"'{value}' is not a duration; write minutes as a number or a string such as 90s, 15m, 2h, 1d or 1h30m"
        )
    raise ValueError(f"expected a duration such as 15m or 2h, got {type(value).__name__}")


def format_minutes(value: float) -> str:
    """A duration in minutes as short text to three figures, for plot labels: 45s, 12.5m, 4h, 1.5d, 1w."""
    if math.isnan(value):
        return "—"
    if value == 0:
        return "0"
    for limit, unit, size in ((1, "s", 1 / 60), (60, "m", 1), (1440, "h", 60), (10080, "d", 1440)):
        if value < limit:
            return f"{value / size:.3g}{unit}"
    weeks = value / 10080
    return f"{weeks:.3g}w" if weeks == round(weeks) else f"{value / 1440:.3g}d"


#: Less than any step format_duration shows, more than float noise in a duration.
_NOISE = 1e-6


def format_duration(value: float, *, up: bool = True) -> str:
    """A duration in minutes in its two largest units, the smaller rounded up: 8s, 4m2s, 1h1m, 3d7h, 1w.

    Steps of a second below an hour, a minute below a day and an hour from a day on, so
    times of one size read to the same precision (4m2s beside 14m2s). Rounding up keeps a
    time that went past a target from reading as the target itself (60.13 minutes is
    1h1m, never 1h), so measured times shown beside their targets use it, and the targets
    too. Time left before a target, and spans measured against none, round down
    (``up=False``): elapsed and left then add up to the target. The text is also a
    duration files accept.
    """
    if math.isnan(value):
        return "—"
    if value < 0:
        return "-" + format_duration(-value, up=up)

    # The allowance keeps float noise (0.1h is 6.000000000000001 minutes) from adding or losing a step.
    def steps(per_minute: float) -> int:
        return math.ceil(value * per_minute - _NOISE) if up else math.floor(value * per_minute + _NOISE)

    seconds = steps(60)
    if seconds < 60:
        return f"{seconds}s" if seconds else "0"
    if seconds < 3600:
        return _two_units(seconds, 60, "m", "s")
    minutes = steps(1)
    if minutes < 1440:
        return _two_units(minutes, 60, "h", "m")
    hours = steps(1 / 60)
    return f"{hours // 168}w" if hours % 168 == 0 else _two_units(hours, 24, "d", "h")


def _two_units(count: int, per: int, large: str, small: str) -> str:
    whole, rest = divmod(count, per)
    return f"{whole}{large}{rest}{small}" if rest else f"{whole}{large}"


def _positive(minutes: float) -> float:
    if minutes <= 0:
        raise ValueError(f"must be a positive duration, got {minutes:g} minutes")
    return minutes


def _non_negative(minutes: float) -> float:
    if minutes < 0:
        raise ValueError(f"must not be negative, got {minutes:g} minutes")
    return minutes


_DURATION_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "number", "description": "minutes"},
            {"type": "string", "pattern": r"^\s*(\d+(\.\d+)?\s*[smhdw]\s*)+$", "examples": ["90s", "15m", "2h", "1d"]},
        ]
    }
)

#: A strictly positive duration, in minutes.
Duration = Annotated[float, BeforeValidator(parse_duration), AfterValidator(_positive), _DURATION_SCHEMA]
#: A duration that may be zero, in minutes.
DurationOrZero = Annotated[float, BeforeValidator(parse_duration), AfterValidator(_non_negative), _DURATION_SCHEMA]


def parse_time_of_day(value: Any) -> int:
    """Minutes after local midnight from a quoted ``"HH:MM"`` (``"24:00"`` is the end of the day)."""
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
        if match:
            hours, minutes = int(match[1]), int(match[2])
            if (hours < 24 and minutes < 60) or (hours == 24 and minutes == 0):
                return hours * 60 + minutes
        raise ValueError(f'\'{value}\' is not a time of day; write it as "HH:MM", e.g. "09:30"')
    raise ValueError(f'expected a quoted time of day such as "09:00", got {shown(value)}')


#: A local time of day as minutes after midnight, written "HH:MM".
TimeOfDay = Annotated[
    int,
    BeforeValidator(parse_time_of_day),
    WithJsonSchema({"type": "string", "pattern": r"^\d{1,2}:\d{2}$", "examples": ["09:00"]}),
]


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def zone(name: str) -> ZoneInfo:
    """The IANA time zone called ``name`` (cached)."""
    return ZoneInfo(name)


def _check_zone(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected an IANA time zone name such as Europe/London, got {shown(value)}")
    try:
        zone(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # a folder such as 'Europe' raises IsADirectoryError
        raise ValueError(f"unknown time zone '{value}'{did_you_mean(value, _zone_names())}") from None
    return value


#: An IANA time zone name such as ``America/New_York``.
TimeZoneName = Annotated[
    str,
    BeforeValidator(_check_zone),
    WithJsonSchema({"type": "string", "examples": ["Europe/London", "America/New_York"]}),
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_ALIASES = {name: i for i, name in enumerate(WEEKDAYS)} | {
    full: i for i, full in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}


def _weekday(value: Any) -> int:
    if isinstance(value, str) and value.lower() in _WEEKDAY_ALIASES:
        return _WEEKDAY_ALIASES[value.lower()]
    raise ValueError(
        f"'{value}' is not a weekday; use one of {', '.join(WEEKDAYS)}{did_you_mean(str(value), WEEKDAYS)}"
    )


#: A weekday, Monday = 0, written ``mon`` … ``sun``.
Weekday = Annotated[int, BeforeValidator(_weekday), WithJsonSchema({"type": "string", "enum": list(WEEKDAYS)})]

#: What an id may be: letters, digits, ``-``, ``_`` and ``.``, starting with a letter or digit.
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
#: The longest an id may be.
IDENTIFIER_LENGTH = 80

#: The id of a team, person, service, rotation and so on.
Identifier = Annotated[
    str,
    Field(pattern=IDENTIFIER_PATTERN, max_length=IDENTIFIER_LENGTH),
]


#: A date and a time of day, with the separator between them.
_DATE_AND_TIME = re.compile(r"\d[Tt ]\d")


def read_datetime(text: str, example: str) -> datetime:
    """A datetime from ISO-8601 text; a date alone is its midnight.

    A date followed by anything but a time of day is refused: Python reads "2027-03-14+01:00" as 01:00.
    """
    try:
        value = datetime.fromisoformat(text)
        if not _DATE_AND_TIME.search(text):
            date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not an ISO-8601 date-time such as {example}") from None
    return value


def require_offset(value: datetime) -> datetime:
    """``value``, which must carry a UTC offset: a naive one would silently read the machine's zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value.isoformat()} has no UTC offset; add one, e.g. {value.isoformat()}Z")
    return value


def _read_datetime(value: Any, example: str) -> Any:
    """A datetime from ISO text; anything else is returned for the caller to judge."""
    return read_datetime(value, example) if isinstance(value, str) else value


def _instant(value: Any) -> datetime:
    value = _read_datetime(value, "2027-01-04T09:00:00Z")
    if isinstance(value, datetime):
        return require_offset(value)
    raise ValueError(f"expected an ISO-8601 date-time with offset such as 2027-01-04T09:00:00Z, got {shown(value)}")


#: An absolute instant: an ISO-8601 date-time with a UTC offset.
Instant = Annotated[
    datetime,
    BeforeValidator(_instant),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2027-01-04T00:00:00Z"]}),
]


def _local_datetime(value: Any) -> datetime:
    value = _read_datetime(value, "2027-01-04T09:00")
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    raise ValueError(f"expected a date or date-time such as 2027-01-04T09:00, got {shown(value)}")


#: A date-time that is local to a named time zone unless it carries an offset.
LocalDateTime = Annotated[
    datetime,
    BeforeValidator(_local_datetime),
    WithJsonSchema({"type": "string", "examples": ["2027-01-04T09:00", "2027-01-04"]}),
]

#: A probability between 0 and 1 inclusive.
Probability = Annotated[float, Field(ge=0.0, le=1.0)]

#: The roles a person can hold during an incident.
Role = Literal["incident_commander", "comms_lead", "customer_liaison", "tech_lead", "security"]
#: Qualifications a person can hold; tech leads need only membership of a team with the domain.
Qualification = Literal["incident_commander", "comms_lead", "customer_liaison", "security"]
