"""Write a translation as ``policy.yaml`` and ``scenario.yaml``: compact, commented, editor-ready."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import yaml

from tabletop.policies.importers.translation import Translation
from tabletop.spec.library import SCHEMA_DIR

#: Mappings and lists that fit on one line this long are written inline, ``{rotation: sre}``.
_INLINE_WIDTH = 110
#: Translation notes are wrapped to this width in the header comment.
_COMMENT_WIDTH = 100
_TIME_OF_DAY = re.compile(r"^\d{1,2}:\d{2}$")


def _inline(value: Any) -> bool:
    if isinstance(value, dict | list):
        items = value.values() if isinstance(value, dict) else value
        return all(_inline(v) for v in items) and len(json.dumps(value, default=str)) <= _INLINE_WIDTH
    return True


class _Dumper(yaml.SafeDumper):
    """Block style for structure, flow style for short leaves, and every time of day quoted."""

    def represent_mapping(self, tag: str, mapping: Any, flow_style: bool | None = None) -> yaml.MappingNode:
        return super().represent_mapping(tag, mapping, flow_style=_inline(mapping))

    def represent_sequence(self, tag: str, sequence: Any, flow_style: bool | None = None) -> yaml.SequenceNode:
        return super().represent_sequence(tag, sequence, flow_style=_inline(sequence))

    def ignore_aliases(self, data: Any) -> bool:
        # Anchors and aliases (&id001) would confuse readers of a generated file; repeat the data.
        return True

    def represent_str(self, data: str) -> yaml.ScalarNode:
        # YAML 1.1 reads an unquoted 10:00 as the number 600; Tabletop wants every time quoted.
        style = '"' if _TIME_OF_DAY.match(data) else None
        return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _Dumper.represent_str)


def render(document: dict[str, Any], header: list[str]) -> str:
    """YAML text of a document with ``#`` comment lines on top."""
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=_INLINE_WIDTH + 20)
    return "".join(f"# {line}".rstrip() + "\n" for line in header) + body


def _header(kind: str, translation: Translation, command: str) -> list[str]:
    lines = [
        f"yaml-language-server: $schema={SCHEMA_DIR / f'{kind}.schema.json'}",
        f"Imported from {translation.vendor} by `{command}` from: {', '.join(translation.sources)}",
    ]
    if kind == "scenario":
        lines += [
            "A starter scenario: the people, teams and services of the import. Incident types are",
            "placeholders (one per service, once a week); replace them with your own history.",
        ]
    elif translation.notes:
        lines.append(f"What changed in translation from {translation.vendor}:")
        for note in translation.notes:
            lines += textwrap.wrap(note, _COMMENT_WIDTH, initial_indent="  - ", subsequent_indent="    ")
    return lines


def write_translation(translation: Translation, out: Path, command: str) -> list[Path]:
    """Write ``policy.yaml`` and ``scenario.yaml`` into ``out`` (created if needed); return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, document in (("policy", translation.policy), ("scenario", translation.scenario)):
        path = out / f"{kind}.yaml"
        path.write_text(render(document, _header(kind, translation, command)), encoding="utf-8")
        written.append(path)
    return written
