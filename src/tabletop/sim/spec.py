"""What a run plays: a scenario, a policy, a seed and the length of each replication."""

from __future__ import annotations

from dataclasses import dataclass

from tabletop.policies.model import Policy
from tabletop.scenarios.model import Scenario


@dataclass(frozen=True)
class RunSpec:
    """The pair, the seed, the length of each replication and whether to keep records."""

    scenario: Scenario
    policy: Policy
    seed: int
    days: float | None = None
    keep_records: bool = False

    @property
    def horizon(self) -> float:
        """Minutes of arrivals in each replication."""
        return self.days * 1440.0 if self.days is not None else self.scenario.horizon
