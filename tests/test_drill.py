"""The live drill engine: seats, player actions, injects, decisions, the journal and resume."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tabletop.errors import InputError
from tabletop.policies.loading import load_pair
from tabletop.sim.drill import FACILITATOR, JUMP_PAST, Drill, DrillActionError, resume_drill
from tabletop.sim.journal import DrillSetup, Journal, read_journal
from tabletop.sim.world import World

SCENARIO, POLICY = "drill-db-failover", "payments-tiered"


def new_drill(*played: str, seed: int = 7, journal: Path | None = None) -> Drill:
    scenario, policy = load_pair(SCENARIO, POLICY)
    setup = DrillSetup(SCENARIO, POLICY, seed, played)
    return Drill(scenario, policy, setup, Journal.create(journal, setup) if journal is not None else None)


def first_page(drill: Drill, seat: str, until: float = 600.0) -> int:
    """Advance minute by minute until a page waits for ``seat``; return its number."""
    while drill.now < until:
        pages = drill.open_pages(seat)
        if pages:
            return pages[0].number
        drill.advance(drill.now + 1)
    raise AssertionError(f"no page for {seat} by minute {until}")


def play_script(drill: Drill, until: float, *, decide: bool = True) -> None:
    """A player who answers every page at once, declares every milestone and (if ``decide``) takes first options."""
    while drill.now < until:
        drill.advance(drill.now + 1)
        for seat in ("incident_commander", "tech_lead:database", "tech_lead:sre"):
            if not drill.seats.plays(seat):
                continue
            for page in drill.open_pages(seat):
                drill.act(seat, "acknowledge", page=page.number)
            for delivery in drill.pending_decisions(seat) if decide else []:
                assert delivery.inject.decision is not None
                drill.act(seat, "choose", inject=delivery.inject.id, option=delivery.inject.decision.options[0].id)
        incident = drill.incidents[0] if drill.incidents else None
        if incident is not None and incident.awaiting is not None and drill.seats.plays("incident_commander"):
            drill.act("incident_commander", "declare", milestone=drill.milestone_of(incident.awaiting))


def test_a_played_seat_gets_the_page_and_the_engine_waits_for_its_answer() -> None:
    drill = new_drill("tech_lead:database")
    number = first_page(drill, "tech_lead:database")
    incident = drill.incidents[0]
    assert drill.now == pytest.approx(3.0)  # detected at 2, the page shows on the next minute
    drill.advance(20)
    seat_pages = [entry.page.record for entry in drill.seats.inbox]
    assert seat_pages and all(r.outcome == "superseded" for r in seat_pages), "the engine never answers for a player"
    assert "database" not in incident.leads
    drill.act("tech_lead:database", "acknowledge", page=number)
    answered = drill.seats.inbox[number - 1].page.record
    assert (answered.outcome, answered.answered) == ("acknowledged", 20.0)
    assert incident.leads["database"].id == answered.person == drill.seats.person[("tech_lead:database", 1)].id
    assert drill.actions[-1] == (20.0, "tech_lead", "acknowledge")
    with pytest.raises(DrillActionError, match="page 1 is not waiting"):
        drill.act("tech_lead:database", "acknowledge", page=number)


def test_an_unplayed_drill_is_measured_exactly_like_a_monte_carlo_replication() -> None:
    scenario, policy = load_pair("payments-platform", "payments-tiered")
    scenario = scenario.model_copy(update={"horizon": 7 * 1440.0, "injects": []})
    drill = Drill(scenario, policy, DrillSetup("payments-platform", POLICY, 5, ()))
    drill.advance(7 * 1440.0 + 20000, inclusive=True)
    monte_carlo = World(scenario, policy, seed=5, replication=0).run()
    played = sorted((i.record for i in drill.incidents if i.closed), key=lambda r: r.incident)
    assert len(played) == len(monte_carlo.incidents) > 3
    assert played == monte_carlo.incidents
    assert drill.world.records.handoffs == monte_carlo.handoffs


def test_a_milestone_waits_for_a_declaration_and_is_refused_before_the_work_is_done() -> None:
    drill = new_drill("incident_commander", "tech_lead:database")
    drill.advance(1)
    with pytest.raises(DrillActionError, match="not identified yet: the diagnose work is not done"):
        first = first_page(drill, "tech_lead:database")
        drill.act("tech_lead:database", "acknowledge", page=first)
        drill.act("incident_commander", "declare", milestone="identified")
    incident = drill.incidents[0]
    while incident.awaiting is None:
        drill.advance(drill.now + 1)
        for page in drill.open_pages("incident_commander"):
            drill.act("incident_commander", "acknowledge", page=page.number)
    assert incident.awaiting == "diagnose"
    ready = drill.now
    drill.advance(ready + 7)
    assert math.isnan(incident.record.identified)
    drill.act("incident_commander", "declare", milestone="identified")
    assert incident.record.identified == pytest.approx(ready + 7)
    with pytest.raises(DrillActionError, match="identified was declared at"):
        drill.act("incident_commander", "declare", milestone="identified")
    with pytest.raises(DrillActionError, match="did you mean 'contained'"):
        drill.act("incident_commander", "declare", milestone="contaned")


def test_a_decision_changes_the_world_and_the_engine_decides_for_unplayed_recipients() -> None:
    def contain_minutes(option: str) -> float:
        drill = new_drill("incident_commander", "tech_lead:database", seed=3)
        while "I-04" not in {d.inject.id for d in drill.pending_decisions("incident_commander")}:
            play_script(drill, drill.now + 1, decide=False)
            assert drill.now < 300, "I-04 never came"
        drill.act("incident_commander", "choose", inject="I-04", option=option)
        assert drill.choices == {"I-04": option}
        while math.isnan(drill.incidents[0].record.contained):
            play_script(drill, drill.now + 1)
        return drill.incidents[0].record.contained - drill.incidents[0].record.identified

    # Same seed, same incident: waiting for AWS adds an hour of containment work; promoting halves it.
    assert contain_minutes("wait-for-aws") > contain_minutes("promote-replica") + 50

    engine_only = new_drill()
    engine_only.advance(120)
    assert engine_only.choices["I-04"] == "promote-replica"
    decided = [e for e in engine_only.events if e.kind == "decision"]
    assert decided and decided[0].text.startswith("The engine chose for I-04")


def test_jump_plays_what_is_due_and_lands_just_past_the_next_thing_shown(tmp_path: Path) -> None:
    path = tmp_path / "drill.jsonl"
    drill = new_drill("incident_commander", "tech_lead:database", journal=path)
    drill.advance(3.27)
    for _ in range(5):
        before, shown = drill.now, len(drill.events)
        target = drill.jump()
        assert target is not None and target == drill.now
        new = drill.events[shown:]
        assert new, "every jump stops at something the drill shows"
        assert min(e.minute for e in new) > before, "a jump goes strictly later than where it started"
        assert max(e.minute for e in new) == pytest.approx(target - JUMP_PAST)
    assert [line["value"] for line in read_journal(path).of_type("control")][-1] == drill.now
    drill.act("incident_commander", "note", text="right after the jump")
    resumed = resume_drill(path)  # an input at the landing minute replays after what the jump played
    assert [e.line() for e in resumed.events] == [e.line() for e in drill.events]

    quiet = drill.now
    assert drill.jump(within=JUMP_PAST / 2) == quiet + JUMP_PAST / 2, "nothing shows that soon: the jump stops anyway"
    ended = new_drill()
    ended.advance(20000)
    minute = ended.now
    assert ended.jump() in (None, pytest.approx(minute + JUMP_PAST)) and ended.now < minute + 1, "nothing is left"


def test_every_bundled_drill_inject_names_its_sender_in_full() -> None:
    scenario, _ = load_pair(SCENARIO, POLICY)
    senders = {inject.id: inject.sender for inject in scenario.injects}
    assert senders["I-04"] == "Database tech lead (runbook output pasted in #inc-4471)"
    for name in ("drill-db-failover", "drill-security-incident", "drill-sev1-enterprise"):
        bundled, _ = load_pair(name, POLICY)
        for inject in bundled.injects:
            for text in (inject.sender, inject.synopsis):
                assert text.count("(") == text.count(")"), f"{name} {inject.id}: {text!r} was cut short"


def test_injects_fall_due_in_scenario_time_and_contingencies_only_on_release() -> None:
    drill = new_drill("incident_commander")
    drill.advance(1.999)
    assert drill.timeline.deliveries == []
    drill.advance(2.0)
    assert [d.inject.id for d in drill.timeline.deliveries] == ["I-01"]
    assert drill.timeline.deliveries[0].delivered_at == 2.0
    drill.advance(300)
    assert "I-11" not in {d.inject.id for d in drill.timeline.deliveries}
    drill.act(FACILITATOR, "release", inject="I-11")
    assert drill.timeline.deliveries[-1].inject.id == "I-11"
    with pytest.raises(DrillActionError, match="already gone out"):
        drill.act(FACILITATOR, "release", inject="I-11")
    with pytest.raises(DrillActionError, match="did you mean 'I-12'"):
        drill.act(FACILITATOR, "release", inject="I-13")
    with pytest.raises(DrillActionError, match="only the facilitator releases injects"):
        drill.act("incident_commander", "release", inject="I-12")


def test_status_updates_count_as_on_time_only_when_the_player_posts_them() -> None:
    def updates(post: bool) -> tuple[int, int]:
        scenario, policy = load_pair(SCENARIO, POLICY)
        policy = policy.model_copy(update={"mobilization": policy.mobilization.model_copy(update={"roles": {}})})
        drill = Drill(scenario, policy, DrillSetup(SCENARIO, POLICY, 7, ("incident_commander",)))
        while drill.now < 240:
            play_script(drill, drill.now + 5)
            if post and drill.incidents and drill.incidents[0].declared:
                drill.act("incident_commander", "post_update", channel="internal", text="still working on it")
        record = drill.incidents[0].record
        return record.internal_updates_due, record.internal_updates_on_time

    due, on_time = updates(post=False)
    assert due > 0 and on_time == 0
    due, on_time = updates(post=True)
    assert due > 0 and on_time == due


def test_hand_off_with_a_briefing_moves_everything_and_the_seat_follows() -> None:
    drill = new_drill("incident_commander", "tech_lead:database")
    play_script(drill, 60)
    incident = drill.incidents[0]
    old = incident.roles["incident_commander"]
    drill.act("incident_commander", "hand_off", to="sven", note="pg-pay-03 is primary; replay pending")
    handoff = drill.world.records.handoffs[-1]
    assert (handoff.sender, handoff.receiver, handoff.briefed, handoff.reason) == (old.id, "sven", True, "role_change")
    assert incident.roles["incident_commander"].id == "sven" and incident.record.commander == "sven"
    assert drill.seats.person[("incident_commander", 1)].id == "sven"
    drill.act("incident_commander", "hand_off", to="rosa")
    assert drill.world.records.handoffs[-1].briefed is False
    with pytest.raises(DrillActionError, match="cannot hand off to themselves"):
        drill.act("incident_commander", "hand_off", to="rosa", note="x")
    with pytest.raises(DrillActionError, match="did you mean 'sven'"):
        drill.act("incident_commander", "hand_off", to="svn", note="x")


def test_assuming_command_stands_the_role_page_down() -> None:
    drill = new_drill("incident_commander", "tech_lead:database")
    drill.act("tech_lead:database", "acknowledge", page=first_page(drill, "tech_lead:database"))
    assert drill.open_pages("incident_commander"), "the commander's rotation is being paged"
    drill.act("incident_commander", "assume_role")
    incident = drill.incidents[0]
    assert drill.open_pages("incident_commander") == []
    assert incident.record.commander == incident.roles["incident_commander"].id
    assert drill.world.records.handoffs[-1].reason == "role_change"
    drill.act("incident_commander", "assign_role", role="comms_lead", person="rosa")
    assert incident.roles["comms_lead"].id == "rosa"
    with pytest.raises(DrillActionError, match="only the incident commander assigns roles"):
        drill.act("tech_lead:database", "assign_role", role="comms_lead", person="rosa")


def test_a_senior_commander_brought_in_when_containment_is_at_risk_takes_command_and_the_seat_follows() -> None:
    drill = new_drill("incident_commander", "tech_lead:database", seed=3)
    play_script(drill, 45)
    incident = drill.incidents[0]
    # Detected at 2 and not contained half-way to the 1h target: contain-at-risk pages the senior commander at 32.
    (handoff,) = [h for h in drill.world.records.handoffs if h.reason == "escalation"]
    assert (handoff.role, handoff.sender, handoff.receiver, handoff.initiated) == (
        "incident_commander",
        "jamal",
        "rosa",
        32.0,
    )
    assert incident.roles["incident_commander"].id == incident.record.commander == "rosa"
    assert drill.holders(incident)["incident_commander"] == "rosa"
    feed = [event.text for event in drill.feed("incident_commander")]
    assert "Rosa Alvarez (VP Engineering) is incident commander for incident 1" in feed
    assert "Handoff (escalation, incident commander): Jamal Carter → Rosa Alvarez (VP Engineering), briefed" in feed
    drill.act("incident_commander", "hand_off", to="sven", note="failover done; replay pending")
    assert (drill.world.records.handoffs[-1].sender, incident.roles["incident_commander"].id) == ("rosa", "sven")


def test_page_escalate_invite_and_note_reach_the_engine() -> None:
    drill = new_drill("incident_commander", "customer_liaison", "tech_lead:database")
    number = first_page(drill, "tech_lead:database")
    drill.act("tech_lead:database", "escalate")
    incident = drill.incidents[0]
    assert incident.record.escalations == 1 and incident.root_run is not None and incident.root_run.level == 1
    drill.act("tech_lead:database", "acknowledge", page=number)  # anyone paged may still answer
    drill.act("incident_commander", "page", role="security")
    assert "security" in incident.role_runs
    pages = len(drill.world.records.pages)
    drill.act("incident_commander", "page", team="database")
    assert len(drill.world.records.pages) > pages, "paging a team pages its members"
    with pytest.raises(DrillActionError, match="no team 'databse'; did you mean 'database'"):
        drill.act("incident_commander", "page", team="databse")
    with pytest.raises(DrillActionError, match="page one role, team or person at a time"):
        drill.act("incident_commander", "page", team="database", person="sven")
    drill.act("customer_liaison", "invite_customer")
    assert incident.record.customer_invited == drill.now
    with pytest.raises(DrillActionError, match="on the bridge since"):
        drill.act("customer_liaison", "invite_customer")
    drill.act("incident_commander", "note", text="paged security early")
    assert drill.feed("incident_commander")[-1].text.endswith("paged security early")
    assert drill.events[-1] not in drill.feed("tech_lead:database")


def test_the_facilitator_acts_in_no_role_and_nothing_of_it_is_journaled(tmp_path: Path) -> None:
    path = tmp_path / "drill.jsonl"
    drill = new_drill("incident_commander", "tech_lead:database", journal=path)
    number = first_page(drill, "tech_lead:database")
    assert drill.open_pages(FACILITATOR), "the facilitator sees every seat's pages"
    with pytest.raises(DrillActionError, match=r"facilitator \(seat 0\) acts in no role: .* to acknowledge a page"):
        drill.act(FACILITATOR, "acknowledge", page=number)
    assert drill.open_pages("tech_lead:database"), "the page still waits for the player"
    incident = drill.incidents[0]
    drill.act("tech_lead:database", "acknowledge", page=number)
    while incident.awaiting is None:
        drill.advance(drill.now + 1)
        for page in drill.open_pages("incident_commander"):
            drill.act("incident_commander", "acknowledge", page=page.number)
    with pytest.raises(DrillActionError, match="switch to a played seat to declare a milestone"):
        drill.act(FACILITATOR, "declare", milestone="identified")
    assert incident.awaiting == "diagnose" and math.isnan(incident.record.identified)
    with pytest.raises(DrillActionError, match="switch to a played seat to assign a role"):
        drill.act(FACILITATOR, "assign_role", role="comms_lead", person="rosa")
    with pytest.raises(DrillActionError, match="switch to a played seat to take a decision"):
        drill.act(FACILITATOR, "choose", inject="I-04", option="promote-replica")
    assert all(line["seat"] != FACILITATOR for line in read_journal(path).of_type("input"))
    assert all(who != FACILITATOR for _, who, _ in drill.actions), "no expected action is credited to seat 0"


def test_check_says_why_an_action_cannot_be_taken_before_its_arguments_are_asked_for() -> None:
    drill = new_drill("incident_commander", "comms_lead", "tech_lead:database")
    with pytest.raises(DrillActionError, match="no incident has started yet"):
        drill.check("incident_commander", "post_update")
    number = first_page(drill, "tech_lead:database")
    with pytest.raises(DrillActionError, match="only the incident commander or a tech lead of the work declares"):
        drill.check("comms_lead", "declare")
    with pytest.raises(DrillActionError, match="only the incident commander assigns roles"):
        drill.check("tech_lead:database", "assign_role")
    with pytest.raises(DrillActionError, match="incident commander holds nothing in incident 1 to hand off"):
        drill.check("incident_commander", "hand_off")
    drill.act("tech_lead:database", "acknowledge", page=number)
    drill.check("tech_lead:database", "hand_off")
    with pytest.raises(DrillActionError, match="nobody relieves Tomasz Nowak on the roster now"):
        drill.hand_off_target("tech_lead:database")
    assert drill.hand_off_target("tech_lead:database", "sven").id == "sven"
    assert drill.next_milestone(drill.incidents[0]) == "identified"


def test_bad_seats_and_actions_are_named_with_a_suggestion() -> None:
    with pytest.raises(InputError, match="no seat 'incident_comander' in this drill; did you mean 'incident_commander"):
        new_drill("incident_comander")
    drill = new_drill("incident_commander")
    with pytest.raises(DrillActionError, match="nobody plays 'comms_lead'"):
        drill.act("comms_lead", "note", text="hi")
    with pytest.raises(DrillActionError, match="no action 'acknowlege'; did you mean 'acknowledge'"):
        drill.act("incident_commander", "acknowlege", page=1)
    drill.act(FACILITATOR, "end")
    with pytest.raises(DrillActionError, match="the exercise has ended"):
        drill.act("incident_commander", "note", text="late")


def test_the_clock_is_not_run_after_the_end(tmp_path: Path) -> None:
    path = tmp_path / "drill.jsonl"
    drill = new_drill("incident_commander", journal=path)
    drill.advance(30)
    drill.act(FACILITATOR, "end")
    drill.rate("mobilize", "M")
    for control, value in (("speed", 600.0), ("resume", None), ("pause", None)):
        with pytest.raises(DrillActionError, match="the exercise has ended"):
            drill.control(control, value)
    with pytest.raises(DrillActionError, match="the exercise has ended"):
        drill.jump()
    assert drill.now == 30 and drill.speed == 60.0
    assert read_journal(path).lines[-1]["type"] == "rating", "nothing about the clock is journaled after the end"


def scripted_journal(path: Path) -> Drill:
    drill = new_drill("incident_commander", "tech_lead:database", journal=path)
    play_script(drill, 45)
    drill.act(FACILITATOR, "note", text="commander hesitated on the failover")
    drill.act("incident_commander", "post_update", channel="external", text="Card payments failing; next update 04:15")
    play_script(drill, 90)
    drill.control("speed", 600.0)
    drill.control("pause")
    return drill


def test_a_resumed_drill_rebuilds_the_same_state_from_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "drill.jsonl"
    original = scripted_journal(path)
    resumed = resume_drill(path)
    assert [e.line() for e in resumed.events] == [e.line() for e in original.events]
    assert resumed.now == original.now == 90.0
    assert resumed.incidents[0].record == original.incidents[0].record
    assert resumed.actions == original.actions and resumed.choices == original.choices
    assert resumed.speed == 600.0, "the facilitator's last speed comes back"
    # The resumed drill journals on: a further action lands in the same file.
    resumed.act("incident_commander", "note", text="after the resume")
    assert read_journal(path).of_type("input")[-1]["args"] == {"text": "after the resume"}


def test_a_torn_last_line_is_dropped_and_an_edited_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "drill.jsonl"
    scripted_journal(path)
    with path.open("a", encoding="utf-8") as stream:
        stream.write('{"type": "event", "minute": 9')
    assert read_journal(path).torn
    resume_drill(path)

    lines = path.read_text(encoding="utf-8").splitlines()
    edited = tmp_path / "edited.jsonl"
    index = next(i for i, line in enumerate(lines) if '"kind":"milestone"' in line)
    changed = json.loads(lines[index])
    changed["text"] = "Incident 1 resolved (SEV1)"
    lines[index] = json.dumps(changed)
    edited.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="does not replay as journaled"):
        resume_drill(edited)


def test_a_journal_is_never_overwritten_and_must_be_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "drill.jsonl"
    new_drill("incident_commander", journal=path)
    with pytest.raises(InputError, match="already exists; resume it with `tabletop drill --resume"):
        new_drill("incident_commander", journal=path)
    other = tmp_path / "other.jsonl"
    other.write_text('{"type": "event"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="not a Tabletop drill journal"):
        read_journal(other)
    other.write_text("not json\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"other.jsonl:1: not a journal line"):
        read_journal(other)
    older = tmp_path / "older.jsonl"
    head, *rest = path.read_text(encoding="utf-8").splitlines()
    older.write_text("\n".join([json.dumps({**json.loads(head), "version": 1}), *rest]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"older.jsonl: journal version 1; this Tabletop reads 2"):
        read_journal(older)
