"""Maintenance policies: when a truck at home goes for service, from what the twin knows of it.

A policy sees the truck's ``TruckView``: hours driven and km since its last service or repair
(the fleet's own trip records) and the engine-health readings that have arrived over the bus.
True wear is never handed to it. A service takes a bay at the truck's home warehouse for the
group's ``wear.service_time`` and restores wear to zero; a breakdown strands the truck where it
fails, costs towing and repair, and restores wear too.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from sim.iot.twin import TruckView
from sim.policies.base import Policy, PolicyFamily, register
from sim.scenario import PositiveDuration, PositiveFloat

MAINTENANCE = PolicyFamily("maintenance")


class MaintenancePolicy(Policy):
    family: ClassVar[PolicyFamily] = MAINTENANCE

    def needs_service(self, truck: TruckView, now: float) -> bool:
        """Asked whenever the truck is at home and free: send it for service now?"""
        return False


@register
class Reactive(MaintenancePolicy):
    """Run to failure: repair after a breakdown, never service before."""

    kind = "reactive"


@register
class Preventive(MaintenancePolicy):
    """Service after every ``every`` hours of driving since the last service or repair."""

    kind = "preventive"
    example = {"every": "120h"}
    every: PositiveDuration

    def needs_service(self, truck: TruckView, now: float) -> bool:
        return truck.driving_hours_since_service >= self.every


@register
class Predictive(MaintenancePolicy):
    """Service when the engine-health estimate (the mean of the last ``window`` readings
    received since the last service) reaches ``threshold``, or when the remaining life it
    implies, at the fleet's average wear per km, falls below ``remaining_km``."""

    kind = "predictive"
    requires_sensors = ("engine_health",)
    example = {"threshold": 0.7}
    threshold: PositiveFloat | None = None
    remaining_km: PositiveFloat | None = None
    window: Annotated[int, Field(ge=1)] = 3

    @model_validator(mode="after")
    def _some_rule(self) -> Predictive:
        if self.threshold is None and self.remaining_km is None:
            raise ValueError("give a threshold, a remaining_km, or both")
        return self

    def needs_service(self, truck: TruckView, now: float) -> bool:
        estimate = truck.health_estimate(now, self.window)
        if estimate is None:
            return False  # nothing heard since the last service: no grounds to act
        if self.threshold is not None and estimate >= self.threshold:
            return True
        if self.remaining_km is not None and truck.wear_per_km > 0:
            remaining = (truck.failure_threshold - estimate) / truck.wear_per_km
            return remaining < self.remaining_km
        return False
