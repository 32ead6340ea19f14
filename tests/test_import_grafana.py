"""Grafana OnCall import: iCal and web-shift schedules (levels, overlaps, overrides, DST), chains, errors.

Fixtures in tests/fixtures/vendors/grafana/ follow the public API's shapes. Schedule
SCHEDSRE is an iCal file in Europe/London (UK clocks go forward Sun 2027-03-28 01:00 GMT →
02:00 BST): alice weekdays 09:00–17:00, bob nights 17:00–09:00 and weekend days, a
one-off "[L1] cara" on Mon Mar 29 10:00–12:00 (level 1 beats level 0), and an extra
"bob" Wed Mar 31 12:00–14:00 that overlaps alice (both are notified). Its overrides
calendar (SCHEDSRE.overrides.ics) puts cara, named by email in another case, on call
Thu Mar 25 12:00–13:00Z above everything. SWEB1 is a web schedule with one rolling-users
shift: Saturday 00:00Z for two days, alice then bob in alternate weeks from Mar 20.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from vendor_exports import changed_export

from tabletop.cli import main
from tabletop.policies.importers import grafana_oncall
from tabletop.policies.importers.translation import Translation
from tabletop.policies.model import Policy
from tabletop.policies.roster import RosterCalendar

FIXTURES = Path(__file__).parent / "fixtures" / "vendors" / "grafana"
FILES = sorted(FIXTURES.iterdir())
START = datetime(2027, 3, 22, tzinfo=UTC)


@pytest.fixture(scope="module")
def translation() -> Translation:
    return grafana_oncall.translate(FILES, policy_id="sre", start=START, horizon=timedelta(days=28))


@pytest.fixture(scope="module")
def calendar(translation: Translation) -> RosterCalendar:
    return RosterCalendar(Policy.model_validate(translation.policy), START, START + timedelta(days=28))


def on_call(calendar: RosterCalendar, rotation: str, at: str) -> set[str]:
    return {p for people in calendar.who_is_on_call(datetime.fromisoformat(at))[rotation].values() for p in people}


@pytest.mark.parametrize(
    ("at", "people", "why"),
    [
        ("2027-03-24T10:00:00Z", {"U1ALICE"}, "Wed 10:00 GMT: alice's weekday shift"),
        ("2027-03-27T22:00:00Z", {"U2BOB"}, "Sat 22:00 GMT: bob's night"),
        ("2027-03-29T08:30:00Z", {"U1ALICE"}, "Mon 09:30 BST: the weekly event keeps 09:00 local after the change"),
        ("2027-03-29T07:30:00Z", {"U2BOB"}, "Mon 08:30 BST: bob's night runs to 09:00 local"),
        ("2027-03-29T09:30:00Z", {"U3CARA"}, "Mon 10:30 BST: [L1] cara beats alice at level 0"),
        ("2027-03-31T11:30:00Z", {"U1ALICE", "U2BOB"}, "Wed 12:30 BST: overlapping shifts notify both"),
        ("2027-03-25T12:30:00Z", {"U3CARA"}, "the overrides calendar beats every level"),
    ],
)
def test_ical_schedule(calendar: RosterCalendar, at: str, people: set[str], why: str) -> None:
    assert on_call(calendar, "SCHEDSRE", at) == people, why


@pytest.mark.parametrize(
    ("at", "person"),
    [("2027-03-27T12:00:00Z", "U2BOB"), ("2027-04-03T12:00:00Z", "U1ALICE"), ("2027-04-10T23:00:00Z", "U2BOB")],
)
def test_rolling_users_take_alternate_weekends(calendar: RosterCalendar, at: str, person: str) -> None:
    assert on_call(calendar, "SWEB1", at) == {person}
    assert on_call(calendar, "SWEB1", "2027-03-24T12:00:00Z") == set()


def test_chain_steps(translation: Translation) -> None:
    chain: dict[str, Any] = translation.policy["escalation_chains"][0]
    assert chain["id"] == "FCHAIN1" and chain["repeat"] == 5 and chain["on_empty"] == "wait"
    first, second = chain["levels"]
    assert first["targets"] == [{"rotation": "SCHEDSRE"}, {"rotation": "SCHEDSRE", "level": "overlap-2"}]
    assert first["delay"] == "5m"
    assert second == {
        "name": "step 2",
        "targets": [{"person": "U3CARA"}],
        "when": {"window": {"start": "08:00", "end": "18:00"}, "time_zone": "UTC"},
        "delay": "10m",
    }
    weekend = translation.policy["escalation_chains"][1]
    assert weekend["levels"][0]["delay"] == "5s"  # no wait after it: Grafana goes on within seconds
    notes = "\n".join(translation.notes)
    assert "E7: comes after a repeat_escalation step, so it never runs" in notes
    assert "holds the escalation until 08:00–18:00 UTC" in notes
    assert translation.policy["routing"][0] == {"chain": "FCHAIN1", "services": ["CINT1"]}


def test_round_trip_through_the_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["import", "grafana-oncall", *map(str, FILES), "--out", str(tmp_path), "--start", "2027-03-22T00:00:00Z"]
    assert main([*argv, "--horizon", "28d"]) == 0
    capsys.readouterr()
    assert main(["validate", str(tmp_path / "scenario.yaml"), str(tmp_path / "policy.yaml")]) == 0
    capsys.readouterr()
    main(["oncall", "--policy", str(tmp_path / "policy.yaml"), "--at", "2027-03-31T11:30:00Z", "--json"])
    rotations = json.loads(capsys.readouterr().out)["rotations"]
    assert rotations["SCHEDSRE"] == {"primary": ["U1ALICE"], "overlap-2": ["U2BOB"]}


def test_exported_ical_imports_back(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = Path(__file__).parent / "data"
    ics = tmp_path / "sre.ics"
    argv = ["export", "ical", "--policy", str(data / "tiny-policy.yaml"), "--rotation", "sre"]
    assert main([*argv, "--from", "2027-01-04", "--to", "2027-02-01", "--out", str(ics)]) == 0
    result = grafana_oncall.translate(
        [ics], policy_id="back", start=START.replace(month=1, day=4), horizon=timedelta(days=28)
    )
    calendar = RosterCalendar(
        Policy.model_validate(result.policy), datetime(2027, 1, 4, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC)
    )
    assert calendar.on_call("sre", "primary", datetime.fromisoformat("2027-01-12T10:00:00Z")) == "bob"
    assert calendar.on_call("sre", "primary", datetime.fromisoformat("2027-01-05T10:00:00Z")) == "alice"


def _steps(tmp_path: Path, step: dict[str, Any]) -> list[Path]:
    document = json.loads((FIXTURES / "escalation_policies.json").read_text())
    document["results"].append({"id": "EX", "escalation_chain_id": "FCHAIN2", "position": 1, **step})
    (tmp_path / "escalation_policies.json").write_text(json.dumps(document))
    return [f for f in FILES if f.name != "escalation_policies.json"] + [tmp_path / "escalation_policies.json"]


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            {"type": "notify_user_group", "group_to_notify": "G1"},
            "escalation policy (step) EX: 'type' is notify_user_group (position 1): it notifies a Slack user group",
        ),
        (
            {"type": "notify_if_num_alerts_in_window", "num_alerts_in_window": 3, "num_minutes_in_window": 5},
            "'type' is notify_if_num_alerts_in_window (position 1)",
        ),
        ({"type": "page_everyone"}, "'type' is 'page_everyone', which Tabletop cannot translate"),
        (
            {"type": "notify_if_time_from_to", "notify_if_time_from": "09:00:30Z", "notify_if_time_to": "17:00:00Z"},
            "'notify_if_time_from' is '09:00:30Z'; expected a UTC time on a whole minute",
        ),
        (
            {"type": "wait", "duration": 60, "position": "second"},
            "escalation policy (step) EX: 'position' must be a whole number of at least 0, got 'second'",
        ),
        (
            {"type": "notify_on_call_from_schedule", "notify_on_call_from_schedule": "SNOPE"},
            "'notify_on_call_from_schedule' names schedule SNOPE, which is not in the files given",
        ),
    ],
)
def test_unsupported_steps_are_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, step: dict[str, Any], message: str
) -> None:
    files = map(str, _steps(tmp_path, step))
    code = main(["import", "grafana-oncall", *files, "--out", str(tmp_path / "out"), "--start", "2027-03-22T00:00:00Z"])
    err = capsys.readouterr().err
    assert code == 2 and message in err, err


def test_ical_schedule_without_its_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    files = [f for f in FILES if not f.name.startswith("SCHEDSRE")]
    code = main(["import", "grafana-oncall", *map(str, files), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "schedule SCHEDSRE ('SRE primary'): 'ical_url_primary' is a URL Tabletop cannot fetch" in err
    assert "pass it as SCHEDSRE.ics" in err


def test_unknown_object(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "odd.json").write_text('{"results": [{"id": "X1", "type": "mystery"}]}')
    assert main(["import", "grafana-oncall", str(tmp_path / "odd.json"), "--out", str(tmp_path)]) == 2
    assert "odd.json: results[0]: cannot tell what this object is" in capsys.readouterr().err


def _rolling(tmp_path: Path, **shift: Any) -> RosterCalendar:
    """A web schedule of one rolling-users shift (ann, then bea, unless told) imported for four weeks."""
    objects = [
        {"id": "SROLL", "name": "Rota", "type": "web", "time_zone": "UTC", "shifts": ["OROLL"]},
        {"id": "UA", "username": "ann", "teams": []},
        {"id": "UB", "username": "bea", "teams": []},
        {"id": "UC", "username": "cas", "teams": []},
        {
            "id": "OROLL",
            "name": "rota",
            "type": "rolling_users",
            "time_zone": "UTC",
            "level": 0,
            "rolling_users": [["UA"], ["UB"]],
            "start_rotation_from_user_index": 0,
            **shift,
        },
    ]
    (tmp_path / "rota.json").write_text(json.dumps({"results": objects}))
    result = grafana_oncall.translate([tmp_path / "rota.json"], policy_id="x", start=START, horizon=timedelta(days=28))
    return RosterCalendar(Policy.model_validate(result.policy), START, START + timedelta(days=28))


def test_hourly_rolling_users_take_turns(tmp_path: Path) -> None:
    # Every 4 hours for an hour: ann at 10:00, bea at 14:00, ann at 18:00, bea at 22:00.
    calendar = _rolling(
        tmp_path,
        start="2027-03-22T10:00:00",
        rotation_start="2027-03-22T10:00:00",
        duration=3600,
        frequency="hourly",
        interval=4,
    )
    turns = [(at, on_call(calendar, "SROLL", f"2027-03-22T{at}:30:00Z")) for at in ("10", "14", "18", "22")]
    assert turns == [("10", {"UA"}), ("14", {"UB"}), ("18", {"UA"}), ("22", {"UB"})]


def test_a_rotation_start_after_the_first_turn_keeps_every_group(tmp_path: Path) -> None:
    # Weekly turns from Mon Mar 15 (ann), Mar 22 (bea), …, edited on Wed Mar 24 (rotation_start): the
    # turns that began before it are dropped, but whose turn each is stays: ann from Mar 29, bea from Apr 5.
    calendar = _rolling(
        tmp_path,
        start="2027-03-15T09:00:00",
        rotation_start="2027-03-24T12:00:00",
        duration=7 * 86_400,
        frequency="weekly",
        interval=1,
        week_start="MO",
    )
    assert on_call(calendar, "SROLL", "2027-03-30T12:00:00Z") == {"UA"}
    assert on_call(calendar, "SROLL", "2027-04-06T12:00:00Z") == {"UB"}
    assert on_call(calendar, "SROLL", "2027-04-13T12:00:00Z") == {"UA"}


def test_daily_rolling_users_on_weekdays_take_turns_day_by_day(tmp_path: Path) -> None:
    # Three groups on weekdays from Mon Mar 22: the weekend is not a turn, so the turns run
    # ann Mon, bea Tue, cas Wed, ann Thu, bea Fri, then cas Mon Mar 29 and ann Tue Mar 30.
    calendar = _rolling(
        tmp_path,
        start="2027-03-22T09:00:00",
        rotation_start="2027-03-22T09:00:00",
        duration=8 * 3600,
        frequency="daily",
        interval=1,
        by_day=["MO", "TU", "WE", "TH", "FR"],
        rolling_users=[["UA"], ["UB"], ["UC"]],
    )
    days = ["22", "23", "24", "25", "26", "27", "29", "30", "31"]
    who = [next(iter(on_call(calendar, "SROLL", f"2027-03-{d}T12:00:00Z")), None) for d in days]
    assert who == ["UA", "UB", "UC", "UA", "UB", None, "UC", "UA", "UB"]


def test_web_schedules_say_how_far_they_are_expanded(tmp_path: Path) -> None:
    # Web shifts are expanded over the horizon as iCal files are: the note must say so without any .ics.
    document = json.loads((FIXTURES / "schedules.json").read_text())
    document["results"] = [s for s in document["results"] if s["type"] == "web"]
    (tmp_path / "schedules.json").write_text(json.dumps(document))
    files = [tmp_path / "schedules.json", FIXTURES / "on_call_shifts.json", FIXTURES / "users.json"]
    notes = "\n".join(grafana_oncall.translate(files, policy_id="x", start=START, horizon=timedelta(days=28)).notes)
    assert "schedules are expanded from 2027-03-22 for 28 days (--start, --horizon)" in notes


def test_an_ics_path_that_cannot_be_read_is_named_as_an_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "SCHEDSRE.ics").mkdir()
    code = main(["import", "grafana-oncall", str(tmp_path / "SCHEDSRE.ics"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"tabletop import: {tmp_path / 'SCHEDSRE.ics'}: is a directory, not an iCalendar file\n"


def _changed(tmp_path: Path, name: str, change: Any) -> list[Path]:
    return changed_export(FILES, tmp_path, name, change)


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        (
            "schedules.json",
            lambda d: d["results"][1].update(time_zone="Berlin"),
            "schedule SWEB1 ('Weekend web rota'): 'time_zone' 'Berlin' is not an IANA time zone name",
        ),
        (
            "on_call_shifts.json",
            lambda d: d["results"][0].update(by_day=["SA", "Sunday"]),
            "shift OROLL1 ('Weekend'): 'by_day' holds 'Sunday'; it takes days MO, TU, WE, TH, FR, SA, SU",
        ),
        (
            "on_call_shifts.json",
            lambda d: d["results"][0].update(by_monthday=[0]),
            "shift OROLL1 ('Weekend'): 'by_monthday' holds 0; it takes days 1 to 31 or -31 to -1",
        ),
        (
            "on_call_shifts.json",
            lambda d: d["results"][0].update(week_start="monday"),
            "shift OROLL1 ('Weekend'): 'week_start' is 'monday'",
        ),
        (
            "on_call_shifts.json",
            lambda d: d["results"][0].update(rolling_users=[["U1ALICE"], [{"id": "U2BOB"}]]),
            "shift OROLL1 ('Weekend'): 'rolling_users' holds",
        ),
        (
            "integrations.json",
            lambda d: d["results"][0].update(team_id=["TSRE"]),
            "integration CINT1 ('Prometheus alerts'): 'team_id' must be a non-empty string",
        ),
    ],
)
def test_malformed_values_name_object_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, change: Any, message: str
) -> None:
    files = map(str, _changed(tmp_path, name, change))
    code = main(["import", "grafana-oncall", *files, "--out", str(tmp_path / "out"), "--start", "2027-03-22T00:00:00Z"])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err, err


def test_an_overrides_calendar_not_given_is_noted(tmp_path: Path) -> None:
    def overrides_url(document: dict[str, Any]) -> None:
        document["results"][0]["ical_url_overrides"] = "https://calendar.example.invalid/sre-overrides.ics"

    files = [f for f in _changed(tmp_path, "schedules.json", overrides_url) if f.name != "SCHEDSRE.overrides.ics"]
    notes = grafana_oncall.translate(files, policy_id="x", start=START, horizon=timedelta(days=28)).notes
    assert any(
        "schedule SCHEDSRE ('SRE primary'): its overrides calendar (ical_url_overrides) is a URL" in n
        and "no SCHEDSRE.overrides.ics was given; its overrides are not imported" in n
        for n in notes
    ), notes


def test_one_page_of_a_longer_list_is_noted(tmp_path: Path) -> None:
    def first_page(document: dict[str, Any]) -> None:
        document["next"] = "https://oncall.example.invalid/api/v1/escalation_policies/?page=2"

    files = _changed(tmp_path, "escalation_policies.json", first_page)
    notes = grafana_oncall.translate(files, policy_id="x", start=START, horizon=timedelta(days=28)).notes
    assert any(
        n.startswith(f"{tmp_path / 'escalation_policies.json'} is one page of a longer list")
        and "fetch every page" in n
        for n in notes
    ), notes


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("DTSTART;TZID=Europe/London:20270322T090000\n", "", "an event has no DTSTART"),
        ("DTEND;TZID=Europe/London:20270322T170000", "DTEND;TZID=Europe/London:20270322T250000", "20270322T250000"),
        ("RRULE:FREQ=DAILY", "RRULE:FREQ=SOMETIMES", "FREQ=SOMETIMES"),
        ("X-WR-TIMEZONE:Europe/London", "X-WR-TIMEZONE:London", "unknown time zone"),
    ],
)
def test_a_calendar_the_ical_libraries_cannot_expand_is_an_input_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, old: str, new: str, reason: str
) -> None:
    text = (FIXTURES / "SCHEDSRE.ics").read_text()
    assert old in text
    (tmp_path / "SCHEDSRE.ics").write_text(text.replace(old, new, 1))
    code = main(["import", "grafana-oncall", str(tmp_path / "SCHEDSRE.ics"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith(f"tabletop import: {tmp_path / 'SCHEDSRE.ics'}: not an iCalendar schedule Tabletop can read")
    assert reason in err
