"""Comparisons, sweeps, precision and executors."""

from __future__ import annotations

import contextlib
import io
import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tabletop.cli import main
from tabletop.errors import InputError
from tabletop.policies.loading import load_pair, policy_path
from tabletop.sim.compare import compare_document, differences, paired_difference, run_to_precision, verdict
from tabletop.sim.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from tabletop.sim.experiment import run_experiment
from tabletop.sim.metrics import Aggregate
from tabletop.sim.spec import RunSpec
from tabletop.sim.sweep import SweepPoint, apply, pareto_front, parse_setting, variants
from tabletop.spec.loading import dotted_path


def _delay_variants(*values: str) -> list[RunSpec]:
    scenario, _ = load_pair("startup", "startup-basic")
    setting = parse_setting(f"escalation_chains.engineering.levels.0.delay={','.join(values)}")
    return [
        RunSpec(scenario, policy, seed=3) for _, policy in variants(policy_path("startup-basic"), [setting], scenario)
    ]


def test_identical_policies_differ_by_exactly_zero() -> None:
    specs = _delay_variants("15m", "15m")
    baseline, other = run_experiment(specs, 6)
    for metrics in differences(baseline, other)["sla"].values():
        for entry in metrics.values():
            assert entry["difference"] == 0.0
            assert entry["ci95"] == [0.0, 0.0]
            assert entry["verdict"] == "no detectable difference"


def test_a_longer_escalation_delay_is_detectably_worse() -> None:
    fast, slow = run_experiment(_delay_variants("5m", "30m"), 40)
    entry = differences(fast, slow)["sla"]["SEV2"]["time_to_acknowledge"]
    assert entry["difference"] < 0
    assert entry["ci95"][1] < 0
    assert entry["verdict"] == "worse"
    assert differences(slow, fast)["sla"]["SEV2"]["time_to_acknowledge"]["verdict"] == "better"


shares = st.lists(st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)), min_size=2, max_size=12)


@given(shares)
def test_a_paired_difference_of_shares_stays_within_100_points(pairs: list[tuple[float, float]]) -> None:
    _, policy = load_pair("startup", "startup-basic")
    baseline, other = Aggregate(policy), Aggregate(policy)
    key = ("SEV1", "time_to_acknowledge")
    baseline.sla_attainment[key] = {r: ours for r, (ours, _) in enumerate(pairs)}
    other.sla_attainment[key] = {r: theirs for r, (_, theirs) in enumerate(pairs)}
    mean, low, high, count = paired_difference(baseline, other, key)
    assert count == len(pairs)
    assert -1.0 <= low <= mean <= high <= 1.0


def test_a_tier_without_incidents_gets_no_incidents_not_no_difference() -> None:
    assert verdict(float("nan"), float("nan"), 0) == "no incidents"
    assert verdict(float("nan"), float("nan"), 1) == "no detectable difference"
    assert verdict(-0.1, 0.1, 5) == "no detectable difference"


def _documents(executor: Any) -> str:
    specs = [RunSpec(*load_pair("startup", p), seed=5, days=14) for p in ("startup-basic",)]
    specs += _delay_variants("5m")
    outcomes = run_experiment(specs, 6, executor=executor, workers=2)
    return json.dumps(compare_document(outcomes), sort_keys=True)


def test_serial_process_pool_and_dask_give_identical_documents() -> None:
    serial = _documents(SerialExecutor())
    assert serial == _documents(ProcessExecutor(2))
    assert serial == _documents(DaskExecutor(2))


def test_precision_adds_replications_until_intervals_are_narrow() -> None:
    specs = _delay_variants("15m")
    outcomes, reached = run_to_precision(specs, 0.05, start=4, limit=400)
    assert reached
    used = outcomes[0].aggregate.replications
    assert 4 < used < 400
    assert outcomes[0].aggregate.widest_interval() <= 0.05
    # Precision is honoured deterministically: the same request takes the same number of replications.
    again, _ = run_to_precision(specs, 0.05, start=4, limit=400)
    assert again[0].aggregate.replications == used


def test_precision_stops_at_the_limit() -> None:
    outcomes, reached = run_to_precision(_delay_variants("15m"), 0.001, start=3, limit=8)
    assert not reached
    assert outcomes[0].aggregate.replications == 8


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "escalation_chains.engineering.levels.0.delai",
            "no key 'delai' at escalation_chains.engineering.levels.0; did you mean 'delay'?",
        ),
        (
            "escalation_chains.engneering.repeat",
            "no item with id 'engneering' at escalation_chains; did you mean 'engineering'?",
        ),
        (
            "escalation_chains.engineering.levels.7.delay",
            "no item 7 at escalation_chains.engineering.levels; it has 2 items",
        ),
        ("tiers.SEV1.sla.acknowledge.minutes", "tiers.SEV1.sla.acknowledge is a single value"),
        ("rotationz", "no key 'rotationz' at the top level; did you mean 'rotations'?"),
    ],
)
def test_sweep_path_errors_name_the_path_and_what_exists(path: str, message: str) -> None:
    scenario, _ = load_pair("startup", "startup-basic")
    with pytest.raises(InputError) as exc:
        variants(policy_path("startup-basic"), [parse_setting(f"{path}=5m")], scenario)
    assert message in str(exc.value)


def test_sweep_values_are_validated() -> None:
    scenario, _ = load_pair("startup", "startup-basic")
    with pytest.raises(InputError, match="must be a positive duration, got -5 minutes"):
        variants(
            policy_path("startup-basic"), [parse_setting("escalation_chains.engineering.levels.0.delay=-5m")], scenario
        )


@pytest.mark.parametrize(
    ("setting", "original", "changed"),
    [
        ("escalation_chains.engineering.repeat=0,50", "repeat: 1", "repeat: 50"),
        ("tiers.SEV1.sla.acknowledge=fast", "{acknowledge: 15m, mobilize", "{acknowledge: fast, mobilize"),
        ("escalation_chains.engineering.levels.1.targets.0.person=nobody", "{person: lena}]", "{person: nobody}]"),
    ],
)
def test_sweep_value_errors_read_as_validate_words_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Any, setting: str, original: str, changed: str
) -> None:
    scenario, _ = load_pair("startup", "startup-basic")
    with pytest.raises(InputError) as exc:
        variants(policy_path("startup-basic"), [parse_setting(setting)], scenario)
    path, _, values = setting.partition("=")
    prefix = f"{path}={values.split(',')[-1]}: {path}: "
    assert str(exc.value).startswith(prefix)
    text = policy_path("startup-basic").read_text(encoding="utf-8")
    assert text.count(original) == 1
    written = tmp_path / "changed.yaml"
    written.write_text(text.replace(original, changed), encoding="utf-8")
    assert main(["validate", str(written)]) == 2
    first = capsys.readouterr().err.splitlines()[0]
    assert str(exc.value).removeprefix(prefix) == first.split(": ", 1)[1]


def test_dotted_paths_name_list_items_by_id() -> None:
    data = {"chains": [{"id": "ops", "levels": [{"name": "first"}]}, {"levels": []}]}
    assert dotted_path(data, ("chains", 0, "levels", 0, "delay")) == "chains.ops.levels.0.delay"
    assert dotted_path(data, ("chains", 1, "levels", 3)) == "chains.1.levels.3"
    assert dotted_path(data, ("missing", 2, "x")) == "missing.2.x"


def test_sweep_setting_parses_lists_and_grids() -> None:
    setting = parse_setting("rotations.x.levels.primary.layers.0.people=[a,b],[a,b,c]")
    assert setting.values == (["a", "b"], ["a", "b", "c"])
    assert apply({"tiers": [{"id": "T", "sla": {}}]}, "tiers.T.sla.acknowledge", "5m") == {
        "tiers": [{"id": "T", "sla": {"acknowledge": "5m"}}]
    }
    scenario, _ = load_pair("startup", "startup-basic")
    grid = variants(
        policy_path("startup-basic"),
        [
            parse_setting("escalation_chains.engineering.levels.0.delay=5m,30m"),
            parse_setting("escalation_chains.engineering.repeat=0,1,2"),
        ],
        scenario,
    )
    assert len(grid) == 6
    assert [label for label, _ in grid][1] == {
        "escalation_chains.engineering.levels.0.delay": "5m",
        "escalation_chains.engineering.repeat": "1",
    }


def test_pareto_front_keeps_only_undominated_points() -> None:
    outcomes = run_experiment(_delay_variants("5m", "15m", "30m"), 4)
    points = [SweepPoint({"delay": d}, o) for d, o in zip(("5m", "15m", "30m"), outcomes, strict=True)]
    front = pareto_front(points)
    for point, optimal in zip(points, front, strict=True):
        beaten = any(
            other.attainment() >= point.attainment()
            and other.interruptions() <= point.interruptions()
            and (other.attainment() > point.attainment() or other.interruptions() < point.interruptions())
            for other in points
        )
        assert optimal == (not beaten)


def test_compare_command(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    out = tmp_path / "cmp.json"
    code = main(
        [
            "compare",
            "payments-platform",
            "--policy",
            "payments-flat",
            "--policy",
            "payments-tiered",
            "-r",
            "3",
            "--days",
            "7",
            "--json",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "differences are against payments-flat" in printed
    doc = json.loads(out.read_text())
    assert set(doc["policies"]) == {"payments-flat", "payments-tiered"}
    assert doc["differences"]["payments-tiered"]["baseline"] == "payments-flat"


Comparison = tuple[str, dict[str, Any], str]


@pytest.fixture(scope="module")
def strict_comparison(tmp_path_factory: pytest.TempPathFactory) -> Comparison:
    """startup-basic against a copy with a 5m SEV1 acknowledge target, over a week without SEV3 incidents.

    Returns what compare printed, its JSON document and its Markdown report.
    """
    folder = tmp_path_factory.mktemp("strict")
    text = policy_path("startup-basic").read_text(encoding="utf-8")
    strict = folder / "strict.yaml"
    strict.write_text(
        text.replace("id: startup-basic", "id: startup-strict").replace(
            "{acknowledge: 15m, mobilize", "{acknowledge: 5m, mobilize"
        ),
        encoding="utf-8",
    )
    out, report = folder / "cmp.json", folder / "report"
    argv = ["compare", "startup", "--policy", "startup-basic", "--policy", str(strict), "-r", "5", "--days", "7"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main([*argv, "--seed", "1", "--json", str(out), "--out", str(report)]) == 0
    return printed.getvalue(), json.loads(out.read_text()), (report / "report.md").read_text(encoding="utf-8")


def test_compare_shows_each_policys_own_target_where_they_differ(strict_comparison: Comparison) -> None:
    printed, doc, markdown = strict_comparison
    assert "basic 15m" in printed
    assert "strict 5m" in printed
    assert "their targets differ" in printed
    entry = doc["differences"]["startup-strict"]["sla"]["SEV1"]["time_to_acknowledge"]
    assert entry["targets"] == [15.0, 5.0]
    # Three replications judged SEV1: the raw t-interval reaches below −100 points.
    assert entry["ci95"][0] == -1.0
    assert -1.0 <= entry["ci95"][0] <= entry["difference"] <= entry["ci95"][1] <= 1.0
    assert "| SEV1 | acknowledge | 15m / 5m · startup-basic 15m, startup-strict 5m |" in markdown
    assert "different targets for SEV1 acknowledge" in markdown
    assert "SEV1 acknowledge (5m against 15m)" in markdown
    assert "−100.0 to" in markdown


def test_a_tier_without_incidents_is_not_counted_as_no_difference(strict_comparison: Comparison) -> None:
    printed, doc, markdown = strict_comparison
    found = doc["differences"]["startup-strict"]["sla"]
    assert doc["policies"]["startup-basic"]["sla"]["SEV3"]["time_to_acknowledge"]["n"] == 0
    for entry in found["SEV3"].values():
        assert entry["verdict"] == "no incidents"
        assert entry["replications"] == 0
    assert all(
        entry["verdict"] != "no incidents" for metrics in (found["SEV1"], found["SEV2"]) for entry in metrics.values()
    )
    assert "no incidents = the tier had no incidents" in printed
    assert "| SEV3 | acknowledge | 8h | — | — | no incidents |" in markdown
    assert "no detectable difference on 11 targets; 2 more had no incidents to compare." in markdown


def test_compare_of_policies_without_targets_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    lines = policy_path("startup-basic").read_text(encoding="utf-8").splitlines()
    files = []
    for name in ("plain", "other"):
        kept = [f"id: {name}" if line.startswith("id:") else line for line in lines if "sla:" not in line]
        files += ["--policy", str(tmp_path / f"{name}.yaml")]
        (tmp_path / f"{name}.yaml").write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert main(["compare", "startup", *files, "-r", "2", "--days", "7"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "No SLA targets are defined in policies plain and other, so no attainment is measured" in printed
    assert "SLA attainment, and the difference" not in printed


def test_compare_needs_two_policies(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "startup", "--policy", "startup-basic"]) == 2
    assert "compare needs at least two --policy options" in capsys.readouterr().err


def test_sweep_command_writes_csv(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    table = tmp_path / "sweep.csv"
    code = main(
        [
            "sweep",
            "startup",
            "--policy",
            "startup-basic",
            "--set",
            "escalation_chains.engineering.levels.0.delay=5m,30m",
            "-r",
            "3",
            "--csv",
            str(table),
        ]
    )
    assert code == 0
    lines = table.read_text().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("escalation_chains.engineering.levels.0.delay,attainment_mean,interruptions")
    assert "Pareto" in capsys.readouterr().out


def test_sweep_table_shows_list_values_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    setting = "rotations.engineering.levels.primary.layers.0.people=[jonas,sara],[jonas,sara,tim]"
    code = main(["sweep", "startup", "--policy", "startup-basic", "--set", setting, "-r", "2", "--days", "7"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "[jonas,sara]" in printed
    assert "[jonas,sara,tim]" in printed


def test_sweep_report_says_how_many_variants_it_played_and_which_it_details(tmp_path: Any) -> None:
    report = tmp_path / "report"
    settings = ["escalation_chains.engineering.levels.0.delay=5m,15m,30m", "escalation_chains.engineering.repeat=0,2"]
    argv = ["sweep", "startup", "--policy", "startup-basic", "-r", "3", "--days", "7", "--out", str(report)]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*argv, "--set", settings[0], "--set", settings[1]]) == 0
    markdown = (report / "report.md").read_text(encoding="utf-8")
    opening = markdown.split("## Findings")[0]
    assert "played against 6 policy variants (startup-basic.1 to startup-basic.6)" in opening
    section = markdown.split("## Parameter sweep")[1].split("\n## ")[0]
    sweep_rows = [line for line in section.splitlines() if line.startswith("| startup-basic.")]
    assert len(sweep_rows) == 6
    optimal = [row.split(" | ")[0].removeprefix("| ") for row in sweep_rows if row.split(" | ")[1] == "★"]
    assert f"every variant; {len(optimal)} of them are Pareto-optimal" in opening
    detailed = re.findall(r"^- (startup-basic\.\d) meets the", markdown, flags=re.MULTILINE)
    assert detailed[0] == "startup-basic.1"
    for variant in detailed:
        assert variant in opening
        assert variant == "startup-basic.1" or variant in optimal
    for variant in {f"startup-basic.{n}" for n in range(2, 7)} - set(detailed):
        assert variant not in opening.split("the other sections detail only")[1]


def test_sweep_bad_path_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["sweep", "startup", "--policy", "startup-basic", "--set", "escalation_chains.engineering.repeet=1", "-r", "2"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.strip() == ("tabletop sweep: no key 'repeet' at escalation_chains.engineering; did you mean 'repeat'?")
