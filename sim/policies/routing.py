"""Routing policies: which path a truck takes, from what the twin knows of the roads."""

from __future__ import annotations

from typing import ClassVar

from sim.policies.base import Policy, PolicyFamily, register

ROUTING = PolicyFamily("routing")


class RoutingPolicy(Policy):
    family: ClassVar[PolicyFamily] = ROUTING


@register
class Static(RoutingPolicy):
    """The shortest free-flow path, fixed at departure."""

    kind = "static"
