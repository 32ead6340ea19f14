"""``tabletop lint``: each rule with a policy that triggers it and one that does not; locations, JSON, exit codes."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tabletop.cli import main
from tabletop.policies.lint import LintFinding, default_start, lint
from tabletop.policies.loading import LIBRARY, load_pair
from tabletop.policies.model import Policy
from tabletop.scenarios.model import Scenario

DATA = Path(__file__).parent / "data"
SCENARIO: dict[str, Any] = yaml.safe_load((DATA / "tiny-scenario.yaml").read_text())
START = datetime(2027, 1, 4, tzinfo=UTC)  # the tiny scenario's start, a Monday
HORIZON = timedelta(days=14)
WORKDAY = [{"type": "daily", "start": "09:00", "end": "17:00"}]

#: A policy with nothing to report over the horizon: one always-covered rotation, a team backstop.
CLEAN: dict[str, Any] = {
    "kind": "policy",
    "id": "clean",
    "name": "Clean",
    "tiers": [
        {"id": "SEV1", "sla": {"acknowledge": "5m", "contain": "1h"}},
        {"id": "SEV2", "sla": {"acknowledge": "15m"}},
    ],
    "rotations": [
        {
            "id": "sre",
            "time_zone": "Europe/London",
            "levels": {"primary": {"layers": [{"people": ["alice", "bob"], "start": "2027-01-03", "turn": "1w"}]}},
        }
    ],
    "escalation_chains": [
        {"id": "sre", "levels": [{"targets": [{"rotation": "sre"}], "delay": "5m"}, {"targets": [{"team": "sre"}]}]}
    ],
    "routing": [{"chain": "sre"}],
}


def variant(change: Any) -> dict[str, Any]:
    policy = copy.deepcopy(CLEAN)
    change(policy)
    return policy


def findings(policy: dict[str, Any], scenario: dict[str, Any] | None = None, **window: Any) -> list[LintFinding]:
    model = Policy.model_validate(policy)
    world = Scenario.model_validate(scenario) if scenario is not None else None
    return lint(model, world, window.get("start", START), window.get("horizon", HORIZON))


def rules(found: list[LintFinding]) -> dict[str, list[LintFinding]]:
    out: dict[str, list[LintFinding]] = {}
    for finding in found:
        out.setdefault(finding.rule, []).append(finding)
    return out


def layer(policy: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = policy["rotations"][0]["levels"]["primary"]["layers"][0]
    return found


def test_clean_policy_has_no_findings() -> None:
    assert findings(CLEAN) == []
    assert findings(CLEAN, SCENARIO) == []


def test_coverage_gap_with_daylight_saving_note() -> None:
    policy = variant(lambda p: layer(p).update(restrictions=WORKDAY))
    found = rules(findings(policy))
    (gap,) = found["coverage-gap"]
    assert gap.severity == "warning" and gap.path == ("rotations", 0, "levels", "primary")
    assert "has nobody on call for" in gap.message and "2027-01-04 00:00Z–2027-01-04 09:00Z" in gap.message
    # The night of Sat 27 to Sun 28 March 2027, when UK clocks go forward.
    (gap,) = rules(findings(policy, start=datetime(2027, 3, 27, tzinfo=UTC), horizon=timedelta(days=3)))["coverage-gap"]
    assert "around the daylight-saving change of 2027-03-28 in Europe/London" in gap.message


def test_coverage_gap_next_to_a_holiday() -> None:
    def change(p: dict[str, Any]) -> None:
        layer(p).update(restrictions=WORKDAY)
        p["rotations"][0]["levels"]["primary"]["holidays"] = {"country": "GB", "subdivision": "ENG", "cover": "bob"}

    (gap,) = rules(findings(variant(change), start=datetime(2027, 5, 2, tzinfo=UTC), horizon=timedelta(days=2)))[
        "coverage-gap"
    ]
    assert "next to the public holiday" in gap.message  # Early May bank holiday, Monday 3 May 2027


def test_empty_level() -> None:
    found = rules(findings(variant(lambda p: layer(p).update(restrictions=WORKDAY))))
    (empty,) = found["empty-level"]
    assert empty.path == ("escalation_chains", 0, "levels", 0, "targets")
    assert "level 1 of chain 'sre' pages nobody for" in empty.message
    assert "empty-level" not in rules(findings(CLEAN))


def test_never_pages_tiers_routes_and_targets() -> None:
    def change(p: dict[str, Any]) -> None:
        p["escalation_chains"][0]["levels"][1]["when"] = {"tiers": ["SEV1"]}
        p["routing"] = [{"chain": "sre", "tiers": ["SEV2"]}, {"chain": "sre"}, {"chain": "sre", "tiers": ["SEV1"]}]

    found = rules(findings(variant(change)))["never-pages"]
    assert [f.path for f in found] == [("routing", 2)]
    assert "route 3 comes after route 2, which matches everything" in found[0].message

    def only_sev2(p: dict[str, Any]) -> None:
        p["escalation_chains"][0]["levels"][1]["when"] = {"tiers": ["SEV1"]}
        p["routing"] = [{"chain": "sre", "tiers": ["SEV2"]}]

    (level,) = rules(findings(variant(only_sev2)))["never-pages"]
    assert level.path == ("escalation_chains", 0, "levels", 1, "when", "tiers")
    assert "applies only to tiers SEV1, but the chain only receives SEV2" in level.message

    def unreachable(p: dict[str, Any]) -> None:
        p["escalation_chains"].append({"id": "spare", "levels": [{"targets": [{"person": "alice"}]}]})

    (chain,) = rules(findings(variant(unreachable), SCENARIO))["never-pages"]
    assert "chain 'spare' is reached by no alert of the scenario's incidents" in chain.message


def test_window_never_opens() -> None:
    closed = {"days": ["sat"], "window": {"days": ["mon"], "start": "09:00", "end": "17:00"}}
    found = rules(findings(variant(lambda p: p["escalation_chains"][0]["levels"][1].update(when=closed))))
    (window,) = found["window-never-opens"]
    assert window.path == ("escalation_chains", 0, "levels", 1, "when")
    assert "applies only on sat mon 09:00–17:00 (UTC), which never occurs" in window.message
    # Saturdays do occur in a two-week horizon, but not in one starting Monday for three days.
    saturdays = {"days": ["sat"]}
    policy = variant(lambda p: p["escalation_chains"][0]["levels"][1].update(when=saturdays))
    assert "window-never-opens" not in rules(findings(policy))
    assert "window-never-opens" in rules(findings(policy, horizon=timedelta(days=3)))


def test_stall_when_every_level_is_empty() -> None:
    def change(p: dict[str, Any]) -> None:
        layer(p).update(restrictions=WORKDAY)
        p["escalation_chains"][0]["levels"] = [{"targets": [{"rotation": "sre"}]}]

    stall, for_sev2 = rules(findings(variant(change)))["stall"]  # one per tier the chain receives
    assert stall.severity == for_sev2.severity == "error" and stall.path == ("escalation_chains", 0)
    assert "pages nobody for a SEV1 incident starting at 2027-01-04 00:00Z" in stall.message
    assert "has no backstop" in stall.message

    def backstopped(p: dict[str, Any]) -> None:
        change(p)
        p["escalation_chains"][0]["backstop"] = {"targets": [{"person": "alice"}]}

    assert "stall" not in rules(findings(variant(backstopped)))


def test_stall_when_a_hold_never_ends() -> None:
    def change(p: dict[str, Any]) -> None:
        layer(p)["end"] = "2027-01-10"
        p["escalation_chains"][0]["on_empty"] = "hold"

    found = rules(findings(variant(change)))["stall"]
    assert [f.severity for f in found] == ["error", "error"]  # one per tier
    assert "on an empty level that nobody comes on call for in the horizon: it waits forever" in found[0].message

    def overnight(p: dict[str, Any]) -> None:
        layer(p).update(restrictions=WORKDAY)
        p["escalation_chains"][0]["on_empty"] = "hold"

    held = rules(findings(variant(overnight)))["stall"]
    assert {f.severity for f in held} == {"warning"}
    assert "until someone comes on call" in held[0].message


def test_sla_before_first_page() -> None:
    def change(p: dict[str, Any]) -> None:
        layer(p).update(restrictions=WORKDAY)
        p["escalation_chains"][0]["levels"][0].update(on_empty="wait", delay="15m")

    found = rules(findings(variant(change)))["sla-before-first-page"]
    assert [(f.severity, f.message[:40]) for f in found] == [("warning", "tier SEV1 must be acknowledged within 5m")]
    assert "first pages anyone after 15m" in found[0].message

    def never(p: dict[str, Any]) -> None:
        layer(p)["end"] = "2027-01-03T12:00"
        p["escalation_chains"][0]["levels"][0].update(on_empty="wait", delay="15m")

    (always,) = rules(findings(variant(never)))["sla-before-first-page"]
    assert always.severity == "error" and "(at every instant of the horizon)" in always.message


def _qualified(*people: str) -> dict[str, Any]:
    scenario: dict[str, Any] = copy.deepcopy(SCENARIO)
    for person in scenario["people"]:
        if person["id"] in people:
            person["qualifications"] = ["incident_commander"]
    return scenario


def test_unqualified_role() -> None:
    policy = variant(lambda p: p.update(mobilization={"roles": {"incident_commander": {"rotation": "sre"}}}))
    (nobody,) = rules(findings(policy, _qualified()))["unqualified-role"]
    assert nobody.severity == "error" and nobody.path == ("mobilization", "roles", "incident_commander")
    assert "whose alice, bob lack the incident_commander qualification: nobody it pages is qualified" in nobody.message
    (some,) = rules(findings(policy, _qualified("alice")))["unqualified-role"]
    assert some.severity == "warning" and "whose bob lacks" in some.message
    assert "unqualified-role" not in rules(findings(policy, _qualified("alice", "bob")))
    assert "unqualified-role" not in rules(findings(policy))  # people's qualifications live in the scenario


def test_tech_lead_outside_the_domain() -> None:
    scenario = copy.deepcopy(SCENARIO)
    scenario["people"].append({"id": "carol", "name": "Carol", "time_zone": "UTC"})
    policy = variant(lambda p: p.update(mobilization={"tech_leads": {"sre": {"person": "carol"}}}))
    (lead,) = rules(findings(policy, scenario))["unqualified-role"]
    assert lead.severity == "warning" and "carol belong to no sre team" in lead.message


def test_tier_without_route() -> None:
    policy = variant(lambda p: p.update(routing=[{"chain": "sre", "tiers": ["SEV1"]}]))
    (alone,) = rules(findings(policy))["tier-without-route"]
    assert alone.path == ("tiers", 1, "id") and "no route matches incidents of tier SEV2" in alone.message
    (paired,) = rules(findings(policy, SCENARIO))["tier-without-route"]
    assert "no route matches outage at db (tier SEV2)" in paired.message
    assert "tier-without-route" not in rules(findings(CLEAN, SCENARIO))


def test_at_fraction_without_target() -> None:
    def trigger(tiers: list[str]) -> dict[str, Any]:
        spec = {
            "id": "contain-risk",
            "tiers": tiers,
            "not_reached": "contain",
            "at_fraction": 0.5,
            "action": "next_level",
        }
        return variant(lambda p: p.update(escalation_triggers=[spec]))

    (never,) = rules(findings(trigger(["SEV2"])))["at-fraction-without-target"]
    assert never.severity == "error" and never.path == ("escalation_triggers", 0, "at_fraction")
    assert "tier(s) SEV2 have no contain target" in never.message
    (some,) = rules(findings(trigger(["SEV1", "SEV2"])))["at-fraction-without-target"]
    assert some.severity == "warning"
    assert "at-fraction-without-target" not in rules(findings(trigger(["SEV1"])))


def write(tmp_path: Path, policy: dict[str, Any]) -> str:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    return str(path)


def test_cli_locations_severity_and_exit_code(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    def change(p: dict[str, Any]) -> None:
        layer(p).update(restrictions=WORKDAY)
        p["escalation_chains"][0]["levels"] = [{"targets": [{"rotation": "sre"}]}]

    path = write(tmp_path, variant(change))
    code = main(["lint", str(DATA / "tiny-scenario.yaml"), "--policy", path, "--horizon", "7d"])
    out, err = capsys.readouterr()
    assert code == 1
    lines = out.splitlines()
    assert any(
        line.startswith(f"{path}:") and ": error: chain 'sre' pages nobody" in line and line.endswith("[stall]")
        for line in lines
    )
    text = Path(path).read_text().splitlines()
    stall = next(line for line in lines if "[stall]" in line)
    line_no = int(stall.split(":")[1])
    assert text[line_no - 1].lstrip("- ").startswith("id: sre")
    assert "error(s)" in err and "from 2027-01-04 00:00 UTC" in err


def test_cli_json_and_warnings_only(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, variant(lambda p: p.update(routing=[{"chain": "sre", "tiers": ["SEV1"]}])))
    code = main(["lint", "--policy", path, "--horizon", "7d", "--from", "2027-01-04T00:00:00Z", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [(r["rule"], r["severity"]) for r in rows] == [("tier-without-route", "warning")]
    assert set(rows[0]) == {"file", "line", "column", "severity", "rule", "message"} and rows[0]["line"] > 1


def test_cli_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--policy", str(DATA / "tiny-policy.yaml"), "--horizon", "soon"]) == 2
    assert "--horizon: 'soon' is not a duration" in capsys.readouterr().err


def test_default_start_waits_for_every_rotation() -> None:
    policy = Policy.model_validate(CLEAN)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    assert default_start(policy, now) == datetime(2027, 1, 3, tzinfo=UTC)
    assert default_start(policy, datetime(2027, 6, 1, tzinfo=UTC)) == datetime(2027, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize("name", sorted(p.stem for p in LIBRARY.glob("*.yaml")))
def test_library_policies_have_no_errors(name: str) -> None:
    scenario_name = str(yaml.safe_load((LIBRARY / f"{name}.yaml").read_text())["scenario"])
    scenario, policy = load_pair(scenario_name, name)
    found = lint(policy, scenario, scenario.start, timedelta(days=28))
    assert [f.message for f in found if f.severity == "error"] == []
