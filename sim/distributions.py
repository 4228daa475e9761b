"""Distribution objects: ``sample(rng, size)`` plus analytic ``mean`` and ``var``.

Times are in hours. Continuous families serve durations and dimensionless factors; unit counts
(customer quantities, shrinkage losses) take the discrete families, which sample integers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np
from scipy import special, stats


class Distribution(Protocol):
    @property
    def mean(self) -> float: ...

    @property
    def var(self) -> float: ...

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray: ...


@dataclass(frozen=True)
class Constant:
    value: float

    @property
    def mean(self) -> float:
        return self.value

    @property
    def var(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value, dtype=float)


@dataclass(frozen=True)
class Exponential:
    mean_value: float

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def var(self) -> float:
        return self.mean_value**2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean_value, size)


@dataclass(frozen=True)
class Uniform:
    low: float
    high: float

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def var(self) -> float:
        return (self.high - self.low) ** 2 / 12

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)


@dataclass(frozen=True)
class Normal:
    """Normal; truncated at zero when it describes a time (``truncate=True``)."""

    mu: float
    sd: float
    truncate: bool

    def _truncated(self) -> stats.rv_continuous | None:
        if not self.truncate or self.sd == 0:
            return None
        return stats.truncnorm(-self.mu / self.sd, np.inf, loc=self.mu, scale=self.sd)

    @property
    def mean(self) -> float:
        dist = self._truncated()
        return self.mu if dist is None else float(dist.mean())

    @property
    def var(self) -> float:
        dist = self._truncated()
        return self.sd**2 if dist is None else float(dist.var())

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        values = rng.normal(self.mu, self.sd, size)
        if self.truncate:
            # Redraw the negatives: exact truncation, and cheap unless mu is far below zero.
            negative = values < 0
            while negative.any():
                values[negative] = rng.normal(self.mu, self.sd, int(negative.sum()))
                negative = values < 0
        return values


@dataclass(frozen=True)
class Lognormal:
    """Parameterised by the mean and standard deviation of the variable itself."""

    mean_value: float
    sd: float

    @property
    def sigma(self) -> float:
        return math.sqrt(math.log1p((self.sd / self.mean_value) ** 2))

    @property
    def mu(self) -> float:
        return math.log(self.mean_value) - self.sigma**2 / 2

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def var(self) -> float:
        return self.sd**2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.lognormal(self.mu, self.sigma, size)


@dataclass(frozen=True)
class Gamma:
    shape: float
    scale: float

    @property
    def mean(self) -> float:
        return self.shape * self.scale

    @property
    def var(self) -> float:
        return self.shape * self.scale**2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.gamma(self.shape, self.scale, size)


@dataclass(frozen=True)
class Weibull:
    shape: float
    scale: float

    @property
    def mean(self) -> float:
        return self.scale * special.gamma(1 + 1 / self.shape)

    @property
    def var(self) -> float:
        g1 = special.gamma(1 + 1 / self.shape)
        g2 = special.gamma(1 + 2 / self.shape)
        return self.scale**2 * (g2 - g1**2)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.scale * rng.weibull(self.shape, size)


@dataclass(frozen=True)
class Poisson:
    mean_value: float

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def var(self) -> float:
        return self.mean_value

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.poisson(self.mean_value, size)


@dataclass(frozen=True)
class RoundedNormal:
    """Unit counts from a normal, rounded to the nearest whole unit; negatives count as zero.

    >>> d = RoundedNormal(100.0, 20.0)
    >>> round(d.mean, 4), round(d.var, 2)  # rounding adds 1/12 to the variance
    (100.0, 400.08)
    """

    mu: float
    sd: float

    def pmf(self) -> tuple[np.ndarray, np.ndarray]:
        """The support 0..k and its probabilities (the tail beyond 12 sd dropped)."""
        top = math.ceil(self.mu + 12 * self.sd) + 1
        k = np.arange(0, max(top, 1) + 1)
        if self.sd == 0:
            p = (k == max(0, round(self.mu))).astype(float)
            return k, p
        cdf = stats.norm.cdf((k + 0.5 - self.mu) / self.sd)
        p = np.diff(np.concatenate(([0.0], cdf)))  # P(0) takes every negative value too
        return k, p

    @property
    def mean(self) -> float:
        k, p = self.pmf()
        return float((k * p).sum())

    @property
    def var(self) -> float:
        k, p = self.pmf()
        mean = (k * p).sum()
        return float((k * k * p).sum() - mean * mean)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.maximum(np.rint(rng.normal(self.mu, self.sd, size)), 0.0).astype(np.int64)


@dataclass(frozen=True)
class NegativeBinomial:
    """Counts with variance above the mean, parameterised by both."""

    mean_value: float
    variance: float

    @property
    def p(self) -> float:
        return self.mean_value / self.variance

    @property
    def n(self) -> float:
        return self.mean_value**2 / (self.variance - self.mean_value)

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def var(self) -> float:
        return self.variance

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.negative_binomial(self.n, self.p, size)


@dataclass(frozen=True)
class UniformInt:
    """Integers ``low`` to ``high`` inclusive, each equally likely."""

    low: int
    high: int

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def var(self) -> float:
        count = self.high - self.low + 1
        return (count**2 - 1) / 12

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.integers(self.low, self.high + 1, size)


@dataclass(frozen=True)
class Empirical:
    """A finite distribution: ``values`` with ``weights`` (equal when not given)."""

    values: tuple[float, ...]
    weights: tuple[float, ...]

    @property
    def probabilities(self) -> np.ndarray:
        weights = np.asarray(self.weights, dtype=float)
        return weights / weights.sum()

    @property
    def mean(self) -> float:
        return float(np.dot(self.values, self.probabilities))

    @property
    def var(self) -> float:
        values = np.asarray(self.values, dtype=float)
        return float(np.dot((values - self.mean) ** 2, self.probabilities))

    @cached_property
    def _table(self) -> tuple[np.ndarray, np.ndarray]:
        cdf = self.probabilities.cumsum()
        cdf /= cdf[-1]
        return cdf, np.asarray(self.values)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        # what rng.choice(len(values), size, p=probabilities) does, without its checks
        # on every call: the same draws
        cdf, values = self._table
        return values[cdf.searchsorted(rng.random(size), side="right")]


class Sampler:
    """Scalar draws from one distribution on one stream, drawn in batches.

    One numpy call costs about as much as a few hundred list lookups, so scalar draws inside the
    event loop come from a pre-drawn list. The sequence depends only on the stream and the
    distribution, never on how the draws interleave with other streams.
    """

    __slots__ = ("_batch", "_buffer", "_dist", "_index", "_rng")

    def __init__(self, dist: Distribution, rng: np.random.Generator, batch: int = 256) -> None:
        self._dist = dist
        self._rng = rng
        self._batch = batch
        self._buffer: list[float] = []
        self._index = 0

    @property
    def mean(self) -> float:
        """The distribution's mean: what a planner may expect of a draw."""
        return float(self._dist.mean)

    def __call__(self) -> float:
        if self._index >= len(self._buffer):
            self._buffer = self._dist.sample(self._rng, self._batch).tolist()
            self._index = 0
        value = self._buffer[self._index]
        self._index += 1
        return value

    def take(self, n: int) -> list[float]:
        """The next ``n`` draws: the same as ``n`` calls."""
        start = self._index
        if start + n <= len(self._buffer):
            self._index = start + n
            return self._buffer[start : start + n]
        return [self() for _ in range(n)]
