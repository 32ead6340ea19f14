"""YAML loaded with source positions, so every later problem can name its line and column.

Only plain data is built (mappings, sequences and the scalars of ``yaml.safe_load``); no
tag can construct an object or run code, and alias expansion is bounded. On top of
PyYAML's YAML 1.1 reading, the traps that silently change meaning are caught here:
duplicate keys, unquoted sexagesimal times such as ``10:00`` (read as 600), words such
as ``no`` or ``on`` read as booleans, numbers such as ``010`` read as octal, non-string
keys, and unquoted text cut short by a ``#`` that YAML reads as a comment
(``from: Database lead (in #inc-4471)`` is read as ``Database lead (in``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tabletop.errors import Problem

#: A location inside a document: mapping keys and sequence indexes from the root.
DocPath = tuple[str | int, ...]

_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_AMBIGUOUS_BOOLS = {"yes", "no", "on", "off", "y", "n"}
_SAFE_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_SAFE_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
#: Most values a file may expand to through aliases; a legitimate file is far below this.
MAX_VALUES = 200_000


@dataclass
class SourceDocument:
    """Plain data read from one YAML file, with the position of every value and key."""

    file: str
    data: Any
    values: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    #: Plain scalars YAML 1.1 reads as something other than the text: ``no`` as false, ``010`` as 8.
    plain_words: dict[DocPath, str] = field(default_factory=dict)
    #: Problems that a validation error at the same path explains better (e.g. ``delay: 1:30``).
    soft: dict[DocPath, Problem] = field(default_factory=dict)
    #: Values the reader already rejected; validation errors at or below them add nothing.
    broken: set[DocPath] = field(default_factory=set)

    def locate(self, path: DocPath, *, key: bool = False) -> tuple[int, int]:
        """Position of ``path`` (of its key when ``key``), else of its nearest located ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if prefix in self.values:
                return self.values[prefix]
        return (1, 1)

    def lookup(self, path: DocPath) -> Any:
        """The value at ``path``, or None if there is none."""
        node = self.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return node

    def problem(self, path: DocPath, message: str, *, key: bool = False) -> Problem:
        """A problem located at ``path`` in this document."""
        line, column = self.locate(path, key=key)
        return Problem(self.file, line, column, message)

    def is_broken(self, path: DocPath) -> bool:
        """Whether the reader already rejected the value at ``path`` or one of its ancestors."""
        return any(path[:end] in self.broken for end in range(len(path) + 1))


def _position(node: Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


class _TooBigError(Exception):
    """Alias expansion passed :data:`MAX_VALUES`."""


class _Builder:
    """Walks a composed node tree into plain data, recording positions and traps."""

    def __init__(self, document: SourceDocument, loader: yaml.SafeLoader, lines: list[str]) -> None:
        self.document = document
        self.loader = loader
        self.lines = lines
        self.problems: list[Problem] = []
        self._active: set[int] = set()
        self._built = 0

    def build(self, node: Node, path: DocPath) -> Any:
        self._built += 1
        if self._built > MAX_VALUES:
            raise _TooBigError
        self.document.values.setdefault(path, _position(node))
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if node.tag not in _SAFE_COLLECTION_TAGS:
            return self._reject(node, path, f"tag {_short_tag(node.tag)} is not allowed; only plain YAML data is read")
        if id(node) in self._active:
            return self._reject(node, path, "a YAML alias refers to itself; recursive structures are not allowed")
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            assert isinstance(node, MappingNode)
            return self._mapping(node, path)
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: ScalarNode, path: DocPath) -> Any:
        if node.tag not in _SAFE_SCALAR_TAGS:
            return self._reject(node, path, f"tag {_short_tag(node.tag)} is not allowed; only plain YAML data is read")
        try:
            value = self.loader.construct_object(node)
        except Exception:  # PyYAML raises ValueError, AttributeError or ConstructorError for unreadable text
            return self._reject(node, path, f"cannot read '{node.value}' as {_short_tag(node.tag)}")
        if node.style is not None:
            return value
        text = node.value
        if isinstance(value, int | float) and not isinstance(value, bool) and _SEXAGESIMAL.match(text):
            shown = f"{value:g}" if isinstance(value, float) else str(value)
            self.document.soft[path] = self._problem(
                node,
                f'unquoted {text} is read by YAML as the number {shown}; write it as a quoted string: "{text}"',
            )
            return text
        if isinstance(value, str) and value.count("(") > value.count(")"):
            self._cut_by_comment(node, value)
        if (isinstance(value, bool) and text.lower() in _AMBIGUOUS_BOOLS) or (
            isinstance(value, int) and not isinstance(value, bool) and text.lstrip("+-") != str(abs(value))
        ):
            self.document.plain_words[path] = text
        return value

    def _cut_by_comment(self, node: ScalarNode, value: str) -> None:
        """Report unquoted text that leaves a "(" open where a comment starts: the "#" was surely meant as text."""
        line = node.end_mark.line
        rest = self.lines[line][node.end_mark.column :].rstrip() if line < len(self.lines) else ""
        if rest[:1].isspace() and rest.lstrip().startswith("#"):
            whole = f"{value}{rest}".replace("\\", "\\\\").replace('"', '\\"')
            message = (
                f'a # after a space starts a comment, so this value stops at "{value}" with "(" left open; '
                f'if the # belongs to it, write it as a quoted string: "{whole}"'
            )
            self.problems.append(self._problem(node, message))

    def _mapping(self, node: MappingNode, path: DocPath) -> dict[str, Any]:
        own = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
        try:
            self.loader.flatten_mapping(node)
        except yaml.MarkedYAMLError as exc:
            self._reject(node, path, f"bad merge key (<<): {exc.problem}")
            return {}
        # Keys merged in with ``<<`` come first and may be overridden by the mapping's own keys.
        merged = node.value[: len(node.value) - own]
        result: dict[str, Any] = {}
        for key_node, value_node in merged:
            key = self.loader.construct_object(key_node)
            if isinstance(key, str) and key not in result:
                self.document.keys.setdefault((*path, key), _position(key_node))
                self.document.values.setdefault((*path, key), _position(value_node))
                result[key] = self.build(value_node, (*path, key))
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value[len(merged) :]:
            key = self.loader.construct_object(key_node) if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str):
                text = key_node.value if isinstance(key_node, ScalarNode) else "a collection"
                self.problems.append(self._problem(key_node, f'key {text} is not a string; quote it: "{text}"'))
                key = str(text)
            if key in first_seen:
                message = f"duplicate key '{key}' (first at line {first_seen[key]}); keep only one"
                self.problems.append(self._problem(key_node, message))
                continue
            first_seen[key] = key_node.start_mark.line + 1
            self.document.keys[(*path, key)] = _position(key_node)
            self.document.values[(*path, key)] = _position(value_node)
            result[key] = self.build(value_node, (*path, key))
        return result

    def _reject(self, node: Node, path: DocPath, message: str) -> None:
        self.problems.append(self._problem(node, message))
        self.document.broken.add(path)

    def _problem(self, node: Node, message: str) -> Problem:
        line, column = _position(node)
        return Problem(self.document.file, line, column, message)


def read_text(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """Read a file as UTF-8, or explain why it cannot be read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(display, 1, 1, "file not found; check the path")]
    except IsADirectoryError:
        return None, [Problem(display, 1, 1, "is a directory, not a YAML file")]
    except OSError as exc:
        return None, [Problem(display, 1, 1, f"cannot read file: {exc.strerror}")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        line = before.count(b"\n") + 1
        return None, [
            Problem(display, line, column, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")
        ]


def _yaml_problem(exc: yaml.YAMLError, text: str, display: str) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
        return Problem(display, line, column, f"not valid YAML: unacceptable character {exc.character!r}")
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        # PyYAML's context ("while parsing a flow sequence") only helps when the problem leans on it.
        leans = bool(exc.problem and exc.problem.startswith("but "))
        parts = (exc.context if leans else None, exc.problem or exc.context)
        reason = ", ".join(part for part in parts if part) or "invalid YAML"
        return Problem(display, line, column, f"not valid YAML: {reason}")
    return Problem(display, 1, 1, f"not valid YAML: {exc}")


def parse_yaml(text: str, display: str) -> tuple[SourceDocument | None, list[Problem]]:
    """Parse YAML text into a :class:`SourceDocument`, reporting every problem found."""
    document = SourceDocument(display, None)
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        return None, [_yaml_problem(exc, text, display)]
    empty = Problem(display, 1, 1, "file is empty; expected a mapping of keys to values")
    if root is None or (isinstance(root, ScalarNode) and root.tag == "tag:yaml.org,2002:null" and not root.value):
        return None, [empty]
    builder = _Builder(document, loader, text.splitlines())
    try:
        document.data = builder.build(root, ())
    except _TooBigError:
        message = f"YAML aliases expand this file past {MAX_VALUES:,} values; write the data out plainly"
        return None, [Problem(display, 1, 1, message)]
    if not isinstance(document.data, dict):
        kind = "a list" if isinstance(document.data, list) else f"the value {document.data!r}"
        builder.problems.append(
            Problem(display, *_position(root), f"expected a mapping of keys to values at the top level, found {kind}")
        )
    return document, builder.problems + list(document.soft.values())


def load_yaml(path: Path, display: str | None = None) -> tuple[SourceDocument | None, list[Problem]]:
    """Load a YAML file with positions; the document is None when nothing usable was read."""
    name = display if display is not None else str(path)
    text, problems = read_text(path, name)
    if text is None:
        return None, problems
    return parse_yaml(text, name)
