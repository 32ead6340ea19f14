"""Option values that several commands share."""

from __future__ import annotations

from datetime import timedelta

from tabletop.errors import InputError
from tabletop.spec.fields import parse_duration


def parse_horizon(text: str, option: str = "--horizon") -> timedelta:
    """A positive span such as ``90d`` or ``2w`` from a command-line option."""
    try:
        minutes = parse_duration(text)
    except ValueError as exc:
        raise InputError(f"{option}: {exc}") from None
    if minutes <= 0:
        raise InputError(f"{option} must be a positive duration such as 90d, got {text}")
    return timedelta(minutes=minutes)
