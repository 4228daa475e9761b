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

from sim.policies.base import Policy, PolicyFamily, register
from sim.scenario import NonNegativeInt, PositiveDuration, PositiveInt

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
    def trigger(self) -> int:
        """The highest position at which the policy orders (continuous review)."""
        raise NotImplementedError(f"{type(self).__name__} gives no trigger")

    def order_quantity(self, position: int) -> int:
        raise NotImplementedError

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


@register
class Periodic(ReplenishmentPolicy):
    """(R, S): every ``review`` period, order up to S."""

    kind = "R_S"
    example = {"review": "2d", "S": 30}
    review: PositiveDuration
    S: PositiveInt

    @property
    def review_period(self) -> float | None:
        return self.review

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
