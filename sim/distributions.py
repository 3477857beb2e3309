"""Random durations for scenarios: ring times, handle times, patience, inter-arrival times."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Protocol


class Distribution(Protocol):
    def sample(self, rng: random.Random) -> float: ...

    @property
    def mean(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Fixed:
    value: float

    def sample(self, rng: random.Random) -> float:
        return self.value

    @property
    def mean(self) -> float:
        return self.value


@dataclass(frozen=True, slots=True)
class Uniform:
    low: float
    high: float

    def sample(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2


@dataclass(frozen=True, slots=True)
class Exponential:
    mean_s: float

    def sample(self, rng: random.Random) -> float:
        return rng.expovariate(1.0 / self.mean_s)

    @property
    def mean(self) -> float:
        return self.mean_s


@dataclass(frozen=True, slots=True)
class LogNormal:
    """Handle times in contact centres are close to log-normal; ``mean_s`` and ``sd_s`` are
    the mean and standard deviation of the duration itself."""

    mean_s: float
    sd_s: float

    def sample(self, rng: random.Random) -> float:
        sigma2 = math.log(1 + (self.sd_s / self.mean_s) ** 2)
        mu = math.log(self.mean_s) - sigma2 / 2
        return rng.lognormvariate(mu, math.sqrt(sigma2))

    @property
    def mean(self) -> float:
        return self.mean_s


class DistributionError(ValueError):
    pass


def parse_distribution(spec: Any, where: str) -> Distribution:
    """``5`` / ``{fixed: 5}`` / ``{uniform: [1, 3]}`` / ``{exponential: 180}`` /
    ``{lognormal: {mean: 180, sd: 90}}``."""
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        return Fixed(float(spec))
    if isinstance(spec, dict) and len(spec) == 1:
        ((kind, value),) = spec.items()
        try:
            if kind == "fixed":
                return Fixed(float(value))
            if kind == "uniform":
                low, high = (float(v) for v in value)
                if high < low:
                    raise DistributionError(f"{where}: uniform needs low <= high")
                return Uniform(low, high)
            if kind == "exponential":
                if float(value) <= 0:
                    raise DistributionError(f"{where}: exponential mean must be positive")
                return Exponential(float(value))
            if kind == "lognormal":
                return LogNormal(float(value["mean"]), float(value["sd"]))
        except (TypeError, KeyError, ValueError) as exc:
            if isinstance(exc, DistributionError):
                raise
            raise DistributionError(f"{where}: bad {kind} parameters: {value!r}") from exc
    raise DistributionError(
        f"{where}: expected a number or one of fixed/uniform/exponential/lognormal, got {spec!r}"
    )
