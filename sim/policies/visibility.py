"""Visibility policies: which sources feed the twin's stock records, and how often.

Transactions (sales, receipts, shipments) always move the records. What differs is what
corrects them for what no transaction sees (shrinkage, sensor noise): physical counts, shelf
reads uploaded in batches, or shelf reads streamed through the bus as they happen.
"""

from __future__ import annotations

from typing import ClassVar

from sim.policies.base import Policy, PolicyFamily, register
from sim.scenario import PositiveDuration, ShelfSensor

VISIBILITY = PolicyFamily("visibility")


class VisibilityPolicy(Policy):
    """When shelves are counted and how often shelf sensors are read into the twin."""

    family: ClassVar[PolicyFamily] = VISIBILITY

    def count_period(self) -> float | None:
        """Hours between physical counts of every shelf (``None``: no counts)."""
        return None

    def read_period(self, sensor: ShelfSensor | None) -> float | None:
        """Hours between shelf reads that reach the twin (``None``: shelves are not read)."""
        return None

    @property
    def reads_shelves(self) -> bool:
        """Whether shelf sensors are installed and read (they are then paid for)."""
        return False


@register
class Manual(VisibilityPolicy):
    """Transactions plus a physical count of every shelf every ``count_interval``."""

    kind = "manual"
    example = {"count_interval": "7d"}
    count_interval: PositiveDuration

    def count_period(self) -> float | None:
        return self.count_interval


class _ShelfReading(VisibilityPolicy):
    """Shelf reads feed the records; physical counts on top are optional."""

    requires_sensors = ("shelf",)
    count_interval: PositiveDuration | None = None

    def count_period(self) -> float | None:
        return self.count_interval

    @property
    def reads_shelves(self) -> bool:
        return True


@register
class Periodic(_ShelfReading):
    """Shelf reads taken and uploaded in one batch every ``sync_interval`` (a handheld RFID
    sweep, or a gateway that syncs a few times a day), plus optional cycle counts."""

    kind = "periodic"
    example = {"sync_interval": "8h", "count_interval": "30d"}
    sync_interval: PositiveDuration

    def read_period(self, sensor: ShelfSensor | None) -> float | None:
        return self.sync_interval


@register
class Realtime(_ShelfReading):
    """Shelf sensor reads at the sensor's own interval, through the bus; optional counts."""

    kind = "realtime"

    def read_period(self, sensor: ShelfSensor | None) -> float | None:
        return sensor.interval if sensor is not None else None
