"""How an organisation responds: tiers and SLAs, rotations, escalation, routing, mobilisation."""

from __future__ import annotations

from functools import cache, cached_property
from typing import Annotated, Literal

import holidays
from pydantic import Field, field_validator, model_validator

from tabletop.spec.distributions import Distribution, Fixed
from tabletop.spec.fields import (
    Duration,
    Identifier,
    LocalDateTime,
    Probability,
    Role,
    Spec,
    TimeOfDay,
    TimeZoneName,
    Weekday,
)
from tabletop.spec.suggest import did_you_mean
from tabletop.spec.windows import Window

SLA_METRICS = ("acknowledge", "mobilize", "identify", "contain", "recover", "review")


class SlaTargets(Spec):
    """Target minutes per metric; a metric without a target is measured but not judged."""

    acknowledge: Duration | None = None
    mobilize: Duration | None = None
    identify: Duration | None = None
    contain: Duration | None = None
    recover: Duration | None = None
    review: Duration | None = None


class UpdateCadence(Spec):
    """How often status updates are due while an incident is open."""

    internal: Duration | None = None
    external: Duration | None = None


class CustomerInclusion(Spec):
    """When enterprise customers of an affected service are invited to the status call."""

    enterprise_after: Duration


class Tier(Spec):
    """A criticality tier with its SLA targets; tiers are listed most severe first."""

    id: Identifier
    name: str = ""
    sla: SlaTargets = SlaTargets()
    updates: UpdateCadence = UpdateCadence()
    customer_inclusion: CustomerInclusion | None = None


class Restriction(Spec):
    """A daily or weekly window, in the layer's time zone, outside which the layer has nobody on call."""

    type: Literal["daily", "weekly"]
    start: TimeOfDay
    end: TimeOfDay | None = None
    duration: Duration | None = None
    start_day: Weekday | None = None
    end_day: Weekday | None = None

    @model_validator(mode="after")
    def _shape(self) -> Restriction:
        if (self.end is None) == (self.duration is None):
            raise ValueError("give exactly one of end or duration")
        if self.type == "daily":
            if self.start_day is not None or self.end_day is not None:
                raise ValueError("a daily restriction applies every day; use type: weekly for start_day/end_day")
            if self.duration is not None and self.duration > 1440:
                raise ValueError(f"a daily restriction lasts at most 1d, got {self.duration:g} minutes")
        else:
            if self.start_day is None:
                raise ValueError("a weekly restriction needs start_day")
            if self.duration is not None and self.duration > 10080:
                raise ValueError(f"a weekly restriction lasts at most 7d, got {self.duration:g} minutes")
        return self


class Layer(Spec):
    """People taking turns of equal length from a start instant (a PagerDuty schedule layer)."""

    name: str = ""
    people: list[Identifier] = Field(min_length=1)
    start: LocalDateTime
    turn: Duration
    handoff_time: TimeOfDay | None = None
    end: LocalDateTime | None = None
    time_zone: TimeZoneName | None = None
    restrictions: list[Restriction] = []


class Override(Spec):
    """Someone on call in place of the schedule between two instants."""

    start: LocalDateTime
    end: LocalDateTime
    person: Identifier

    @model_validator(mode="after")
    def _ordered(self) -> Override:
        if self.end.tzinfo is None and self.start.tzinfo is None and self.end <= self.start:
            raise ValueError(f"end {self.end.isoformat()} is not after start {self.start.isoformat()}")
        return self


@cache
def _supported_countries() -> dict[str, list[str]]:
    return dict(holidays.list_supported_countries())


class HolidayCover(Spec):
    """On the public holidays of a country (and subdivision), the cover person is on call all day."""

    country: str
    subdivision: str | None = None
    cover: Identifier

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if value not in _supported_countries():
            raise ValueError(
                f"unknown holiday country '{value}'{did_you_mean(value, _supported_countries())}; "
                "use an ISO 3166 code such as GB, US or DE"
            )
        return value

    @model_validator(mode="after")
    def _known_subdivision(self) -> HolidayCover:
        subdivisions = _supported_countries()[self.country]
        if self.subdivision is not None and self.subdivision not in subdivisions:
            raise ValueError(
                f"unknown subdivision '{self.subdivision}' of {self.country}"
                f"{did_you_mean(self.subdivision, subdivisions)}; known: {', '.join(subdivisions) or 'none'}"
            )
        return self


class RotationLevel(Spec):
    """One level of a rotation (primary, secondary, …): layers, holiday cover and overrides."""

    layers: list[Layer] = Field(min_length=1)
    overrides: list[Override] = []
    holidays: HolidayCover | None = None


class Rotation(Spec):
    """An on-call rotation with one or more levels."""

    id: Identifier
    name: str = ""
    time_zone: TimeZoneName | None = None
    levels: dict[Identifier, RotationLevel] = Field(min_length=1)


TargetKind = Literal["rotation", "person", "team", "next_on_call", "pool"]
_TARGET_KINDS: tuple[TargetKind, ...] = ("rotation", "person", "team", "next_on_call", "pool")


class Target(Spec):
    """Who a level pages: exactly one of rotation, person, team, next_on_call or pool."""

    rotation: Identifier | None = None
    person: Identifier | None = None
    team: Identifier | None = None
    next_on_call: Identifier | None = None
    pool: Identifier | None = None
    level: Identifier | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Target:
        given = [k for k in _TARGET_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            found = ", ".join(given) or "none"
            raise ValueError(f"a target names exactly one of {', '.join(_TARGET_KINDS)}; found {found}")
        if self.level is not None and given[0] not in ("rotation", "next_on_call"):
            raise ValueError("level applies only to rotation and next_on_call targets")
        return self

    @cached_property
    def kind(self) -> TargetKind:
        """Which kind of target this is."""
        return next(k for k in _TARGET_KINDS if getattr(self, k) is not None)

    @cached_property
    def ref(self) -> str:
        """The id the target refers to (a rotation, person or team)."""
        value = getattr(self, self.kind)
        assert isinstance(value, str)
        return value

    @property
    def rotation_level(self) -> str:
        """The rotation level paged by a rotation or next_on_call target."""
        return self.level or "primary"


class Condition(Spec):
    """A level applies only for these tiers, weekdays and local time window."""

    tiers: list[Identifier] | None = None
    days: list[Weekday] | None = None
    window: Window | None = None
    time_zone: TimeZoneName | None = None


OnEmpty = Literal["skip", "wait", "hold"]


class EscalationLevel(Spec):
    """One step of a chain: page the targets, then move on after the delay if nobody acknowledges."""

    name: str = ""
    targets: list[Target] = Field(min_length=1)
    delay: Duration = 30
    when: Condition | None = None
    on_empty: OnEmpty | None = None
    assignment: Literal["all", "round_robin"] = "all"


class Backstop(Spec):
    """Paged once every level and repeat has gone unacknowledged."""

    targets: list[Target] = Field(min_length=1)


class EscalationChain(Spec):
    """An escalation policy: ordered levels, repeats and a backstop."""

    id: Identifier
    name: str = ""
    time_zone: TimeZoneName | None = None
    levels: list[EscalationLevel] = Field(min_length=1)
    repeat: Annotated[int, Field(ge=0, le=20)] = 0
    repeat_from: Annotated[int, Field(ge=1)] = 1
    backstop: Backstop | None = None
    on_empty: OnEmpty = "skip"
    stop_on: Literal["acknowledge", "resolve"] = "acknowledge"
    repage_after: Duration | None = None

    @model_validator(mode="after")
    def _repeat_from_exists(self) -> EscalationChain:
        if self.repeat_from > len(self.levels):
            raise ValueError(f"repeat_from is level {self.repeat_from} but the chain has {len(self.levels)} levels")
        return self


class Route(Spec):
    """Send matching incidents to a chain; the first matching route wins, one without matchers catches all."""

    chain: Identifier
    services: list[Identifier] | None = None
    teams: list[Identifier] | None = None
    tiers: list[Identifier] | None = None
    incident_types: list[Identifier] | None = None


class TierMobilization(Spec):
    """Roles paged at declaration for a tier, and roles paged only when the commander asks."""

    page: list[Role] = []
    on_request: list[Role] = []


class Mobilization(Spec):
    """Where each role comes from and which roles each tier mobilises."""

    roles: dict[Literal["incident_commander", "comms_lead", "customer_liaison", "security"], Target] = {}
    tech_leads: dict[Identifier, Target] = {}
    tiers: dict[Identifier, TierMobilization] = {}


class EscalationTrigger(Spec):
    """Act when a milestone is at risk (a fraction of its SLA, or a fixed time) or progress stalls."""

    id: Identifier
    tiers: list[Identifier] | None = None
    not_reached: Literal["acknowledge", "mobilize", "identify", "contain", "recover"] | None = None
    at_fraction: Annotated[float, Field(gt=0, le=1)] | None = None
    after: Duration | None = None
    stalled_for: Duration | None = None
    action: Literal["next_level", "page", "repage"]
    targets: list[Target] = []

    @model_validator(mode="after")
    def _shape(self) -> EscalationTrigger:
        risk = self.not_reached is not None
        if risk == (self.stalled_for is not None):
            raise ValueError("give exactly one of not_reached (with at_fraction or after) or stalled_for")
        if not risk and (self.at_fraction is not None or self.after is not None):
            raise ValueError("at_fraction and after go with not_reached; stalled_for needs neither")
        if risk and (self.at_fraction is None) == (self.after is None):
            raise ValueError("not_reached needs exactly one of at_fraction or after")
        if self.action == "page" and not self.targets:
            raise ValueError("action page needs targets")
        return self


class Briefing(Spec):
    """The cost of briefing a receiver, and the context lost when the briefing is skipped."""

    cost: Distribution = Fixed(value=5)
    probability: Probability = 1.0
    context_loss: Probability = 0.3


class ShiftChange(Spec):
    """What a responder does when their shift ends mid-incident."""

    mode: Literal["stay_until_contained", "stay_until_resolved", "hand_off"] = "stay_until_contained"
    overtime_cap: Duration = 120


class Handoffs(Spec):
    """Checkpoints where responsibility moves, briefing and shift-change rules."""

    checkpoints: list[Literal["contained", "hypothesis_tested"]] = []
    briefing: Briefing = Briefing()
    shift_change: ShiftChange = ShiftChange()


class Correlation(Spec):
    """Whether symptom alerts are correlated to the root cause, and how often correctly."""

    enabled: bool = True
    accuracy: Probability = 0.9


class Communications(Spec):
    """Status-update work: by the comms lead, or by the commander at a cost to their own work."""

    update_cost: Distribution = Fixed(value=5)
    commander_slowdown: Annotated[float, Field(ge=0, le=1)] = 0.25


class Cost(Spec):
    """Dispatch's engagement-weighted cost model."""

    hourly_rate: Annotated[float, Field(gt=0)] = 50_000 / 2_080
    multipliers: dict[Role, Annotated[float, Field(ge=0)]] = {
        "incident_commander": 1.0,
        "comms_lead": 0.75,
        "customer_liaison": 0.75,
        "tech_lead": 0.5,
        "security": 0.5,
    }


class Policy(Spec):
    """A response policy to play a scenario against."""

    kind: Literal["policy"]
    id: Identifier
    name: str
    description: str = ""
    scenario: Identifier | None = None
    time_zone: TimeZoneName = "UTC"
    tiers: list[Tier] = Field(min_length=1)
    rotations: list[Rotation] = []
    escalation_chains: list[EscalationChain] = Field(min_length=1)
    routing: list[Route] = Field(min_length=1)
    mobilization: Mobilization = Mobilization()
    escalation_triggers: list[EscalationTrigger] = []
    handoffs: Handoffs = Handoffs()
    correlation: Correlation = Correlation()
    communications: Communications = Communications()
    preemption: bool = False
    cost: Cost | None = None
