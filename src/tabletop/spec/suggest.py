"""'Did you mean …' suggestions for misspelt keys and names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """Return the candidate closest to ``word``, or None when nothing is close enough."""
    pool = [c for c in candidates if c != word]
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered:
        return lowered[word.lower()]
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return "; did you mean 'x'?" for the closest candidate, or "" when none is close."""
    match = closest(word, candidates)
    return f"; did you mean '{match}'?" if match else ""


def one_of(candidates: Iterable[str], limit: int = 12) -> str:
    """List candidate names for an error message, eliding the tail of a long list."""
    names = sorted(candidates)
    if not names:
        return "(none defined)"
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names) - limit} more)" if len(names) > limit else "")
