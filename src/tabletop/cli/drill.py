"""``tabletop drill SCENARIO --policy POLICY``: a live drill in the terminal, or ``--resume JOURNAL`` after a crash."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from tabletop.cli.arguments import output_file, output_folder, seed
from tabletop.errors import InputError
from tabletop.scenarios.loading import load_scenario
from tabletop.sim.drill import Drill, open_drill, resume_drill
from tabletop.sim.drill_clock import DrillClock
from tabletop.sim.journal import DrillSetup
from tabletop.sim.seats import seat_names
from tabletop.tui.app import DrillApp


def register(commands: Any) -> None:
    """Add the subcommand to the parser."""
    parser = commands.add_parser(
        "drill",
        help="run a live tabletop drill where people play incident roles",
        description=(
            "Open a terminal drill: the engine plays the scenario and every role nobody plays; people "
            "play the roles given with --play, switching seats in one terminal. Every input and event is "
            "journaled, so `tabletop drill --resume JOURNAL` carries on after a crash."
        ),
    )
    parser.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario file or library name (a drill)")
    parser.add_argument("--policy", metavar="POLICY", help="policy file or library name")
    parser.add_argument(
        "--play",
        action="append",
        default=[],
        metavar="SEAT",
        help="a seat people play: incident_commander, comms_lead, customer_liaison, security, "
        "tech_lead:DOMAIN, or tech_lead for every domain (repeat; default: incident_commander)",
    )
    parser.add_argument(
        "--speed", type=float, default=60.0, metavar="X", help="scenario seconds per real second (default 60)"
    )
    parser.add_argument(
        "--seed",
        type=seed,
        default=1,
        metavar="S",
        help="root seed of the engine's random streams, a whole number ≥ 0 (default 1)",
    )
    parser.add_argument(
        "--journal",
        type=output_file,
        metavar="FILE",
        help="journal file (default: drill-SCENARIO-YYYYMMDD-HHMMSS.jsonl in the current folder)",
    )
    parser.add_argument("--resume", type=Path, metavar="JOURNAL", help="rebuild a drill from its journal and carry on")
    parser.add_argument(
        "--out",
        type=output_folder,
        metavar="DIR",
        help="where the after-action report goes (default: next to the journal)",
    )
    parser.add_argument("--seats", action="store_true", help="list the scenario's seats and exit")
    parser.set_defaults(handler=drill)


def drill(args: argparse.Namespace) -> int:
    """Open the drill application on a new or resumed drill."""
    if args.resume is not None:
        if args.scenario or args.policy or args.play:
            raise InputError("--resume takes the scenario, policy and seats from the journal; give nothing else")
        session = resume_drill(args.resume)
        journal = args.resume
        restored = f"Resumed from {journal}: {len(session.events)} events restored"
        notice = (
            f"{restored}. The exercise has ended: x (seat 0) opens the hot wash."
            if session.ended
            else f"{restored}, paused. Press Space to carry on."
        )
    else:
        if args.seats:
            if args.scenario is None:
                raise InputError("--seats lists the seats of a SCENARIO; give one")
            print("\n".join(seat_names(load_scenario(args.scenario))))
            return 0
        if args.scenario is None or args.policy is None:
            raise InputError("give a SCENARIO and --policy POLICY, or --resume JOURNAL")
        if not args.speed > 0:
            raise InputError(f"--speed must be positive, got {args.speed:g}")
        played = tuple(args.play) or ("incident_commander",)
        journal = args.journal or Path(f"drill-{Path(args.scenario).stem}-{datetime.now():%Y%m%d-%H%M%S}.jsonl")
        setup = DrillSetup(args.scenario, args.policy, args.seed, played, args.speed)
        session = open_drill(setup, journal)
        notice = f"Journal: {journal} · Space starts the exercise · 0–9 or Tab switch seats · ? lists the keys"
    return _run_app(session, journal, args.out, notice)


def _run_app(session: Drill, journal: Path, out: Path | None, notice: str) -> int:
    clock = DrillClock(session.speed, at=session.now)
    if session.now > 0:
        clock.start()
        clock.pause()
    report = out or journal.with_name(journal.stem + "-report")
    DrillApp(session, clock, out=report, notice=notice).run()
    print(f"Journal: {journal}  (resume with: tabletop drill --resume {journal})")
    return 0
