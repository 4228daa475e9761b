"""Customer arrivals as a non-homogeneous Poisson process, drawn a window at a time.

The rate is piecewise constant per hour (base rate x hour-of-week profile x promotion uplift),
so each hour's count is Poisson and its arrival times uniform within the hour: exact, and one
vectorised draw per window instead of one SimPy event per customer.
"""

from __future__ import annotations

import math

import numpy as np

from sim.distributions import Distribution


class CustomerStream:
    def __init__(
        self,
        customers_per_day: float,
        week_profile: list[float],
        promotions: list[tuple[float, float, float]],
        quantity: Distribution,
        rng: np.random.Generator,
    ) -> None:
        self.per_hour = customers_per_day / 24
        self.week_profile = np.asarray(week_profile, dtype=float)
        self.promotions = promotions
        self.quantity = quantity
        self.rng = rng
        self._weekly: dict[tuple[int, int], np.ndarray] = {}

    def hourly_rates(self, first_hour: int, hours: int) -> np.ndarray:
        key = (first_hour % 168, hours)
        rates = self._weekly.get(key)
        if rates is None:  # windows start at the same hour of the week: computed once
            hour = np.arange(first_hour, first_hour + hours)
            rates = self._weekly[key] = self.per_hour * self.week_profile[hour % 168]
        for start, end, uplift in self.promotions:
            if end <= first_hour or start >= first_hour + hours:
                continue  # (the uplift would multiply every hour by exactly 1)
            hour = np.arange(first_hour, first_hour + hours)
            # the share of each hour inside the promotion window
            overlap = np.clip(np.minimum(hour + 1, end) - np.maximum(hour, start), 0, 1)
            rates = rates * (1 + (uplift - 1) * overlap)
        return rates

    def window(self, first_hour: int, hours: int) -> tuple[np.ndarray, np.ndarray]:
        """Arrival times (sorted) and quantities of the customers in the given hours."""
        rng = self.rng
        counts = rng.poisson(self.hourly_rates(first_hour, hours))
        total = int(counts.sum())
        starts = np.repeat(np.arange(first_hour, first_hour + hours, dtype=float), counts)
        times = np.sort(starts + rng.random(total))
        quantities = self.quantity.sample(rng, total).astype(np.int64)
        keep = quantities > 0
        return times[keep], quantities[keep]


class ScheduledCustomers:
    """One customer every ``every`` hours from ``first_at`` (a timetable, such as a daily bulk
    order), each wanting a quantity drawn from ``quantity``."""

    def __init__(
        self, every: float, first_at: float, quantity: Distribution, rng: np.random.Generator
    ) -> None:
        self.every = every
        self.first_at = first_at
        self.quantity = quantity
        self.rng = rng

    def window(self, first_hour: int, hours: int) -> tuple[np.ndarray, np.ndarray]:
        """Arrival times and quantities of the customers in the given hours."""
        start, end = float(first_hour), float(first_hour + hours)
        first = max(0, math.ceil((start - self.first_at) / self.every))
        times = self.first_at + self.every * np.arange(first, first + hours / self.every + 2)
        times = times[(times >= start) & (times < end)]
        quantities = self.quantity.sample(self.rng, len(times)).astype(np.int64)
        keep = quantities > 0
        return times[keep], quantities[keep]


def poisson_times(
    rate_per_hour: float, start: float, hours: float, rng: np.random.Generator
) -> np.ndarray:
    """Sorted event times of a homogeneous Poisson process on [start, start + hours)."""
    count = rng.poisson(rate_per_hour * hours)
    return np.sort(start + hours * rng.random(count))
