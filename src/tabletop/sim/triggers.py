"""Escalation triggers: act when a milestone is at risk of missing its SLA, or when an incident stalls."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from tabletop.policies.model import EscalationChain, EscalationLevel, EscalationTrigger
from tabletop.sim.escalation import EscalationRun

if TYPE_CHECKING:
    from tabletop.sim.incident import Incident
    from tabletop.sim.responders import Responder
    from tabletop.sim.world import World


def arm(world: World, incident: Incident) -> None:
    """Arm the escalation triggers of a newly detected incident's tier."""
    tier = world.tiers[incident.record.tier]
    for trigger in incident.plan.triggers:
        if trigger.not_reached is not None:
            if trigger.after is not None:
                delay = trigger.after
            else:
                target = getattr(tier.sla, trigger.not_reached)
                if target is None or trigger.at_fraction is None:
                    continue
                delay = trigger.at_fraction * target
            world.after(delay, _risk, (world, incident, trigger, trigger.not_reached))
        elif trigger.stalled_for is not None:
            world.after(trigger.stalled_for, _stall_check, (world, incident, trigger, trigger.stalled_for))


def _risk(payload: tuple[World, Incident, EscalationTrigger, str]) -> None:
    world, incident, trigger, milestone = payload
    if incident.closed or incident.milestone_reached(milestone):
        return
    _act(world, incident, trigger)


def _stall_check(payload: tuple[World, Incident, EscalationTrigger, float]) -> None:
    world, incident, trigger, window = payload
    if incident.closed or not math.isnan(incident.record.recovered):
        return
    left = incident.quiet_left(window)
    if left == 0:
        _act(world, incident, trigger)
    world.after(left or window, _stall_check, payload)


def _act(world: World, incident: Incident, trigger: EscalationTrigger) -> None:
    incident.request_help()
    run = incident.root_run
    if trigger.action == "repage":
        if run is not None:
            run.repage()
        return
    if trigger.action == "next_level":
        if run is not None and not run.done:
            run.advance()
        elif run is not None:
            # Already acknowledged: the next level joins and takes over work its lead cannot get to.
            run.escalate_further()
        return
    chain = world.chain(
        ("trigger", trigger.id),
        lambda: EscalationChain(id=f"trigger.{trigger.id}", levels=[EscalationLevel(targets=list(trigger.targets))]),
    )
    since = world.env.now

    def joined(responder: Responder) -> None:
        # Someone brought in because the incident is at risk (a senior commander) takes command.
        incident.assign_role("incident_commander", responder, "escalation", since)

    incident.record.escalations += 1
    EscalationRun(world, incident, chain, joined).start()
