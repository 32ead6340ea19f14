"""Snapshots of the drill's main screens: the facilitator console, a seat with a page, and the hot wash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from drill_helpers import HandWall
from textual.pilot import Pilot

from tabletop.policies.loading import load_pair
from tabletop.sim.drill import Drill
from tabletop.sim.drill_clock import DrillClock
from tabletop.sim.journal import DrillSetup
from tabletop.tui.app import DrillApp

SIZE = (160, 44)


def app_at(minutes: float) -> tuple[DrillApp, Callable[[Pilot[None]], Any]]:
    """A drill app, and a script that starts it and runs it for ``minutes`` of scenario time at 60×."""
    scenario, policy = load_pair("drill-db-failover", "payments-tiered")
    setup = DrillSetup("drill-db-failover", "payments-tiered", 7, ("incident_commander", "tech_lead:database"))
    wall = HandWall()
    app = DrillApp(Drill(scenario, policy, setup), DrillClock(60.0, wall=wall), wall=wall)

    async def run(pilot: Pilot[None]) -> None:
        await pilot.press("space")
        app.clear_notifications()
        wall.seconds += minutes * 60 / 60.0
        app.tick()
        await pilot.pause()

    return app, run


def test_facilitator_console(snap_compare: Any) -> None:
    app, run = app_at(9)
    assert snap_compare(app, run_before=run, terminal_size=SIZE)


def test_facilitator_console_at_80_by_24(snap_compare: Any) -> None:
    app, run = app_at(9)
    assert snap_compare(app, run_before=run, terminal_size=(80, 24))


def test_tech_lead_seat_with_a_page(snap_compare: Any) -> None:
    app, run = app_at(4)

    async def then(pilot: Pilot[None]) -> None:
        await run(pilot)
        await pilot.press("5")

    assert snap_compare(app, run_before=then, terminal_size=SIZE)


def test_hot_wash(snap_compare: Any, tmp_path: Path) -> None:
    app, run = app_at(20)
    app.out = tmp_path

    async def then(pilot: Pilot[None]) -> None:
        await run(pilot)
        await pilot.press("0", "x", "enter")
        await pilot.pause()

    assert snap_compare(app, run_before=then, terminal_size=SIZE)
