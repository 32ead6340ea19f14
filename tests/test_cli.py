from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tabletop.cli import main
from tabletop.cli.schema import SCHEMA_DIR, render
from tabletop.policies.loading import policy_path
from tabletop.sim.drill import FACILITATOR, open_drill
from tabletop.sim.journal import DrillSetup
from tabletop.spec.library import shown_path
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
    # Whoever is on call next is named the same way, with their local time when the turn begins.
    assert "next: Bob (bob, " in out


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("2027-01-12T10:00", "--at 2027-01-12T10:00:00 has no UTC offset; add one, e.g. 2027-01-12T10:00:00Z"),
        # The suggested fix must itself be accepted: a bare date gets a time of day in it.
        ("2027-01-12", "--at 2027-01-12T00:00:00 has no UTC offset; add one, e.g. 2027-01-12T00:00:00Z"),
        ("next tuesday", "--at 'next tuesday' is not an ISO-8601 date-time"),
        ("2027-01-12+01:00", "--at '2027-01-12+01:00' is not an ISO-8601 date-time"),
        # The roster is worked out for days around the instant, which must stay representable.
        ("9999-12-31T23:00:00Z", "--at 9999-12-31T23:00:00Z is outside the years 1900–2999"),
        ("0001-01-01T00:00:00Z", "--at 0001-01-01T00:00:00Z is outside the years 1900–2999"),
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


def argument_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """What the parser prints when it refuses a command line, checked to exit with code 2 and print nothing else."""
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    return err


def test_argument_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    err = argument_error(capsys, "oncall", "--at", "2027-01-12T10:00:00Z")
    assert err == (
        "tabletop oncall: error: the following arguments are required: --policy (see tabletop oncall --help)\n"
    )


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["run", "startup", "--policy", "startup-basic", "--replications", "-3"],
            "tabletop run: error: argument --replications/-r: must be at least 1, got -3 (see tabletop run --help)",
        ),
        (
            ["run", "startup", "--policy", "startup-basic", "--days", "0"],
            "tabletop run: error: argument --days: must be a positive number, got 0 (see tabletop run --help)",
        ),
        (
            ["compare", "startup", "--policy", "startup-basic", "--workers", "0"],
            "tabletop compare: error: argument --workers/-w: must be at least 1, got 0 (see tabletop compare --help)",
        ),
        (
            ["run", "startup"],
            "tabletop run: error: the following arguments are required: --policy (see tabletop run --help)",
        ),
        ([], "tabletop: error: the following arguments are required: COMMAND (see tabletop --help)"),
        (
            ["export", "ical", "--policy", "startup-basic", "--rotation", "engineering", "--from", "2027-01-01"],
            "tabletop export ical: error: the following arguments are required: --to (see tabletop export ical --help)",
        ),
    ],
)
def test_argument_errors_are_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], line: str) -> None:
    assert argument_error(capsys, *argv) == line + "\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "startup", "--policy", "payments-tiered", "-r", "1"],
        ["oncall", "startup", "--policy", "payments-tiered", "--at", "2027-01-12T10:00:00Z"],
        ["lint", "startup", "--policy", "payments-tiered"],
    ],
)
def test_policy_for_another_scenario_says_so(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    first, *rest = err.splitlines()
    shown = shown_path("payments-tiered", policy_path("payments-tiered"))
    assert first == (
        f"{shown}:14:11: this policy is written for scenario 'payments-platform' and is played here against 'startup'"
    )
    assert rest and all("unknown " in line for line in rest)


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


@pytest.mark.parametrize(
    "setting",
    ["escalation_chains.engineering.levels.0.delay", "escalation_chains.engineering.levels.0.delay=", "repeat=,"],
)
def test_sweep_setting_without_values_is_one_line(capsys: pytest.CaptureFixture[str], setting: str) -> None:
    err = argument_error(capsys, "sweep", "startup", "--policy", "startup-basic", "--set", setting)
    assert err == (
        f"tabletop sweep: error: argument --set: '{setting}' must look like PATH=V1,V2 "
        "(e.g. escalation_chains.ops.levels.0.delay=5m,30m) (see tabletop sweep --help)\n"
    )


def test_sweep_setting_that_is_not_yaml_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    err = argument_error(capsys, "sweep", "startup", "--policy", "startup-basic", "--set", "repeat=[0")
    assert err == (
        "tabletop sweep: error: argument --set: repeat: cannot read value '[0' as YAML (see tabletop sweep --help)\n"
    )


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["run", "startup", "--policy", "startup-basic", "--seed", "-1"],
            "tabletop run: error: argument --seed: must be at least 0, got -1 (see tabletop run --help)",
        ),
        (
            ["sweep", "startup", "--policy", "startup-basic", "--set", "repeat=0,1", "--seed", "1.5"],
            "tabletop sweep: error: argument --seed: '1.5' is not a whole number (see tabletop sweep --help)",
        ),
        (
            ["drill", "drill-db-failover", "--policy", "payments-tiered", "--seed", "-2"],
            "tabletop drill: error: argument --seed: must be at least 0, got -2 (see tabletop drill --help)",
        ),
    ],
)
def test_seeds_are_whole_numbers_from_0(capsys: pytest.CaptureFixture[str], argv: list[str], line: str) -> None:
    assert argument_error(capsys, *argv) == line + "\n"


RUN = ["run", SCENARIO, "--policy", POLICY, "-r", "1", "--days", "1"]
EXPORT = ["export", "ical", "--policy", POLICY, "--rotation", "sre", "--from", "2027-01-04", "--to", "2027-01-11"]


@pytest.mark.parametrize(
    ("command", "argv", "option"),
    [
        ("run", [*RUN, "--json"], "--json"),
        (
            "sweep",
            ["sweep", SCENARIO, "--policy", POLICY, "--set", "escalation_chains.sre.repeat=0,1", "--csv"],
            "--csv",
        ),
        ("export ical", [*EXPORT, "--out"], "--out"),
        ("drill", ["drill", "drill-db-failover", "--policy", "payments-tiered", "--journal"], "--journal"),
    ],
)
def test_output_file_is_checked_before_any_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, argv: list[str], option: str
) -> None:
    (tmp_path / "taken").write_text("")
    missing, in_a_file, folder = tmp_path / "missing" / "x", tmp_path / "taken" / "x", tmp_path
    expected = {
        missing: f"cannot write {missing}: folder {tmp_path / 'missing'} does not exist; "
        "create it first or choose another place",
        in_a_file: f"cannot write {in_a_file}: {in_a_file.parent} is a file, not a folder; choose another place",
        folder: f"{folder} is a folder; give a file name",
    }
    for path, problem in expected.items():
        err = argument_error(capsys, *argv, str(path))
        assert err == f"tabletop {command}: error: argument {option}: {problem} (see tabletop {command} --help)\n"
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("run", RUN),
        ("compare", ["compare", SCENARIO, "--policy", POLICY, "--policy", POLICY]),
        ("schema", ["schema"]),
        ("import pagerduty", ["import", "pagerduty", "users.json"]),
        ("drill", ["drill", "drill-db-failover", "--policy", "payments-tiered"]),
    ],
)
def test_output_folder_is_checked_before_any_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, argv: list[str]
) -> None:
    (tmp_path / "taken").write_text("")
    a_file, below_a_file = tmp_path / "taken", tmp_path / "taken" / "report"
    expected = {
        a_file: f"{a_file} is a file; give a folder",
        below_a_file: f"cannot write {below_a_file}: {a_file} is a file, not a folder; choose another place",
    }
    for path, problem in expected.items():
        err = argument_error(capsys, *argv, "--out", str(path))
        assert err == f"tabletop {command}: error: argument --out: {problem} (see tabletop {command} --help)\n"
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs the /proc file system")
def test_output_folder_where_nothing_can_be_created(capsys: pytest.CaptureFixture[str]) -> None:
    err = argument_error(capsys, "schema", "--out", "/proc/schemas")
    assert err == (
        "tabletop schema: error: argument --out: cannot write /proc/schemas: nothing can be created in /proc "
        "(No such file or directory); choose another place (see tabletop schema --help)\n"
    )


def test_output_folder_is_created_with_its_parents(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    code, printed, _ = run(capsys, "schema", "--out", str(out))
    assert code == 0
    assert printed.split() == [str(out / "policy.schema.json"), str(out / "scenario.schema.json")]


def test_output_the_system_refuses_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "results.json"

    def refuse(path: Path, *args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(Path, "write_text", refuse)
    code, _, err = run(capsys, *RUN, "--json", str(target))
    assert code == 2
    assert err == f"tabletop run: cannot write {target}: Permission denied\n"


def help_text(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """A command's --help, with its lines joined as argparse wraps them to the terminal's width."""
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    assert exc.value.code == 0
    return " ".join(capsys.readouterr().out.split())


COMMANDS = ("validate", "oncall", "run", "compare", "sweep", "drill", "schema", "import", "export", "lint")


@pytest.mark.parametrize("argv", [*[[c] for c in COMMANDS], ["import", "pagerduty"], ["export", "ical"]])
def test_help_shows_percent_signs_once(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert "%%" not in help_text(capsys, *argv)


def test_help_names_the_interval(capsys: pytest.CaptureFixture[str]) -> None:
    assert "SLA attainment per tier with 95% confidence intervals" in help_text(capsys, "run")
    assert "from the first policy with a 95% interval and a plain verdict" in help_text(capsys, "compare")


def test_drill_help_names_the_seats_people_play(capsys: pytest.CaptureFixture[str]) -> None:
    assert "[--play SEAT] [--speed X] [--seed S]" in help_text(capsys, "drill")


def test_lint_help_gives_the_start_lint_takes_without_a_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    expected = "default: the scenario's start, else now or, if later, when every rotation level has had its first turn"
    assert expected in help_text(capsys, "lint")


@pytest.mark.parametrize(
    "argv",
    [
        RUN,
        ["compare", "payments-platform", "--policy", "payments-flat", "--policy", "payments-tiered"],
        ["sweep", SCENARIO, "--policy", POLICY, "--set", "escalation_chains.sre.repeat=0,1"],
    ],
)
def test_max_replications_below_the_first_round_is_refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv, "-r", "10", "--max-replications", "3", "--precision", "0.1")
    assert code == 2 and out == ""
    assert err == (
        f"tabletop {argv[0]}: --max-replications 3 is below --replications 10, the first round of --precision; "
        "raise --max-replications or lower --replications\n"
    )


def test_a_reader_that_stops_early_ends_the_command_quietly() -> None:
    """``python -m tabletop schema scenario | head``: no traceback, no internal error, the exit code of SIGPIPE."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tabletop", "schema", "scenario"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (141, "")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["lint", "--policy", POLICY, "--from", "9999-12-01T00:00:00Z"], "tabletop lint: --from 9999-12-01T00:00:00Z"),
        (["lint", "--policy", POLICY, "--horizon", "999999w"], "tabletop lint: --horizon 999999w is longer than"),
        (
            ["export", "ical", "--policy", POLICY, "--rotation", "sre", "--from", "2027-01-04", "--to", "9999-12-31"],
            "tabletop export: --to 9999-12-31 is outside the years 1900–2999",
        ),
    ],
)
def test_instants_and_horizons_beyond_the_calendar_are_refused(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith(message) and len(err.strip().splitlines()) == 1, err
