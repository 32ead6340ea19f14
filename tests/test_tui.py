"""The drill application driven as a person would, through Textual's Pilot, on a clock the test controls."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from drill_helpers import HandWall
from textual.pilot import Pilot
from textual.widgets import Input

from tabletop.policies.loading import load_pair
from tabletop.sim.drill import FACILITATOR, JUMP_PAST, Drill
from tabletop.sim.drill_clock import DrillClock
from tabletop.sim.journal import DrillSetup, Journal, read_journal
from tabletop.tui.app import DrillApp
from tabletop.tui.dialogs import ChoiceScreen, PromptScreen
from tabletop.tui.hot_wash import HotWashScreen
from tabletop.tui.keys import KEY_SECTIONS, KeysScreen

PLAYED = ("incident_commander", "comms_lead", "customer_liaison", "tech_lead:database")


@asynccontextmanager
async def drill_app(
    tmp_path: Path, speed: float = 60.0, size: tuple[int, int] = (200, 50)
) -> AsyncIterator[tuple[DrillApp, Pilot[None], HandWall]]:
    scenario, policy = load_pair("drill-db-failover", "payments-tiered")
    setup = DrillSetup("drill-db-failover", "payments-tiered", 7, PLAYED, speed)
    drill = Drill(scenario, policy, setup, Journal.create(tmp_path / "drill.jsonl", setup))
    wall = HandWall()
    app = DrillApp(drill, DrillClock(speed, wall=wall), out=tmp_path / "report", wall=wall)
    async with app.run_test(size=size) as pilot:
        yield app, pilot, wall


def screen_text(app: DrillApp) -> str:
    """What the terminal shows, as plain text."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def notices(app: DrillApp) -> list[str]:
    """The notifications showing, oldest first."""
    return [notification.message for notification in app._notifications]


async def run_for(app: DrillApp, pilot: Pilot[None], wall: HandWall, seconds: float) -> None:
    """Let wall time pass and the timer tick."""
    wall.seconds += seconds
    app.tick()
    await pilot.pause()


async def start(app: DrillApp, pilot: Pilot[None], wall: HandWall, minutes: float) -> None:
    """Start the exercise and run it for ``minutes`` of scenario time at 60×."""
    await pilot.press("space")
    await run_for(app, pilot, wall, minutes * 60 / app.clock.speed)


async def end_and_open_hot_wash(app: DrillApp, pilot: Pilot[None], wall: HandWall) -> HotWashScreen:
    """Run the exercise for 4 minutes, then end it from seat 0: the hot wash opens."""
    await start(app, pilot, wall, 4)
    await pilot.press("0", "x", "enter")
    await pilot.pause()
    assert isinstance(app.screen, HotWashScreen)
    return app.screen


async def answer_pages(app: DrillApp, pilot: Pilot[None], seat_key: str) -> None:
    await pilot.press(seat_key)
    while app.drill.open_pages(app.seat):
        await pilot.press("a")
        if isinstance(app.screen, ChoiceScreen):
            await pilot.press("enter")
        await pilot.pause()


async def test_start_pause_and_resume_are_pause_correct(tmp_path: Path) -> None:
    async with drill_app(tmp_path) as (app, pilot, wall):
        await run_for(app, pilot, wall, 30)
        assert app.drill.now == 0.0, "nothing moves before the facilitator starts"
        await start(app, pilot, wall, 1.5)
        assert app.drill.now == pytest.approx(1.5)
        assert app.drill.timeline.deliveries == []
        wall.seconds += 0.25  # between two ticks, the clock moves on 15 scenario seconds
        await pilot.press("space")  # pause
        assert app.drill.now == app.clock.now() == pytest.approx(1.75), "the engine stops where the clock does"
        await run_for(app, pilot, wall, 600)
        assert app.drill.now == pytest.approx(1.75), "scenario time stops while paused"
        await pilot.press("space")  # resume
        await run_for(app, pilot, wall, 0.25)
        assert app.drill.now == pytest.approx(2.0)
        assert [(d.inject.id, d.delivered_at) for d in app.drill.timeline.deliveries] == [("I-01", 2.0)]
        controls = read_journal(tmp_path / "drill.jsonl").of_type("control")
        assert [line["control"] for line in controls] == ["start", "pause", "resume"]
        assert controls[1]["minute"] == pytest.approx(1.75)


async def test_speed_changes_without_a_jump_and_next_event(tmp_path: Path) -> None:
    async with drill_app(tmp_path) as (app, pilot, wall):
        await start(app, pilot, wall, 1)
        await pilot.press("plus")
        assert app.clock.speed == 300
        await run_for(app, pilot, wall, 12)  # 12 s at 300× = 60 scenario minutes
        assert app.drill.now == pytest.approx(61)
        await pilot.press("minus", "minus")
        assert app.clock.speed == 10
        await pilot.press("space")
        for _ in range(5):
            before, shown = app.drill.now, len(app.drill.events)
            await pilot.press("j")
            assert app.drill.now > before + 2 * JUMP_PAST, "each jump reaches something later, not a tick ahead"
            assert len(app.drill.events) > shown
            assert app.clock.now() == app.drill.now and not app.clock.running
            assert f"{app.drill.local_time(app.drill.now):%H:%M:%S}" in screen_text(app)
        controls = [line["control"] for line in read_journal(tmp_path / "drill.jsonl").of_type("control")]
        assert controls.count("jump") == 5


async def test_seats_switch_and_show_only_what_the_role_sees(tmp_path: Path) -> None:
    async with drill_app(tmp_path) as (app, pilot, wall):
        await start(app, pilot, wall, 4)
        await pilot.press("5")
        assert app.seat == "tech_lead:database"
        assert "[1] page as Tomasz Nowak" in screen_text(app)
        await pilot.press("tab")
        assert app.seat == FACILITATOR, "tab moves on to the next played seat, round to the facilitator"
        await pilot.press("tab")
        assert app.seat == "incident_commander"
        await pilot.press("0")
        assert app.seat == FACILITATOR
        assert app.query_one("#msel").display
        await pilot.press("2")
        assert app.seat == "comms_lead"
        assert not app.query_one("#msel").display, "only the facilitator sees the MSEL"
        await pilot.press("4")
        assert app.seat == "security", "an engine-played seat can be watched"
        assert "The engine plays this seat" in screen_text(app)
        assert "I-01" not in screen_text(app), "a seat sees its own feed and nothing of the MSEL"


async def test_the_facilitator_seat_neither_acknowledges_nor_declares(tmp_path: Path) -> None:
    async with drill_app(tmp_path) as (app, pilot, wall):
        await start(app, pilot, wall, 4)
        assert app.drill.open_pages(FACILITATOR)
        await pilot.press("0", "a")
        assert not isinstance(app.screen, ChoiceScreen), "refused before asking which page"
        assert "switch to a played seat to acknowledge a page" in notices(app)[-1]
        await answer_pages(app, pilot, "5")
        incident = app.drill.incidents[0]
        while incident.awaiting is None:
            await run_for(app, pilot, wall, 30)
        await pilot.press("0", "d")
        assert "switch to a played seat to declare a milestone" in notices(app)[-1]
        assert incident.awaiting is not None, "still waiting for a player's declaration"
        assert "diagnose work done, waiting for a player to declare" in screen_text(app)
        inputs = read_journal(tmp_path / "drill.jsonl").of_type("input")
        assert inputs and all(line["seat"] != FACILITATOR for line in inputs)


@pytest.mark.parametrize(("width", "height"), [(80, 24), (100, 30), (120, 36), (160, 44)])
async def test_the_board_and_the_feed_stay_readable_from_80_columns(tmp_path: Path, width: int, height: int) -> None:
    async with drill_app(tmp_path, size=(width, height)) as (app, pilot, wall):
        await start(app, pilot, wall, 9)
        centre = min(app.board.size.width, app.feed.size.width)
        assert centre >= max(40, width * 2 // 5), f"the board and the feed are {centre} cells wide at {width} columns"
        assert app.seat_list.display == (width >= 120), "the seat list goes below 120 columns"
        assert "payments-db primary lost" in screen_text(app), "the board keeps the incident's name"
        await pilot.press("5")
        assert app.seat == "tech_lead:database", "the number keys switch seats with or without the list"
        assert "[1] page as Tomasz Nowak" in screen_text(app)


async def test_the_feed_wraps_again_when_the_terminal_is_resized(tmp_path: Path) -> None:
    async with drill_app(tmp_path, size=(80, 24)) as (app, pilot, wall):
        await start(app, pilot, wall, 9)

        def widest() -> int:
            return max(line.cell_length for line in app.feed.lines)

        narrow = widest()
        assert narrow <= app.feed.size.width
        await pilot.resize_terminal(160, 44)
        await pilot.pause()
        assert widest() > narrow + 20, "lines written at 80 columns spread to the wider feed"
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert widest() <= app.feed.size.width, "and fold again when it narrows"


@pytest.mark.parametrize("height", [24, 70])
async def test_ending_the_drill_and_every_key_can_be_found_at_80_columns(tmp_path: Path, height: int) -> None:
    async with drill_app(tmp_path, size=(80, height)) as (app, pilot, _):
        await pilot.pause()
        assert "x End exercise" in screen_text(app) and "? Keys" in screen_text(app), "the footer shows both"
        await pilot.press("question_mark")
        assert isinstance(app.screen, KeysScreen)
        if height > 24:  # tall enough to show the whole list at once
            listed = " ".join(screen_text(app).split())
            for _, bindings in KEY_SECTIONS:
                for binding in bindings:
                    assert f"{binding.description}: {binding.tooltip[:20]}" in listed
            assert "7 tech lead (security)" in listed, "the seats are listed with their numbers"
        await pilot.press("escape")
        assert not isinstance(app.screen, KeysScreen)


async def test_acknowledge_escalate_page_and_assign_through_the_keyboard(tmp_path: Path) -> None:
    async with drill_app(tmp_path) as (app, pilot, wall):
        await start(app, pilot, wall, 4)
        incident = app.drill.incidents[0]
        await pilot.press("5", "e")
        assert incident.record.escalations == 1
        await answer_pages(app, pilot, "5")
        assert "database" in incident.leads
        await pilot.press("1", "r")
        assert incident.roles["incident_commander"].id == app.drill.seats.person[("incident_commander", 1)].id
        await pilot.press("p")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("down", "down", "down", "enter")  # roles listed first: the fourth is security
        await pilot.pause()
        assert "security" in incident.role_runs
        await pilot.press("g", "down", "enter")  # assign comms lead ...
        await pilot.press("enter")  # ... to the first person listed
        await pilot.pause()
        assert incident.roles["comms_lead"].id == app.drill.scenario.people[0].id


async def test_updates_invite_note_decision_and_declaration(tmp_path: Path) -> None:
    async with drill_app(tmp_path) as (app, pilot, wall):
        await start(app, pilot, wall, 4)
        await answer_pages(app, pilot, "5")
        await run_for(app, pilot, wall, 10)
        await answer_pages(app, pilot, "1")
        await pilot.press("u")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("enter")
        assert isinstance(app.screen, PromptScreen), "an empty update is not sent"
        await pilot.press(*"Payments failing")
        await pilot.press("enter")
        await pilot.pause()
        assert [p.channel for p in app.drill.seats.posts] == ["internal"]
        await pilot.press("2", "U", *"Card payments are failing", "enter")
        await pilot.pause()
        assert [p.channel for p in app.drill.seats.posts] == ["internal", "external"]
        await pilot.press("3", "i")
        assert app.drill.incidents[0].record.customer_invited == app.drill.now
        await pilot.press("n", *"merchants asked for ETA", "enter")
        await pilot.pause()
        assert app.drill.actions[-1][1:] == ("customer_liaison", "note")
        await pilot.press("1")
        incident = app.drill.incidents[0]
        while incident.awaiting is None:
            await run_for(app, pilot, wall, 30)
        await pilot.press("d")
        assert incident.record.identified == app.drill.now
        while not app.drill.pending_decisions("incident_commander"):
            await run_for(app, pilot, wall, 30)
        await pilot.press("c")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert app.drill.choices == {"I-04": "promote-replica"}


async def test_hand_off_with_a_briefing_note(tmp_path: Path) -> None:
    async with drill_app(tmp_path) as (app, pilot, wall):
        await start(app, pilot, wall, 4)
        await answer_pages(app, pilot, "5")
        await pilot.press("h", "down", "enter")  # the first named person
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"primary is pg-pay-03", "enter")
        await pilot.pause()
        handoff = app.drill.world.records.handoffs[-1]
        assert handoff.briefed and handoff.receiver == app.drill.scenario.people[0].id


async def test_refusals_come_before_any_dialog_and_give_the_real_reason(tmp_path: Path) -> None:
    async with drill_app(tmp_path) as (app, pilot, wall):
        await start(app, pilot, wall, 4)
        await pilot.press("2", "d")
        assert notices(app)[-1] == "Only the incident commander or a tech lead of the work declares milestones"
        await pilot.press("1", "d")
        assert notices(app)[-1].startswith("Not identified yet: the diagnose work is not done")
        await pilot.press("1", "h")
        assert not isinstance(app.screen, ChoiceScreen)
        assert notices(app)[-1] == "Incident commander holds nothing in incident 1 to hand off"
        await pilot.press("5", "g")
        assert not isinstance(app.screen, ChoiceScreen), "no role or person is asked for first"
        assert notices(app)[-1] == "Only the incident commander assigns roles"
        await answer_pages(app, pilot, "5")
        await pilot.press("h")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")  # whoever the roster has on call next: nobody relieves the database primary now
        await pilot.pause()
        assert not isinstance(app.screen, PromptScreen), "no briefing is asked for a hand-off that cannot happen"
        assert notices(app)[-1] == "Nobody relieves Tomasz Nowak on the roster now; name who to hand off to"
        assert app.drill.actions[-1][2] == "acknowledge" and not app.drill.world.records.handoffs


async def test_facilitator_releases_a_contingency_and_notes_an_observation(tmp_path: Path) -> None:
    async with drill_app(tmp_path) as (app, pilot, wall):
        await start(app, pilot, wall, 3)
        await pilot.press("R")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")  # contingency injects are listed first
        await pilot.pause()
        assert app.drill.timeline.deliveries[-1].inject.id == "I-11"
        await pilot.press("n", *"IC has not spoken yet", "enter")
        await pilot.pause()
        assert app.drill.events[-1].kind == "observation"
        assert not app.drill.events[-1].visible_to("incident_commander")
        await pilot.press("1", "R")
        assert not isinstance(app.screen, ChoiceScreen), "only the facilitator releases injects"


async def test_a_short_drill_to_its_report(tmp_path: Path) -> None:
    async with drill_app(tmp_path) as (app, pilot, wall):
        await start(app, pilot, wall, 4)
        await answer_pages(app, pilot, "5")
        await run_for(app, pilot, wall, 20)
        await answer_pages(app, pilot, "1")
        await pilot.press("0", "x")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert app.drill.ended and isinstance(app.screen, HotWashScreen)
        comment = app.screen.query_one("#comment-mobilize", Input)
        comment.value = "commander paged late"
        app.screen.query_one("#action-mobilize", Input).value = "Page the IC rotation at declaration"
        app.screen.query_one("#owner-mobilize", Input).value = "SRE lead"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (tmp_path / "report" / "after-action.md").exists()
        assert (tmp_path / "report" / "after-action.html").exists()
        markdown = (tmp_path / "report" / "after-action.md").read_text(encoding="utf-8")
        assert "Page the IC rotation at declaration" in markdown and "commander paged late" in markdown
        journal = read_journal(tmp_path / "drill.jsonl")
        assert journal.of_type("improvement")[0]["owner"] == "SRE lead"
        assert journal.of_type("rating")[0]["objective"] == "mobilize"


async def test_the_clock_cannot_be_run_after_the_end(tmp_path: Path) -> None:
    async with drill_app(tmp_path) as (app, pilot, wall):
        await end_and_open_hot_wash(app, pilot, wall)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        assert not isinstance(app.screen, HotWashScreen)
        ended_at = app.drill.now
        for key in ("plus", "minus", "space", "j"):
            await pilot.press(key)
            assert notices(app)[-1] == "The exercise has ended"
        await run_for(app, pilot, wall, 60)
        assert (app.clock.speed, app.clock.running, app.drill.now) == (60.0, False, ended_at)
        assert "ENDED" in screen_text(app)
        lines = read_journal(tmp_path / "drill.jsonl").lines
        end = next(i for i, line in enumerate(lines) if line.get("action") == "end")
        assert all(line["type"] != "control" for line in lines[end:]), "no control is journaled after the end"


async def test_a_corrective_action_needs_a_real_due_date(tmp_path: Path) -> None:
    async with drill_app(tmp_path) as (app, pilot, wall):
        hot_wash = await end_and_open_hot_wash(app, pilot, wall)
        hot_wash.query_one("#action-mobilize", Input).value = "Page the IC rotation at declaration"
        due = hot_wash.query_one("#due-mobilize", Input)
        for wrong in ("Sven", "2027-02-30", "5 Feb 2027"):
            due.value = wrong
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert notices(app)[-1].startswith(f"Due date of the mobilize corrective action: '{wrong}' is not a date")
            assert app.focused is due and due.has_class("-invalid")
        assert not (tmp_path / "report").exists() and app.drill.improvements == []
        assert read_journal(tmp_path / "drill.jsonl").of_type("improvement") == []
        due.value = "2027-02-05"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (tmp_path / "report" / "after-action.md").exists()
        assert [line["due"] for line in read_journal(tmp_path / "drill.jsonl").of_type("improvement")] == ["2027-02-05"]


async def test_the_drill_runs_on_while_a_dialog_is_open(tmp_path: Path) -> None:
    async with drill_app(tmp_path) as (app, pilot, wall):
        await start(app, pilot, wall, 1)
        await pilot.press("1", "n")
        assert isinstance(app.screen, PromptScreen)
        shown = len(app.drill.feed(FACILITATOR))
        await run_for(app, pilot, wall, 10)
        assert app.drill.now == pytest.approx(11)
        assert len(app.drill.feed(FACILITATOR)) > shown, "events keep coming behind the dialog"
        await pilot.press(*"seen", "enter")
        await pilot.pause()
        assert app.drill.actions[-1] == (11.0, "incident_commander", "note")


async def test_a_decision_that_starts_an_incident_and_choosing_it(tmp_path: Path) -> None:
    async with drill_app(tmp_path) as (app, pilot, wall):
        await start(app, pilot, wall, 4)
        await answer_pages(app, pilot, "5")
        await pilot.press("0", "R", "enter")  # I-11, the exposed credential, put to the commander
        await pilot.press("1", "c")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("down", "enter")  # treat it as a security incident
        await pilot.pause()
        assert [i.kind.id for i in app.drill.incidents] == ["payments-db-primary-loss", "credential-compromise"]
        await pilot.press("full_stop")
        assert app.incident_number == 2
        assert "▶2" in screen_text(app)
        await pilot.press("u", *"rotating the superuser password", "enter")
        await pilot.pause()
        assert app.drill.seats.posts[-1].incident == 2
        await pilot.press("full_stop")
        assert app.incident_number == 1


async def test_saving_the_hot_wash_again_edits_the_corrective_action(tmp_path: Path) -> None:
    async with drill_app(tmp_path) as (app, pilot, wall):
        hot_wash = await end_and_open_hot_wash(app, pilot, wall)
        fields = {name: hot_wash.query_one(f"#{name}-mobilize", Input) for name in ("action", "owner", "due")}
        fields["action"].value = "Page the IC rotation at declaration"
        fields["owner"].value = "Sven"
        await pilot.press("ctrl+s")
        await pilot.pause()
        fields["owner"].value = "Grace"
        fields["due"].value = "2027-03-01"
        await pilot.press("ctrl+s")
        await pilot.pause()
        planned = ["Page the IC rotation at declaration", "Grace", "2027-03-01"]
        assert [(i.action, i.owner, i.due) for i in app.drill.improvements] == [tuple(planned)]
        assert "| Page the IC rotation at declaration | mobilize | Grace | 2027-03-01 |" in (
            tmp_path / "report" / "after-action.md"
        ).read_text(encoding="utf-8")
        # A fresh hot wash shows what is planned, and clearing the action takes it out of the plan.
        await pilot.press("escape", "x", "enter")
        await pilot.pause()
        again = app.screen
        assert isinstance(again, HotWashScreen)
        assert [again.query_one(f"#{name}-mobilize", Input).value for name in ("action", "owner", "due")] == planned
        again.query_one("#action-mobilize", Input).value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.drill.improvements == []
        assert len(read_journal(tmp_path / "drill.jsonl").of_type("improvement")) == 3
