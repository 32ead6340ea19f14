from __future__ import annotations

from pathlib import Path

import pytest

from tabletop.spec.yaml_source import load_yaml, parse_yaml


def test_positions_of_keys_and_values() -> None:
    document, problems = parse_yaml("a:\n  b: [1, 2]\n  c:\n    - x: 3\n", "f.yaml")
    assert problems == []
    assert document is not None
    assert document.data == {"a": {"b": [1, 2], "c": [{"x": 3}]}}
    assert document.locate(("a", "b", 1)) == (2, 10)
    assert document.locate(("a", "c", 0, "x")) == (4, 10)
    assert document.locate(("a", "c", 0, "x"), key=True) == (4, 7)
    # An unknown path falls back to its nearest located ancestor.
    assert document.locate(("a", "c", 0, "missing", 3)) == (4, 7)


def test_duplicate_key_reported_and_first_kept() -> None:
    document, problems = parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [str(p) for p in problems] == ["f.yaml:3:1: duplicate key 'a' (first at line 1); keep only one"]
    assert document is not None and document.data == {"a": 1, "b": 2}


@pytest.mark.parametrize(("text", "shown"), [("10:00", "600"), ("1:30", "90"), ("190:20:30", "685230")])
def test_unquoted_sexagesimal_is_an_error(text: str, shown: str) -> None:
    document, problems = parse_yaml(f"start: {text}\n", "f.yaml")
    assert [str(p) for p in problems] == [
        f'f.yaml:1:8: unquoted {text} is read by YAML as the number {shown}; write it as a quoted string: "{text}"'
    ]
    assert document is not None and document.data == {"start": text}


def test_text_cut_short_by_a_comment_with_a_bracket_left_open_is_an_error() -> None:
    text = "from: Database tech lead (pasted in #inc-4471)\nto: [commander]  # a comment\n"
    _, problems = parse_yaml(text, "f.yaml")
    assert [str(p) for p in problems] == [
        'f.yaml:1:7: a # after a space starts a comment, so this value stops at "Database tech lead (pasted in" '
        'with "(" left open; if the # belongs to it, write it as a quoted string: '
        '"Database tech lead (pasted in #inc-4471)"'
    ]
    for fine in (
        'from: "Database tech lead (pasted in #inc-4471)"\n',
        "from: Database tech lead (pasted in inc-4471)  # who pasted it\n",
        "from: Slack (#inc-4471)\n",
        "message: >\n  See (the runbook in\n  #inc-4471) first.\n",
    ):
        assert parse_yaml(fine, "f.yaml")[1] == [], fine


def test_quoted_time_is_fine() -> None:
    document, problems = parse_yaml('start: "10:00"\n', "f.yaml")
    assert problems == [] and document is not None and document.data == {"start": "10:00"}


def test_bool_words_are_remembered() -> None:
    document, problems = parse_yaml("country: NO\nflag: true\nother: off\n", "f.yaml")
    assert problems == [] and document is not None
    assert document.data == {"country": False, "flag": True, "other": False}
    assert document.plain_words == {("country",): "NO", ("other",): "off"}


def test_python_tags_are_rejected_without_construction() -> None:
    text = "a: !!python/object/apply:os.system ['echo pwned']\nb: !!python/name:os.system ''\n"
    _, problems = parse_yaml(text, "f.yaml")
    assert len(problems) == 2
    assert all("is not allowed; only plain YAML data is read" in p.message for p in problems)
    assert problems[0].line == 1 and problems[1].line == 2


def test_custom_tag_on_mapping_is_rejected() -> None:
    _, problems = parse_yaml("a: !thing {x: 1}\n", "f.yaml")
    assert [p.message for p in problems] == ["tag !thing is not allowed; only plain YAML data is read"]


def test_anchors_aliases_and_merge_keys() -> None:
    text = "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\nlist: [*b]\n"
    document, problems = parse_yaml(text, "f.yaml")
    assert problems == [] and document is not None
    assert document.data["other"] == {"x": 1, "y": 3}
    assert document.data["list"] == [{"x": 1, "y": 2}]


def test_non_string_key() -> None:
    _, problems = parse_yaml("1: a\n", "f.yaml")
    assert [str(p) for p in problems] == ['f.yaml:1:1: key 1 is not a string; quote it: "1"']


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file is empty; expected a mapping of keys to values"),
        ("# only a comment\n", "file is empty; expected a mapping of keys to values"),
        ("- a\n- b\n", "expected a mapping of keys to values at the top level, found a list"),
        ("just text\n", "expected a mapping of keys to values at the top level, found the value 'just text'"),
    ],
)
def test_not_a_mapping(text: str, message: str) -> None:
    _, problems = parse_yaml(text, "f.yaml")
    assert [p.message for p in problems] == [message]


def test_invalid_yaml_is_located() -> None:
    _, problems = parse_yaml("a: [1, 2\nb: 3\n", "f.yaml")
    assert len(problems) == 1
    assert problems[0].message.startswith("not valid YAML: ")
    assert (problems[0].line, problems[0].column) == (2, 2)


def test_missing_and_directory_and_non_utf8(tmp_path: Path) -> None:
    _, problems = load_yaml(tmp_path / "nope.yaml")
    assert [p.message for p in problems] == ["file not found; check the path"]
    _, problems = load_yaml(tmp_path)
    assert [p.message for p in problems] == ["is a directory, not a YAML file"]
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"name: ok\ncity: M\xfcnchen\n")
    _, problems = load_yaml(latin)
    assert [(p.line, p.column, p.message) for p in problems] == [
        (2, 8, "not UTF-8 text (byte 0xfc); save the file as UTF-8")
    ]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffname: Zoë\n".encode())
    document, problems = load_yaml(path)
    assert problems == [] and document is not None and document.data == {"name": "Zoë"}
