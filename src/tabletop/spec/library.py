"""Find a file by path, or by the name of a bundled library file."""

from __future__ import annotations

from pathlib import Path

from tabletop.errors import InputError
from tabletop.spec.suggest import did_you_mean, one_of

#: The JSON Schemas of scenario and policy files shipped with the package, which files point editors to.
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def library_names(folder: Path) -> list[str]:
    """Names (file stems) of the YAML files in a library folder."""
    return sorted(p.stem for p in folder.glob("*.yaml"))


def resolve(argument: str, folder: Path, what: str) -> Path:
    """An existing path as given, else ``folder/ARGUMENT.yaml`` from the bundled library."""
    path = Path(argument)
    if path.exists() or path.suffix in (".yaml", ".yml") or "/" in argument:
        return path
    candidate = folder / f"{argument}.yaml"
    if candidate.exists():
        return candidate
    names = library_names(folder)
    raise InputError(
        f"no {what} file or library {what} named '{argument}'{did_you_mean(argument, names)}; "
        f"bundled {what} files: {one_of(names)}"
    )


def shown_path(argument: str | Path, path: Path) -> str:
    """How to name a file in messages: as the user gave it, or for a library name the file it stands for."""
    if Path(argument) == path or not path.is_absolute():
        return str(argument)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
