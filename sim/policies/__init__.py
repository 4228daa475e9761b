"""The application layer: policy families, each a registry of strategies chosen by ``kind``.

Importing this package registers the built-in policies. A notebook adds its own with
``@register`` on a subclass of the family's base class (see ``sim.policies.base``).
"""

from sim.policies.base import Policy, PolicyFamily, UnknownKind, register
from sim.policies.maintenance import MAINTENANCE, MaintenancePolicy
from sim.policies.replenishment import REPLENISHMENT, ReplenishmentPolicy
from sim.policies.routing import ROUTING, RoutingPolicy
from sim.policies.visibility import VISIBILITY, VisibilityPolicy

FAMILIES: dict[str, PolicyFamily] = {
    family.name: family for family in (VISIBILITY, REPLENISHMENT, ROUTING, MAINTENANCE)
}

__all__ = [
    "FAMILIES",
    "MAINTENANCE",
    "REPLENISHMENT",
    "ROUTING",
    "VISIBILITY",
    "MaintenancePolicy",
    "Policy",
    "PolicyFamily",
    "ReplenishmentPolicy",
    "RoutingPolicy",
    "UnknownKind",
    "VisibilityPolicy",
    "register",
]
