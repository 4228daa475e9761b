"""Customer arrivals: a window's draw against the rates it stands for."""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.distributions import Constant
from sim.world.demand import CustomerStream

# Each check below fails by chance with probability 1e-5 (a correct sampler fails one run in
# 100,000); the seed keeps the run repeatable, not right.
ALPHA = 1e-5


def stream(rng: np.random.Generator) -> CustomerStream:
    # 24 customers a day spread over a week: the first six hours of every day without any,
    # the rest in a profile that varies by hour and day, and a promotion (x3) on day 2
    profile = [0.0 if hour % 24 < 6 else 1.0 + (hour % 7) / 3 for hour in range(168)]
    return CustomerStream(24.0, profile, [(50.0, 60.5, 3.0)], Constant(1), rng)


def test_a_window_has_the_poisson_counts_of_its_hours() -> None:
    rng = np.random.default_rng(11)
    customers = stream(rng)
    rates = customers.hourly_rates(0, 168)
    windows = 400
    counts = np.zeros(168)
    for _ in range(windows):
        times, quantities = customers.window(0, 168)
        assert np.all(np.diff(times) >= 0) and np.all((times >= 0) & (times < 168))
        assert np.all(quantities == 1)
        counts += np.bincount(times.astype(int), minlength=168)
    # no one comes in an hour of zero rate
    assert counts[rates == 0].sum() == 0
    # each other hour's total over the windows is Poisson with mean windows x rate (the
    # promotion's hours included, the half hour at its end too): Pearson's statistic over the
    # hours is chi-square with as many degrees of freedom
    expected = windows * rates[rates > 0]
    pearson = float((((counts[rates > 0] - expected) ** 2) / expected).sum())
    assert pearson < stats.chi2.ppf(1 - ALPHA, df=len(expected))


def test_arrivals_are_uniform_within_their_hour() -> None:
    rng = np.random.default_rng(12)
    customers = stream(rng)
    within = np.concatenate([np.modf(customers.window(168, 168)[0])[0] for _ in range(100)])
    assert len(within) > 10_000
    assert stats.kstest(within, "uniform").pvalue > ALPHA


def test_a_window_later_in_the_run_keeps_the_hour_of_the_week() -> None:
    # the hours of the week after the promotion's: the total over 400 windows is Poisson
    # with mean 400 x the week's expected customers; within 5 sd of it (a correct sampler
    # misses by more once in some 1.7 million runs)
    rng = np.random.default_rng(13)
    customers = stream(rng)
    rates = customers.hourly_rates(336, 168)
    total = sum(len(customers.window(336, 168)[0]) for _ in range(400))
    mean = 400 * rates.sum()
    assert abs(total - mean) < 5 * np.sqrt(mean)
    assert rates.sum() < customers.hourly_rates(0, 168).sum()  # no promotion that week
