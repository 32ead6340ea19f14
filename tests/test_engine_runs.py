"""Reproducibility, the results document and the run command on the bundled library."""

from __future__ import annotations

import csv
import gc
import json
from pathlib import Path

import pytest

from tabletop.cli import main
from tabletop.policies.loading import load_pair, policy_path
from tabletop.sim.experiment import run_replications
from tabletop.sim.results import document
from tabletop.sim.spec import RunSpec
from tabletop.sim.world import World


def _document(scenario: str, policy: str, workers: int, replications: int = 4, seed: int = 9) -> str:
    pair = load_pair(scenario, policy)
    spec = RunSpec(*pair, seed=seed, days=7)
    outcome = run_replications(spec, replications, workers=workers)
    return json.dumps(document(spec, outcome.aggregate), sort_keys=True)


def test_same_seed_same_document_whatever_the_workers() -> None:
    serial = _document("payments-platform", "payments-tiered", workers=1)
    assert serial == _document("payments-platform", "payments-tiered", workers=1)
    assert serial == _document("payments-platform", "payments-tiered", workers=2)


def test_different_seeds_differ() -> None:
    assert _document("startup", "startup-basic", 1, seed=1) != _document("startup", "startup-basic", 1, seed=2)


def test_policies_see_the_same_incidents() -> None:
    """Common random numbers: replication k of every policy plays the same incidents."""
    runs = {}
    for policy in ("payments-flat", "payments-tiered", "payments-follow-the-sun"):
        spec = RunSpec(*load_pair("payments-platform", policy), seed=4, days=7, keep_records=True)
        records = run_replications(spec, 2).records
        runs[policy] = [
            [(r.incident_type, r.root_service, r.tier, r.started) for r in rep.incidents] for rep in records
        ]
    first, *others = runs.values()
    assert all(other == first for other in others)
    assert sum(len(rep) for rep in first) > 5


def test_run_command_writes_document_and_records(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = main(
        [
            "run",
            "startup",
            "--policy",
            "startup-basic",
            "-r",
            "3",
            "--days",
            "14",
            "--json",
            str(tmp_path / "r.json"),
            "--out",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "SLA attainment" in printed and "Where the time goes" in printed
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["replications"] == 3 and doc["days"] == 14 and doc["scenario"] == "startup"
    assert set(doc) >= {"metrics", "sla", "handoffs", "load", "bottlenecks"}
    for tier, metrics in doc["sla"].items():
        for entry in metrics.values():
            if entry["attainment"] is not None and entry["ci95"][0] is not None:
                assert 0 <= entry["ci95"][0] <= entry["attainment"] <= entry["ci95"][1] <= 1, tier
    with (out / "incidents.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == doc["incidents"]
    assert {row["replication"] for row in rows} == {"0", "1", "2"}
    assert (out / "handoffs.csv").exists()


def test_a_policy_without_targets_says_so_instead_of_an_empty_sla_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = policy_path("startup-basic").read_text(encoding="utf-8").splitlines()
    untargeted = tmp_path / "untargeted.yaml"
    untargeted.write_text("\n".join(line for line in lines if "sla:" not in line) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", "startup", "--policy", str(untargeted), "-r", "2", "--days", "7", "--out", str(out)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    note = "No SLA targets are defined in policy startup-basic, so no attainment is measured; add sla: to its tiers"
    assert note in printed
    assert "SLA attainment (95%" not in printed
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert f"## SLA attainment\n\n{note}" in markdown
    assert "- startup-basic sets no SLA targets." in markdown
    assert "| tier | metric | target |" not in markdown


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--replications", "0"], "argument --replications/-r: must be at least 1, got 0"),
        (["--days", "-3"], "argument --days: must be a positive number, got -3"),
        (["--workers", "two"], "argument --workers/-w: 'two' is not a whole number"),
    ],
)
def test_bad_run_arguments(capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "startup", "--policy", "startup-basic", *argv])
    assert exc.value.code == 2
    assert fragment in capsys.readouterr().err


def test_run_summary_names_the_longest_waits(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "payments-platform", "--policy", "payments-tiered", "-r", "2", "--days", "14"]) == 0
    printed = capsys.readouterr().out
    assert "Longest waits: " in printed
    assert "Status updates on time: internal" in printed


@pytest.mark.parametrize(
    ("scenario", "policy"),
    [("mmc", "mmc-pool"), ("payments-platform", "payments-tiered"), ("payments-platform", "payments-follow-the-sun")],
)
def test_a_replication_leaves_no_reference_cycles(scenario: str, policy: str) -> None:
    """Its incidents, and then the world itself, are freed by reference counting: the cycle collector finds nothing."""
    world = World(*load_pair(scenario, policy), seed=3, replication=0, days=14)
    gc.collect()
    # Kept off until counted: re-enabled, the collector would soon sweep up any garbage itself.
    gc.disable()
    try:
        records = world.run()
        assert not gc.isenabled()
        del world
        assert gc.collect() == 0
    finally:
        gc.enable()
    assert records.incidents and all(r.incident == i for i, r in enumerate(records.incidents, 1))


def test_a_replication_leaves_the_cycle_collector_as_it_found_it() -> None:
    world = World(*load_pair("mmc", "mmc-pool"), seed=3, replication=0, days=1)
    assert gc.isenabled()
    world.run()
    assert gc.isenabled()
