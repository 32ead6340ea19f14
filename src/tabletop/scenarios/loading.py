"""Load scenario files, from a path or by library name."""

from __future__ import annotations

from pathlib import Path

from tabletop.errors import Problem
from tabletop.scenarios.model import Scenario
from tabletop.scenarios.references import check_scenario
from tabletop.spec.library import resolve, shown_path
from tabletop.spec.loading import read_model, require
from tabletop.spec.yaml_source import SourceDocument

#: The bundled example scenarios.
LIBRARY = Path(__file__).parent / "library"


def scenario_path(argument: str | Path) -> Path:
    """The file a scenario argument names: a path, or a bundled library scenario."""
    return resolve(str(argument), LIBRARY, "scenario")


def read_scenario(argument: str | Path) -> tuple[Scenario | None, SourceDocument | None, list[Problem]]:
    """Read a scenario given by path or library name, returning every problem instead of raising."""
    path = scenario_path(argument)
    return read_model(path, Scenario, check_scenario, display=shown_path(argument, path))


def load_scenario(argument: str | Path) -> Scenario:
    """Load and fully check a scenario given by path or library name; raises SpecError."""
    return require(read_scenario(argument))
