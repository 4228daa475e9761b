"""Replenishment policies: how much to order, from the recorded inventory position only.

Each is a frozen model of its parameters with no state of its own; ``get_params()`` makes it
loggable. Continuous-review policies expose the position at or below which they act
(``trigger``), so the world can compute when the next decision falls instead of asking after
every customer.
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from sim.iot.twin import StockRecord
from sim.policies.base import Policy, PolicyFamily, register
from sim.scenario import Duration, NonNegativeInt, PositiveDuration, PositiveInt

REPLENISHMENT = PolicyFamily("replenishment")


class ReplenishmentPolicy(Policy):
    """How much to order given the recorded inventory position (on hand + on order - owed).

    Continuous-review policies act when the position falls to ``trigger`` or below; periodic
    ones (``review_period`` set) act every review period whatever the position.
    """

    family: ClassVar[PolicyFamily] = REPLENISHMENT

    @property
    def review_period(self) -> float | None:
        return None  # continuous review

    @property
    def first_review_at(self) -> float | None:
        """When the first periodic review falls; later ones follow every ``review_period``."""
        return self.review_period

    @property
    def trigger(self) -> int:
        """The highest position at which the policy orders (continuous review)."""
        raise NotImplementedError(f"{type(self).__name__} gives no trigger")

    def order_quantity(self, position: int) -> int:
        raise NotImplementedError

    def decide(self, record: StockRecord) -> int:
        """The order to place now, from the twin's record; by default from its position only.
        A policy that forecasts overrides this and reads ``record.demand_history``."""
        return self.order_quantity(record.position)

    def initial_stock(self) -> int:
        """Stock at time zero when the scenario gives none."""
        raise NotImplementedError(f"{type(self).__name__}: give the inventory rule an initial")


@register
class BaseStock(ReplenishmentPolicy):
    """One-for-one: after every drop below ``level``, order back up to it."""

    kind = "base_stock"
    example = {"level": 20}
    level: NonNegativeInt

    @property
    def trigger(self) -> int:
        return self.level - 1

    def order_quantity(self, position: int) -> int:
        return max(0, self.level - position)

    def initial_stock(self) -> int:
        return self.level


@register
class MinMax(ReplenishmentPolicy):
    """(s, S): at position s or below, order up to S."""

    kind = "s_S"
    example = {"s": 10, "S": 30}
    s: Annotated[int, Field(ge=-1)]
    S: PositiveInt

    @model_validator(mode="after")
    def _ordered(self) -> MinMax:
        if self.s >= self.S:
            raise ValueError("(s, S) needs S > s")
        return self

    @property
    def trigger(self) -> int:
        return self.s

    def order_quantity(self, position: int) -> int:
        return self.S - position if position <= self.s else 0

    def initial_stock(self) -> int:
        return self.S


class PeriodicReview(ReplenishmentPolicy):
    """A policy that acts every ``review`` period. The first review falls at ``first_review``
    (default: one review period in), so ``first_review: 22h`` with ``review: 1d`` reviews
    every evening at ten."""

    review: PositiveDuration
    first_review: Duration | None = None

    @property
    def review_period(self) -> float | None:
        return self.review

    @property
    def first_review_at(self) -> float | None:
        return self.review if self.first_review is None else self.first_review


@register
class Periodic(PeriodicReview):
    """(R, S): every ``review`` period, order up to S (first at ``first_review``)."""

    kind = "R_S"
    example = {"review": "2d", "S": 30}
    S: PositiveInt

    def order_quantity(self, position: int) -> int:
        return max(0, self.S - position)

    def initial_stock(self) -> int:
        return self.S


@register
class ReorderPoint(ReplenishmentPolicy):
    """(r, Q): at position r or below, order as many Q as bring the position above r."""

    kind = "r_Q"
    example = {"r": 10, "Q": 15}
    r: Annotated[int, Field(ge=-1)]
    Q: PositiveInt

    @property
    def trigger(self) -> int:
        return self.r

    def order_quantity(self, position: int) -> int:
        if position > self.r:
            return 0
        return self.Q * math.ceil((self.r - position + 1) / self.Q)

    def initial_stock(self) -> int:
        return self.r + self.Q


@register
class MovingAverage(PeriodicReview):
    """Order-up-to with a moving-average forecast: every ``review``, the level is ``cover``
    times the mean demand per review period over the last ``periods`` periods (as the tills
    recorded it) plus ``safety``; order up to it. Before ``periods`` periods have passed the
    forecast is ``start_forecast`` per period. ``first_review`` as for R_S."""

    kind = "moving_average"
    example = {"review": "1d", "periods": 4, "cover": 2.0, "start_forecast": 20.0}
    periods: Annotated[int, Field(ge=1)]
    cover: Annotated[float, Field(gt=0)]
    start_forecast: Annotated[float, Field(ge=0)]
    safety: Annotated[int, Field(ge=0)] = 0

    def level(self, history: list[int]) -> float:
        recent = history[-self.periods :]
        forecast = sum(recent) / len(recent) if len(recent) == self.periods else self.start_forecast
        return self.cover * forecast + self.safety

    def order_quantity(self, position: int) -> int:
        return max(0, math.floor(self.level([]) - position + 0.5))

    def decide(self, record: StockRecord) -> int:
        return max(0, math.floor(self.level(record.demand_history) - record.position + 0.5))

    def initial_stock(self) -> int:
        return math.floor(self.level([]) + 0.5)
