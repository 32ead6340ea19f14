"""Collects located findings for ids that must be unique or must name something defined."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from tabletop.spec.suggest import did_you_mean, one_of
from tabletop.spec.yaml_source import DocPath


@dataclass(frozen=True)
class Finding:
    """A problem found after validation: where (at the key itself when ``at_key``) and what."""

    path: DocPath
    message: str
    at_key: bool = False


class ReferenceCheck:
    """Accumulates findings while a loaded file's cross-references are checked."""

    def __init__(self) -> None:
        self.found: list[Finding] = []

    def unique(self, section: DocPath, ids: Iterable[str]) -> None:
        """Each id in ``section`` (a list of items with an ``id``) must appear once."""
        seen: dict[str, int] = {}
        for index, item_id in enumerate(ids):
            if item_id in seen:
                self.add((*section, index, "id"), f"duplicate id '{item_id}' (also item {seen[item_id] + 1})")
            else:
                seen[item_id] = index

    def known(
        self, path: DocPath, value: str, defined: Collection[str], what: str, *, at_key: bool = False, note: str = ""
    ) -> bool:
        """``value`` must be one of ``defined``; names the unknown ``what``, suggests a fix or lists the choices."""
        if value in defined:
            return True
        hint = did_you_mean(value, defined) or (f"; defined: {one_of(defined)}" if defined else "")
        self.add(path, f"unknown {what} '{value}'{note}{hint}", at_key=at_key)
        return False

    def add(self, path: DocPath, message: str, *, at_key: bool = False) -> None:
        """Record any other finding."""
        self.found.append(Finding(path, message, at_key))
