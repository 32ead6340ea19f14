"""Tabletop: a tabletop-exercise simulator and escalation-policy testbed."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tabletop")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"
