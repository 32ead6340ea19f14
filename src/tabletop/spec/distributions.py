"""The closed vocabulary of duration distributions used by scenarios and responder profiles.

In YAML a distribution is a plain duration (fixed) or a one-key mapping naming its kind::

    90s                                   # fixed
    {exponential: 30m}                    # shorthand for {exponential: {mean: 30m}}
    {lognormal: {median: 2m, p90: 6m}}
    {gamma: {shape: 2, mean: 45m}}
    {uniform: {low: 5m, high: 15m}}
    {triangular: {low: 5m, mode: 10m, high: 30m}}
    {empirical: [4m, 6m, 11m]}            # or {values: […], weights: […]}
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from tabletop.spec.fields import Duration, DurationOrZero, Spec, shown
from tabletop.spec.suggest import did_you_mean

#: z-score of the 90th percentile of the standard normal distribution.
_Z90 = 1.2815515655446004


class Sampled(Spec):
    """A distribution the engine draws from, one value or a block of values at a time."""

    def _draw(self, rng: np.random.Generator, size: int | None) -> Any:
        """numpy's draw: one value when ``size`` is None, else an array of ``size`` values."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator) -> float:
        """One draw in minutes."""
        return float(self._draw(rng, None))

    def block(self, rng: np.random.Generator, size: int) -> list[float]:
        """``size`` draws in minutes, in one call to the generator."""
        return self._draw(rng, size).tolist()  # type: ignore[no-any-return]


class Fixed(Sampled):
    """Always the same value."""

    kind: Literal["fixed"] = "fixed"
    value: DurationOrZero

    def mean(self) -> float:
        """Expected value in minutes."""
        return self.value

    def sample(self, rng: np.random.Generator) -> float:
        """One draw in minutes (the generator is left untouched)."""
        return self.value

    def block(self, rng: np.random.Generator, size: int) -> list[float]:
        """``size`` draws in minutes (the generator is left untouched)."""
        return [self.value] * size


class Exponential(Sampled):
    """Memoryless, with the given mean."""

    kind: Literal["exponential"] = "exponential"
    mean_: Duration = Field(alias="mean")

    def mean(self) -> float:
        """Expected value in minutes."""
        return self.mean_

    def _draw(self, rng: np.random.Generator, size: int | None) -> Any:
        return rng.exponential(self.mean_, size)


class LogNormal(Sampled):
    """Right-skewed, given by its median and 90th percentile (how people quote response times)."""

    kind: Literal["lognormal"] = "lognormal"
    median: Duration
    p90: Duration

    @model_validator(mode="after")
    def _p90_above_median(self) -> LogNormal:
        if self.p90 <= self.median:
            raise ValueError(f"p90 ({self.p90:g} m) must be greater than the median ({self.median:g} m)")
        return self

    @property
    def sigma(self) -> float:
        """Standard deviation of the underlying normal."""
        return math.log(self.p90 / self.median) / _Z90

    @cached_property
    def normal(self) -> tuple[float, float]:
        """Mean and standard deviation of the underlying normal, worked out once: responders draw from it often."""
        return math.log(self.median), self.sigma

    def mean(self) -> float:
        """Expected value in minutes."""
        return self.median * math.exp(self.sigma**2 / 2)

    def _draw(self, rng: np.random.Generator, size: int | None) -> Any:
        mu, sigma = self.normal
        return rng.lognormal(mu, sigma, size)


class Gamma(Sampled):
    """Gamma with the given shape and mean."""

    kind: Literal["gamma"] = "gamma"
    shape: float = Field(gt=0)
    mean_: Duration = Field(alias="mean")

    def mean(self) -> float:
        """Expected value in minutes."""
        return self.mean_

    def _draw(self, rng: np.random.Generator, size: int | None) -> Any:
        return rng.gamma(self.shape, self.mean_ / self.shape, size)


class Uniform(Sampled):
    """Every value between low and high equally likely."""

    kind: Literal["uniform"] = "uniform"
    low: DurationOrZero
    high: Duration

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high <= self.low:
            raise ValueError(f"high ({self.high:g} m) must be greater than low ({self.low:g} m)")
        return self

    def mean(self) -> float:
        """Expected value in minutes."""
        return (self.low + self.high) / 2

    def _draw(self, rng: np.random.Generator, size: int | None) -> Any:
        return rng.uniform(self.low, self.high, size)


class Triangular(Sampled):
    """Low, most likely and high values: the three-point estimate."""

    kind: Literal["triangular"] = "triangular"
    low: DurationOrZero
    mode: DurationOrZero
    high: Duration

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError(
                f"need low <= mode <= high with low < high, got {self.low:g}, {self.mode:g}, {self.high:g} minutes"
            )
        return self

    def mean(self) -> float:
        """Expected value in minutes."""
        return (self.low + self.mode + self.high) / 3

    def _draw(self, rng: np.random.Generator, size: int | None) -> Any:
        return rng.triangular(self.low, self.mode, self.high, size)


class Empirical(Sampled):
    """Observed values, drawn with equal or given weights."""

    kind: Literal["empirical"] = "empirical"
    values: list[DurationOrZero] = Field(min_length=1)
    weights: list[Annotated[float, Field(gt=0)]] | None = None

    @model_validator(mode="after")
    def _weights_match(self) -> Empirical:
        if self.weights is not None and len(self.weights) != len(self.values):
            raise ValueError(f"{len(self.weights)} weights for {len(self.values)} values; give one weight per value")
        return self

    def _probabilities(self) -> list[float]:
        weights = self.weights or [1.0] * len(self.values)
        total = sum(weights)
        return [w / total for w in weights]

    def mean(self) -> float:
        """Expected value in minutes."""
        return sum(v * p for v, p in zip(self.values, self._probabilities(), strict=True))

    def _draw(self, rng: np.random.Generator, size: int | None) -> Any:
        return np.asarray(self.values)[rng.choice(len(self.values), size, p=self._probabilities())]


_KINDS: dict[str, str] = {
    "fixed": "value",
    "exponential": "mean",
    "lognormal": "",
    "gamma": "",
    "uniform": "",
    "triangular": "",
    "empirical": "values",
}


def _normalise(value: Any) -> Any:
    """Turn the YAML shapes (a duration, or a one-key mapping) into a tagged mapping."""
    if isinstance(value, Spec):
        return value
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return {"kind": "fixed", "value": value}
    if isinstance(value, dict):
        if len(value) != 1:
            keys = ", ".join(map(str, value)) or "nothing"
            raise ValueError(f"a distribution is one key naming its kind ({', '.join(_KINDS)}); found {keys}")
        ((kind, params),) = value.items()
        if kind not in _KINDS:
            hint = did_you_mean(str(kind), _KINDS) or f"; use one of {', '.join(_KINDS)}"
            raise ValueError(f"unknown distribution '{kind}'{hint}")
        if isinstance(params, dict):
            return {"kind": kind, **params}
        if _KINDS[kind]:
            return {"kind": kind, _KINDS[kind]: params}
        raise ValueError(f"{kind} needs a mapping of parameters, e.g. {{{kind}: {{…}}}}")
    raise ValueError(f"expected a duration or a distribution such as {{exponential: 30m}}, got {shown(value)}")


_DISTRIBUTION_SCHEMA: dict[str, Any] = {
    "description": "A duration (fixed) or a one-key mapping naming the distribution.",
    "anyOf": [
        {"type": ["number", "string"]},
        {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "properties": {kind: {} for kind in _KINDS},
            "additionalProperties": False,
        },
    ],
}

#: A distribution of durations, in minutes.
Distribution = Annotated[
    Fixed | Exponential | LogNormal | Gamma | Uniform | Triangular | Empirical,
    Field(discriminator="kind"),
    BeforeValidator(_normalise),
    WithJsonSchema(_DISTRIBUTION_SCHEMA),
]
