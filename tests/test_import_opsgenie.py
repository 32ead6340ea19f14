"""Opsgenie import: additive rotations across a daylight-saving change, escalation rules, errors.

Fixtures in tests/fixtures/vendors/opsgenie/ follow API v2 shapes. Schedule "Ops schedule"
(Europe/Berlin; clocks go forward Sun 2027-03-28 02:00 CET → 03:00 CEST) has two rotations
that add up: "Weekly primary", Ines then Omar for a week each from Mon 2027-03-22 09:00
CET (08:00Z), and "Business hours backup", Lena Monday 09:00 to Friday 17:00. Weekly
handoffs stay at 09:00 local: Mon Mar 29 09:00 CEST is 07:00Z.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from vendor_exports import changed_export

from tabletop.cli import main
from tabletop.policies.importers import opsgenie
from tabletop.policies.importers.translation import Translation
from tabletop.policies.model import Policy
from tabletop.policies.roster import RosterCalendar

FIXTURES = Path(__file__).parent / "fixtures" / "vendors" / "opsgenie"
FILES = sorted(FIXTURES.glob("*.json"))
SCHEDULE = "d875e654-9b4e-4219-a019-6bf2d4e1e4e0"
INES, OMAR, LENA = (
    "4c5d1a6e-0b6f-4f3b-9a6e-1f2d3c4b5a61",
    "7e8f9a0b-1c2d-4e3f-8a9b-0c1d2e3f4a52",
    "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c53",
)


@pytest.fixture(scope="module")
def translation() -> Translation:
    return opsgenie.translate(FILES, policy_id="ops", start=datetime(2027, 3, 22, tzinfo=UTC))


@pytest.mark.parametrize(
    ("at", "people", "why"),
    [
        ("2027-03-24T10:00:00Z", {INES, LENA}, "Wed 11:00 CET: both rotations are on call, both notified"),
        ("2027-03-27T10:00:00Z", {INES}, "Saturday: the backup's restriction hides Lena"),
        ("2027-03-29T06:30:00Z", {INES}, "Mon 08:30 CEST: still Ines's week; the backup opens at 09:00"),
        ("2027-03-29T07:30:00Z", {OMAR, LENA}, "Mon 09:30 CEST: Omar from 09:00 local (elapsed time would say 10:00)"),
    ],
)
def test_rotations_add_up(translation: Translation, at: str, people: set[str], why: str) -> None:
    calendar = RosterCalendar(
        Policy.model_validate(translation.policy), datetime(2027, 3, 22, tzinfo=UTC), datetime(2027, 4, 30, tzinfo=UTC)
    )
    levels = calendar.who_is_on_call(datetime.fromisoformat(at))[SCHEDULE]
    assert set(levels) == {"Weekly-primary", "Business-hours-backup"}
    assert {p for found in levels.values() for p in found} == people, why


def test_rules_become_levels_by_delay(translation: Translation) -> None:
    chain: dict[str, Any] = translation.policy["escalation_chains"][0]
    assert [level["delay"] for level in chain["levels"]] == ["10m", "20m", "15m"]
    assert chain["levels"][0]["targets"] == [
        {"rotation": SCHEDULE, "level": "Weekly-primary"},
        {"rotation": SCHEDULE, "level": "Business-hours-backup"},
    ]
    assert chain["levels"][2]["targets"] == [{"team": "90098alp9-f0e3-41d3-a060-0ea895e1d6b5"}]
    assert chain["repeat"] == 2 and chain["on_empty"] == "wait" and "stop_on" not in chain
    assert any("rotations add up" in note for note in translation.notes)


def test_if_not_closed_keeps_escalating(tmp_path: Path) -> None:
    document = json.loads((FIXTURES / "escalations.json").read_text())
    document["data"][0]["rules"][2]["condition"] = "if-not-closed"
    (tmp_path / "escalations.json").write_text(json.dumps(document))
    files = [f for f in FILES if f.name != "escalations.json"] + [tmp_path / "escalations.json"]
    result = opsgenie.translate(files, policy_id="ops", start=datetime(2027, 3, 22, tzinfo=UTC))
    assert result.policy["escalation_chains"][0]["stop_on"] == "resolve"
    assert any("if-not-closed rules keep escalating" in n and "the if-not-acked rules too" in n for n in result.notes)


def test_round_trip(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["import", "opsgenie", *map(str, FILES), "--out", str(tmp_path), "--start", "2027-03-22T00:00:00Z"]
    assert main(argv) == 0
    assert "note: schedule overrides" in capsys.readouterr().err
    assert main(["validate", str(tmp_path / "scenario.yaml"), str(tmp_path / "policy.yaml")]) == 0
    capsys.readouterr()
    main(["oncall", "--policy", str(tmp_path / "policy.yaml"), "--at", "2027-03-29T07:30:00Z", "--json"])
    assert json.loads(capsys.readouterr().out)["rotations"][SCHEDULE]["Weekly-primary"] == [OMAR]


def _changed(tmp_path: Path, name: str, change: Any) -> list[Path]:
    return changed_export(FILES, tmp_path, name, change)


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        (
            "schedule.json",
            lambda d: d["data"]["rotations"][0]["participants"].append({"type": "none"}),
            "rotations[0], participants[2]: 'type' is none (an empty turn); Tabletop rotations take turns",
        ),
        (
            "escalations.json",
            lambda d: d["data"][0]["rules"][0].update(notifyType="previous"),
            "rules[0]: 'notifyType' is previous for a schedule",
        ),
        (
            "escalations.json",
            lambda d: d["data"][0]["rules"][1]["delay"].update(timeUnit="weeks"),
            "rules[1], delay: 'timeUnit' is 'weeks', which Tabletop cannot translate",
        ),
        (
            "schedule.json",
            lambda d: d["data"]["rotations"][1].update(endDate="2027-03-01T00:00:00Z"),
            "rotations[1]: 'endDate' 2027-03-01T00:00:00+00:00 is not after its startDate 2027-03-22T08:00:00+00:00",
        ),
        (
            "schedule.json",
            lambda d: d["data"].pop("rotations"),
            "'rotations' is missing or empty; fetch the schedule with ?expand=rotation",
        ),
    ],
)
def test_malformed_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, change: Any, message: str
) -> None:
    code = main(["import", "opsgenie", *map(str, _changed(tmp_path, name, change)), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and message in err, err


def test_rotations_sharing_a_name_are_both_imported(tmp_path: Path) -> None:
    def rename(document: dict[str, Any]) -> None:
        for rotation in document["data"]["rotations"]:
            rotation["name"] = "Rota"

    result = opsgenie.translate(
        _changed(tmp_path, "schedule.json", rename), policy_id="x", start=datetime(2027, 3, 22, tzinfo=UTC)
    )
    levels = result.policy["rotations"][0]["levels"]
    assert list(levels) == ["Rota", "Rota-2"]
    assert [level["layers"][0]["people"] for level in levels.values()] == [[INES, OMAR], [LENA]]


def test_one_page_of_a_longer_list_is_noted(tmp_path: Path) -> None:
    def first_page(document: dict[str, Any]) -> None:
        document["paging"] = {"next": "https://api.opsgenie.com/v2/users?limit=3&offset=3"}

    files = _changed(tmp_path, "users.json", first_page)
    notes = opsgenie.translate(files, policy_id="x", start=datetime(2027, 3, 22, tzinfo=UTC)).notes
    assert any(
        n.startswith(f"{tmp_path / 'users.json'} is one page of a longer list") and "fetch every page" in n
        for n in notes
    ), notes
