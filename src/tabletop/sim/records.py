"""Flat records the engine writes; every metric is computed from these alone."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Literal

from tabletop.sim.clock import Context

NAN = math.nan

HandoffReason = Literal["escalation", "cross_domain", "symptom_to_root", "shift_change", "role_change"]
HANDOFF_REASONS: tuple[HandoffReason, ...] = (
    "escalation",
    "cross_domain",
    "symptom_to_root",
    "shift_change",
    "role_change",
)
#: Status-update channels, each with the incident record's counts of updates due and posted on time.
UPDATE_COUNTS = {
    "internal": ("internal_updates_due", "internal_updates_on_time"),
    "external": ("external_updates_due", "external_updates_on_time"),
}
#: The parts an incident's time from detection to recovery is split into.
BOTTLENECKS = ("waiting_ack", "waiting_handoff", "waiting_busy", "working")


@dataclass(slots=True)
class IncidentRecord:
    """One incident from start to review; times are engine minutes (NaN when never reached)."""

    replication: int
    incident: int
    incident_type: str
    root_service: str
    team: str
    tier: str
    security: bool
    customer_facing: bool
    detected_by: str = ""
    started: float = NAN
    detected: float = NAN
    acknowledged: float = NAN
    mobilized: float = NAN
    identified: float = NAN
    contained: float = NAN
    recovered: float = NAN
    resolved: float = NAN
    reviewed: float = NAN
    first_responder: str = ""
    commander: str = ""
    pages: int = 0
    escalations: int = 0
    handoffs: int = 0
    handoff_delay: float = 0.0
    waiting_ack: float = 0.0
    waiting_handoff: float = 0.0
    waiting_busy: float = 0.0
    working: float = 0.0
    internal_updates_due: int = 0
    internal_updates_on_time: int = 0
    external_updates_due: int = 0
    external_updates_on_time: int = 0
    customer_invited: float = NAN
    cost: float = 0.0


@dataclass(slots=True)
class HandoffRecord:
    """Responsibility moving from one person to another during an incident."""

    replication: int
    incident: int
    reason: HandoffReason
    role: str
    sender: str
    receiver: str
    initiated: float
    accepted: float = NAN
    briefed: bool = False

    @property
    def delay(self) -> float:
        """Minutes from initiation to acceptance."""
        return self.accepted - self.initiated


@dataclass(slots=True)
class PageRecord:
    """One notification to one person and how it ended."""

    replication: int
    incident: int
    person: str
    paged: float
    context: Context
    hour_class: str
    #: The person's local hour of the week, Monday 00:00–01:00 = 0.
    hour_of_week: int
    level: int
    outcome: Literal["acknowledged", "missed", "superseded"] = "superseded"
    answered: float = NAN


@dataclass
class ReplicationRecords:
    """Everything one replication wrote."""

    replication: int
    incidents: list[IncidentRecord] = field(default_factory=list)
    handoffs: list[HandoffRecord] = field(default_factory=list)
    pages: list[PageRecord] = field(default_factory=list)
    #: Minutes each person spent engaged on incidents.
    engaged: dict[str, float] = field(default_factory=dict)


def column_names(record_type: type) -> list[str]:
    """CSV column names of a record type, in field order."""
    return [f.name for f in fields(record_type)]
