"""The bundled library: every file validates and the payments platform is as rich as promised."""

from __future__ import annotations

from pathlib import Path

import pytest

from tabletop.cli import main
from tabletop.policies.loading import LIBRARY as POLICIES
from tabletop.policies.loading import load_pair
from tabletop.scenarios.loading import LIBRARY as SCENARIOS
from tabletop.scenarios.loading import load_scenario

FILES = sorted([*SCENARIOS.glob("*.yaml"), *POLICIES.glob("*.yaml")])


def test_library_has_the_promised_files() -> None:
    assert {p.stem for p in SCENARIOS.glob("*.yaml")} >= {"payments-platform", "startup", "mmc"}
    payments = {p.stem for p in POLICIES.glob("payments-*.yaml")}
    assert len(payments) >= 3


def test_every_library_file_validates(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", *map(str, FILES)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.count(": ok (") == len(FILES)
    assert "checked on its own" not in out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_library_files_point_to_their_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    kind = "scenario" if path.parent == SCENARIOS else "policy"
    assert first == f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json"
    assert (path.parent / f"../../schemas/{kind}.schema.json").resolve().exists()


def test_payments_platform_is_a_mid_size_organisation() -> None:
    scenario = load_scenario("payments-platform")
    assert len(scenario.teams) >= 8
    assert len(scenario.people) >= 30
    assert len({p.time_zone for p in scenario.people}) >= 3
    assert len(scenario.services) >= 20
    assert sum(len(s.depends_on) for s in scenario.services) >= 20
    assert len(scenario.incident_types) >= 6
    assert any(t.security and len(t.domains) >= 2 for t in scenario.incident_types)
    assert any(t.detection.monitored < 0.5 for t in scenario.incident_types)


def test_startup_is_small_and_single_site() -> None:
    scenario = load_scenario("startup")
    assert len({p.time_zone for p in scenario.people}) == 1
    assert len(scenario.people) <= 12


def test_policies_pair_with_their_scenarios() -> None:
    for path in POLICIES.glob("*.yaml"):
        scenario = path.stem.split("-")[0] if not path.stem.startswith("payments") else "payments-platform"
        load_pair(scenario, path.stem)
