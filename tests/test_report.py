"""The report: one self-contained HTML file with every plot embedded, the same in Markdown, and the plot files."""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.metadata
import re
from io import BytesIO
from pathlib import Path

import pytest
from matplotlib.image import imread

from tabletop.policies.loading import LIBRARY as POLICIES
from tabletop.policies.loading import load_pair
from tabletop.scenarios.loading import LIBRARY as SCENARIOS
from tabletop.sim.compare import compare_document
from tabletop.sim.experiment import RunOutcome, run_experiment
from tabletop.sim.report import Provenance, signed_points, write_report
from tabletop.sim.spec import RunSpec
from tabletop.sim.sweep import SweepPoint

HOSTILE = "Flat <script>alert('x')</script> & co"
COMMAND = "tabletop compare payments-platform --policy payments-flat --policy payments-tiered --out <dir>"
PLOTS = [
    "attainment",
    "ecdf-time_to_acknowledge",
    "ecdf-time_to_contain",
    "ecdf-time_to_recover",
    "interruptions-payments-flat",
    "interruptions-payments-tiered",
    "handoff-delay",
    "bottlenecks",
    "bottlenecks-by-type",
]
SWEEP_PLOTS = ["sweep-curves", "sweep-tradeoff"]
IMAGE = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="[^"]*">')


@pytest.fixture(scope="module")
def outcomes() -> list[RunOutcome]:
    specs = []
    for policy_id in ("payments-flat", "payments-tiered"):
        scenario, policy = load_pair("payments-platform", policy_id)
        if policy_id == "payments-flat":
            policy = policy.model_copy(update={"name": HOSTILE})
        specs.append(RunSpec(scenario, policy, seed=5, days=7))
    return run_experiment(specs, 3)


@pytest.fixture(scope="module")
def provenance() -> Provenance:
    files = {
        "scenario": SCENARIOS / "payments-platform.yaml",
        "policy payments-flat": POLICIES / "payments-flat.yaml",
        "policy payments-tiered": POLICIES / "payments-tiered.yaml",
    }
    return Provenance(COMMAND, 5, files)


@pytest.fixture(scope="module")
def written(
    outcomes: list[RunOutcome], provenance: Provenance, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[Path]]:
    folder = tmp_path_factory.mktemp("report")
    sweep = [
        SweepPoint({"escalation_chains.payments.levels.0.delay": value}, outcome)
        for value, outcome in zip(("5m", "30m"), outcomes, strict=True)
    ]
    return folder, write_report(folder, outcomes, provenance, sweep=sweep)


def test_writes_html_markdown_and_every_plot_as_png_and_svg(written: tuple[Path, list[Path]]) -> None:
    folder, paths = written
    expected = [folder / "report.html", folder / "report.md"]
    expected += [folder / "plots" / f"{stem}.{ext}" for stem in PLOTS + SWEEP_PLOTS for ext in ("png", "svg")]
    assert sorted(paths) == sorted(expected)
    assert all(path.is_file() and path.stat().st_size > 1000 for path in paths)


def test_html_embeds_every_plot_as_a_valid_png(written: tuple[Path, list[Path]]) -> None:
    folder, _ = written
    page = (folder / "report.html").read_text(encoding="utf-8")
    images = IMAGE.findall(page)
    assert len(images) == len(PLOTS + SWEEP_PLOTS) == page.count("<img ")
    for encoded, stem in zip(images, SWEEP_PLOTS + PLOTS, strict=True):
        assert base64.b64decode(encoded) == (folder / "plots" / f"{stem}.png").read_bytes()
    for encoded in images:
        data = base64.b64decode(encoded)
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1024
        pixels = imread(BytesIO(data), format="png")
        assert pixels.shape[0] > 200 and pixels.shape[1] == 900


def test_html_is_self_contained(written: tuple[Path, list[Path]]) -> None:
    page = (written[0] / "report.html").read_text(encoding="utf-8")
    assert "<style>" in page
    assert not re.search(r"""(src|href)=["'](?!data:)""", page)
    assert "<script" not in page and "<link" not in page


def test_html_escapes_every_text(written: tuple[Path, list[Path]]) -> None:
    page = (written[0] / "report.html").read_text(encoding="utf-8")
    assert HOSTILE not in page
    assert html.escape(HOSTILE) in page
    assert html.escape(COMMAND) in page and "<dir>" not in page


def test_comparison_shows_each_verdict_coloured(written: tuple[Path, list[Path]], outcomes: list[RunOutcome]) -> None:
    page = (written[0] / "report.html").read_text(encoding="utf-8")
    assert "<th>payments-tiered − payments-flat</th>" in page
    found = compare_document(outcomes)["differences"]["payments-tiered"]["sla"]
    verdicts = [entry["verdict"] for metrics in found.values() for entry in metrics.values()]
    for verdict in ("better", "worse"):
        assert page.count(f'<td class="{verdict}">{verdict}<small>') == verdicts.count(verdict)
    assert page.count("no detectable difference<small>") == verdicts.count("no detectable difference")
    assert len(verdicts) == 22  # every tier and targeted metric


def test_summaries_load_handoffs_and_sweep_are_reported(written: tuple[Path, list[Path]]) -> None:
    page = (written[0] / "report.html").read_text(encoding="utf-8")
    for heading in (
        "Findings",
        "SLA attainment",
        "Response times",
        "On-call load",
        "Heaviest loads",
        "Handoffs",
        "Where the time goes",
        "Status updates and cost",
        "Parameter sweep",
        "Scenario: Tillwise payments platform",
        "Policies",
        "Reproducibility",
    ):
        assert f">{heading}</h" in page
    assert "<th>escalation_chains.payments.levels.0.delay</th>" in page
    assert "Sweep variant payments-flat sets escalation_chains.payments.levels.0.delay = 5m." in page
    assert "Sweep variant payments-tiered sets escalation_chains.payments.levels.0.delay = 30m." in page
    assert "Tiers and SLA targets, the same in every policy:" in page
    assert "every policy is drawn on the same colour scale" in page
    assert f"payments-flat: {html.escape(HOSTILE)}" in page


def test_update_adherence_and_cost_per_policy(written: tuple[Path, list[Path]], outcomes: list[RunOutcome]) -> None:
    page = (written[0] / "report.html").read_text(encoding="utf-8")
    assert ">Status updates and cost</h2>" in page
    docs = compare_document(outcomes)["policies"]
    flat, tiered = docs["payments-flat"], docs["payments-tiered"]
    assert flat["cost"] is None and tiered["cost"] is not None
    cells = "".join(
        f'<td class="num">{value * 100:.1f}%</td>' for value in flat["update_adherence"].values() if value is not None
    )
    none = '<td class="num">—</td>'
    assert f"<td>payments-flat</td>{cells}{none}{none}</tr>" in page
    cost = [f'<td class="num">{tiered["cost"][per]:,.0f}</td>' for per in ("per_incident", "per_replication")]
    assert "".join(cost) + "</tr>" in page
    assert "— where a policy sets no cost model" in page
    internal, external = (f"{value * 100:.1f}%" for value in flat["update_adherence"].values())
    assert f"It posts {internal} of internal and {external} of external status updates on time." in page


def test_reproducibility_block_has_versions_and_file_hashes(
    written: tuple[Path, list[Path]], provenance: Provenance
) -> None:
    page = (written[0] / "report.html").read_text(encoding="utf-8")
    for path in provenance.files.values():
        assert hashlib.sha256(path.read_bytes()).hexdigest() in page
    for package in ("numpy", "simpy", "matplotlib", "tabletop"):
        assert f'<td>{package}</td><td class="num">{importlib.metadata.version(package)}</td>' in page
    assert '<td>seed</td><td class="num">5</td>' in page
    assert '<td>days per replication</td><td class="num">7</td>' in page


def test_markdown_has_the_same_content_and_refers_to_existing_plots(written: tuple[Path, list[Path]]) -> None:
    folder, _ = written
    text = (folder / "report.md").read_text(encoding="utf-8")
    references = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert references == [f"plots/{stem}.png" for stem in SWEEP_PLOTS + PLOTS]
    assert all((folder / reference).is_file() for reference in references)
    assert "## SLA attainment" in text and "| tier | metric | target |" in text
    assert "Flat &lt;script&gt;" not in text and r"Flat \<script\>" in text
    assert "data:image" not in text
    handoffs = text.split("## Handoffs", 1)[1]
    assert "| reason | payments-flat | payments-tiered |\n|---|---:|---:|" in handoffs
    sweep = text.split("## Parameter sweep", 1)[1].split("\n\n![", 1)[0]
    assert "★" in sweep and "✓" not in sweep


def test_a_single_run_gets_its_sla_table_without_differences(
    outcomes: list[RunOutcome], provenance: Provenance, tmp_path: Path
) -> None:
    paths = write_report(tmp_path, outcomes[1:], provenance, goal=0.9)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<th>p50</th><th>p90</th><th>incidents</th>" in page and " − " not in page
    assert "Sweep variant" not in page
    assert "people in no team have the row" in page
    assert "same colour scale" not in page
    assert "8 teams and 49 people in 5 time zones: " in page
    assert "below the 90% goal" in page
    assert len(IMAGE.findall(page)) == len(PLOTS) - 1  # one heatmap
    assert len(paths) == 2 + 2 * (len(PLOTS) - 1)


def test_a_policy_without_a_cost_model_gets_status_updates_alone(
    outcomes: list[RunOutcome], provenance: Provenance, tmp_path: Path
) -> None:
    write_report(tmp_path, outcomes[:1], provenance)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<h2>Status updates</h2>" in page and "cost per incident" not in page


def test_no_outcomes_is_an_error(provenance: Provenance, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one"):
        write_report(tmp_path, [], provenance)


@pytest.mark.parametrize(
    ("share", "text"),
    [(0.123, "+12.3"), (-0.251, "−25.1"), (0.0, "+0.0"), (0.0003, "+0.03"), (-0.0003, "−0.03")],
)
def test_a_bound_near_zero_does_not_read_as_zero(share: float, text: str) -> None:
    # An interval from +0.03 that reads "+0.0" would seem to include zero beside its verdict "better".
    assert signed_points(share) == text
