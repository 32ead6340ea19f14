"""Drill responsiveness: how long a timer tick (engine advance plus redraw) takes at 600× on payments-platform.

The drill application runs headless on the payments-platform scenario against the tiered
policy, its incident rates multiplied (``--busier``, default 20) so that a minute of wall time
holds several incidents, with the incident commander and every tech lead played by a scripted person who
answers each page and declares each milestone as soon as it shows. Prints the tick time
(the engine's advance to the drill clock plus updating every panel that changed) and the
spacing between ticks (which grows if the event loop falls behind), p50/p99/max.

    python benchmarks/drill_tick.py [--seconds 60] [--speed 600] [--busier 20]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time

from tabletop.policies.loading import load_pair
from tabletop.sim.drill import Drill
from tabletop.sim.drill_clock import DrillClock
from tabletop.sim.journal import DrillSetup
from tabletop.tui.app import DrillApp

PLAYED = ("incident_commander", "tech_lead")


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def play(seconds: float, speed: float, busier: float) -> DrillApp:
    """Run the drill for ``seconds`` of wall time with a scripted player; return the app with its tick log."""
    scenario, policy = load_pair("payments-platform", "payments-tiered")
    kinds = [
        kind.model_copy(update={"rate_per_week": kind.rate_per_week * busier}) if kind.rate_per_week else kind
        for kind in scenario.incident_types
    ]
    scenario = scenario.model_copy(update={"incident_types": kinds})
    drill = Drill(scenario, policy, DrillSetup("payments-platform", "payments-tiered", 1, PLAYED, speed))
    app = DrillApp(drill, DrillClock(speed))
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("space")
        began = time.perf_counter()
        while time.perf_counter() - began < seconds:
            await asyncio.sleep(0.02)
            for entry in drill.open_pages("facilitator"):
                drill.act(entry.seat, "acknowledge", page=entry.number)
            for incident in drill.incidents:
                if incident.awaiting is not None:
                    milestone = drill.milestone_of(incident.awaiting)
                    drill.act("incident_commander", "declare", milestone=milestone, incident=incident.number)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--speed", type=float, default=600.0)
    parser.add_argument("--busier", type=float, default=20.0, help="multiply every incident rate by this")
    args = parser.parse_args()
    app = asyncio.run(play(args.seconds, args.speed, args.busier))
    ticks = [took * 1000 for _, took in app.ticks]
    starts = [start for start, _ in app.ticks]
    gaps = [(later - earlier) * 1000 for earlier, later in itertools.pairwise(starts)]
    drill = app.drill
    print(f"payments-platform (incident rates × {args.busier:g}) × payments-tiered at {args.speed:g}×:")
    print(
        f"  scenario time played: {drill.now / 60:.1f} h, {len(drill.incidents)} incidents, {len(drill.events)} events"
    )
    tick = f"p50 {statistics.median(ticks):.2f} ms, p99 {percentile(ticks, 0.99):.2f} ms, max {max(ticks):.2f} ms"
    print(f"  ticks: {len(ticks)}; tick time {tick}")
    gap = f"p50 {statistics.median(gaps):.1f} ms, p99 {percentile(gaps, 0.99):.1f} ms, max {max(gaps):.1f} ms"
    print(f"  spacing between ticks (timer every 50 ms): {gap}")


if __name__ == "__main__":
    main()
