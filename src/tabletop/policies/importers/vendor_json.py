"""Vendor JSON read so that every bad value is reported by file, object and field.

Vendor exports are large and nested; "KeyError: 'id'" helps nobody. Every value is read
through a :class:`VendorObject` that knows which object it is (``schedule PXYZ
'Primary', schedule_layers[1]``), so an error says where the value is and what was
expected.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tabletop.errors import InputError
from tabletop.spec.fields import shown, zone
from tabletop.spec.suggest import did_you_mean


def read_bytes(path: Path, what: str) -> bytes:
    """The contents of an input file, or an InputError saying why it cannot be read (``what`` it should be)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not {what}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read file: {exc.strerror}") from None


def one_page_note(path: Path, marker: str, fetch: str) -> str:
    """The note for an export that is one page of a longer list (``marker`` shows how it says so)."""
    return (
        f"{path} is one page of a longer list ({marker}); only its objects were imported — "
        f"fetch every page ({fetch}) to import them all"
    )


def read_json(path: Path) -> Any:
    """Parse a JSON file, or raise an InputError saying why it cannot be read."""
    try:
        text = read_bytes(path, "a JSON file").decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None


class VendorObject:
    """One JSON object of a vendor file, with a label naming it for error messages."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise InputError(f"{where}: expected a JSON object, got {shown(data)}")
        self.data: dict[str, Any] = data
        self.where = where

    def error(self, field: str, problem: str) -> InputError:
        """An InputError naming this object and the field."""
        return InputError(f"{self.where}: '{field}' {problem}")

    def named(self, label: str) -> VendorObject:
        """The same object, labelled by what it is (e.g. ``schedule PXYZ 'Primary'``)."""
        return VendorObject(self.data, f"{self.where.split(': ')[0]}: {label}")

    def unknown(self, field: str, kind: str, source: str, fetch: str) -> InputError:
        """An InputError for a reference to an object that is not among the files, saying how to fetch it."""
        return self.error(field, f"names {kind} {source}, which is not in the files given; add {fetch}")

    def has(self, field: str) -> bool:
        """Whether the field is present and not null."""
        return self.data.get(field) is not None

    def get(self, field: str) -> Any:
        """The raw value of a field, None when absent."""
        return self.data.get(field)

    def _required(self, field: str) -> Any:
        if self.data.get(field) is None:
            hint = did_you_mean(field, self.data)
            raise self.error(field, f"is missing{hint}; the vendor's API always gives it, so the export is incomplete")
        return self.data[field]

    def text(self, field: str) -> str:
        """A required string field."""
        value = self._required(field)
        if not isinstance(value, str) or not value.strip():
            raise self.error(field, f"must be a non-empty string, got {shown(value)}")
        return value

    def optional_text(self, field: str) -> str | None:
        """A string field that may be absent or null."""
        return self.text(field) if self.has(field) else None

    def whole(self, field: str, *, minimum: int = 0) -> int:
        """A required whole-number field of at least ``minimum``."""
        value = self._required(field)
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) or value < minimum:
            raise self.error(field, f"must be a whole number of at least {minimum}, got {shown(value)}")
        return int(value)

    def optional_whole(self, field: str, *, minimum: int = 0) -> int | None:
        """A whole-number field that may be absent or null."""
        return self.whole(field, minimum=minimum) if self.has(field) else None

    def object(self, field: str) -> VendorObject:
        """A required nested object."""
        return VendorObject(self._required(field), f"{self.where}, {field}")

    def optional_object(self, field: str) -> VendorObject | None:
        """A nested object that may be absent or null."""
        return self.object(field) if self.has(field) else None

    def objects(self, field: str, *, required: bool = True) -> list[VendorObject]:
        """A list of nested objects (empty when absent and not required)."""
        value = self._required(field) if required else self.data.get(field) or []
        if not isinstance(value, list):
            raise self.error(field, f"must be a list, got {shown(value)}")
        return [VendorObject(item, f"{self.where}, {field}[{i}]") for i, item in enumerate(value)]

    def texts(self, field: str) -> list[str]:
        """A list of strings (empty when absent)."""
        value = self.data.get(field) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(field, f"must be a list of strings, got {shown(value)}")
        return list(value)

    def instant(self, field: str) -> datetime:
        """A required ISO-8601 date-time with a UTC offset."""
        text = self.text(field)
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise self.error(field, f"'{text}' is not an ISO-8601 date-time") from None
        if value.tzinfo is None:
            raise self.error(field, f"'{text}' has no UTC offset")
        return value

    def optional_instant(self, field: str) -> datetime | None:
        """An ISO-8601 date-time that may be absent or null."""
        return self.instant(field) if self.has(field) else None

    def time_zone(self, field: str) -> ZoneInfo:
        """A required IANA time zone name."""
        name = self.text(field)
        try:
            return zone(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise self.error(field, f"'{name}' is not an IANA time zone name such as Europe/London") from None

    def choice(self, field: str, allowed: tuple[str, ...]) -> str:
        """A required string that must be one of ``allowed``."""
        value = self.text(field)
        if value not in allowed:
            hint = did_you_mean(value, allowed)
            raise self.error(field, f"is '{value}', which Tabletop cannot translate{hint}; known: {', '.join(allowed)}")
        return value


def unwrap(document: Any, path: Path, keys: tuple[str, ...]) -> list[tuple[str, VendorObject]]:
    """The objects of a vendor document under its envelope ``keys``, each with the key it came under.

    A key whose value is a list gives one object per item; any other value is one object.
    """
    if not isinstance(document, dict):
        raise InputError(f"{path}: expected a JSON object at the top level, found {shown(document)}")
    found = [key for key in keys if key in document]
    if not found:
        present = ", ".join(sorted(document)) or "nothing"
        raise InputError(
            f"{path}: found {present} but none of {', '.join(keys)}; export the objects with the vendor's API"
        )
    objects: list[tuple[str, VendorObject]] = []
    for key in found:
        value = document[key]
        if isinstance(value, list):
            objects.extend((key, VendorObject(item, f"{path}: {key}[{i}]")) for i, item in enumerate(value))
        else:
            objects.append((key, VendorObject(value, f"{path}: {key}")))
    return objects
