"""Samples against analytic moments, away from zero too (a uniform on [50, 75] must average 62.5).

Each check allows 5 standard errors of the estimate, estimated from the sample itself with
n = 400,000 draws: a correct sampler fails one check in about 1.7 million.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter

from sim.distributions import Sampler
from sim.scenario import CountDist, RealDist, TimeDist

N = 400_000
Z = 5.0

TIME_CASES: list[dict[str, Any]] = [
    {"kind": "constant", "value": "2h"},
    {"kind": "exponential", "mean": "3h"},
    {"kind": "uniform", "low": "50h", "high": "75h"},
    {"kind": "normal", "mean": "10h", "sd": "2h"},
    {"kind": "normal", "mean": "1h", "sd": "2h"},  # truncated at zero: mean well above 1h
    {"kind": "lognormal", "mean": "8h", "sd": "4h"},
    {"kind": "gamma", "shape": 2.5, "scale": "2h"},
    {"kind": "weibull", "shape": 1.7, "scale": "30d"},
    {"kind": "empirical", "values": ["1h", "2h", "6h"], "weights": [1, 2, 1]},
]
COUNT_CASES: list[dict[str, Any]] = [
    {"kind": "constant", "value": 3},
    {"kind": "poisson", "mean": 4.2},
    {"kind": "negative_binomial", "mean": 5.0, "var": 12.0},
    {"kind": "uniform", "low": 50, "high": 75},
    {"kind": "empirical", "values": [1, 2, 3], "weights": [6, 3, 1]},
]
REAL_CASES: list[dict[str, Any]] = [{"kind": "lognormal", "mean": 1.0, "sd": 0.12}]


def check_moments(dist: Any) -> None:
    x = dist.sample(np.random.default_rng(2026), N).astype(float)
    mean = x.mean()
    se_mean = x.std() / np.sqrt(N)
    assert abs(mean - dist.mean) <= Z * se_mean + 1e-12, (mean, dist.mean)
    sq = (x - mean) ** 2
    se_var = sq.std() / np.sqrt(N)
    assert abs(sq.mean() - dist.var) <= Z * se_var + 1e-9, (sq.mean(), dist.var)


@pytest.mark.parametrize("spec", TIME_CASES, ids=lambda s: f"time-{s['kind']}")
def test_time_distributions(spec: dict[str, Any]) -> None:
    dist = TypeAdapter(TimeDist).validate_python(spec).build()
    check_moments(dist)
    assert (dist.sample(np.random.default_rng(1), 10_000) >= 0).all()


@pytest.mark.parametrize("spec", COUNT_CASES, ids=lambda s: f"count-{s['kind']}")
def test_count_distributions(spec: dict[str, Any]) -> None:
    dist = TypeAdapter(CountDist).validate_python(spec).build()
    check_moments(dist)
    sample = dist.sample(np.random.default_rng(1), 10_000)
    assert np.array_equal(sample, np.round(sample))


@pytest.mark.parametrize("spec", REAL_CASES, ids=lambda s: f"real-{s['kind']}")
def test_real_distributions(spec: dict[str, Any]) -> None:
    check_moments(TypeAdapter(RealDist).validate_python(spec).build())


def test_uniform_away_from_zero_has_the_right_mean() -> None:
    dist = (
        TypeAdapter(TimeDist)
        .validate_python({"kind": "uniform", "low": "50h", "high": "75h"})
        .build()
    )
    assert dist.mean == 62.5
    x = dist.sample(np.random.default_rng(0), 10_000)
    assert x.min() >= 50 and x.max() <= 75


def test_truncated_normal_mean_is_above_the_untruncated_one() -> None:
    dist = (
        TypeAdapter(TimeDist).validate_python({"kind": "normal", "mean": "1h", "sd": "2h"}).build()
    )
    # E[X | X > 0] for N(1, 2^2) is 1 + 2 * phi(0.5) / Phi(0.5) = 1 + 2 * 0.35207 / 0.69146 = 2.0183
    assert dist.mean == pytest.approx(2.0183, abs=1e-3)


def test_batched_sampler_gives_the_stream_sequence() -> None:
    dist = TypeAdapter(TimeDist).validate_python({"kind": "exponential", "mean": "1h"}).build()
    sampler = Sampler(dist, np.random.default_rng(9), batch=4)
    drawn = [sampler() for _ in range(10)]
    rng = np.random.default_rng(9)
    expected = np.concatenate([dist.sample(rng, 4) for _ in range(3)])[:10]
    assert np.allclose(drawn, expected)


def test_time_distributions_reject_discrete_kinds() -> None:
    with pytest.raises(ValueError, match="poisson"):
        TypeAdapter(TimeDist).validate_python({"kind": "poisson", "mean": 2})
