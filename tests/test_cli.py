from __future__ import annotations

import json
from pathlib import Path

import pytest

from tabletop.cli import main
from tabletop.cli.schema import SCHEMA_DIR, render
from tabletop.sim.drill import FACILITATOR, open_drill
from tabletop.sim.journal import DrillSetup
from tabletop.tui.app import DrillApp

DATA = Path(__file__).parent / "data"
SCENARIO = str(DATA / "tiny-scenario.yaml")
POLICY = str(DATA / "tiny-policy.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", SCENARIO, POLICY)
    assert code == 0
    assert f"{SCENARIO}: ok (scenario 'tiny'" in out
    assert f"{POLICY}: ok (policy 'basic'" in out and "checked against scenario 'tiny'" in out
    assert "2 file(s) valid" in err


def test_oncall_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "oncall", "--policy", POLICY, "--at", "2027-01-12T10:00:00Z", "--json")
    assert code == 0
    assert json.loads(out) == {"at": "2027-01-12T10:00:00+00:00", "rotations": {"sre": {"primary": ["bob"]}}}


def test_oncall_before_rotation_start_is_a_gap(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "oncall", "--policy", POLICY, "--at", "2027-01-04T08:59:00Z", "--json")
    assert code == 0 and json.loads(out)["rotations"] == {"sre": {"primary": []}}
    code, out, _ = run(capsys, "oncall", "--policy", POLICY, "--at", "2027-01-04T08:59:00Z")
    assert "nobody (coverage gap)" in out and "next: alice at Mon 04 Jan 09:00" in out


def test_oncall_table_with_scenario_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "oncall", SCENARIO, "--policy", POLICY, "--at", "2027-01-05T12:00:00+00:00")
    assert code == 0
    assert "sre / primary  Alice (alice, Tue 12:00 Europe/London)" in out


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("2027-01-12T10:00", "--at 2027-01-12T10:00:00 has no UTC offset; add one, e.g. 2027-01-12T10:00:00Z"),
        # The suggested fix must itself be accepted: a bare date gets a time of day in it.
        ("2027-01-12", "--at 2027-01-12T00:00:00 has no UTC offset; add one, e.g. 2027-01-12T00:00:00Z"),
        ("next tuesday", "--at 'next tuesday' is not an ISO-8601 date-time"),
        ("2027-01-12+01:00", "--at '2027-01-12+01:00' is not an ISO-8601 date-time"),
    ],
)
def test_oncall_bad_instant(capsys: pytest.CaptureFixture[str], at: str, message: str) -> None:
    code, out, err = run(capsys, "oncall", "--policy", POLICY, "--at", at)
    assert code == 2 and out == ""
    assert err.startswith(f"tabletop oncall: {message}")
    assert len(err.strip().splitlines()) == 1


def test_unknown_library_name_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "oncall", "--policy", "basicc", "--at", "2027-01-12T10:00:00Z")
    assert code == 2
    assert err.startswith("tabletop oncall: no policy file or library policy named 'basicc'")
    assert "library policys" not in err


def test_scenario_file_given_as_policy(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "oncall", "--policy", SCENARIO, "--at", "2027-01-12T10:00:00Z")
    assert code == 2
    assert err.strip() == f"{SCENARIO}:1:7: this is a scenario file; a policy file is needed here"


def test_policy_checked_against_scenario(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(Path(POLICY).read_text().replace("[alice, bob]", "[alice, bobby]"))
    code, _, err = run(capsys, "oncall", SCENARIO, "--policy", str(policy), "--at", "2027-01-12T10:00:00Z")
    assert code == 2
    assert "unknown person 'bobby'; did you mean 'bob'?" in err
    # Alone, the policy cannot know the scenario's people and is valid.
    code, _, _ = run(capsys, "oncall", "--policy", str(policy), "--at", "2027-01-12T10:00:00Z")
    assert code == 0


def test_bundled_schemas_are_current() -> None:
    for kind in ("scenario", "policy"):
        bundled = (SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8")
        assert bundled == render(kind), f"run `make schemas`: {kind}.schema.json is out of date"


def test_schema_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema", "policy")
    assert code == 0
    schema = json.loads(out)
    assert schema["title"] == "Tabletop policy"
    assert "escalation_chains" in schema["properties"]
    assert schema["additionalProperties"] is False


def test_argument_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["oncall", "--at", "2027-01-12T10:00:00Z"])
    assert exc.value.code == 2
    assert "the following arguments are required: --policy" in capsys.readouterr().err


def test_policy_for_another_scenario_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "run", "startup", "--policy", "payments-tiered", "-r", "1")
    assert code == 2
    first = err.splitlines()[0]
    assert first.endswith(
        "payments-tiered.yaml:14:11: this policy is written for scenario 'payments-platform' "
        "and is played here against 'startup'"
    )
    assert "unknown person" in err


def test_drill_lists_seats(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "drill", "drill-db-failover", "--seats")
    assert code == 0
    assert out.split() == [
        "incident_commander",
        "comms_lead",
        "customer_liaison",
        "security",
        "tech_lead:database",
        "tech_lead:sre",
        "tech_lead:security",
    ]


@pytest.mark.parametrize("ended", [False, True])
def test_a_resumed_drill_says_how_to_carry_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ended: bool
) -> None:
    journal = tmp_path / "drill.jsonl"
    drill = open_drill(DrillSetup("drill-db-failover", "payments-tiered", 1, ("incident_commander",)), journal)
    drill.advance(10)
    if ended:
        drill.act(FACILITATOR, "end")
    shown: list[str] = []
    monkeypatch.setattr(DrillApp, "run", lambda app: shown.append(app.notice))
    code, _, _ = run(capsys, "drill", "--resume", str(journal))
    assert code == 0
    if ended:
        assert shown[0].endswith("events restored. The exercise has ended: x (seat 0) opens the hot wash.")
    else:
        assert shown[0].endswith("events restored, paused. Press Space to carry on.")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["drill-db-failover"], "give a SCENARIO and --policy POLICY, or --resume JOURNAL"),
        (["drill-db-failover", "--policy", "payments-tiered", "--speed", "0"], "--speed must be positive, got 0"),
        (
            ["drill-db-failover", "--policy", "payments-tiered", "--play", "incident_comander"],
            "no seat 'incident_comander' in this drill; did you mean 'incident_commander'?",
        ),
        (["--resume", "missing.jsonl"], "cannot read journal missing.jsonl"),
        (["--resume", "x.jsonl", "--play", "comms_lead"], "--resume takes the scenario, policy and seats"),
    ],
)
def test_drill_refuses_bad_arguments_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "drill", *argv)
    assert code == 2
    assert err.startswith(f"tabletop drill: {message}") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == [], "a drill that cannot start leaves no journal behind"
