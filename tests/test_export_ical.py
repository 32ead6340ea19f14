"""``tabletop export ical``: a rotation level's shifts as iCalendar events in UTC with stable UIDs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest

from tabletop.cli import main

DATA = Path(__file__).parent / "data"
POLICY = str(DATA / "tiny-policy.yaml")
SCENARIO = str(DATA / "tiny-scenario.yaml")


def export(capsys: pytest.CaptureFixture[str], *extra: str) -> list[icalendar.Event]:
    return [c for c in exported(capsys, *extra).walk("VEVENT") if isinstance(c, icalendar.Event)]


def exported(capsys: pytest.CaptureFixture[str], *extra: str) -> icalendar.Calendar:
    code = main(
        [
            "export",
            "ical",
            *extra,
            "--policy",
            POLICY,
            "--rotation",
            "sre",
            "--from",
            "2027-01-04",
            "--to",
            "2027-01-25",
        ]
    )
    assert code == 0
    return icalendar.Calendar.from_ical(capsys.readouterr().out)


def test_events_are_the_shifts_in_utc(capsys: pytest.CaptureFixture[str]) -> None:
    # tiny-policy: alice and bob take weekly turns from Mon 2027-01-04 09:00 Europe/London (GMT = UTC in
    # January); the window runs from local midnight Jan 4 to Jan 25, so the last turn is cut at midnight.
    events = export(capsys, SCENARIO)
    assert [(str(e["SUMMARY"]), e.start, e.end) for e in events] == [
        ("Alice", datetime(2027, 1, 4, 9, tzinfo=UTC), datetime(2027, 1, 11, 9, tzinfo=UTC)),
        ("Bob", datetime(2027, 1, 11, 9, tzinfo=UTC), datetime(2027, 1, 18, 9, tzinfo=UTC)),
        ("Alice", datetime(2027, 1, 18, 9, tzinfo=UTC), datetime(2027, 1, 25, 0, tzinfo=UTC)),
    ]
    text = exported(capsys).to_ical()
    assert b"DTSTART:20270104T090000Z" in text and b"DTEND:20270125T000000Z" in text
    assert "rotation sre, level primary, of policy basic (person alice)" in str(events[0]["DESCRIPTION"])


def test_uids_are_stable_and_distinct(capsys: pytest.CaptureFixture[str]) -> None:
    first = [str(e["UID"]) for e in export(capsys)]
    second = [str(e["UID"]) for e in export(capsys, SCENARIO)]
    assert first == second and len(set(first)) == 3
    assert [str(e["SUMMARY"]) for e in export(capsys)] == ["alice", "bob", "alice"]  # ids without a scenario


def test_writes_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "sre.ics"
    argv = ["export", "ical", "--policy", POLICY, "--rotation", "sre", "--from", "2027-01-04T00:00:00Z"]
    assert main([*argv, "--to", "2027-01-05T00:00:00Z", "--out", str(out)]) == 0
    assert "1 shifts of sre/primary" in capsys.readouterr().err
    assert out.read_bytes().startswith(b"BEGIN:VCALENDAR")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rotation", "sr"], "--rotation: policy 'basic' has no rotation 'sr'; did you mean 'sre'?"),
        (
            ["--rotation", "sre", "--level", "secondary"],
            "--level: rotation 'sre' has no level 'secondary'; levels: primary",
        ),
        (["--rotation", "sre", "--to", "2027-01-01"], "--to 2027-01-01 is not after --from 2027-01-04"),
        (["--rotation", "sre", "--to", "soon"], "--to 'soon' is not an ISO-8601 date-time"),
    ],
)
def test_bad_arguments(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    argv = ["export", "ical", "--policy", POLICY, "--from", "2027-01-04", "--to", "2027-01-25", *args]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
