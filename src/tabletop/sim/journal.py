"""The drill journal: one JSON object per line, each flushed and fsynced before the drill goes on.

The first line says how the drill was set up (scenario, policy, seed, played seats). Then
come, in the order they happened, the players' and facilitator's inputs (``input``), what
the drill showed them (``event``), clock controls (``control``) and hot-wash ratings
(``rating``). Inputs and the set-up are enough to rebuild the drill exactly; events are
kept so a resumed drill can be checked against what was shown before the crash.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tabletop.errors import InputError

#: Bumped when the journal's lines change meaning, or when the engine would play its inputs out
#: differently (2: incidents' attributes drawn a block at a time).
JOURNAL_VERSION = 2


@dataclass(frozen=True)
class DrillSetup:
    """What a drill is played on: the first line of its journal."""

    scenario: str
    policy: str
    seed: int
    played: tuple[str, ...]
    speed: float = 60.0

    def line(self) -> dict[str, Any]:
        """The set-up as a journal line."""
        return {
            "type": "drill",
            "version": JOURNAL_VERSION,
            "scenario": self.scenario,
            "policy": self.policy,
            "seed": self.seed,
            "played": list(self.played),
            "speed": self.speed,
        }


class Journal:
    """Appends lines to a journal file, each one durable before :meth:`write` returns."""

    def __init__(self, path: Path, stream: IO[str]) -> None:
        self.path = path
        self._stream = stream

    @classmethod
    def create(cls, path: Path, setup: DrillSetup) -> Journal:
        """Start a new journal; refuses to overwrite one (resume it, or choose another file)."""
        try:
            stream = path.open("x", encoding="utf-8")
        except FileExistsError:
            hint = f"resume it with `tabletop drill --resume {path}` or give another --journal"
            raise InputError(f"journal {path} already exists; {hint}") from None
        journal = cls(path, stream)
        journal.write(setup.line())
        return journal

    @classmethod
    def append_to(cls, path: Path, *, drop_torn: bool = False) -> Journal:
        """Continue an existing journal (after a resume), first cutting off a line a crash left unfinished."""
        if drop_torn:
            with path.open("r+b") as stream:
                data = stream.read()
                stream.truncate(data.rfind(b"\n") + 1)
        return cls(path, path.open("a", encoding="utf-8"))

    def write(self, line: dict[str, Any]) -> None:
        """Append one line and make it durable."""
        self._stream.write(json.dumps(line, separators=(",", ":"), allow_nan=False) + "\n")
        self._stream.flush()
        os.fsync(self._stream.fileno())

    def close(self) -> None:
        """Close the file."""
        self._stream.close()


@dataclass
class JournalContents:
    """A journal read back: the set-up and the lines after it."""

    setup: DrillSetup
    lines: list[dict[str, Any]] = field(default_factory=list)
    #: Whether a torn last line (the drill died while writing it) was dropped.
    torn: bool = False

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        """Lines of one type, in order."""
        return [line for line in self.lines if line.get("type") == kind]


def read_journal(path: Path) -> JournalContents:
    """Read a journal, dropping a last line cut short by a crash; raises InputError for anything else."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read journal {path}: {error.strerror}") from None
    raw = text.split("\n")
    torn = bool(raw[-1])  # a complete journal ends with a newline
    complete = raw[:-1]
    lines: list[dict[str, Any]] = []
    for number, entry in enumerate(complete, start=1):
        try:
            value = json.loads(entry)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}:{number}: not a journal line ({error.msg})") from None
        if not isinstance(value, dict):
            raise InputError(f"{path}:{number}: not a journal line (expected a JSON object)")
        lines.append(value)
    if not lines or lines[0].get("type") != "drill":
        raise InputError(f"{path}: not a Tabletop drill journal (the first line must describe the drill)")
    head = lines[0]
    if head.get("version") != JOURNAL_VERSION:
        raise InputError(f"{path}: journal version {head.get('version')!r}; this Tabletop reads {JOURNAL_VERSION}")
    try:
        setup = DrillSetup(
            str(head["scenario"]),
            str(head["policy"]),
            int(head["seed"]),
            tuple(str(s) for s in head["played"]),
            float(head.get("speed", 60.0)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(f"{path}:1: the drill line is incomplete ({error})") from None
    return JournalContents(setup, lines[1:], torn)
