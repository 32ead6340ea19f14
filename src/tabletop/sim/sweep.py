"""Parameter sweeps: policy variants built by setting dotted paths in the policy file's data.

A path walks the policy as written: mapping keys by name, list items by index or, where
the items have ids, by id (``escalation_chains.payments.levels.0.delay``). Each value is
read as YAML, so ``5m`` is a duration, ``0.5`` a number and ``[ana, ben]`` a list.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tabletop.errors import InputError
from tabletop.policies.model import Policy
from tabletop.policies.references import check_policy
from tabletop.scenarios.model import Scenario
from tabletop.sim.experiment import RunOutcome
from tabletop.sim.metrics import SLA_METRIC
from tabletop.spec.loading import allowed_keys, dotted_path, explain_errors
from tabletop.spec.suggest import did_you_mean, one_of
from tabletop.spec.yaml_source import SourceDocument, load_yaml


@dataclass(frozen=True)
class Setting:
    """One ``--set PATH=V1,V2,…``: a dotted path and the values to try there."""

    path: str
    values: tuple[Any, ...]
    texts: tuple[str, ...]


def _split_values(text: str) -> list[str]:
    """Split on commas that are not inside brackets or braces."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


def parse_setting(text: str) -> Setting:
    """A ``PATH=V1,V2,…`` argument."""
    path, sep, values = text.partition("=")
    texts = [v for v in _split_values(values) if v]
    if not sep or not path.strip() or not texts:
        raise InputError(f"'{text}' must look like PATH=V1,V2 (e.g. escalation_chains.ops.levels.0.delay=5m,30m)")
    parsed = []
    for value in texts:
        try:
            parsed.append(yaml.safe_load(value))
        except yaml.YAMLError:
            raise InputError(f"{path.strip()}: cannot read value '{value}' as YAML") from None
    return Setting(path.strip(), tuple(parsed), tuple(texts))


def _step_into(node: Any, part: str, where: str) -> tuple[Any, str | int]:
    if isinstance(node, list):
        if part.lstrip("-").isdigit():
            index = int(part)
            if not -len(node) <= index < len(node):
                raise InputError(f"no item {index} at {where}; it has {len(node)} items")
            return node[index], index
        ids = [item.get("id") for item in node if isinstance(item, dict)]
        if part in ids:
            index = ids.index(part)
            return node[index], index
        raise InputError(
            f"no item with id '{part}' at {where}{did_you_mean(part, [str(i) for i in ids])}; "
            f"ids there: {one_of([str(i) for i in ids])}"
        )
    if isinstance(node, dict):
        return node.get(part), part
    raise InputError(f"{where} is a single value; the path cannot go further to '{part}'")


def _hint(word: str, candidates: list[str], what: str) -> str:
    return did_you_mean(word, candidates) or f"; {what} there: {one_of(candidates)}"


def apply(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of the policy data with ``value`` at ``path``; unknown paths raise InputError naming what exists."""
    result = copy.deepcopy(data)
    parts = path.split(".")
    node: Any = result
    walked: list[str | int] = []
    for position, part in enumerate(parts):
        last = position == len(parts) - 1
        where = ".".join(parts[:position]) or "the top level"
        child, key = _step_into(node, part, where)
        if isinstance(node, dict) and child is None:
            # A key the file leaves out may be set if the policy format has it; names the user
            # chooses (a rotation's levels, say) must already exist.
            existing = sorted(set(node) | set(allowed_keys(Policy, walked)))
            if part not in existing:
                raise InputError(f"no key '{part}' at {where}{_hint(part, existing, 'keys')}")
        if last:
            node[key] = value
        else:
            if child is None:
                child = node[key] = {}
            node = child
            walked.append(key)
    return result


def variants(policy_file: Path, settings: Sequence[Setting], scenario: Scenario) -> list[tuple[dict[str, str], Policy]]:
    """Every combination of the settings as a validated policy, labelled by the values set."""
    document, problems = load_yaml(policy_file)
    if document is None or problems or not isinstance(document.data, dict):
        raise InputError(f"{policy_file}: not a readable policy file; run tabletop validate on it")
    result: list[tuple[dict[str, str], Policy]] = []
    for combination in itertools.product(*(range(len(s.values)) for s in settings)):
        data = document.data
        label: dict[str, str] = {}
        for setting, choice in zip(settings, combination, strict=True):
            data = apply(data, setting.path, setting.values[choice])
            label[setting.path] = setting.texts[choice]
        described = ", ".join(f"{k}={v}" for k, v in label.items())
        data["id"] = f"{data.get('id', 'policy')}.{len(result) + 1}"
        policy, errors = explain_errors(SourceDocument(document.file, data), Policy)
        if policy is None:
            where, message, _ = errors[0]
            raise InputError(f"{described}: {dotted_path(data, where)}: {message}")
        findings = check_policy(policy, scenario)
        if findings:
            raise InputError(f"{described}: {dotted_path(data, findings[0].path)}: {findings[0].message}")
        result.append((label, policy))
    return result


@dataclass
class SweepPoint:
    """One policy variant and its results."""

    settings: dict[str, str]
    outcome: RunOutcome

    def attainment(self) -> float:
        """Mean SLA attainment over every tier and targeted metric (NaN when nothing is judged)."""
        values = []
        for tier in self.outcome.spec.policy.tiers:
            for sla_name, metric in SLA_METRIC.items():
                if getattr(tier.sla, sla_name) is not None:
                    mean, _, _ = self.outcome.aggregate.attainment(tier.id, metric)
                    if not math.isnan(mean):
                        values.append(mean)
        return sum(values) / len(values) if values else math.nan

    def interruptions(self, kind: str = "interruptions") -> float:
        """Interruptions (or one of business/off/sleep) of everyone together, per replication."""
        aggregate = self.outcome.aggregate
        total = sum(getattr(load, kind) for load in aggregate.load.values())
        return total / aggregate.replications if aggregate.replications else math.nan


def pareto_front(points: Sequence[SweepPoint]) -> list[bool]:
    """Which points no other point beats on both attainment (higher) and interruptions (fewer)."""
    scores = [(p.attainment(), p.interruptions()) for p in points]
    front = []
    for i, (attained, load) in enumerate(scores):
        dominated = any(
            (a >= attained and b <= load) and (a > attained or b < load) for j, (a, b) in enumerate(scores) if j != i
        )
        front.append(not dominated)
    return front
