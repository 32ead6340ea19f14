"""A small document model rendered twice: to one self-contained HTML page and to Markdown.

Reports are built once as a list of blocks (headings, paragraphs, bullets, tables,
figures, code) and rendered by :func:`render_html` and :func:`render_markdown`, so both
files always say the same thing. Every text is escaped for the format it lands in.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_NUMBER = re.compile(r"[−+-]?\d")


@dataclass(frozen=True)
class Cell:
    """A table cell: its text, an optional second line and a tone (better, worse or miss)."""

    text: str
    detail: str = ""
    tone: str = ""


@dataclass(frozen=True)
class Heading:
    """A section heading; level 1 is the title."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; line breaks in the text are kept."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A bulleted list."""

    items: list[str]


@dataclass(frozen=True)
class Table:
    """Rows of cells under a header."""

    header: list[str]
    rows: list[list[Cell]]

    def numeric(self) -> list[bool]:
        """Which columns hold numbers (to align right): every cell but blanks starts with one."""
        columns = zip(*([c.text for c in row] for row in self.rows), strict=True) if self.rows else []
        filled = [[t for t in texts if t not in ("", "—")] for texts in columns]
        return [bool(texts) and all(_NUMBER.match(t) for t in texts) for texts in filled]


@dataclass(frozen=True)
class Image:
    """A figure saved as ``folder/stem.png``; the Markdown refers to it next to itself, the HTML embeds it."""

    folder: Path
    stem: str
    caption: str


@dataclass(frozen=True)
class Code:
    """Preformatted text, such as a command line."""

    text: str


Block = Heading | Paragraph | Bullets | Table | Image | Code


def counted(number: int, singular: str, plural: str = "") -> str:
    """A count with its noun, singular for one only: 1 time zone, 2 time zones, 0 minutes."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def prose_list(items: Sequence[str]) -> str:
    """A list in prose: a, b and c."""
    return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + items[-1] if items else ""


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2328;
  max-width:1120px;margin:2rem auto;padding:0 1.25rem;line-height:1.45}
h1{font-size:1.75rem;margin-bottom:.4rem}
h2{font-size:1.35rem;border-bottom:1px solid #d0d7de;padding-bottom:.25rem;margin-top:2.4rem}
h3{font-size:1.1rem;margin-top:1.6rem}
.wide{overflow-x:auto;margin:.6rem 0 1.4rem}
table{border-collapse:collapse;font-size:.88rem}
th,td{border:1px solid #d0d7de;padding:.3rem .6rem;vertical-align:top}
th{background:#f6f8fa;text-align:left;font-weight:600}
td:first-child{white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td small{display:block;color:#57606a;font-size:.8rem}
td.better{background:#dafbe1;color:#116329;font-weight:600}
td.worse{background:#ffebe9;color:#a40e26;font-weight:600}
td.better small,td.worse small{font-weight:400}
td.miss{color:#9a6700}
figure{margin:1.2rem 0 2rem}
figure img{max-width:100%;height:auto;border:1px solid #eaeef2}
figcaption{color:#57606a;font-size:.9rem;margin-top:.3rem}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:.7rem;overflow-x:auto;white-space:pre-wrap}
"""


def render_html(title: str, blocks: Sequence[Block]) -> str:
    """The whole document as one HTML page, images embedded, every text escaped."""
    body = "\n".join(_html_block(block) for block in blocks)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _html_block(block: Block) -> str:
    match block:
        case Heading(level, text):
            return f"<h{level}>{html.escape(text)}</h{level}>"
        case Paragraph(text):
            return "<p>" + html.escape(text).replace("\n", "<br>\n") + "</p>"
        case Bullets(items):
            return "<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in items) + "</ul>"
        case Code(text):
            return f"<pre><code>{html.escape(text)}</code></pre>"
        case Image(folder, stem, caption):
            data = base64.b64encode((folder / f"{stem}.png").read_bytes()).decode("ascii")
            alt = html.escape(caption)
            return (
                f'<figure><img src="data:image/png;base64,{data}" alt="{alt}"><figcaption>{alt}</figcaption></figure>'
            )
        case Table(header, rows):
            head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
            numeric = block.numeric()
            body = "".join(
                "<tr>" + "".join(_html_cell(cell, right) for cell, right in zip(row, numeric, strict=True)) + "</tr>"
                for row in rows
            )
            return f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _html_cell(cell: Cell, numeric: bool) -> str:
    classes = " ".join(c for c in ("num" if numeric else "", cell.tone) if c)
    attribute = f' class="{classes}"' if classes else ""
    detail = f"<small>{html.escape(cell.detail)}</small>" if cell.detail else ""
    return f"<td{attribute}>{html.escape(cell.text)}{detail}</td>"


_MARKDOWN_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*[]<>|#"})


def _md(text: str) -> str:
    """Text with Markdown's special characters escaped, so names print as written."""
    return text.translate(_MARKDOWN_SPECIAL)


def render_markdown(blocks: Sequence[Block]) -> str:
    """The whole document as Markdown, images referred to in their folder next to the file."""
    return "\n\n".join(_markdown_block(block) for block in blocks) + "\n"


def _markdown_block(block: Block) -> str:
    match block:
        case Heading(level, text):
            return f"{'#' * level} {_md(text)}"
        case Paragraph(text):
            return "  \n".join(map(_md, text.splitlines()))
        case Bullets(items):
            return "\n".join(f"- {_md(item)}" for item in items)
        case Code(text):
            return f"```\n{text}\n```"
        case Image(folder, stem, caption):
            return f"![{_md(caption)}]({folder.name}/{stem}.png)\n\n*{_md(caption)}*"
        case Table(header, rows):
            numeric = block.numeric() or [False] * len(header)
            lines = [
                "| " + " | ".join(map(_md, header)) + " |",
                "|" + "|".join("---:" if right else "---" for right in numeric) + "|",
            ]
            lines += ["| " + " | ".join(map(_markdown_cell, row)) + " |" for row in rows]
            return "\n".join(lines)


def _markdown_cell(cell: Cell) -> str:
    text = f"**{_md(cell.text)}**" if cell.tone in ("better", "worse") else _md(cell.text)
    return f"{text} · {_md(cell.detail)}" if cell.detail else text
