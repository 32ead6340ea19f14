"""After-action report of a scripted drill: sections, ratings, SLA areas, the ghost run, escaping."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from tabletop.policies.loading import load_pair
from tabletop.sim.after_action import AfterAction, IncidentSla, after_action, ghost_run, write_after_action
from tabletop.sim.document_blocks import render_markdown
from tabletop.sim.drill import FACILITATOR, Drill, Improvement, SlaClock
from tabletop.sim.journal import DrillSetup

SCENARIO, POLICY, SEED = "drill-db-failover", "payments-tiered", 23
PLAYED = ("incident_commander", "tech_lead:database")
DECLARE = {"diagnose": "identified", "contain": "contained", "remediate": "recovered", "verify": "resolved"}
NOTE = "<script>alert(1)</script> the commander never took the role"


def new_drill(played: tuple[str, ...] = PLAYED) -> Drill:
    scenario, policy = load_pair(SCENARIO, POLICY)
    return Drill(scenario, policy, DrillSetup(SCENARIO, POLICY, SEED, played))


def acknowledge_open_pages(drill: Drill) -> None:
    """Every played seat answers every page waiting for it."""
    for seat in PLAYED:
        for page in drill.open_pages(seat):
            drill.act(seat, "acknowledge", page=page.number)


def scripted_drill() -> Drill:
    """85 scenario minutes: pages answered and milestones declared every 5 minutes, one update, no escalation."""
    drill = new_drill()
    for minute in range(0, 90, 5):
        drill.advance(minute)
        acknowledge_open_pages(drill)
        for incident in drill.incidents:
            if incident.awaiting:
                drill.act("incident_commander", "declare", milestone=DECLARE[incident.awaiting])
        for delivery in drill.pending_decisions("incident_commander"):
            assert delivery.inject.decision is not None
            option = delivery.inject.decision.options[0].id
            drill.act("incident_commander", "choose", inject=delivery.inject.id, option=option)
        if minute == 20:
            drill.act("incident_commander", "post_update", channel="internal", text="db down, working")
            drill.act(FACILITATOR, "note", text=NOTE)
    drill.act(FACILITATOR, "end")
    return drill


@pytest.fixture(scope="module")
def drill() -> Drill:
    drill = scripted_drill()
    drill.rate("communicate", "M", "no external <b>update</b> at all")
    drill.plan(Improvement("mobilize", "Give the database on-call a second pager", "database manager", "2027-01-20"))
    return drill


@pytest.fixture(scope="module")
def review(drill: Drill) -> AfterAction:
    return after_action(drill)


@pytest.fixture(scope="module")
def written(drill: Drill, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    markdown, page = write_after_action(drill, tmp_path_factory.mktemp("aar"))
    assert (markdown.name, page.name) == ("after-action.md", "after-action.html")
    return markdown.read_text(encoding="utf-8"), page.read_text(encoding="utf-8")


def test_markdown_and_html_have_every_section(written: tuple[str, str]) -> None:
    markdown, page = written
    sections = [
        "Overview",
        "Objectives",
        "Strengths",
        "Areas for improvement",
        "Improvement plan",
        "SLA clocks",
        "Ghost run: the policy alone",
        "Handoff delays",
        "Timeline",
    ]
    for section in sections:
        assert f"\n## {section}\n" in markdown
        assert f"<h2>{section}</h2>" in page
    assert markdown.startswith("# After-action report: Drill: payments-db failover at 03:00\n")
    assert "| starts | Wednesday 6 January 2027, 03:00 (Europe/London) |" in markdown
    assert "| seed | 23 |" in markdown
    # The first responder acts as commander until the rostered one answers; contain-at-risk brings in a senior one.
    assert "| incident commander | players | Tomasz Nowak, Jamal Carter, Rosa Alvarez (VP Engineering) |" in markdown
    assert "| comms lead | engine | Tyler Johnson |" in markdown
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "src=" not in page


def test_seats_list_everyone_who_held_them_in_order() -> None:
    drill = new_drill()
    for minute in range(0, 30, 5):
        drill.advance(minute)
        acknowledge_open_pages(drill)
    drill.act("tech_lead:database", "hand_off", to="kenji", note="replica promoted, replay pending")
    seats = {seat.seat: seat.people for seat in after_action(drill).seats}
    assert seats["tech_lead:database"] == ("Tomasz Nowak", "Kenji Sato")
    assert seats["incident_commander"] == ("Tomasz Nowak", "Jamal Carter")
    assert seats["security"] == ()


def test_known_expected_action_ratings(review: AfterAction) -> None:
    (mobilize,) = [o for o in review.objectives if o.id == "mobilize"]
    found = {(a.result.inject_id, a.result.who, a.result.action): a for a in mobilize.actions}
    acknowledged = found["I-01", "tech_lead", "acknowledge"]
    assert (acknowledged.result.rating, acknowledged.deadline, acknowledged.done_at) == ("done", "03:07", "03:05")
    assert found["I-01", "tech_lead", "escalate"].result.rating == "missed"
    assert found["I-02", "incident_commander", "post_internal_update"].result.rating == "done"
    assert "I-01: expected the tech lead to acknowledge by 03:07; done at 03:05." in review.strengths
    escalate = [a for a in review.areas if "expected the tech lead to escalate" in a.observation]
    assert len(escalate) == 1 and escalate[0].owner == "tech lead"
    assert "did: acknowledge at 03:05" in escalate[0].analysis


def test_breached_sla_targets_are_areas_for_improvement(review: AfterAction, written: tuple[str, str]) -> None:
    breached = [(i.incident, c) for i in review.sla for c in i.clocks if c.state == "breached"]
    assert [c.metric for _, c in breached] == ["mobilize", "identify"]
    met = [c.metric for i in review.sla for c in i.clocks if c.state == "met"]
    assert met == ["acknowledge", "contain"]
    for incident, clock in breached:
        (area,) = [
            a
            for a in review.areas
            if f"Incident {incident} (SEV1) took" in a.observation and clock.metric in a.observation
        ]
        assert area.owner == "incident commander" and area.recommendation
        assert "The policy alone took" in area.analysis
        assert any(p.action == area.recommendation and p.due == "2027-02-05" for p in review.plan)
    markdown, _ = written
    assert "- Observation: Incident 1 (SEV1) took 21m44s to mobilize; the target is 15m." in markdown
    assert "| mobilize | 15m | 21m44s | **breached** |" in markdown


def test_a_target_missed_by_seconds_does_not_read_as_the_target(review: AfterAction) -> None:
    clocks = (SlaClock("contain", 60.0, 60 + 7.95 / 60, True), SlaClock("recover", 240.0, 60 + 7.95 / 60, False))
    markdown = render_markdown(replace(review, sla=(IncidentSla(1, "db down", "SEV1", clocks),)).blocks())
    assert "| contain | 1h | 1h1m | **breached** |" in markdown
    assert "| recover | 4h | not reached (1h1m so far) | open · 2h59m left |" in markdown


def test_improvement_plan_puts_the_facilitator_first_and_proposes_each_action_once(review: AfterAction) -> None:
    assert review.planned_by_facilitator == 1
    assert review.plan[0].action == "Give the database on-call a second pager"
    proposed = review.plan[1:]
    assert len(set(proposed)) == len(proposed)
    assert {p.action for p in proposed} == {a.recommendation for a in review.areas}
    assert all(p.due == "2027-02-05" for p in proposed)


def test_ghost_run_is_an_engine_only_drill_of_the_same_seed(drill: Drill, review: AfterAction) -> None:
    ghost = ghost_run(drill)
    assert ghost.setup.played == () and ghost.setup.seed == drill.setup.seed
    assert ghost.now == review.ghost.minute and review.ghost.minute >= drill.now
    # A fresh engine-only drill advanced to the same minute in one go has the same clocks.
    fresh = new_drill(played=())
    fresh.advance(review.ghost.minute, inclusive=True)
    assert not math.isnan(fresh.incidents[0].record.resolved)
    expected = {(1, c.metric): c for c in fresh.sla_clocks(fresh.incidents[0])}
    assert {(c.incident, c.metric): c.ghost for c in review.ghost.comparisons} == expected
    differences = {c.metric: c.difference for c in review.ghost.comparisons}
    assert differences["recover"] is None  # the drill ended before recovery; the ghost recovered
    contain = differences["contain"]
    assert contain is not None and round(contain) == 5
    assert "the policy alone was faster on" in review.ghost.verdict.lower()
    assert "contain by 5 minutes" in review.ghost.verdict
    assert "only the policy alone reached recover" in review.ghost.verdict


def test_html_escapes_a_facilitator_note(review: AfterAction, written: tuple[str, str]) -> None:
    (observation,) = [e for e in review.timeline if e.kind == "observation"]
    assert observation.text == f"Facilitator observed: {NOTE}" and observation.seen_by == "facilitator"
    markdown, page = written
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; the commander" in page
    assert "no external &lt;b&gt;update&lt;/b&gt; at all" in page
    assert "\\<script\\>alert(1)\\</script\\>" in markdown


def test_timeline_shows_the_players_one_line_each(review: AfterAction) -> None:
    assert all("\n" not in e.text for e in review.timeline)
    (first,) = [e for e in review.timeline if e.text.startswith("[I-01 ")]
    assert (first.clock, first.seen_by) == ("03:02", "tech lead")
    assert first.text.endswith("payments-db primary down, authorisations failing")
    # Pages to engine-played seats go to the facilitator only, so they are not in the players' timeline.
    assert not any(e.text.endswith("paged (level 1, sleep)") for e in review.timeline)
    assert review.timeline[-1].text == "The exercise has ended"


def test_facilitator_ratings_override_proposed_ones() -> None:
    drill = scripted_drill()
    proposed = drill.proposed_ratings()
    assert proposed["mobilize"] == "U" and proposed["failover"] == "U"
    drill.rate("mobilize", "S", "woke the secondary quickly")
    ratings = {o.id: o for o in after_action(drill).objectives}
    mobilize, failover = ratings["mobilize"], ratings["failover"]
    assert (mobilize.rating, mobilize.proposed, mobilize.comment) == ("S", False, "woke the secondary quickly")
    assert (failover.rating, failover.proposed) == ("U", True)
    assert ratings["handoff"].rating is None


def test_report_before_detection_plays_the_ghost_until_its_first_incident_resolves(tmp_path: Path) -> None:
    drill = new_drill()
    review = after_action(drill)
    assert all(not incident.clocks for incident in review.sla)  # nothing detected yet
    assert review.ghost.comparisons == () and review.ghost.verdict.startswith("Nothing to compare")
    ghost = ghost_run(drill)
    assert not math.isnan(ghost.incidents[0].record.resolved)
    markdown, _ = review.write(tmp_path)
    assert "still running when this report was written" in markdown.read_text(encoding="utf-8")
