"""A drill killed with SIGKILL mid-run comes back from its journal with nothing lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tabletop.sim.drill import resume_drill
from tabletop.sim.journal import read_journal

#: A person at the keyboard: starts the drill at 600×, answers pages and declares milestones as they come.
PLAYER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from tabletop.sim.drill import open_drill
    from tabletop.sim.drill_clock import DrillClock
    from tabletop.sim.journal import DrillSetup
    from tabletop.tui.app import DrillApp

    async def main() -> None:
        setup = DrillSetup("drill-db-failover", "payments-tiered", 11,
                           ("incident_commander", "tech_lead:database"), 600.0)
        drill = open_drill(setup, Path(sys.argv[1]))
        app = DrillApp(drill, DrillClock(setup.speed))
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.press("space")
            while True:
                for seat in ("5", "1"):
                    await pilot.press(seat)
                    if drill.open_pages(app.seat):
                        await pilot.press("a", "enter")
                    await pilot.press("d")
                    await pilot.press("u", *"still on it", "enter")
                await asyncio.sleep(0.05)

    asyncio.run(main())
    """
)


def test_a_drill_killed_mid_run_resumes_with_every_event(tmp_path: Path) -> None:
    journal = tmp_path / "drill.jsonl"
    child = subprocess.Popen([sys.executable, "-c", PLAYER, str(journal)], env={**os.environ, "TERM": "dumb"})
    try:
        # Generous: on a loaded machine the app may take a while to start and to reach 40 journal lines.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            lines = journal.read_text(encoding="utf-8").count("\n") if journal.exists() else 0
            inputs = journal.read_text(encoding="utf-8").count('"type":"input"') if journal.exists() else 0
            if lines >= 40 and inputs >= 3:
                break
            assert child.poll() is None, "the drill died on its own"
            time.sleep(0.05)
        else:
            raise AssertionError("the drill journaled too little within three minutes")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL

    before = read_journal(journal)
    recorded = [line for line in before.lines if line["type"] == "event"]
    resumed = resume_drill(journal)  # raises if the rebuilt drill shows anything other than the journal
    shown = [event.line() for event in resumed.events]
    assert shown[: len(recorded)] == recorded, "every journaled event comes back, in order"
    assert len(resumed.actions) == len(before.of_type("input")), "every journaled action is taken again"
    record = resumed.incidents[0].record
    for line in recorded:
        if line["kind"] == "milestone":
            name = line["text"].split()[2]
            assert getattr(record, name) == line["minute"], f"{name} as journaled"
    # The resumed drill carries on journaling, and resuming it again rebuilds the same drill.
    resumed.advance(resumed.now + 30)
    resumed.act("incident_commander", "note", text="back after the crash")
    again = resume_drill(journal)
    assert [e.line() for e in again.events][: len(resumed.events)] == [e.line() for e in resumed.events]
    assert json.loads(journal.read_text(encoding="utf-8").splitlines()[-1])["type"] in {"event", "input"}
