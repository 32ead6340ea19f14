"""The world a scenario describes: teams, people, services, incident types and drill injects."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from tabletop.spec.distributions import Distribution, Exponential, Fixed, LogNormal, Triangular
from tabletop.spec.fields import (
    Duration,
    Identifier,
    Instant,
    Probability,
    Qualification,
    Role,
    Spec,
    TimeZoneName,
    parse_duration,
    read_datetime,
    require_offset,
    shown,
)
from tabletop.spec.suggest import did_you_mean
from tabletop.spec.windows import Window

PHASES = ("diagnose", "contain", "remediate", "verify")

_RELATIVE = re.compile(r"^\+\s*(\d+):([0-5]\d)$")


def parse_scenario_time(value: Any) -> str:
    """Check a scenario time: ``+HH:MM`` or ``+<duration>`` after the start, or an ISO instant."""
    if isinstance(value, datetime):
        return require_offset(value).isoformat()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("+"):
            if _RELATIVE.match(text):
                return text
            try:
                if parse_duration(text[1:]) >= 0:
                    return text
            except ValueError:
                pass
        else:
            try:
                if read_datetime(text, "").tzinfo is not None:
                    return text
            except ValueError:
                pass
    raise ValueError(
        f'{shown(value)} is not a scenario time; write "+HH:MM" after the start (e.g. "+00:15"), '
        'a duration after the start (e.g. "+2h") or an ISO date-time with offset'
    )


def scenario_offset(value: str, start: datetime) -> float:
    """Minutes after ``start`` of a scenario time accepted by :func:`parse_scenario_time`."""
    if value.startswith("+"):
        match = _RELATIVE.match(value)
        if match:
            return int(match[1]) * 60 + int(match[2])
        return parse_duration(value[1:])
    return (datetime.fromisoformat(value) - start) / timedelta(minutes=1)


#: A point in scenario time: ``"+00:15"``, ``"+2h"`` or ``"2027-01-04T03:00:00Z"``.
ScenarioTime = Annotated[
    str,
    BeforeValidator(parse_scenario_time),
    WithJsonSchema({"type": "string", "examples": ["+00:15", "+2h", "2027-01-04T03:00:00Z"]}),
]


class ResponseContext(Spec):
    """How a person answers a page in one context; unset fields keep the built-in default."""

    ack: Distribution | None = None
    miss: Probability | None = None


class ResponsivenessProfile(Spec):
    """Acknowledgement delay and miss probability at work, off hours and asleep."""

    description: str = ""
    work: ResponseContext = ResponseContext()
    off_hours: ResponseContext = ResponseContext()
    sleep: ResponseContext = ResponseContext()
    #: Extra acknowledgement delay per interruption in the previous 24 hours, as a fraction.
    fatigue_per_interruption: Annotated[float, Field(ge=0, le=1)] | None = None


#: Built-in responder behaviour (the README says how it was chosen); a profile overrides any part of it.
DEFAULT_RESPONSE: dict[str, ResponseContext] = {
    "work": ResponseContext(ack=LogNormal(median=2, p90=6), miss=0.02),
    "off_hours": ResponseContext(ack=LogNormal(median=5, p90=15), miss=0.05),
    "sleep": ResponseContext(ack=LogNormal(median=10, p90=25), miss=0.15),
}
DEFAULT_FATIGUE_PER_INTERRUPTION = 0.05


class Team(Spec):
    """A team that owns services and answers for one domain."""

    id: Identifier
    name: str = ""
    domain: Identifier
    members: list[Identifier] = Field(min_length=1)
    manager: Identifier | None = None


class Person(Spec):
    """Someone who can be paged, with their own time zone and habits."""

    id: Identifier
    name: str
    time_zone: TimeZoneName
    working_hours: Window = Window.model_validate(
        {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
    )
    sleep: Window = Window.model_validate({"start": "23:00", "end": "07:00"})
    qualifications: list[Qualification] = []
    responsiveness: Identifier = "default"
    #: Personal overrides on top of the named profile.
    response: ResponsivenessProfile | None = None


class Service(Spec):
    """A service with an owning team, a criticality tier and the services it depends on."""

    id: Identifier
    name: str = ""
    owner: Identifier
    tier: Identifier
    depends_on: list[Identifier] = []
    customer_facing: bool = False
    enterprise_customers: list[str] = []
    #: Whether monitoring watches this service; faults here are otherwise found by customers.
    monitored: bool = True


class WeightedWindow(Window):
    """A window of the week with a relative incident rate."""

    weight: Annotated[float, Field(ge=0)]


_PRESETS: dict[str, dict[str, Any]] = {
    "flat": {"baseline": 1.0},
    "business_hours": {
        "baseline": 0.4,
        "windows": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00", "weight": 2.5}],
    },
    "deploy_hours": {
        "baseline": 0.5,
        "windows": [{"days": ["mon", "tue", "wed", "thu"], "start": "10:00", "end": "16:00", "weight": 3.0}],
    },
    "evening_peak": {
        "baseline": 0.7,
        "windows": [{"start": "18:00", "end": "23:00", "weight": 2.0}],
    },
}


def _preset(value: Any) -> Any:
    if isinstance(value, str):
        if value not in _PRESETS:
            raise ValueError(
                f"unknown profile '{value}'{did_you_mean(value, _PRESETS)}; presets: {', '.join(_PRESETS)}"
            )
        return _PRESETS[value]
    return value


class HourOfWeek(Spec):
    """How the incident rate varies over the week, in the scenario's time zone.

    The weight of an hour is the largest weight of the windows covering it, else the
    baseline; weights are normalised so that the weekly rate is unchanged.
    """

    baseline: Annotated[float, Field(ge=0)] = 1.0
    windows: list[WeightedWindow] = []

    def weights(self) -> list[float]:
        """168 hourly multipliers, Monday 00:00 first, averaging 1."""
        monday = datetime(2024, 1, 1)  # a Monday; only weekday and wall-clock time matter
        raw = []
        for hour in range(168):
            local = monday + timedelta(hours=hour, minutes=30)
            covering = [w.weight for w in self.windows if w.contains(local)]
            raw.append(max(covering) if covering else self.baseline)
        total = sum(raw)
        if total <= 0:
            raise ValueError("the hour-of-week profile has no weight anywhere; give some window a positive weight")
        return [168 * w / total for w in raw]

    @model_validator(mode="after")
    def _some_weight(self) -> HourOfWeek:
        self.weights()
        return self


#: An hour-of-week profile: a preset name or a mapping with baseline and windows.
HourOfWeekProfile = Annotated[
    HourOfWeek,
    BeforeValidator(_preset),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "enum": list(_PRESETS)},
                {
                    "type": "object",
                    "properties": {"baseline": {"type": "number"}, "windows": {"type": "array"}},
                    "additionalProperties": False,
                },
            ]
        }
    ),
]


class Detection(Spec):
    """How a fault comes to light: monitoring after a delay, else a customer report.

    ``monitored`` is the chance that monitoring catches the fault in a monitored root
    service; symptoms in monitored dependent services are always seen.
    """

    monitored: Probability = 1.0
    delay: Distribution = Fixed(value=2)
    customer_report_delay: Distribution = Exponential(mean=30)


class PhaseWork(Spec):
    """Hands-on work per response phase, per domain; a phase ends when all its domains finish."""

    diagnose: dict[Identifier, Distribution] = {}
    contain: dict[Identifier, Distribution] = {}
    remediate: dict[Identifier, Distribution] = {}
    verify: dict[Identifier, Distribution] = {}

    def phase(self, name: str) -> dict[str, Distribution]:
        """The work of one phase by domain."""
        work: dict[str, Distribution] = getattr(self, name)
        return work


class IncidentType(Spec):
    """A kind of incident: how often, where it starts, who it needs and how long it takes."""

    id: Identifier
    name: str = ""
    rate_per_week: Annotated[float, Field(gt=0)] | None = None
    times: list[ScenarioTime] | None = None
    hour_of_week: HourOfWeekProfile = HourOfWeek()
    root_service: Identifier | None = None
    root_services: dict[Identifier, Annotated[float, Field(gt=0)]] | None = None
    tier: Identifier | None = None
    domains: list[Identifier] = Field(min_length=1)
    detection: Detection = Detection()
    work: PhaseWork
    security: bool = False
    customer_impact: Literal["none", "degraded", "outage"] = "degraded"
    review: Distribution = Triangular(low=1440, mode=4320, high=10080)
    #: How long the owner of a symptom alert takes to see that the cause lies in another service.
    triage: Distribution = Fixed(value=10)

    @model_validator(mode="after")
    def _arrivals_and_root(self) -> IncidentType:
        if (self.rate_per_week is None) == (self.times is None):
            raise ValueError("give exactly one of rate_per_week (random arrivals) or times (scripted arrivals)")
        if (self.root_service is None) == (self.root_services is None):
            raise ValueError("give exactly one of root_service or root_services (a weighted choice)")
        return self

    def root_weights(self) -> dict[str, float]:
        """Root services with their relative weights."""
        if self.root_services is not None:
            return dict(self.root_services)
        assert self.root_service is not None
        return {self.root_service: 1.0}


class Objective(Spec):
    """An exercise objective that injects and expected actions are evaluated against."""

    id: Identifier
    title: str
    description: str = ""
    capability: str = ""


Action = Literal[
    "acknowledge",
    "escalate",
    "page",
    "assume_role",
    "assign_role",
    "hand_off",
    "post_internal_update",
    "post_external_update",
    "invite_customer",
    "declare_identified",
    "declare_contained",
    "declare_recovered",
    "declare_resolved",
    "choose",
    "note",
]
Milestone = Literal["acknowledged", "mobilized", "identified", "contained", "recovered", "resolved"]


class ExpectedAction(Spec):
    """What a role is expected to do after an inject, and how soon."""

    who: Role
    action: Action
    within: Duration


class Effect(Spec):
    """A change to the world caused by a decision."""

    kind: Literal["add_work", "scale_work", "start_incident", "customer_escalates", "page_role"]
    phase: Literal["diagnose", "contain", "remediate", "verify"] | None = None
    domain: Identifier | None = None
    minutes: Duration | None = None
    factor: Annotated[float, Field(gt=0)] | None = None
    incident_type: Identifier | None = None
    role: Role | None = None

    @model_validator(mode="after")
    def _parameters(self) -> Effect:
        needs = {
            "add_work": ("phase", "minutes"),
            "scale_work": ("phase", "factor"),
            "start_incident": ("incident_type",),
            "customer_escalates": (),
            "page_role": ("role",),
        }[self.kind]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"effect '{self.kind}' needs {', '.join(missing)}")
        return self


class DecisionOption(Spec):
    """One choice at a decision point, with its effects."""

    id: Identifier
    label: str
    effects: list[Effect] = []


class Decision(Spec):
    """A decision gate put to a role by an inject."""

    prompt: str
    options: list[DecisionOption] = Field(min_length=2)


class InjectTrigger(Spec):
    """Fire an inject when a milestone is (or is not) reached some time after detection."""

    not_reached: Milestone | None = None
    reached: Milestone | None = None
    after: Duration = 1

    @model_validator(mode="after")
    def _one_condition(self) -> InjectTrigger:
        if (self.not_reached is None) == (self.reached is None):
            raise ValueError("give exactly one of reached or not_reached")
        return self


#: Who an inject is delivered to: a role, everyone, or the facilitator alone.
Recipient = Literal[Role, "all", "facilitator"]


class Inject(Spec):
    """A Master Scenario Events List entry."""

    id: Identifier
    at: ScenarioTime | None = None
    trigger: InjectTrigger | None = None
    contingency: bool = False
    channel: Literal["page", "chat", "email", "phone", "bridge", "status_page", "ticket", "news", "customer"]
    sender: str = Field("", alias="from")
    to: list[Recipient] = Field(min_length=1)
    synopsis: str = ""
    message: str
    expected_actions: list[ExpectedAction] = []
    objective: Identifier | None = None
    facilitator_notes: str = ""
    decision: Decision | None = None

    @model_validator(mode="after")
    def _when(self) -> Inject:
        timings = sum(x is not None for x in (self.at, self.trigger))
        if self.contingency and timings:
            raise ValueError("a contingency inject is held off the timeline; remove at/trigger or contingency")
        if not self.contingency and timings != 1:
            raise ValueError("give exactly one of at (a scenario time) or trigger, or mark it contingency: true")
        return self


class Scenario(Spec):
    """A world to play incidents in."""

    kind: Literal["scenario"]
    id: Identifier
    name: str
    description: str = ""
    start: Instant
    horizon: Duration = 28 * 1440
    time_zone: TimeZoneName = "UTC"
    propagation_delay: Distribution = Fixed(value=2)
    responsiveness_profiles: dict[Identifier, ResponsivenessProfile] = {}
    teams: list[Team] = Field(min_length=1)
    people: list[Person] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)
    incident_types: list[IncidentType] = Field(min_length=1)
    objectives: list[Objective] = []
    injects: list[Inject] = []

    def person(self, person_id: str) -> Person:
        """The person with this id."""
        return next(p for p in self.people if p.id == person_id)

    def domains(self) -> dict[str, list[str]]:
        """Team ids by domain."""
        result: dict[str, list[str]] = {}
        for team in self.teams:
            result.setdefault(team.domain, []).append(team.id)
        return result
