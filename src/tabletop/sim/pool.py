"""A pool target: any free member of a team takes the next incident, first come first served."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tabletop.sim.escalation import EscalationRun
    from tabletop.sim.responders import Page, Responder
    from tabletop.sim.world import World


class Pool:
    """Incidents waiting for any free member of one team (an M/M/c queue when nothing else interferes)."""

    __slots__ = ("members", "reserved", "waiting", "world")

    def __init__(self, world: World, members: list[Responder]) -> None:
        self.world = world
        self.members = members
        self.waiting: deque[tuple[EscalationRun, int]] = deque()
        self.reserved: set[str] = set()

    def request(self, run: EscalationRun, level: int) -> None:
        """Queue a request; it is offered at once if someone is free."""
        self.waiting.append((run, level))
        self.serve()

    def serve(self) -> None:
        """Offer waiting requests to free members, oldest request first."""
        waiting, reserved = self.waiting, self.reserved
        missed: set[str] = set()
        while waiting:
            run, level = waiting[0]
            if run.done:
                waiting.popleft()
                continue
            for member in self.members:
                # Responder.free, spelt out: this scan is the engine's innermost loop.
                if (
                    member.current is None
                    and not member.queue
                    and member.id not in reserved
                    and member.id not in missed
                ):
                    break
            else:
                return
            waiting.popleft()
            if member.behaviour.instant:
                member.take(run, level)
                # What the acknowledgement set off may have freed someone (as after any answer).
                if waiting:
                    self.serve()
                continue
            reserved.add(member.id)
            page = member.page(run, level, self._answered)
            if page.record.outcome == "missed":
                # The next free member gets it; the one who missed it is not asked again this round.
                self.reserved.discard(member.id)
                missed.add(member.id)
                self.waiting.appendleft((run, level))

    def _answered(self, responder: Responder, page: Page) -> None:
        self.reserved.discard(responder.id)
        page.run.acknowledge(responder, page)
        self.serve()
