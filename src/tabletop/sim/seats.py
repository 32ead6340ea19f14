"""Seats: the incident roles people play in a drill, and what the engine asks of them instead of deciding itself.

A seat is a role (``incident_commander``, ``comms_lead``, ``customer_liaison``,
``security``) or one domain's tech lead (``tech_lead:database``). The engine plays every
seat nobody sits in. For a played seat, pages go to the player's inbox instead of a drawn
acknowledgement, phase milestones wait for the player to declare them, and status updates
count as on time only when the player posted one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from tabletop.scenarios.model import PHASES, Scenario

if TYPE_CHECKING:
    from tabletop.sim.escalation import EscalationRun
    from tabletop.sim.incident import Incident
    from tabletop.sim.responders import Page, Responder

#: The roles a player can take, besides a tech lead per domain.
ROLE_SEATS = ("incident_commander", "comms_lead", "customer_liaison", "security")
UpdateChannel = Literal["internal", "external"]


def seat_names(scenario: Scenario) -> list[str]:
    """Every seat of a scenario: the roles, then a tech lead for each domain its incidents need."""
    domains: list[str] = []
    for kind in scenario.incident_types:
        domains += [d for d in kind.domains if d not in domains]
    return [*ROLE_SEATS, *(lead_seat(d) for d in domains)]


def lead_seat(domain: str) -> str:
    """The seat of a domain's tech lead."""
    return f"tech_lead:{domain}"


#: Role families that may declare milestones: the commander, and the tech leads of the work (see ``declarers``).
DECLARING_ROLES = ("incident_commander", "tech_lead")


def declarers(incident: Incident, phase: str) -> tuple[str, ...]:
    """Seats that may declare a phase's milestone: the commander and the tech leads working the phase."""
    return ("incident_commander", *(lead_seat(domain) for domain in incident.draws.work[PHASES.index(phase)]))


def role_of(seat: str) -> str:
    """The role family of a seat, as injects and expected actions name it (tech leads are one family)."""
    return seat.split(":", 1)[0]


def seat_title(seat: str) -> str:
    """A seat or role as words: ``tech_lead:database`` is "tech lead (database)"."""
    role, _, domain = seat.partition(":")
    words = role.replace("_", " ")
    return f"{words} ({domain})" if domain else words


@dataclass
class SeatPage:
    """A page waiting in a player's inbox."""

    number: int
    seat: str
    page: Page
    responder: Responder
    run: EscalationRun

    @property
    def open(self) -> bool:
        """Not yet answered, and still worth answering."""
        return self.page.record.outcome == "superseded" and not self.run.done


@dataclass(frozen=True)
class Post:
    """A status update a player posted."""

    minute: float
    seat: str
    incident: int
    channel: UpdateChannel
    text: str


class Seats:
    """The played seats of one drill and the engine-facing state they hold."""

    def __init__(self, played: set[str]) -> None:
        self.played = frozenset(played)
        self.inbox: list[SeatPage] = []
        self.incidents: list[Incident] = []
        #: Whom each seat plays in each incident while nobody holds its role or lead (who answered, or took over).
        self.person: dict[tuple[str, int], Responder] = {}
        self.posts: list[Post] = []
        #: The inbox entry of each played page, by the identity of its page record.
        self.seat_of_page: dict[int, SeatPage] = {}

    def plays(self, seat: str) -> bool:
        """Whether a person sits in ``seat`` (tech leads: ``tech_lead`` sits in every domain's seat)."""
        return bool(seat) and (seat in self.played or (role_of(seat) == "tech_lead" and "tech_lead" in self.played))

    # -- called by the engine ------------------------------------------------------------
    def started(self, incident: Incident) -> None:
        """A new incident exists."""
        self.incidents.append(incident)

    def page(self, run: EscalationRun, responder: Responder, level: int) -> None:
        """A page for a played seat: it waits in the seat's inbox for the player to answer."""
        page = responder.notify(run, level, run.acknowledge)
        entry = SeatPage(len(self.inbox) + 1, run.seat, page, responder, run)
        self.inbox.append(entry)
        self.seat_of_page[id(page.record)] = entry

    def declares(self, incident: Incident, phase: str) -> bool:
        """Whether a player declares this phase's milestone: the commander, or a tech lead working it."""
        return any(self.plays(seat) for seat in declarers(incident, phase))

    def posts_updates(self, incident: Incident) -> bool:
        """Whether status updates are a player's job: the comms lead's, else the commander's."""
        return self.plays("comms_lead" if "comms_lead" in incident.roles else "incident_commander")

    def posted_since(self, incident: Incident, channel: str, since: float) -> bool:
        """Whether a player posted an update on ``channel`` for the incident after ``since``."""
        return any(p.incident == incident.number and p.channel == channel and p.minute > since for p in self.posts)

    # -- called by the drill -------------------------------------------------------------
    def open_pages(self, seat: str | None = None) -> list[SeatPage]:
        """Pages still waiting for an answer, for one seat or all; a person paged again shows once, the latest."""
        latest: dict[tuple[int, str], SeatPage] = {}
        for entry in self.inbox:
            if entry.open and (seat is None or entry.seat == seat):
                latest.pop((id(entry.run), entry.responder.id), None)
                latest[(id(entry.run), entry.responder.id)] = entry
        return list(latest.values())

    def answer(self, entry: SeatPage) -> None:
        """The player acknowledges a page as the person it was sent to."""
        self.person[(entry.seat, entry.run.incident.number)] = entry.responder
        entry.responder.answer(entry.page)
