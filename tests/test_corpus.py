"""The bad-input corpus: every file in tests/corpus/bad/ and every pair in tests/corpus/pairs/ is rejected
with exactly the problems it declares (see tests/corpus/README.md for the ``# expect:`` convention).

An expectation ``LINE:COL: TEXT`` matches one printed line ``FILE:LINE:COL: MESSAGE`` when the position is
equal and every `` ... ``-separated fragment of TEXT occurs in MESSAGE, in order (without `` ... ``, TEXT
must simply be contained in MESSAGE). Each expectation claims a different printed line; any unclaimed
problem line, or any other stderr output, fails the test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tabletop.cli import main
from tabletop.errors import Problem

CORPUS = Path(__file__).resolve().parent / "corpus"
BAD = CORPUS / "bad"
PAIRS = CORPUS / "pairs"
GOOD = CORPUS / "good"
BOMBS = CORPUS / "bombs"

FRAGMENT_SEPARATOR = " ... "
_EXPECT_LINE = re.compile(r"^#\s*expect\b")
_EXPECT = re.compile(r"^# expect: (\d+):(\d+): (.+)$")
_POSITION = re.compile(r"^(\d+):(\d+): (.*)$")

#: Entries of bad/ that cannot carry header comments: name -> (line, column, text) per expected problem.
SPECIAL: dict[str, list[tuple[int, int, str]]] = {
    "empty.yaml": [(1, 1, "file is empty; expected a mapping of keys to values")],
    "not-utf8-latin1.yaml": [(9, 24, "not UTF-8 text (byte 0xe9); save the file as UTF-8")],
    # Columns count characters, as everywhere else: "Zoë Müller" before the bad byte is 10 characters, 12 bytes.
    "not-utf8-after-accents.yaml": [(9, 32, "not UTF-8 text (byte 0xe9); save the file as UTF-8")],
    "top-level-list.yaml": [(1, 1, "expected a mapping of keys to values at the top level, found a list")],
    "top-level-scalar.yaml": [
        (1, 1, "expected a mapping of keys to values at the top level, found the value 'scenario tiny'")
    ],
    "not-yaml-unbalanced-bracket.yaml": [(6, 48, "not valid YAML: expected ',' or ']', but got '}'")],
    "not-yaml-tab-indent.yaml": [(11, 1, "not valid YAML: found character '\\t' that cannot start any token")],
    "missing.yaml": [(1, 1, "file not found; check the path")],
    "a-directory.yaml": [(1, 1, "is a directory, not a YAML file")],
}

#: The Python tag in this corpus file would run this command if it were ever evaluated.
PWNED = Path("/tmp/tabletop-corpus-pwned")


@dataclass(frozen=True)
class Expected:
    """One declared problem: a position in a file and the text its message must contain."""

    file: str
    line: int
    column: int
    text: str

    def matches(self, printed: Problem) -> bool:
        """Whether ``printed`` is at this position and contains every fragment, in order."""
        if (printed.file, printed.line, printed.column) != (self.file, self.line, self.column):
            return False
        start = 0
        for fragment in self.text.split(FRAGMENT_SEPARATOR):
            found = printed.message.find(fragment, start)
            if found < 0:
                return False
            start = found + len(fragment)
        return True

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.text}"


@dataclass(frozen=True)
class Case:
    """The files given to ``tabletop validate`` together, and every problem they must produce."""

    files: tuple[str, ...]
    expected: tuple[Expected, ...]


def header_expectations(path: Path) -> list[Expected]:
    """The ``# expect:`` lines of a corpus file; a malformed one is an error in the corpus."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not _EXPECT_LINE.match(line):
            continue
        match = _EXPECT.match(line)
        if match is None:
            raise ValueError(f"{path}:{number}: malformed expectation; write '# expect: LINE:COL: TEXT'")
        found.append(Expected(str(path), int(match[1]), int(match[2]), match[3]))
    return found


def bad_case(name: str) -> Case:
    """The case for one entry of bad/: from the SPECIAL table, else from its header."""
    path = BAD / name
    if name in SPECIAL:
        expected = [Expected(str(path), line, column, text) for line, column, text in SPECIAL[name]]
    else:
        expected = header_expectations(path)
    assert expected, f"{path} declares no '# expect:' line and is not in SPECIAL"
    return Case((str(path),), tuple(expected))


def pair_case(name: str) -> Case:
    """The case for one folder of pairs/: the scenario and the policy, validated together."""
    files = (PAIRS / name / "scenario.yaml", PAIRS / name / "policy.yaml")
    expected = [e for f in files for e in header_expectations(f)]
    assert expected, f"{PAIRS / name} declares no '# expect:' line in either file"
    return Case(tuple(map(str, files)), tuple(expected))


def parse_stderr(err: str, files: tuple[str, ...]) -> tuple[list[Problem], list[str]]:
    """Problem lines for the given files, and every other non-empty stderr line."""
    problems: list[Problem] = []
    other: list[str] = []
    for line in err.splitlines():
        if not line.strip():
            continue
        for file in sorted(files, key=len, reverse=True):
            match = _POSITION.match(line[len(file) + 1 :]) if line.startswith(f"{file}:") else None
            if match:
                problems.append(Problem(file, int(match[1]), int(match[2]), match[3]))
                break
        else:
            other.append(line)
    return problems, other


def pair_up(expected: tuple[Expected, ...], printed: list[Problem]) -> dict[int, int]:
    """A largest one-to-one matching of expectations to printed lines (expectation index -> line index)."""
    owner: dict[int, int] = {}

    def claim(e: int, seen: set[int]) -> bool:
        for p, line in enumerate(printed):
            if p in seen or not expected[e].matches(line):
                continue
            seen.add(p)
            if p not in owner or claim(owner[p], seen):
                owner[p] = e
                return True
        return False

    for e in range(len(expected)):
        claim(e, set())
    return {e: p for p, e in owner.items()}


def failures(case: Case, code: int, out: str, err: str) -> list[str]:
    """Everything wrong with one run of ``tabletop validate`` on a case."""
    found: list[str] = []
    crashed = "Traceback" in out or "Traceback" in err
    if crashed:
        last = [line for line in err.splitlines() if line.strip() and not line.startswith(" ")]
        found.append(f"a traceback was printed; it ends with: {' | '.join(last[-2:])}")
    if code != 2:
        found.append(f"exit code {code}, expected 2")
    printed, other = parse_stderr(err, case.files)
    matching = pair_up(case.expected, printed)
    found += [f"missing:    {e}" for i, e in enumerate(case.expected) if i not in matching]
    claimed = set(matching.values())
    found += [f"unexpected: {p}" for i, p in enumerate(printed) if i not in claimed]
    if not crashed:  # the traceback itself is shown in full below the failures
        found += [f"stray stderr line: {line}" for line in other]
    with_problems = {e.file for e in case.expected}
    announced_ok = [line for line in out.splitlines() if line.split(": ok")[0] in with_problems]
    found += [f"said ok despite problems: {line}" for line in announced_ok]
    return found


def report(failed: list[str], out: str, err: str) -> str:
    return "\n".join([*failed, "--- stdout:", out.rstrip(), "--- stderr:", err.rstrip()])


def validate(capsys: pytest.CaptureFixture[str], files: tuple[str, ...]) -> tuple[int, str, str]:
    code = main(["validate", *files])
    out, err = capsys.readouterr()
    return code, out, err


def _bad_entries() -> list[str]:
    names = {p.name for p in BAD.iterdir()} | {"missing.yaml"}
    return sorted(names)


@pytest.mark.parametrize("name", _bad_entries())
def test_bad_file(capsys: pytest.CaptureFixture[str], name: str) -> None:
    case = bad_case(name)
    code, out, err = validate(capsys, case.files)
    failed = failures(case, code, out, err)
    assert not failed, report(failed, out, err)


@pytest.mark.parametrize("name", sorted(p.name for p in PAIRS.iterdir()))
def test_bad_pair(capsys: pytest.CaptureFixture[str], name: str) -> None:
    case = pair_case(name)
    code, out, err = validate(capsys, case.files)
    failed = failures(case, code, out, err)
    assert not failed, report(failed, out, err)


def test_corpus_is_complete() -> None:
    entries = _bad_entries()
    assert len(entries) >= 36
    for name in entries:
        bad_case(name)  # every entry declares what it expects
    for name in SPECIAL:
        if name != "missing.yaml":
            assert (BAD / name).exists(), f"SPECIAL names {name}, which is not in {BAD}"
    for folder in PAIRS.iterdir():
        assert sorted(p.name for p in folder.iterdir()) == ["policy.yaml", "scenario.yaml"], folder
        policy = yaml.safe_load((folder / "policy.yaml").read_text(encoding="utf-8"))
        scenario = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
        assert policy["scenario"] == scenario["id"], f"{folder}: the policy must name the scenario it is paired with"


def _first_bad_byte(raw: bytes) -> tuple[int, int]:
    """1-based line and character column of the first byte that is not UTF-8."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line_start = before.rfind(b"\n") + 1
        return before.count(b"\n") + 1, len(before[line_start:].decode("utf-8")) + 1
    raise AssertionError("the bytes are valid UTF-8")


def test_special_entries_are_what_they_claim() -> None:
    assert (BAD / "empty.yaml").read_bytes() == b""
    for name in ("not-utf8-latin1.yaml", "not-utf8-after-accents.yaml"):
        line, column, _ = SPECIAL[name][0]
        assert _first_bad_byte((BAD / name).read_bytes()) == (line, column), name
    assert isinstance(yaml.safe_load((BAD / "top-level-list.yaml").read_text(encoding="utf-8")), list)
    assert isinstance(yaml.safe_load((BAD / "top-level-scalar.yaml").read_text(encoding="utf-8")), str)
    for name in ("not-yaml-unbalanced-bracket.yaml", "not-yaml-tab-indent.yaml"):
        with pytest.raises(yaml.YAMLError):
            yaml.safe_load((BAD / name).read_text(encoding="utf-8"))
    assert "\n\t" in (BAD / "not-yaml-tab-indent.yaml").read_text(encoding="utf-8")
    assert not (BAD / "missing.yaml").exists()
    assert (BAD / "a-directory.yaml").is_dir()


def test_good_files_validate(capsys: pytest.CaptureFixture[str]) -> None:
    scenario, policy = str(GOOD / "scenario.yaml"), str(GOOD / "policy.yaml")
    code, out, err = validate(capsys, (scenario, policy))
    assert code == 0, err
    assert f"{scenario}: ok (scenario 'tiny'" in out
    assert f"{policy}: ok (policy 'basic'" in out and "checked against scenario 'tiny'" in out
    assert err.strip() == "2 file(s) valid"


def test_python_tags_are_never_evaluated(capsys: pytest.CaptureFixture[str]) -> None:
    collection = BAD / "yaml-tag-python-collection.yaml"
    assert f'!!python/object/apply:os.system ["touch {PWNED}"]' in collection.read_text(encoding="utf-8")
    PWNED.unlink(missing_ok=True)
    code, _, err = validate(capsys, (str(collection), str(BAD / "yaml-tag-python-scalar.yaml")))
    assert code == 2 and "is not allowed" in err
    assert not PWNED.exists(), "a !!python tag was evaluated"


def _console_script() -> Path:
    script = Path(sys.executable).with_name("tabletop")
    assert script.exists(), f"console script not installed next to {sys.executable}"
    return script


def test_console_script_reports_problems_of_every_file() -> None:
    cases = [bad_case(n) for n in ("unknown-key-policy-delay.yaml", "not-utf8-latin1.yaml", "missing.yaml")]
    case = Case(
        tuple(f for c in cases for f in c.files),
        tuple(e for c in cases for e in c.expected),
    )
    proc = subprocess.run(
        [str(_console_script()), "validate", *case.files], capture_output=True, text=True, timeout=120, check=False
    )
    failed = failures(case, proc.returncode, proc.stdout, proc.stderr)
    assert not failed, report(failed, proc.stdout, proc.stderr)


def test_alias_bomb_is_refused_quickly() -> None:
    bomb = str(BOMBS / "alias-bomb.yaml")
    try:
        proc = subprocess.run(
            [str(_console_script()), "validate", bomb], capture_output=True, text=True, timeout=10, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail("validate was still expanding YAML aliases after 10 s; a billion-item alias bomb must be refused")
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 2
    printed, other = parse_stderr(proc.stderr, (bomb,))
    assert printed and not other, proc.stderr
