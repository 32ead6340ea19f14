"""Escalation against closed forms, and exact deterministic runs of the chain's rules."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from engine_helpers import fixed_profile, person, small_policy, small_scenario
from scipy import stats

from tabletop.policies.model import Policy
from tabletop.scenarios.model import Scenario
from tabletop.sim.records import ReplicationRecords
from tabletop.sim.world import World


def play(scenario: dict[str, Any], policy: dict[str, Any], replication: int = 0) -> ReplicationRecords:
    world = World(Scenario.model_validate(scenario), Policy.model_validate(policy), seed=5, replication=replication)
    return world.run()


def test_time_to_acknowledge_matches_the_closed_form() -> None:
    """Level 1 misses with 0.3, level 2 with 0.5, one repeat, then a backstop that always answers."""
    scenario = small_scenario(
        horizon="28d",
        responsiveness_profiles={
            "p30": fixed_profile(2, 0.3),
            "p50": fixed_profile(2, 0.5),
            "sure": fixed_profile(2, 0),
        },
        people=[person("ana", responsiveness="p30"), person("ben", responsiveness="p50"), person("cat")],
        teams=[{"id": "ops", "domain": "ops", "members": ["ana", "ben", "cat"]}],
        services=[{"id": "svc", "owner": "ops", "tier": "SEV1"}],
        incident_types=[
            {
                "id": "fault",
                "rate_per_week": 168,
                "root_service": "svc",
                "domains": ["ops"],
                "detection": {"delay": 0},
                "work": {"diagnose": {"ops": 0}},
            }
        ],
    )
    scenario["people"][2]["responsiveness"] = "sure"
    policy = small_policy(
        escalation_chains=[
            {
                "id": "ops",
                "levels": [
                    {"targets": [{"person": "ana"}], "delay": "10m"},
                    {"targets": [{"person": "ben"}], "delay": "5m"},
                ],
                "repeat": 1,
                "backstop": {"targets": [{"person": "cat"}]},
            }
        ],
        routing=[{"chain": "ops"}],
    )
    pa, pb = 0.3, 0.5
    expected = {
        2.0: 1 - pa,
        12.0: pa * (1 - pb),
        17.0: pa * pb * (1 - pa),
        27.0: pa * pb * pa * (1 - pb),
        32.0: (pa * pb) ** 2,
    }
    observed: Counter[float] = Counter()
    for replication in range(3):
        for record in play(scenario, policy, replication).incidents:
            observed[round(record.acknowledged - record.detected, 6)] += 1
    assert set(observed) <= set(expected), f"unexpected acknowledgement times {set(observed) - set(expected)}"
    total = sum(observed.values())
    assert total > 1500
    result = stats.chisquare([observed[t] for t in expected], [p * total for p in expected.values()])
    assert result.pvalue > 0.001, (observed, result)


def _pages(records: ReplicationRecords) -> list[tuple[str, float]]:
    return [(p.person, p.paged) for p in records.pages]


def _one_incident(records: ReplicationRecords) -> Any:
    assert len(records.incidents) == 1
    return records.incidents[0]


def test_symptom_alert_is_handed_to_the_root_owner() -> None:
    """db is unmonitored: the site symptom pages web, who triages and hands over to the dba."""
    scenario = small_scenario()
    scenario["services"][0]["monitored"] = True
    scenario["services"][1]["monitored"] = False
    scenario["incident_types"][0]["triage"] = "10m"
    scenario["incident_types"][0]["detection"] = {"delay": 0, "customer_report_delay": "2h"}
    policy = small_policy(handoffs={"briefing": {"cost": "5m", "probability": 1}})
    records = play(scenario, policy)
    incident = _one_incident(records)
    # Fault at 60; the symptom shows at 62 and pages ana, who answers at 63 and triages until 73.
    assert _pages(records)[:2] == [("ana", 62.0), ("cat", 73.0)]
    assert incident.detected == 62.0 and incident.acknowledged == 63.0
    (handoff,) = records.handoffs
    assert (handoff.reason, handoff.sender, handoff.receiver) == ("symptom_to_root", "ana", "cat")
    assert (handoff.initiated, handoff.accepted, handoff.briefed) == (73.0, 79.0, True)
    # cat answers at 74, is briefed for 5 minutes, then diagnoses for 30 and contains for 10.
    assert incident.identified == 74.0 + 5 + 30
    assert incident.contained == incident.identified + 10


def test_correlated_symptom_pages_the_root_owner_directly() -> None:
    scenario = small_scenario()
    scenario["services"][0]["monitored"] = True
    scenario["services"][1]["monitored"] = False
    scenario["incident_types"][0]["detection"] = {"delay": 0, "customer_report_delay": "2h"}
    policy = small_policy(correlation={"enabled": True, "accuracy": 1})
    records = play(scenario, policy)
    assert _pages(records)[0] == ("cat", 62.0)
    assert records.handoffs == []


def _empty_level_policy(on_empty: str) -> dict[str, Any]:
    """Level 1 is a business-hours rotation (nobody on call at 01:00), level 2 is dan."""
    return small_policy(
        rotations=[
            {
                "id": "day",
                "time_zone": "UTC",
                "levels": {
                    "primary": {
                        "layers": [
                            {
                                "people": ["eve"],
                                "start": "2027-01-01",
                                "turn": "1d",
                                "restrictions": [{"type": "daily", "start": "09:00", "end": "17:00"}],
                            }
                        ]
                    }
                },
            }
        ],
        escalation_chains=[
            {"id": "web", "levels": [{"targets": [{"person": "ana"}]}]},
            {
                "id": "dba",
                "on_empty": on_empty,
                "levels": [
                    {"targets": [{"rotation": "day"}], "delay": "20m"},
                    {"targets": [{"person": "dan"}], "delay": "10m"},
                ],
            },
        ],
    )


@pytest.mark.parametrize(
    ("on_empty", "first_page"),
    [("skip", ("dan", 60.0)), ("wait", ("dan", 80.0)), ("hold", ("eve", 9 * 60.0))],
)
def test_empty_level(on_empty: str, first_page: tuple[str, float]) -> None:
    records = play(small_scenario(), _empty_level_policy(on_empty))
    assert _pages(records)[0] == first_page
    incident = _one_incident(records)
    assert incident.acknowledged == first_page[1] + 1


def test_stalled_incident_is_repaged() -> None:
    scenario = small_scenario()
    scenario["incident_types"][0]["work"] = {"diagnose": {"database": "100m"}}
    policy = small_policy(
        escalation_triggers=[{"id": "stall", "stalled_for": "30m", "action": "repage"}],
    )
    records = play(scenario, policy)
    # Acknowledged at 61, then no milestone until 161: re-paged at 91, 121 and 151.
    assert _pages(records) == [("cat", 60.0), ("cat", 91.0), ("cat", 121.0), ("cat", 151.0)]
    assert _one_incident(records).identified == 161.0


def _two_tiers(preemption: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    scenario = small_scenario(
        services=[
            {"id": "site", "owner": "web", "tier": "SEV1", "depends_on": ["db"], "monitored": False},
            {"id": "db", "owner": "dba", "tier": "SEV1"},
            {"id": "reports", "owner": "dba", "tier": "SEV2"},
        ],
        incident_types=[
            {
                "id": "slow-reports",
                "times": ["+01:00"],
                "root_service": "reports",
                "domains": ["database"],
                "detection": {"delay": 0},
                "work": {"diagnose": {"database": "60m"}},
            },
            {
                "id": "db-down",
                "times": ["+01:20"],
                "root_service": "db",
                "domains": ["database"],
                "detection": {"delay": 0},
                "work": {"diagnose": {"database": "10m"}},
            },
        ],
    )
    return scenario, small_policy(preemption=preemption)


def test_higher_tier_preempts_lower_tier_work() -> None:
    records = play(*_two_tiers(preemption=True))
    low, high = sorted(records.incidents, key=lambda r: r.tier, reverse=True)
    # Low starts at 61; the SEV1 page at 80 is answered at 81 and preempts: 10 minutes of work.
    assert high.identified == 91.0
    # The low-tier incident lost 10 minutes: 60 minutes of work from 61 plus the interruption.
    assert low.identified == 61.0 + 60 + 10
    assert low.waiting_busy == pytest.approx(10.0)


def test_without_preemption_the_higher_tier_waits() -> None:
    records = play(*_two_tiers(preemption=False))
    low, high = sorted(records.incidents, key=lambda r: r.tier, reverse=True)
    assert low.identified == 121.0
    # cat is heads-down until 121; the page waits, then takes a minute to answer.
    assert high.acknowledged == 122.0
    assert high.identified == 132.0


def _shift_pair(mode: str, cap: str = "2h") -> tuple[dict[str, Any], dict[str, Any]]:
    """cat is on call until 09:00, then dan; an incident at 08:30 needs 60 + 10 + 30 minutes of work."""
    scenario = small_scenario()
    scenario["incident_types"][0].update(
        times=["+08:30"],
        work={"diagnose": {"database": "60m"}, "contain": {"database": "10m"}, "remediate": {"database": "30m"}},
    )
    policy = small_policy(
        rotations=[
            {
                "id": "dba",
                "time_zone": "UTC",
                "levels": {
                    "primary": {"layers": [{"people": ["cat", "dan"], "start": "2027-01-03T09:00", "turn": "1d"}]}
                },
            }
        ],
        escalation_chains=[
            {"id": "web", "levels": [{"targets": [{"person": "ana"}]}]},
            {"id": "dba", "levels": [{"targets": [{"rotation": "dba"}]}]},
        ],
        handoffs={"briefing": {"cost": "5m", "probability": 1}, "shift_change": {"mode": mode, "overtime_cap": cap}},
    )
    return scenario, policy


@pytest.mark.parametrize(
    ("mode", "cap", "initiated", "identified", "recovered"),
    [
        # Hand off at 09:00: dan answers at 09:01 and takes the 30 minutes left plus a 5-minute briefing.
        ("hand_off", "2h", 540.0, 541.0 + 30 + 5, 541.0 + 35 + 10 + 30),
        # Stay until contained (09:41), then hand the remediation over.
        ("stay_until_contained", "2h", 581.0, 571.0, 582.0 + 29 + 5),
        # Stay until contained, but at most 20 minutes past the shift: hand over at 09:20.
        ("stay_until_contained", "20m", 560.0, 561.0 + 10 + 5, 561.0 + 15 + 10 + 30),
    ],
)
def test_shift_change_mid_incident(mode: str, cap: str, initiated: float, identified: float, recovered: float) -> None:
    records = play(*_shift_pair(mode, cap))
    incident = _one_incident(records)
    assert incident.acknowledged == 511.0
    (handoff,) = [h for h in records.handoffs if h.reason == "shift_change"]
    assert (handoff.sender, handoff.receiver, handoff.initiated) == ("cat", "dan", initiated)
    assert handoff.accepted == initiated + 1 + 5
    assert incident.identified == pytest.approx(identified)
    assert incident.recovered == pytest.approx(recovered)


def test_stay_until_resolved_keeps_the_responder() -> None:
    records = play(*_shift_pair("stay_until_resolved", "3h"))
    assert [h for h in records.handoffs if h.reason == "shift_change"] == []
    assert _one_incident(records).recovered == 511.0 + 100


def test_rostered_commander_takes_over_from_the_first_responder() -> None:
    scenario = small_scenario()
    policy = small_policy(
        mobilization={
            "roles": {"incident_commander": {"person": "eve"}},
            "tiers": {"SEV1": {"page": ["incident_commander"]}},
        },
        handoffs={"briefing": {"cost": "5m", "probability": 1}},
    )
    records = play(scenario, policy)
    incident = _one_incident(records)
    (handoff,) = records.handoffs
    # cat answers at 61 and acts as commander; eve is paged at 61, answers at 62 and is briefed.
    assert (handoff.reason, handoff.sender, handoff.receiver) == ("role_change", "cat", "eve")
    assert (handoff.initiated, handoff.accepted) == (61.0, 67.0)
    assert incident.commander == "eve" and incident.mobilized == 62.0


def test_stop_on_resolve_re_escalates_a_stalled_acknowledged_incident() -> None:
    scenario, policy = _two_tiers(preemption=True)
    scenario["incident_types"][1]["times"] = ["+01:10"]
    scenario["incident_types"][1]["work"] = {"diagnose": {"database": "30m"}}
    policy["escalation_chains"].append(
        {
            "id": "dba-low",
            "stop_on": "resolve",
            "repage_after": "20m",
            "levels": [{"targets": [{"person": "cat"}]}, {"targets": [{"person": "dan"}]}],
        }
    )
    policy["routing"].insert(0, {"chain": "dba-low", "services": ["reports"]})
    policy["handoffs"] = {"briefing": {"cost": "5m", "probability": 1}}
    records = play(scenario, policy)
    low, high = sorted(records.incidents, key=lambda r: r.tier, reverse=True)
    # cat answers the SEV2 at 61; the SEV1 paged at 70 preempts him at 71. Nothing moves on the SEV2 until 81,
    # when it escalates to dan, who answers at 82 and takes the 50 minutes left plus a briefing.
    assert ("dan", 81.0) in _pages(records)
    (handoff,) = [h for h in records.handoffs if h.reason == "escalation"]
    assert (handoff.sender, handoff.receiver, handoff.initiated, handoff.accepted) == ("cat", "dan", 81.0, 87.0)
    assert low.identified == pytest.approx(82.0 + 50 + 5)
    assert high.identified == 71.0 + 30


def _contain_at_risk(action: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Contain target 20m: at 70, half-way, the incident is still being diagnosed and the trigger acts."""
    scenario = small_scenario(
        responsiveness_profiles={"sure": fixed_profile(1, 0), "slow": fixed_profile(30, 0)},
    )
    scenario["people"][4]["responsiveness"] = "slow"
    policy = small_policy(
        tiers=[{"id": "SEV1", "sla": {"contain": "20m"}}, {"id": "SEV2"}],
        escalation_chains=[
            {"id": "web", "levels": [{"targets": [{"person": "ana"}]}]},
            {"id": "dba", "levels": [{"targets": [{"person": "cat"}]}, {"targets": [{"person": "ben"}]}]},
        ],
        mobilization={
            "roles": {"incident_commander": {"person": "eve"}},
            "tiers": {"SEV1": {"page": ["incident_commander"]}},
        },
        escalation_triggers=[{"id": "contain-at-risk", "not_reached": "contain", "at_fraction": 0.5, **action}],
        handoffs={"briefing": {"cost": "5m", "probability": 1}},
    )
    return scenario, policy


def test_a_commander_brought_in_by_a_trigger_takes_command_and_the_rostered_one_stands_down() -> None:
    records = play(*_contain_at_risk({"action": "page", "targets": [{"person": "dan"}]}))
    incident = _one_incident(records)
    # cat answers at 61 and acts as commander; eve (slow) would answer at 91, but dan, paged at 70, answers at 71
    # and takes command: eve's page stands down (no second round at 76), and her late answer takes nothing back.
    assert _pages(records) == [("cat", 60.0), ("eve", 61.0), ("dan", 70.0)]
    (handoff,) = records.handoffs
    assert (handoff.reason, handoff.role, handoff.sender, handoff.receiver) == (
        "escalation",
        "incident_commander",
        "cat",
        "dan",
    )
    assert (handoff.initiated, handoff.accepted) == (70.0, 76.0)
    assert incident.commander == "dan" and incident.mobilized == 71.0


def test_next_level_on_an_acknowledged_chain_brings_in_help_not_a_commander() -> None:
    records = play(*_contain_at_risk({"action": "next_level"}))
    incident = _one_incident(records)
    # The chain moves on to ben at 70 although cat acknowledged; cat is at work, so ben only joins. Command passes
    # from cat to the rostered eve when she answers, at 91.
    assert _pages(records) == [("cat", 60.0), ("eve", 61.0), ("ben", 70.0), ("eve", 76.0)]
    assert [(h.reason, h.sender, h.receiver, h.initiated) for h in records.handoffs] == [
        ("role_change", "cat", "eve", 61.0)
    ]
    assert incident.commander == "eve" and incident.contained == 61.0 + 30 + 10


def test_checkpoints_defer_a_shift_handover_to_the_next_checkpoint() -> None:
    scenario, policy = _shift_pair("hand_off")
    policy["handoffs"]["checkpoints"] = ["contained"]
    records = play(scenario, policy)
    (handoff,) = [h for h in records.handoffs if h.reason == "shift_change"]
    # cat's shift ends at 09:00 but the handover waits for containment at 09:41.
    assert (handoff.sender, handoff.receiver, handoff.initiated) == ("cat", "dan", 581.0)


def test_roles_on_request_are_paged_when_the_incident_escalates() -> None:
    scenario = small_scenario()
    scenario["incident_types"][0]["work"] = {"diagnose": {"database": "100m"}}
    policy = small_policy(
        mobilization={
            "roles": {"comms_lead": {"person": "ben"}},
            "tiers": {"SEV1": {"on_request": ["comms_lead"]}},
        },
        escalation_triggers=[{"id": "late", "not_reached": "identify", "after": "45m", "action": "repage"}],
    )
    records = play(scenario, policy)
    # Nobody pages the comms lead at declaration; the trigger at 60 + 45 minutes asks for one.
    assert ("ben", 105.0) in _pages(records)
    assert [p for p in _pages(records) if p[0] == "ben"] == [("ben", 105.0)]


def test_a_commander_without_comms_lead_loses_work_time_to_updates() -> None:
    scenario = small_scenario()
    scenario["incident_types"][0]["work"] = {"diagnose": {"database": "100m"}}
    base = {"id": "SEV1", "sla": {"acknowledge": "5m"}}
    quiet = play(scenario, small_policy(tiers=[base, {"id": "SEV2"}]))
    chatty = play(
        scenario,
        small_policy(
            tiers=[{**base, "updates": {"internal": "30m"}}, {"id": "SEV2"}],
            communications={"update_cost": "5m", "commander_slowdown": 0},
        ),
    )
    assert _one_incident(quiet).identified == 161.0
    incident = _one_incident(chatty)
    # Updates fall due at 91, 121 and 151 while cat is heads-down: each is late and costs 5 minutes;
    # the last one, due at 166 after the 15 minutes of delay, finds him done with diagnosis.
    assert incident.internal_updates_due >= 3
    assert incident.internal_updates_on_time == incident.internal_updates_due - 3
    assert incident.identified == 161.0 + 15
