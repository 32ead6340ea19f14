"""PagerDuty import: schedule semantics across a daylight-saving change, chains, services, round trips, errors.

The fixtures in tests/fixtures/vendors/pagerduty/ describe one team in PagerDuty's REST v2
shapes. Schedule PSCHED1 (America/New_York; US clocks go forward on Sunday 2027-03-14 at
02:00 EST → 03:00 EDT) has three layers, the later winning where they overlap:

- "Weekly": Ana, Ben, Chen in turn for a week each from Mon 2027-02-22 09:00 EST
  (turn k: Ana k=0 from Feb 22, Ben k=1 from Mar 1, Chen k=2 from Mar 8, Ana k=3 from
  Mar 15). Whole-week turns hand off at 09:00 on the local wall clock, so after the
  change Chen hands to Ana at Mon Mar 15 09:00 EDT (13:00Z), not at 10:00 EDT as 7 × 24
  hours of elapsed time would give.
- "Nights": Chen, Ana in turn for a day each, counted from rotation_virtual_start
  Mon Mar 1 18:00 EST (turn j runs from Mar 1+j 18:00: Chen for even j, Ana for odd j),
  shown only 18:00–08:00 (a daily restriction of 14 hours). The layer's start is Wed
  Mar 3 12:00 EST, in the middle of turn j=1 (Ana): before it the layer shows nobody.
- "Weekends": Dana from Saturday 00:00 to Monday 00:00 local (a weekly restriction of
  2 days from day 6).
- An override puts Ben on call Mon Mar 15 20:00 to Tue Mar 16 08:00 EDT.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tabletop.cli import main
from tabletop.errors import InputError
from tabletop.policies.importers import pagerduty
from tabletop.policies.importers.translation import Translation
from tabletop.policies.model import Policy
from tabletop.policies.roster import RosterCalendar

FIXTURES = Path(__file__).parent / "fixtures" / "vendors" / "pagerduty"
FILES = sorted(FIXTURES.glob("*.json"))
START = datetime(2027, 3, 8, tzinfo=UTC)


@pytest.fixture(scope="module")
def translation() -> Translation:
    return pagerduty.translate(FILES, policy_id="payments-pd", start=START)


@pytest.fixture(scope="module")
def calendar(translation: Translation) -> RosterCalendar:
    policy = Policy.model_validate(translation.policy)
    return RosterCalendar(policy, datetime(2027, 2, 20, tzinfo=UTC), datetime(2027, 4, 30, tzinfo=UTC))


@pytest.mark.parametrize(
    ("at", "person", "why"),
    [
        # Wed Mar 10 10:00 EST: Weekly turn k=2 (Chen); outside the night window; not a weekend.
        ("2027-03-10T15:00:00Z", "PCHEN03", "weekly layer by day"),
        # Wed Mar 10 23:00 EST: Nights turn j=9 (from Mar 10 18:00) is Ana's and beats the Weekly layer.
        ("2027-03-11T04:00:00Z", "PANA001", "later layer wins at night"),
        # Tue Mar 2 23:00 EST: the Nights layer has not started (Mar 3 12:00), so Weekly k=1 (Ben) shows.
        ("2027-03-03T04:00:00Z", "PBEN002", "before the layer's start nobody from it"),
        # Wed Mar 3 23:00 EST: Nights turn j=2 (Chen), the first whole turn after the partial one.
        ("2027-03-04T04:00:00Z", "PCHEN03", "phase kept from rotation_virtual_start"),
        # Sun Mar 14 01:30 EST, just before clocks go forward: the weekend layer (Dana).
        ("2027-03-14T06:30:00Z", "PDANA04", "weekend before the change"),
        # Sun Mar 14 08:00 EDT, after the change: still the weekend, which ends at local midnight.
        ("2027-03-14T12:00:00Z", "PDANA04", "weekend after the change"),
        # Mon Mar 15 01:00 EDT: the weekend ended at 00:00 EDT; Nights turn j=13 (Ana).
        ("2027-03-15T05:00:00Z", "PANA001", "night after the weekend"),
        # Mon Mar 15 08:30 EDT: nights end 08:00; Weekly k=2 (Chen) until 09:00 EDT.
        ("2027-03-15T12:30:00Z", "PCHEN03", "last half hour of the week"),
        # Mon Mar 15 09:30 EDT: Weekly k=3 (Ana) from 09:00 on the wall clock; elapsed time would still be Chen.
        ("2027-03-15T13:30:00Z", "PANA001", "handoff keeps local 09:00 across the change"),
        # Mon Mar 15 22:00 EDT: Nights j=14 would be Chen, but the override puts Ben on call.
        ("2027-03-16T02:00:00Z", "PBEN002", "override beats every layer"),
        # Tue Mar 16 08:30 EDT: the override ended at 08:00; Weekly k=3 (Ana).
        ("2027-03-16T12:30:00Z", "PANA001", "after the override"),
    ],
)
def test_person_on_call(calendar: RosterCalendar, at: str, person: str, why: str) -> None:
    assert calendar.on_call("PSCHED1", "primary", datetime.fromisoformat(at)) == person, why


def test_final_schedule_is_checked(translation: Translation) -> None:
    assert any(
        "checked against PagerDuty's rendered final schedule" in n and n.endswith(": same") for n in translation.notes
    )


def test_layers_listed_highest_first_are_reversed(tmp_path: Path) -> None:
    document = json.loads((FIXTURES / "schedule.json").read_text())
    document["schedule"]["schedule_layers"].reverse()
    (tmp_path / "schedule.json").write_text(json.dumps(document))
    files = [f for f in FILES if f.name != "schedule.json"] + [tmp_path / "schedule.json"]
    result = pagerduty.translate(files, policy_id="x", start=START)
    assert any("they were reversed" in note for note in result.notes)
    policy = Policy.model_validate(result.policy)
    calendar = RosterCalendar(policy, datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))
    assert calendar.on_call("PSCHED1", "primary", datetime.fromisoformat("2027-03-11T04:00:00Z")) == "PANA001"


def test_a_wrong_final_schedule_is_reported(tmp_path: Path) -> None:
    document = json.loads((FIXTURES / "schedule.json").read_text())
    document["schedule"]["final_schedule"]["rendered_schedule_entries"][1]["user"]["id"] = "PBEN002"
    (tmp_path / "schedule.json").write_text(json.dumps(document))
    files = [f for f in FILES if f.name != "schedule.json"] + [tmp_path / "schedule.json"]
    notes = pagerduty.translate(files, policy_id="x", start=START).notes
    assert any("differs from PagerDuty's rendered final schedule: at 2027-03-15T00:00:00-04:00" in n for n in notes)


def _chain(translation: Translation, chain_id: str) -> dict[str, Any]:
    chains: list[dict[str, Any]] = translation.policy["escalation_chains"]
    return next(c for c in chains if c["id"] == chain_id)


def test_escalation_policies_become_chains(translation: Translation) -> None:
    payments = _chain(translation, "PEPAY01")
    assert payments["on_empty"] == "skip"
    # num_loops 2: the two rules, then two more rounds of them.
    assert [level["delay"] for level in payments["levels"]] == ["15m", "10m"] * 3
    assert payments["levels"][0]["targets"] == [{"rotation": "PSCHED1"}]
    assert payments["levels"][2]["name"] == "rule 1 (PRULE11), loop 1"
    # Low urgency notifies the first level only, once: every later level, loops too, is for tier high.
    assert "when" not in payments["levels"][0] and "repeat" not in payments
    assert all(level["when"] == {"tiers": ["high"]} for level in payments["levels"][1:])
    platform = _chain(translation, "PEPLAT2")
    assert platform["levels"][0]["assignment"] == "round_robin"
    assert "repeat" not in platform


def test_service_terms_vary_the_chain(translation: Translation) -> None:
    checkout = _chain(translation, "PEPAY01.PSVCCHK")
    assert checkout["stop_on"] == "resolve" and checkout["repage_after"] == "30m"
    assert checkout["levels"][1]["when"] == {
        "tiers": ["high"],
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "window": {"start": "09:00", "end": "17:00"},
        "time_zone": "America/New_York",
    }
    # Outside support hours incidents are low urgency and do not loop either.
    assert checkout["levels"][2]["when"] == checkout["levels"][1]["when"]
    assert translation.policy["routing"] == [
        {"chain": "PEPAY01.PSVCCHK", "services": ["PSVCCHK"]},
        {"chain": "PEPAY01", "services": ["PSVCLED"]},
        {"chain": "PEPLAT2", "services": ["PSVCTLS"]},
    ]
    tiers = {s["id"]: s["tier"] for s in translation.scenario["services"]}
    assert tiers == {"PSVCCHK": "high", "PSVCLED": "high", "PSVCTLS": "low"}
    assert any("auto_resolve_timeout is not simulated" in n for n in translation.notes)


def test_people_keep_their_ids_names_and_zones(translation: Translation) -> None:
    people = {p["id"]: (p["name"], p["time_zone"]) for p in translation.scenario["people"]}
    assert people["PBEN002"] == ("Ben Okafor", "Europe/London")
    teams = {t["id"]: t["members"] for t in translation.scenario["teams"]}
    assert teams["PTEAMPY"] == ["PANA001", "PBEN002", "PCHEN03"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_round_trip_import_validate_lint_oncall_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "team"
    code, stdout, err = run(
        capsys, "import", "pagerduty", *map(str, FILES), "--out", str(out), "--start", "2027-03-08T00:00:00Z"
    )
    assert code == 0, err
    assert stdout.split() == [str(out / "policy.yaml"), str(out / "scenario.yaml")]
    assert "note: service PSVCCHK: high urgency in support hours" in err
    text = (out / "policy.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=") and "policy.schema.json" in text.splitlines()[0]
    scenario, policy = str(out / "scenario.yaml"), str(out / "policy.yaml")
    assert run(capsys, "validate", scenario, policy)[0] == 0
    code, _, err = run(capsys, "lint", scenario, "--policy", policy, "--horizon", "14d")
    assert code == 0 and "0 error(s)" in err
    code, stdout, _ = run(capsys, "oncall", "--policy", policy, "--at", "2027-03-15T13:30:00Z", "--json")
    assert json.loads(stdout)["rotations"] == {"PSCHED1": {"primary": ["PANA001"]}}
    code, stdout, err = run(capsys, "run", scenario, "--policy", policy, "--replications", "1", "--days", "3")
    assert code == 0, err
    assert "played against" in stdout


def test_without_services_each_policy_gets_a_placeholder(tmp_path: Path) -> None:
    files = [FIXTURES / "escalation_policies.json", FIXTURES / "schedule.json"]
    result = pagerduty.translate(files, policy_id="x", start=START)
    assert [r["chain"] for r in result.policy["routing"]] == ["PEPAY01", "PEPLAT2"]
    assert any("no services given" in n for n in result.notes)
    assert any("have no user object" in n for n in result.notes)
    names = {p["id"]: p["name"] for p in result.scenario["people"]}
    assert names["PDANA04"] == "Dana Kovacs"  # from the reference's summary


def _broken(tmp_path: Path, name: str, change: Any) -> list[Path]:
    document = json.loads((FIXTURES / name).read_text())
    change(document)
    (tmp_path / name).write_text(json.dumps(document))
    return [f for f in FILES if f.name != name] + [tmp_path / name]


def _layer(document: dict[str, Any]) -> dict[str, Any]:
    layer: dict[str, Any] = document["schedule"]["schedule_layers"][1]
    return layer


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        (
            "schedule.json",
            lambda d: _layer(d).pop("rotation_turn_length_seconds"),
            "schedule PSCHED1 ('Payments primary'), schedule_layers[1]: 'rotation_turn_length_seconds' is missing",
        ),
        (
            "schedule.json",
            lambda d: d["schedule"].update(time_zone="Eastern Time"),
            "schedule PSCHED1 ('Payments primary'): 'time_zone' 'Eastern Time' is not an IANA time zone name",
        ),
        (
            "schedule.json",
            lambda d: _layer(d)["restrictions"][0].update(start_time_of_day="18:00:30"),
            "restrictions[0]: 'start_time_of_day' is '18:00:30'; Tabletop restrictions start on a whole minute",
        ),
        (
            "schedule.json",
            lambda d: d["schedule"]["overrides_subschedule"]["rendered_schedule_entries"][0].update(
                end="2027-03-15T19:00:00-04:00"
            ),
            "overrides_subschedule, rendered_schedule_entries[0]: 'end' 2027-03-15T19:00:00-04:00 is not after the "
            "override's start 2027-03-15T20:00:00-04:00",
        ),
        (
            "escalation_policies.json",
            lambda d: d["escalation_policies"][0]["escalation_rules"][0]["targets"][0].update(type="team_reference"),
            "escalation_rules[0], targets[0]: 'type' is 'team_reference', which Tabletop cannot translate",
        ),
        (
            "escalation_policies.json",
            lambda d: d["escalation_policies"][1]["escalation_rules"][1]["targets"][0].update(id="PNOPE99"),
            "'id' names schedule PNOPE99, which is not in the files given; add GET /schedules/PNOPE99",
        ),
        (
            "services.json",
            lambda d: d["services"][0]["incident_urgency_rule"].update(
                during_support_hours={"type": "constant", "urgency": "low"},
                outside_support_hours={"type": "constant", "urgency": "high"},
            ),
            "'outside_support_hours' makes incidents high urgency outside support hours and low inside",
        ),
    ],
)
def test_malformed_files_name_object_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, change: Any, message: str
) -> None:
    files = _broken(tmp_path, name, change)
    code, _, err = run(capsys, "import", "pagerduty", *map(str, files), "--out", str(tmp_path / "out"))
    assert code == 2
    assert message in err, err
    assert err.startswith("tabletop import: ") and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_not_pagerduty_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"incidents": []}')
    (tmp_path / "broken.json").write_text('{"schedules": [}')
    code, _, err = run(capsys, "import", "pagerduty", str(tmp_path / "bad.json"), "--out", str(tmp_path))
    assert code == 2 and "found incidents but none of escalation_policy" in err
    code, _, err = run(capsys, "import", "pagerduty", str(tmp_path / "broken.json"), "--out", str(tmp_path))
    assert code == 2 and "broken.json:1:16: not valid JSON" in err


def test_no_escalation_policy_is_an_error() -> None:
    with pytest.raises(InputError, match="no escalation policy"):
        pagerduty.translate([FIXTURES / "schedule.json"], policy_id="x", start=START)


def test_an_id_that_is_not_an_id_is_refused_in_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["import", "pagerduty", *map(str, FILES), "--out", str(out), "--id", "payments team"])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert err.count("\n") == 1 and "argument --id: 'payments team' is not an id" in err, err
    assert not out.exists()


def test_a_person_in_no_schedule_and_without_a_user_object_is_said_to_be_in_utc(tmp_path: Path) -> None:
    def add_target(document: dict[str, Any]) -> None:
        rule = document["escalation_policies"][0]["escalation_rules"][1]
        rule["targets"].append({"id": "PZED099", "type": "user_reference", "summary": "Zed"})

    files = [f for f in _broken(tmp_path, "escalation_policies.json", add_target) if f.name != "users.json"]
    result = pagerduty.translate(files, policy_id="x", start=START)
    zones = {p["id"]: p["time_zone"] for p in result.scenario["people"]}
    assert zones["PZED099"] == "UTC" and zones["PANA001"] == "America/New_York"
    note = next(n for n in result.notes if "have no user object" in n)
    assert note.endswith("placed in their schedule's time zone; PZED099, in no schedule, is placed in UTC")
