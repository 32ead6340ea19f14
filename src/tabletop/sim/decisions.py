"""What a decision's chosen option does to the world."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from tabletop.scenarios.model import Effect

if TYPE_CHECKING:
    from tabletop.sim.incident import Incident
    from tabletop.sim.world import World


def apply_effect(world: World, incident: Incident, effect: Effect) -> str:
    """Change the world as the effect says, and describe what changed for the timeline."""
    if effect.kind == "add_work":
        assert effect.phase is not None and effect.minutes is not None
        incident.change_work(effect.phase, effect.domain, add=effect.minutes)
        where = f"{effect.domain} " if effect.domain else ""
        return f"{effect.minutes:g} more minutes of {where}{effect.phase} work"
    if effect.kind == "scale_work":
        assert effect.phase is not None and effect.factor is not None
        incident.change_work(effect.phase, effect.domain, factor=effect.factor)
        return f"{effect.phase} work × {effect.factor:g}"
    if effect.kind == "start_incident":
        assert effect.incident_type is not None
        world.start_incident(effect.incident_type)
        return f"a new incident starts: {effect.incident_type}"
    if effect.kind == "page_role":
        assert effect.role is not None
        incident.call_in(effect.role)
        return f"someone is paged as {effect.role.replace('_', ' ')}"
    # customer_escalates: the customer goes over the team's head and joins the bridge uninvited.
    incident.call_in("customer_liaison")
    if math.isnan(incident.record.customer_invited):
        incident.record.customer_invited = world.env.now
    return "the customer escalates and joins the bridge"
