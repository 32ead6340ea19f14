"""Status updates on each tier's cadence, customer inclusion, and what posting costs a commander."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from tabletop.sim.records import UPDATE_COUNTS

if TYPE_CHECKING:
    from tabletop.sim.incident import Incident
    from tabletop.sim.responders import Responder
    from tabletop.sim.world import World


def slowdown(world: World, incident: Incident, lead: Responder) -> float:
    """Work multiplier in a tier that posts status updates: a commander who must also post them works slower."""
    record = incident.record
    if "comms_lead" not in incident.roles and record.commander == lead.id:
        return 1.0 + world.policy.communications.commander_slowdown
    return 1.0


def schedule_updates(world: World, incident: Incident) -> None:
    """Status updates fall due on the tier's cadences until the incident is recovered (and customers are invited)."""
    tier = world.tiers[incident.record.tier]
    for channel, cadence in (("internal", tier.updates.internal), ("external", tier.updates.external)):
        if cadence is not None:
            world.after(cadence, _update_due, (world, incident, channel, cadence))
    inclusion = tier.customer_inclusion
    if inclusion is not None and world.services[incident.draws.root_service].enterprise_customers:
        wait = max(0.0, incident.record.detected + inclusion.enterprise_after - world.env.now)
        world.after(wait, _invite_customer, (world, incident))


def _update_due(payload: tuple[World, Incident, str, float]) -> None:
    world, incident, channel, cadence = payload
    if incident.closed or not math.isnan(incident.record.recovered):
        return
    record = incident.record
    due, posted = UPDATE_COUNTS[channel]
    setattr(record, due, getattr(record, due) + 1)
    # A comms lead posts on time. A commander posts on time only when not heads-down in work;
    # otherwise they stop to write it late, and their work waits for as long as that takes.
    seats = world.seats
    on_time = "comms_lead" in incident.roles
    commander = world.responders.get(record.commander)
    if seats is not None and seats.posts_updates(incident):
        on_time = seats.posted_since(incident, channel, world.env.now - cadence)
    elif not on_time and commander is not None:
        on_time = commander.current is None
        if not on_time:
            commander.interrupt(world.policy.communications.update_cost.sample(world.policy_rng))
    if on_time:
        setattr(record, posted, getattr(record, posted) + 1)
    world.after(cadence, _update_due, payload)


def _invite_customer(payload: tuple[World, Incident]) -> None:
    world, incident = payload
    if world.seats is not None and world.seats.plays("customer_liaison"):
        return  # the customer liaison's player decides when to invite the customer
    if not incident.closed and math.isnan(incident.record.recovered):
        incident.record.customer_invited = world.env.now
