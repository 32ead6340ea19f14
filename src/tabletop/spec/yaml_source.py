"""YAML loaded with source positions, so every later problem can name its line and column.

Only plain data is built (mappings, sequences and the scalars of ``yaml.safe_load``); no
tag can construct an object or run code. On top of PyYAML's YAML 1.1 reading, the traps
that silently change meaning are reported here: duplicate keys, unquoted sexagesimal
times such as ``10:00`` (read as 600) and non-string keys.
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


@dataclass
class SourceDocument:
    """Plain data read from one YAML file, with the position of every value and key."""

    file: str
    data: Any
    values: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    #: Paths whose value YAML 1.1 read as a boolean from a word like ``no`` or ``on``.
    bool_words: dict[DocPath, str] = field(default_factory=dict)

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


def _position(node: Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Walks a composed node tree into plain data, recording positions and traps."""

    def __init__(self, document: SourceDocument, loader: yaml.SafeLoader) -> None:
        self.document = document
        self.loader = loader
        self.problems: list[Problem] = []
        self._active: set[int] = set()

    def build(self, node: Node, path: DocPath) -> Any:
        self.document.values.setdefault(path, _position(node))
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, MappingNode | SequenceNode) and node.tag not in _SAFE_COLLECTION_TAGS:
            self._report(node, f"tag {_short_tag(node.tag)} is not allowed; only plain YAML data is read")
            return None
        if id(node) in self._active:
            self._report(node, "a YAML alias refers to itself; recursive structures are not allowed")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
        finally:
            self._active.discard(id(node))
        self._report(node, f"unsupported YAML node {node.tag}")  # pragma: no cover
        return None

    def _scalar(self, node: ScalarNode, path: DocPath) -> Any:
        if node.style is None and node.tag == "tag:yaml.org,2002:int" and _SEXAGESIMAL.match(node.value):
            self._report(
                node,
                f"unquoted {node.value} is read by YAML as the number "
                f'{self.loader.construct_object(node)}; write it as a quoted string: "{node.value}"',
            )
            return node.value
        if node.tag == "tag:yaml.org,2002:float" and node.style is None and _SEXAGESIMAL.match(node.value):
            self._report(node, f'unquoted {node.value} is read by YAML as a number; quote it: "{node.value}"')
            return node.value
        if node.tag not in _SAFE_SCALAR_TAGS:
            self._report(node, f"tag {_short_tag(node.tag)} is not allowed; only plain YAML data is read")
            return node.value
        value = self.loader.construct_object(node)
        if isinstance(value, bool) and node.style is None and node.value.lower() in _AMBIGUOUS_BOOLS:
            self.document.bool_words[path] = node.value
        return value

    def _mapping(self, node: MappingNode, path: DocPath) -> dict[str, Any]:
        own = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
        try:
            self.loader.flatten_mapping(node)
        except yaml.MarkedYAMLError as exc:
            self._report(node, f"bad merge key (<<): {exc.problem}")
            return {}
        # Keys merged in with ``<<`` come first and may be overridden by the mapping's own keys.
        merged = node.value[: len(node.value) - own]
        result: dict[str, Any] = {}
        for key_node, value_node in merged:
            key = self.loader.construct_object(key_node)
            if isinstance(key, str) and key not in result:
                result[key] = self.build(value_node, (*path, key))
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value[len(merged) :]:
            key = self.loader.construct_object(key_node) if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str):
                text = key_node.value if isinstance(key_node, ScalarNode) else "a collection"
                self._report(key_node, f'key {text} is not a string; quote it: "{text}"')
                key = str(text)
            line = key_node.start_mark.line + 1
            if key in first_seen:
                self._report(key_node, f"duplicate key '{key}' (first at line {first_seen[key]}); keep only one")
                continue
            first_seen[key] = line
            self.document.keys[(*path, key)] = _position(key_node)
            result[key] = self.build(value_node, (*path, key))
        return result

    def _report(self, node: Node, message: str) -> None:
        line, column = _position(node)
        self.problems.append(Problem(self.document.file, line, column, message))


_SAFE_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_SAFE_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


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
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [
            Problem(
                display,
                line,
                column,
                f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            )
        ]


def parse_yaml(text: str, display: str) -> tuple[SourceDocument | None, list[Problem]]:
    """Parse YAML text into a :class:`SourceDocument`, reporting every problem found."""
    document = SourceDocument(display, None)
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        return None, [Problem(display, line, column, f"not valid YAML: {reason}")]
    except yaml.YAMLError as exc:
        return None, [Problem(display, 1, 1, f"not valid YAML: {exc}")]
    finally:
        loader.dispose()
    if root is None:
        return None, [Problem(display, 1, 1, "file is empty; expected a mapping of keys to values")]
    builder = _Builder(document, loader)
    document.data = builder.build(root, ())
    if not isinstance(document.data, dict):
        kind = "a list" if isinstance(document.data, list) else f"the value {document.data!r}"
        builder.problems.append(
            Problem(display, *_position(root), f"expected a mapping of keys to values at the top level, found {kind}")
        )
    return document, builder.problems


def load_yaml(path: Path, display: str | None = None) -> tuple[SourceDocument | None, list[Problem]]:
    """Load a YAML file with positions; the document is None when nothing usable was read."""
    name = display if display is not None else str(path)
    text, problems = read_text(path, name)
    if text is None:
        return None, problems
    return parse_yaml(text, name)
