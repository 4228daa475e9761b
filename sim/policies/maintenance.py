"""Maintenance policies: when a truck goes for service, from what the twin knows of its wear."""

from __future__ import annotations

from typing import ClassVar

from sim.policies.base import Policy, PolicyFamily, register

MAINTENANCE = PolicyFamily("maintenance")


class MaintenancePolicy(Policy):
    family: ClassVar[PolicyFamily] = MAINTENANCE


@register
class Reactive(MaintenancePolicy):
    """Run to failure: repair after a breakdown, never before."""

    kind = "reactive"
