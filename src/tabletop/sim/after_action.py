"""The after-action report and improvement plan (AAR/IP) of a drill, in Markdown and self-contained HTML.

:func:`after_action` reads a finished (or ended) drill into an :class:`AfterAction`: the
overview, objectives with their P/S/M/U ratings and the expected actions behind them, the
timeline, SLA clocks, handoff delays, strengths, areas for improvement and the
improvement plan. It also replays the drill's scenario, policy and seed with the engine
in every seat (the *ghost run*) so the players' times can be set against the policy's
own. :meth:`AfterAction.write` renders it with the block model the experiment report
uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from tabletop.sim.document_blocks import (
    Block,
    Bullets,
    Cell,
    Heading,
    Paragraph,
    Table,
    counted,
    prose_list,
    render_html,
    render_markdown,
)
from tabletop.sim.drill import Drill, DrillEvent, Improvement, SlaClock
from tabletop.sim.inject_timeline import ActionRating, ExpectedActionResult, ObjectiveRating
from tabletop.sim.seats import seat_names, seat_title
from tabletop.spec.fields import format_duration, zone

#: Days after the scenario date that a proposed corrective action is due.
IMPROVEMENT_DAYS = 30
#: The ghost run goes on at most this long past the scenario horizon waiting for its first incident to resolve.
GHOST_OVERRUN = 1440.0
#: HSEEP's meaning of each rating.
RATING_MEANING: dict[ObjectiveRating, str] = {
    "P": "performed without challenges",
    "S": "performed with some challenges",
    "M": "performed with major challenges",
    "U": "unable to be performed",
}
#: What to change when an expected action was missed or late, by action.
_ACTION_ADVICE = {
    "acknowledge": "Check that the {who} is reachable out of hours (notification rules, a second device) "
    "and that the first escalation delay is short enough",
    "escalate": "Agree when the {who} escalates an unanswered or stuck page, and write the rule into the runbook",
    "page": "Give the {who} a list of whom to page for help, and when, in the runbook",
    "assume_role": "Make the first qualified responder assume {who} at once, and say so in the incident channel",
    "assign_role": "Have the incident commander assign the open roles in the first minutes, from a checklist",
    "hand_off": "Use a written handoff template (state, what was done, what is left, open risks) for the {who}",
    "post_internal_update": "Give the {who} an internal update template and a cadence reminder",
    "post_external_update": "Prepare status-page templates for the {who} so the first external update goes out fast",
    "invite_customer": "Agree when the {who} brings an enterprise customer onto the bridge",
    "choose": "Write down the decision options and who decides them in the runbook, so the {who} can decide fast",
    "note": "Have the {who} log secondary impacts (jobs, deadlines) in the incident channel as they appear",
}
#: What to change when an SLA target was breached, by metric.
_SLA_ADVICE = {
    "acknowledge": "Shorten the time to acknowledge: check the on-call notification settings and the first "
    "escalation delay of the {tier} chain",
    "mobilize": "Mobilise faster: page the commander and every needed tech lead together for {tier} incidents",
    "identify": "Speed up diagnosis: link runbooks and dashboards from the alert and bring in the domain tech "
    "lead early",
    "contain": "Agree the containment options and who decides them in advance, so {tier} containment does not "
    "wait on a decision",
    "recover": "Plan recovery work and staffing so {tier} incidents recover within the target; relieve tired "
    "responders in time",
}
_ACTION_TONE: dict[ActionRating, str] = {"done": "better", "late": "miss", "missed": "worse", "pending": ""}


@dataclass(frozen=True)
class SeatPlay:
    """One seat of the drill: whether people or the engine played it, and as whom."""

    seat: str
    played: bool
    #: Display names of the people who held the seat, in the order they took it.
    people: tuple[str, ...]


@dataclass(frozen=True)
class ActionReview:
    """An expected action's result with its times on the scenario clock."""

    result: ExpectedActionResult
    deadline: str
    #: When it was done on the scenario clock; empty if not done.
    done_at: str


@dataclass(frozen=True)
class ObjectiveReview:
    """An exercise objective with its rating and the expected actions it was rated from."""

    id: str
    title: str
    #: The facilitator's rating, else the proposed one; None when nothing was settled.
    rating: ObjectiveRating | None
    proposed: bool
    comment: str
    actions: tuple[ActionReview, ...]


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline: an event shown to the players or a facilitator observation."""

    minute: float
    clock: str
    kind: str
    seen_by: str
    text: str


@dataclass(frozen=True)
class IncidentSla:
    """The SLA clocks of one incident."""

    incident: int
    name: str
    tier: str
    clocks: tuple[SlaClock, ...]


@dataclass(frozen=True)
class HandoffDelay:
    """One handoff: why, of which role, between whom, and how long the receiver took to take over."""

    incident: int
    reason: str
    role: str
    sender: str
    receiver: str
    briefed: bool
    #: Minutes from the handoff to acceptance; None if not accepted when the drill ended.
    delay: float | None


@dataclass(frozen=True)
class AreaForImprovement:
    """A missed or late expected action or a breached SLA target, with what to do about it."""

    objective: str
    owner: str
    observation: str
    analysis: str
    recommendation: str


@dataclass(frozen=True)
class GhostComparison:
    """One SLA clock of the drill next to the same clock in the ghost run."""

    incident: int
    metric: str
    target: float | None
    drill: SlaClock
    #: None when the ghost run had no such incident.
    ghost: SlaClock | None

    @property
    def difference(self) -> float | None:
        """Drill minus ghost in minutes (negative: the players were faster), when both reached the milestone."""
        if self.ghost is None or not (self.drill.reached and self.ghost.reached):
            return None
        return self.drill.elapsed - self.ghost.elapsed


@dataclass(frozen=True)
class GhostRun:
    """The drill's scenario, policy and seed played by the policy alone, compared clock by clock."""

    #: Scenario minute the ghost run was played to.
    minute: float
    comparisons: tuple[GhostComparison, ...]
    verdict: str


@dataclass(frozen=True)
class AfterAction:
    """Everything the after-action report says, as data (for the hot-wash screen and tests)."""

    scenario: str
    scenario_name: str
    description: str
    #: Local date and start time of the scenario, e.g. "Wednesday 6 January 2027, 03:00 (Europe/London)".
    starts: str
    minutes_played: float
    #: Scenario clock time the drill reached, e.g. "04:25".
    ends: str
    ended: bool
    seed: int
    policy: str
    seats: tuple[SeatPlay, ...]
    objectives: tuple[ObjectiveReview, ...]
    timeline: tuple[TimelineEntry, ...]
    sla: tuple[IncidentSla, ...]
    handoffs: tuple[HandoffDelay, ...]
    strengths: tuple[str, ...]
    areas: tuple[AreaForImprovement, ...]
    #: The facilitator's corrective actions, then one proposed for each area for improvement (identical ones once).
    plan: tuple[Improvement, ...]
    #: How many of ``plan``'s entries come from the facilitator (the rest are proposed).
    planned_by_facilitator: int
    ghost: GhostRun

    @property
    def title(self) -> str:
        """The report's title."""
        return f"After-action report: {self.scenario_name}"

    def blocks(self) -> list[Block]:
        """The report as document blocks, section by section."""
        return [
            *_overview_section(self),
            *_objectives_section(self),
            *_strengths_section(self),
            *_improvement_section(self),
            *_sla_section(self),
            *_ghost_section(self),
            *_handoff_section(self),
            *_timeline_section(self),
        ]

    def write(self, out: Path) -> tuple[Path, Path]:
        """Write ``after-action.md`` and ``after-action.html`` into the folder ``out``; return both paths."""
        out.mkdir(parents=True, exist_ok=True)
        blocks = self.blocks()
        markdown, page = out / "after-action.md", out / "after-action.html"
        markdown.write_text(render_markdown(blocks), encoding="utf-8")
        page.write_text(render_html(self.title, blocks), encoding="utf-8")
        return markdown, page


def write_after_action(drill: Drill, out: Path) -> tuple[Path, Path]:
    """Write the drill's after-action report into the folder ``out``: (``after-action.md``, ``after-action.html``)."""
    return after_action(drill).write(out)


def after_action(drill: Drill) -> AfterAction:
    """Read a finished or ended drill into its after-action report, playing the ghost run on the way."""
    scenario = drill.scenario
    start = drill.world.clock.local(0, zone(scenario.time_zone))
    ghost = ghost_run(drill)
    sla = tuple(
        IncidentSla(i.number, i.kind.name or i.kind.id, i.record.tier, tuple(drill.sla_clocks(i)))
        for i in drill.incidents
    )
    comparisons = _comparisons(sla, ghost)
    objectives = _objectives(drill)
    due = (start.date() + timedelta(days=IMPROVEMENT_DAYS)).isoformat()
    handoffs = _handoffs(drill)
    areas = (*_action_areas(drill, objectives), *_sla_areas(sla, comparisons, handoffs))
    # Areas with the same recommendation for the same owner and objective need one corrective action.
    proposed = tuple(dict.fromkeys(Improvement(a.objective, a.recommendation, a.owner, due) for a in areas))
    return AfterAction(
        scenario=scenario.id,
        scenario_name=scenario.name,
        description=(scenario.description or "").strip(),
        starts=f"{start:%A} {start.day} {start:%B %Y, %H:%M} ({scenario.time_zone})",
        minutes_played=drill.now,
        ends=drill.clock_text(drill.now),
        ended=drill.ended,
        seed=drill.setup.seed,
        policy=f"{drill.policy.id}: {drill.policy.name}" if drill.policy.name else drill.policy.id,
        seats=_seats(drill),
        objectives=objectives,
        timeline=_timeline(drill),
        sla=sla,
        handoffs=handoffs,
        strengths=_strengths(objectives, sla),
        areas=areas,
        plan=(*drill.improvements, *proposed),
        planned_by_facilitator=len(drill.improvements),
        ghost=GhostRun(ghost.now, comparisons, _verdict(comparisons)),
    )


def ghost_run(drill: Drill) -> Drill:
    """The drill's scenario, policy and seed with the engine in every seat (first decision options).

    It is played to the minute the drill reached and on until its first incident resolves,
    but not past the scenario horizon plus :data:`GHOST_OVERRUN`.
    """
    ghost = Drill(drill.scenario, drill.policy, replace(drill.setup, played=()))
    ghost.advance(drill.now)
    cap = drill.world.horizon + GHOST_OVERRUN
    while ghost.now < cap and not (ghost.incidents and not math.isnan(ghost.incidents[0].record.resolved)):
        upcoming = ghost.next_event_time()
        if upcoming is None:
            break
        ghost.advance(min(upcoming, cap), inclusive=True)
    return ghost


# --- reading the drill ------------------------------------------------------------------------------------


def _seats(drill: Drill) -> tuple[SeatPlay, ...]:
    return tuple(
        SeatPlay(seat, drill.seats.plays(seat), tuple(drill.person_name(p) for p in drill.held.get(seat, ())))
        for seat in seat_names(drill.scenario)
    )


def _objectives(drill: Drill) -> tuple[ObjectiveReview, ...]:
    objective_of = {inject.id: inject.objective for inject in drill.scenario.injects}
    results = drill.expected_results()
    proposed = drill.proposed_ratings()
    reviews = []
    for objective in drill.scenario.objectives:
        rating: ObjectiveRating | None
        if objective.id in drill.ratings:
            rating, comment = drill.ratings[objective.id]
        else:
            rating, comment = proposed.get(objective.id), ""
        actions = tuple(
            ActionReview(r, drill.clock_text(r.deadline), "" if r.done_at is None else drill.clock_text(r.done_at))
            for r in results
            if objective_of.get(r.inject_id) == objective.id
        )
        reviews.append(
            ObjectiveReview(objective.id, objective.title, rating, objective.id not in drill.ratings, comment, actions)
        )
    return tuple(reviews)


def _timeline(drill: Drill) -> tuple[TimelineEntry, ...]:
    played = drill.played_seats()
    return tuple(
        TimelineEntry(event.minute, drill.clock_text(event.minute), event.kind, _audience(event), _first_line(event))
        for event in drill.events
        if event.kind == "observation" or any(event.visible_to(seat) for seat in played)
    )


def _audience(event: DrillEvent) -> str:
    if "all" in event.to:
        return "everyone"
    return ", ".join(seat_title(seat) for seat in event.to)


def _first_line(event: DrillEvent) -> str:
    return event.text.strip().split("\n", 1)[0]


def _handoffs(drill: Drill) -> tuple[HandoffDelay, ...]:
    return tuple(
        HandoffDelay(
            record.incident,
            record.reason.replace("_", " "),
            seat_title(record.role),
            drill.person_name(record.sender) if record.sender else "nobody",
            drill.person_name(record.receiver),
            record.briefed,
            None if math.isnan(record.accepted) else record.delay,
        )
        for record in drill.world.records.handoffs
    )


def _action_text(result: ExpectedActionResult) -> str:
    return f"the {seat_title(result.who)} to {result.action.replace('_', ' ')}"


def _strengths(objectives: Sequence[ObjectiveReview], sla: Sequence[IncidentSla]) -> tuple[str, ...]:
    found = [
        f"{action.result.inject_id}: expected {_action_text(action.result)} by {action.deadline}; "
        f"done at {action.done_at}."
        for objective in objectives
        for action in objective.actions
        if action.result.rating == "done"
    ]
    found += [
        f"Incident {incident.incident}: {clock.metric} in {format_duration(clock.elapsed)}, "
        f"within the {format_duration(clock.target)} {incident.tier} target."
        for incident in sla
        for clock in incident.clocks
        if clock.state == "met" and clock.target is not None
    ]
    return tuple(found)


def _action_areas(drill: Drill, objectives: Sequence[ObjectiveReview]) -> list[AreaForImprovement]:
    injects = {inject.id: inject for inject in drill.scenario.injects}
    delivered = {d.inject.id: d.delivered_at for d in drill.timeline.deliveries}
    areas = []
    for objective in objectives:
        rated = f" Objective {objective.id} is rated {objective.rating}." if objective.rating else ""
        for action in objective.actions:
            result = action.result
            if result.rating not in ("late", "missed"):
                continue
            sent = delivered[result.inject_id]
            headline = injects[result.inject_id].synopsis or result.inject_id
            expected = (
                f"{result.inject_id} ({headline}), sent at {drill.clock_text(sent)}: "
                f"expected {_action_text(result)} by {action.deadline}"
            )
            if result.done_at is not None:
                late = format_duration(result.done_at - result.deadline)
                observation = f"{expected}; done at {action.done_at}, {late} late."
            else:
                observation = f"{expected}; not done."
            advice = _ACTION_ADVICE.get(result.action, "Practise this step for the {who} in the next drill")
            areas.append(
                AreaForImprovement(
                    objective.id,
                    seat_title(result.who),
                    observation,
                    _window_analysis(drill, result.who, sent, result.deadline) + rated,
                    advice.format(who=seat_title(result.who)) + ".",
                )
            )
    return areas


def _window_analysis(drill: Drill, role: str, start: float, end: float) -> str:
    """What the role did instead while the expected action was due: busy elsewhere, or idle."""
    done = [
        f"{action.replace('_', ' ')} at {drill.clock_text(minute)}"
        for minute, who, action in drill.actions
        if who == role and start <= minute <= end
    ]
    window = f"Between {drill.clock_text(start)} and {drill.clock_text(end)} the {seat_title(role)}"
    return f"{window} took no action." if not done else f"{window} did: {prose_list(done)}."


def _sla_areas(
    sla: Sequence[IncidentSla], comparisons: Sequence[GhostComparison], handoffs: Sequence[HandoffDelay]
) -> list[AreaForImprovement]:
    ghosts = {(c.incident, c.metric): c.ghost for c in comparisons}
    areas = []
    for incident in sla:
        for clock in incident.clocks:
            if clock.state != "breached" or clock.target is None:
                continue
            taken = (
                f"took {format_duration(clock.elapsed)} to {clock.metric}"
                if clock.reached
                else f"had not reached {clock.metric} after {format_duration(clock.elapsed)}"
            )
            target = format_duration(clock.target)
            observation = f"Incident {incident.incident} ({incident.tier}) {taken}; the target is {target}."
            analysis = _ghost_analysis(ghosts.get((incident.incident, clock.metric)))
            own = [h for h in handoffs if h.incident == incident.incident]
            if own:
                waited = sum(h.delay or 0.0 for h in own)
                count = counted(len(own), "handoff")
                analysis += f" The incident had {count}, {format_duration(waited)} of handoff delay."
            advice = _SLA_ADVICE.get(clock.metric, "Review what held up {tier} incidents")
            areas.append(
                AreaForImprovement(
                    "",
                    seat_title("incident_commander"),
                    observation,
                    analysis,
                    advice.format(tier=incident.tier) + ".",
                )
            )
    return areas


def _ghost_analysis(ghost: SlaClock | None) -> str:
    """Whether the policy alone would have met the target: it tells the players' delay from the policy's."""
    if ghost is None:
        return "The policy alone had no such incident to compare with."
    if not ghost.reached:
        return f"The policy alone had not reached it after {format_duration(ghost.elapsed)} either."
    took = f"The policy alone took {format_duration(ghost.elapsed)}"
    if ghost.state == "met":
        return f"{took} with the same seed and met the target, so the time was lost in the drill itself."
    return f"{took} with the same seed and breached it too, so the policy as it stands cannot meet it either."


def _comparisons(sla: Sequence[IncidentSla], ghost: Drill) -> tuple[GhostComparison, ...]:
    ghosts = {i.number: {c.metric: c for c in ghost.sla_clocks(i)} for i in ghost.incidents}
    return tuple(
        GhostComparison(
            incident.incident, clock.metric, clock.target, clock, ghosts.get(incident.incident, {}).get(clock.metric)
        )
        for incident in sla
        for clock in incident.clocks
    )


def _verdict(comparisons: Sequence[GhostComparison]) -> str:
    """One sentence: where the players beat the policy alone, where it beat them, and by how much."""
    several = len({c.incident for c in comparisons}) > 1
    beat: list[str] = []
    lost: list[str] = []
    level: list[str] = []
    only_players: list[str] = []
    only_ghost: list[str] = []
    for comparison in comparisons:
        label = f"incident {comparison.incident} {comparison.metric}" if several else comparison.metric
        difference = comparison.difference
        if difference is not None:
            minutes = round(abs(difference))
            by = f"{label} by {counted(minutes, 'minute')}"
            if minutes == 0:
                level.append(label)
            else:
                (beat if difference < 0 else lost).append(by)
        elif comparison.drill.reached:
            only_players.append(label)
        elif comparison.ghost is not None and comparison.ghost.reached:
            only_ghost.append(label)
    parts = []
    if beat:
        parts.append(f"the players beat the policy alone on {prose_list(beat)}")
    if lost:
        parts.append(f"the policy alone was faster on {prose_list(lost)}")
    if level:
        parts.append(f"they were level on {prose_list(level)}")
    if only_players:
        parts.append(f"only the players reached {prose_list(only_players)}")
    if only_ghost:
        parts.append(f"only the policy alone reached {prose_list(only_ghost)}")
    if not parts:
        return "Nothing to compare: no SLA milestone was reached."
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


# --- sections -------------------------------------------------------------------------------------------


def _overview_section(review: AfterAction) -> list[Block]:
    how = "ended by the facilitator" if review.ended else "still running when this report was written"
    settings = [
        ("scenario", f"{review.scenario}: {review.scenario_name}"),
        ("starts", review.starts),
        ("played", f"{format_duration(review.minutes_played, up=False)} of scenario time, to {review.ends} ({how})"),
        ("seed", str(review.seed)),
        ("policy", review.policy),
    ]
    seats = [
        [Cell(seat_title(s.seat)), Cell("players" if s.played else "engine"), Cell(", ".join(s.people) or "—")]
        for s in review.seats
    ]
    blocks: list[Block] = [Heading(1, review.title)]
    if review.description:
        blocks.append(Paragraph(review.description))
    return [
        *blocks,
        Heading(2, "Overview"),
        Table(["setting", "value"], [[Cell(k), Cell(v)] for k, v in settings]),
        Paragraph("Seats: who played each, and the people it held during the drill."),
        Table(["seat", "played by", "as"], seats),
    ]


def _rating_text(objective: ObjectiveReview) -> str:
    if objective.rating is None:
        return "not rated"
    return f"{objective.rating} ({RATING_MEANING[objective.rating]})" + (", proposed" if objective.proposed else "")


def _objectives_section(review: AfterAction) -> list[Block]:
    rows = [[Cell(o.id), Cell(o.title), Cell(_rating_text(o)), Cell(o.comment or "—")] for o in review.objectives]
    blocks: list[Block] = [
        Heading(2, "Objectives"),
        Paragraph(
            "P/S/M/U: performed without challenges, with some challenges, with major challenges, unable to be "
            "performed. A rating marked proposed comes from the expected actions of the played roles; the "
            "facilitator's hot-wash rating replaces it."
        ),
        Table(["objective", "title", "rating", "comment"], rows),
    ]
    for objective in review.objectives:
        if not objective.actions:
            continue
        actions = [
            [
                Cell(a.result.inject_id),
                Cell(seat_title(a.result.who)),
                Cell(a.result.action.replace("_", " ")),
                Cell(a.deadline),
                Cell(a.done_at or "—"),
                Cell(a.result.rating, tone=_ACTION_TONE[a.result.rating]),
            ]
            for a in objective.actions
        ]
        blocks += [
            Heading(3, f"{objective.id}: {objective.title}"),
            Table(["inject", "who", "action", "deadline", "done at", "result"], actions),
        ]
    return blocks


def _strengths_section(review: AfterAction) -> list[Block]:
    found = list(review.strengths) or ["No expected action was done on time and no SLA target was met."]
    return [
        Heading(2, "Strengths"),
        Paragraph("Expected actions the players did on time, and SLA targets met."),
        Bullets(found),
    ]


def _improvement_section(review: AfterAction) -> list[Block]:
    blocks: list[Block] = [
        Heading(2, "Areas for improvement"),
        Paragraph("Expected actions missed or done late, and SLA targets breached."),
    ]
    if not review.areas:
        blocks.append(Paragraph("None: every settled expected action was done on time and no SLA target breached."))
    for number, area in enumerate(review.areas, start=1):
        about = f"objective {area.objective}" if area.objective else "SLA"
        blocks += [
            Heading(3, f"{number}. {about}, {area.owner}"),
            Bullets(
                [
                    f"Observation: {area.observation}",
                    f"Analysis: {area.analysis}",
                    f"Recommendation: {area.recommendation}",
                ]
            ),
        ]
    rows = [
        [
            Cell(item.action),
            Cell(item.objective or "—"),
            Cell(item.owner),
            Cell(item.due),
            Cell("facilitator" if index < review.planned_by_facilitator else "proposed"),
        ]
        for index, item in enumerate(review.plan)
    ]
    blocks.append(Heading(2, "Improvement plan"))
    if not rows:
        return [*blocks, Paragraph("No corrective actions.")]
    return [
        *blocks,
        Paragraph(
            "The facilitator's corrective actions, then one proposed for each area for improvement (the same "
            f"action for the same owner once), due {IMPROVEMENT_DAYS} days after the scenario date."
        ),
        Table(["corrective action", "objective", "owner", "due", "source"], rows),
    ]


def _achieved(clock: SlaClock) -> str:
    if clock.reached:
        return format_duration(clock.elapsed)
    return f"not reached ({format_duration(clock.elapsed)} so far)"


def _result_cell(clock: SlaClock) -> Cell:
    state = clock.state
    if state == "met":
        return Cell("met", tone="better")
    if state == "breached":
        return Cell("breached", tone="worse")
    if state == "untargeted":
        return Cell("no target")
    left = clock.left
    return Cell(
        "open", "" if left is None else f"{format_duration(left, up=False)} left", "miss" if state == "warning" else ""
    )


def _sla_section(review: AfterAction) -> list[Block]:
    blocks: list[Block] = [
        Heading(2, "SLA clocks"),
        Paragraph("Each incident's times from detection against its tier's targets, as the drill left them."),
    ]
    if not review.sla:
        return [*blocks, Paragraph("No incident had started.")]
    for incident in review.sla:
        rows = [
            [
                Cell(clock.metric),
                Cell("—" if clock.target is None else format_duration(clock.target)),
                Cell(_achieved(clock)),
                _result_cell(clock),
            ]
            for clock in incident.clocks
        ]
        blocks += [
            Heading(3, f"Incident {incident.incident}: {incident.name} ({incident.tier})"),
            Table(["metric", "target", "achieved", "result"], rows) if rows else Paragraph("Not detected."),
        ]
    return blocks


def _clock_cell(clock: SlaClock | None) -> Cell:
    if clock is None:
        return Cell("—", "no such incident")
    return Cell(_achieved(clock), _result_cell(clock).text)


def _difference_cell(comparison: GhostComparison) -> Cell:
    difference = comparison.difference
    if difference is None:
        return Cell("—")
    minutes = round(difference)
    tone = "better" if minutes < 0 else "worse" if minutes > 0 else ""
    return Cell(f"{minutes:+d}".replace("-", "−"), tone=tone)


def _ghost_section(review: AfterAction) -> list[Block]:
    ghost = review.ghost
    rows = [
        [
            Cell(str(c.incident)),
            Cell(c.metric),
            Cell("—" if c.target is None else format_duration(c.target)),
            _clock_cell(c.drill),
            _clock_cell(c.ghost),
            _difference_cell(c),
        ]
        for c in ghost.comparisons
    ]
    blocks: list[Block] = [
        Heading(2, "Ghost run: the policy alone"),
        Paragraph(
            f"The same scenario, policy and seed played by the engine in every seat, taking the first option of "
            f"every decision, for {format_duration(ghost.minute, up=False)} of scenario time "
            "(until its first incident resolved, or at least as long as the drill). "
            "Difference: drill minus ghost in minutes; negative means the players were faster."
        ),
        Paragraph(ghost.verdict),
    ]
    if rows:
        blocks.append(Table(["incident", "metric", "target", "drill", "ghost", "difference (min)"], rows))
    return blocks


def _handoff_section(review: AfterAction) -> list[Block]:
    rows = [
        [
            Cell(str(h.incident)),
            Cell(h.reason),
            Cell(h.role),
            Cell(h.sender),
            Cell(h.receiver),
            Cell("yes" if h.briefed else "no"),
            Cell("not accepted" if h.delay is None else f"{h.delay:.1f}"),
        ]
        for h in review.handoffs
    ]
    blocks: list[Block] = [
        Heading(2, "Handoff delays"),
        Paragraph("Each handoff and the minutes until the receiver took over (after any briefing)."),
    ]
    if not rows:
        return [*blocks, Paragraph("No handoffs happened.")]
    return [*blocks, Table(["incident", "reason", "role", "from", "to", "briefed", "delay (min)"], rows)]


def _timeline_section(review: AfterAction) -> list[Block]:
    rows = [[Cell(e.clock), Cell(e.kind), Cell(e.seen_by), Cell(e.text)] for e in review.timeline]
    blocks: list[Block] = [
        Heading(2, "Timeline"),
        Paragraph(
            "What the players were shown, and the facilitator's observations, on the scenario clock "
            "(first line of each)."
        ),
    ]
    if not rows:
        return [*blocks, Paragraph("Nothing was shown to the players.")]
    return [*blocks, Table(["time", "kind", "seen by", "event"], rows)]
