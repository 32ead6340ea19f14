"""Vendor export fixtures, and copies of them with one file changed, for the import tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def changed_export(files: Sequence[Path], tmp_path: Path, name: str, change: Callable[[Any], object]) -> list[Path]:
    """The export's files with ``name`` replaced by a copy in ``tmp_path`` that ``change`` edited."""
    (original,) = (f for f in files if f.name == name)
    document = json.loads(original.read_text())
    change(document)
    (tmp_path / name).write_text(json.dumps(document))
    return [f for f in files if f.name != name] + [tmp_path / name]
