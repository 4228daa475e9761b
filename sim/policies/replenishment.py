"""Replenishment policies: how much to order, from the recorded inventory position only.

A policy is a small strategy object in scikit-learn's manners: the constructor stores its
parameters and does nothing else; ``get_params()`` makes it loggable. Continuous-review policies
expose the position at or below which they act (``trigger``), so the world can compute when the
next decision falls instead of asking after every customer.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Protocol

from sim.scenario import PolicySpec


class ReplenishmentPolicy(Protocol):
    kind: ClassVar[str]
    review_period: float | None  # None: continuous review

    @property
    def trigger(self) -> int: ...

    def order_quantity(self, position: int) -> int: ...

    def initial_stock(self) -> int: ...

    def get_params(self) -> dict[str, Any]: ...


class _Params:
    def get_params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}


class BaseStock(_Params):
    """One-for-one: after every drop below ``level``, order back up to it."""

    kind: ClassVar[str] = "base_stock"

    def __init__(self, level: int) -> None:
        self.level = level
        self.review_period: float | None = None

    @property
    def trigger(self) -> int:
        return self.level - 1

    def order_quantity(self, position: int) -> int:
        return max(0, self.level - position)

    def initial_stock(self) -> int:
        return self.level


class MinMax(_Params):
    """(s, S): at position s or below, order up to S."""

    kind: ClassVar[str] = "s_S"

    def __init__(self, s: int, S: int) -> None:
        self.s = s
        self.S = S
        self.review_period: float | None = None

    @property
    def trigger(self) -> int:
        return self.s

    def order_quantity(self, position: int) -> int:
        return self.S - position if position <= self.s else 0

    def initial_stock(self) -> int:
        return self.S


class Periodic(_Params):
    """(R, S): every R hours, order up to S."""

    kind: ClassVar[str] = "R_S"

    def __init__(self, review: float, S: int) -> None:
        self.review_period: float | None = review
        self.S = S

    @property
    def trigger(self) -> int:
        raise TypeError("a periodic-review policy acts at review times, not at a trigger")

    def order_quantity(self, position: int) -> int:
        return max(0, self.S - position)

    def initial_stock(self) -> int:
        return self.S


class ReorderPoint(_Params):
    """(r, Q): at position r or below, order as many Q as bring the position above r."""

    kind: ClassVar[str] = "r_Q"

    def __init__(self, r: int, Q: int) -> None:
        self.r = r
        self.Q = Q
        self.review_period: float | None = None

    @property
    def trigger(self) -> int:
        return self.r

    def order_quantity(self, position: int) -> int:
        if position > self.r:
            return 0
        return self.Q * math.ceil((self.r - position + 1) / self.Q)

    def initial_stock(self) -> int:
        return self.r + self.Q


REGISTRY: dict[str, type] = {cls.kind: cls for cls in (BaseStock, MinMax, Periodic, ReorderPoint)}


def make_policy(spec: PolicySpec) -> ReplenishmentPolicy:
    params = spec.model_dump(exclude={"kind"})
    policy: ReplenishmentPolicy = REGISTRY[spec.kind](**params)
    return policy
