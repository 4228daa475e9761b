"""Visibility policies: which sources feed the twin's stock records, and how often."""

from __future__ import annotations

from typing import Any, ClassVar

from sim.scenario import VisibilitySpec


class Manual:
    """Transactions plus a physical count at every store every ``count_interval`` hours."""

    kind: ClassVar[str] = "manual"
    shelf_reads: ClassVar[bool] = False

    def __init__(self, count_interval: float) -> None:
        self.count_interval: float | None = count_interval

    def get_params(self) -> dict[str, Any]:
        return {"count_interval": self.count_interval}


class Realtime:
    """Shelf sensor reads through the bus; optional counts on top."""

    kind: ClassVar[str] = "realtime"
    shelf_reads: ClassVar[bool] = True

    def __init__(self, count_interval: float | None = None) -> None:
        self.count_interval = count_interval

    def get_params(self) -> dict[str, Any]:
        return {"count_interval": self.count_interval}


REGISTRY: dict[str, type[Manual] | type[Realtime]] = {Manual.kind: Manual, Realtime.kind: Realtime}


def make_visibility(spec: VisibilitySpec) -> Manual | Realtime:
    return REGISTRY[spec.kind](**spec.model_dump(exclude={"kind"}))
