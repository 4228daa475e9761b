"""Routing policies: which path a truck takes, from what the twin knows of the roads.

A policy turns the twin's ``RoadView`` into expected hours per road, with a key that changes
only when its belief does; the engine finds the fastest path under those hours (memoised by
the key, so a planner that believes the same thing twice searches the graph once).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Annotated, ClassVar

import numpy as np
from pydantic import Field

from sim.iot.twin import RoadView
from sim.policies.base import Policy, PolicyFamily, register
from sim.scenario import PositiveDuration

ROUTING = PolicyFamily("routing")


class RoutingPolicy(Policy):
    family: ClassVar[PolicyFamily] = ROUTING
    # re-plan at every node (the engine then drives road by road and needs the GPS reports)
    replans: ClassVar[bool] = False

    def road_hours(
        self, roads: RoadView, now: float, departed: float
    ) -> tuple[Hashable, np.ndarray]:
        """(key, expected hours per road) as the policy believes them at ``now``, on a trip leg
        that left at ``departed``."""
        raise NotImplementedError


@register
class Static(RoutingPolicy):
    """The shortest free-flow path, fixed at departure."""

    kind = "static"

    def road_hours(
        self, roads: RoadView, now: float, departed: float
    ) -> tuple[Hashable, np.ndarray]:
        return "free", roads.free_hours


@register
class Historical(RoutingPolicy):
    """The fastest path at the departure hour under the published congestion profile, fixed at
    departure: rush hours are known, incidents are not."""

    kind = "historical"

    def road_hours(
        self, roads: RoadView, now: float, departed: float
    ) -> tuple[Hashable, np.ndarray]:
        hour = int(departed) % 24
        return ("hour", hour), roads.historical(hour)


@register
class Dynamic(RoutingPolicy):
    """Re-plan at every node: the historical hours (of the departure hour), scaled on each road
    by how much slower or faster than expected the fleet's GPS last reported it within
    ``memory`` (a closure as impassable), where that differs from the expected time by more than
    ``tolerance`` (ordinary noise changes no plan). With a traffic feed, an announced incident
    counts instead: a slowed road takes its slowdown, a closed one the time until it reopens
    on top of its hours. Without GPS or a feed there is nothing to go on, and it drives
    exactly the paths ``historical`` does."""

    kind = "dynamic"
    replans = True
    memory: PositiveDuration = 1.0  # hours
    tolerance: Annotated[float, Field(ge=0)] = 0.25

    def road_hours(
        self, roads: RoadView, now: float, departed: float
    ) -> tuple[Hashable, np.ndarray]:
        hour = int(departed) % 24  # the profile as historical reads it; reports correct it
        seen = {
            edge: factor
            for edge, factor in roads.observed(now, self.memory).items()
            if abs(factor - 1.0) > self.tolerance
        }
        hours = roads.historical(hour)
        incidents = roads.incidents(now)
        if not seen and not incidents:
            return ("hour", hour), hours
        hours = hours.copy()
        key: tuple[Hashable, ...] = ("live", hour)
        if seen:
            edges = np.fromiter(seen, dtype=np.int64, count=len(seen))
            factors = np.fromiter(seen.values(), dtype=float, count=len(seen))
            hours[edges] *= factors
            # factors rounded to 5% in the key: plans are reused while the picture is the same
            rounded = np.round(factors * 20).tolist()
            key += (tuple(sorted(zip(edges.tolist(), rounded, strict=True))),)
        closed = False
        for edge, (ends, factor) in incidents.items():
            if math.isinf(factor):
                hours[edge] += ends - now
                closed = True
            else:
                hours[edge] *= factor
        key += (tuple(sorted(incidents.items())),)
        if closed:
            key += (now,)  # the wait at a closure shrinks as time passes
        return key, hours
