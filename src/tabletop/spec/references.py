"""Collects located problems for ids that must be unique or must name something defined."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from tabletop.spec.suggest import did_you_mean
from tabletop.spec.yaml_source import DocPath


class ReferenceCheck:
    """Accumulates (path, message) pairs while a loaded file's cross-references are checked."""

    def __init__(self) -> None:
        self.found: list[tuple[DocPath, str]] = []

    def unique(self, section: DocPath, ids: Iterable[str]) -> None:
        """Each id in ``section`` (a list of items with an ``id``) must appear once."""
        seen: dict[str, int] = {}
        for index, item_id in enumerate(ids):
            if item_id in seen:
                self.found.append(
                    ((*section, index, "id"), f"duplicate id '{item_id}' (also item {seen[item_id] + 1})")
                )
            else:
                seen[item_id] = index

    def known(self, path: DocPath, value: str, defined: Collection[str], what: str) -> bool:
        """``value`` must be one of ``defined``; says which ``what`` is unknown and suggests a fix."""
        if value in defined:
            return True
        self.found.append((path, f"unknown {what} '{value}'{did_you_mean(value, defined)}"))
        return False

    def add(self, path: DocPath, message: str) -> None:
        """Record any other problem."""
        self.found.append((path, message))
