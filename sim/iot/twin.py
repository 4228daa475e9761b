"""The digital twin: observed state built from transactions and sensor readings.

Policies read only these objects. A ``StockRecord`` is what the information system believes
about one location and SKU; the physical stock lives in ``sim.world`` and is never handed to a
policy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


class StockRecord:
    """Recorded on-hand, on-order and backorders of one (location, SKU)."""

    __slots__ = (
        "backorders",
        "demand_history",
        "last_sync",
        "location",
        "on_hand",
        "on_order",
        "sku",
        "tx",
    )

    HISTORY = 104  # review periods of recorded demand kept

    def __init__(self, location: str, sku: str, on_hand: int) -> None:
        self.location = location
        self.sku = sku
        self.on_hand = on_hand
        self.on_order = 0
        self.backorders = 0
        # units demanded per review period as the tills recorded them (sold or backordered;
        # a customer who leaves an empty shelf records nothing), oldest first
        self.demand_history: list[int] = []
        # Net units moved by recorded transactions so far; lets a delayed sensor reading be
        # brought forward by the transactions recorded since it was taken.
        self.tx = 0
        self.last_sync = -math.inf

    def close_period(self, demand: int) -> None:
        self.demand_history.append(demand)
        if len(self.demand_history) > self.HISTORY:
            del self.demand_history[0]

    @property
    def position(self) -> int:
        """Inventory position as recorded: on hand + on order - backorders."""
        return self.on_hand + self.on_order - self.backorders

    def __repr__(self) -> str:
        return (
            f"StockRecord({self.location}/{self.sku}: on_hand={self.on_hand}, "
            f"on_order={self.on_order}, backorders={self.backorders})"
        )


@dataclass
class TripPlan:
    """What the dispatcher planned for a trip: positions and planned hours of both legs."""

    departed: float
    out_xy: np.ndarray
    out_hours: np.ndarray
    unload_hours: float
    back_xy: np.ndarray
    back_hours: np.ndarray
    delivered_at: float | None = None  # the store's goods receipt (a transaction)


def _nothing() -> None:
    return None


class TruckView:
    """What the fleet's information system knows of one truck.

    From its own records: hours driven and km since the last service or repair, and the
    datasheet's average wear per km and failure threshold. From the bus: GPS fixes and
    engine-health readings. Readings along a leg are computed when the leg starts, with their
    arrival times; the view answers with what had *arrived* by the time asked, never with what
    is still on the bus.
    """

    HEALTH_LEGS = 16  # legs of engine-health readings kept (enough for any estimator window)

    def __init__(self, wear_per_km: float = 0.0, failure_threshold: float = 1.0) -> None:
        self.wear_per_km = wear_per_km
        self.failure_threshold = failure_threshold
        self.serviced_at = 0.0
        self.driving_hours_since_service = 0.0
        self.km_since_service = 0.0
        self.odometer = 0.0  # km driven, from the trip records
        # the dispatcher's plan of the trip under way: set at departure, cleared back home
        self.trip: TripPlan | None = None
        self.busy_until: float | None = None  # in a service bay: its planned end
        self.gps = False  # whether the truck has GPS: its fixes may be used
        # computes the readings of legs already driven or under way (readings are produced in
        # batches); called before any answer that depends on them
        self.flush: Callable[[], None] = _nothing
        self._gps: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._health: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add_gps(
        self, t_event: np.ndarray, t_received: np.ndarray, x: np.ndarray, y: np.ndarray
    ) -> None:
        self._gps = [*self._gps[-1:], (t_event, t_received, x, y)]

    def add_health(
        self,
        t_event: np.ndarray,
        t_received: np.ndarray,
        value: np.ndarray,
        odometer: np.ndarray | None = None,
    ) -> None:
        """Readings with their times and the odometer (km) at each; the odometer is the trip
        records' own, so the estimate can carry a reading forward by the km driven since."""
        if not len(t_event):
            return
        km = odometer if odometer is not None else np.full(len(t_event), self.odometer)
        self._health = [*self._health[1 - self.HEALTH_LEGS :], (t_event, t_received, value, km)]

    def add_driving(self, hours: float, km: float) -> None:
        self.driving_hours_since_service += hours
        self.km_since_service += km
        self.odometer += km

    def serviced(self, now: float) -> None:
        """A service or a repair restored the truck: counters restart, older readings lapse."""
        self.serviced_at = now
        self.driving_hours_since_service = 0.0
        self.km_since_service = 0.0

    def position(self, now: float) -> tuple[float, float, float] | None:
        """(time of the fix, x, y) of the latest fix received by ``now``; None if none."""
        self.flush()
        for t_event, t_received, x, y in reversed(self._gps):
            arrived = np.flatnonzero(t_received <= now)  # NaN (lost) never arrives
            if len(arrived):
                k = arrived[np.argmax(t_event[arrived])]
                return float(t_event[k]), float(x[k]), float(y[k])
        return None

    def health(self, now: float) -> tuple[float, float] | None:
        """(time of the reading, value) of the latest engine-health reading received by ``now``."""
        self.flush()
        for t_event, t_received, value, _ in reversed(self._health):
            arrived = np.flatnonzero(t_received <= now)
            if len(arrived):
                k = arrived[np.argmax(t_event[arrived])]
                return float(t_event[k]), float(value[k])
        return None

    def expected_free(self, now: float) -> float:
        """When the truck should be home and free: from its latest GPS fix on the planned path
        and the planned hours left, or from the trip plan alone without GPS."""
        if self.busy_until is not None:
            return max(now, self.busy_until)
        trip = self.trip
        if trip is None:
            return now
        out, back = float(trip.out_hours.sum()), float(trip.back_hours.sum())
        fix = self.position(now) if self.gps else None
        if fix is not None and fix[0] >= trip.departed:
            t_fix, x, y = fix
            if trip.delivered_at is None:
                left = remaining_hours(trip.out_xy, trip.out_hours, x, y)
                return max(now, t_fix + left + trip.unload_hours + back)
            if t_fix >= trip.delivered_at:
                return max(now, t_fix + remaining_hours(trip.back_xy, trip.back_hours, x, y))
        if trip.delivered_at is None:
            return max(trip.departed + out, now) + trip.unload_hours + back
        return max(now, trip.delivered_at + back)

    def health_estimate(self, now: float, window: int) -> float | None:
        """Wear now, estimated from the latest ``window`` readings taken since the last service
        and received by ``now``: each carried forward by the km driven since it was taken at
        the datasheet's average wear per km, then averaged. None when no reading came."""
        self.flush()
        values, times, km = [], [], []
        for t_event, t_received, value, odometer in self._health:
            keep = (t_received <= now) & (t_event >= self.serviced_at)
            values.append(value[keep])
            times.append(t_event[keep])
            km.append(odometer[keep])
        if not values or not sum(len(v) for v in values):
            return None
        latest = np.argsort(np.concatenate(times), kind="stable")[-window:]
        carried = np.concatenate(values) + self.wear_per_km * (self.odometer - np.concatenate(km))
        return float(carried[latest].mean())


class RoadView:
    """What the twin knows of the roads: the published map and congestion profile, and the
    travel times the fleet's GPS reported, each known from its arrival over the bus.

    A report is (edge, time the truck left it, observed hours / expected hours): how much
    slower than the profile said the road was, so that a report from before a rush hour still
    means something during it. A truck held at a closed road reports at once (its GPS shows it
    stopped) with ``BLOCKED``.

    A traffic feed (``sensors.traffic``) announces incidents instead: a road slowed by a factor,
    or closed (factor inf), until a known time.
    """

    BLOCKED = 1e6
    KEEP = 4  # reports kept per road: the latest is the one that counts

    def __init__(self, free_hours: np.ndarray, congestion: np.ndarray, hourly: list[float]):
        self.free_hours = free_hours
        self.congestion = congestion
        self.hourly = list(hourly)
        self._reports: dict[int, list[tuple[float, float, float]]] = {}
        self.reports = 0
        self._incidents: dict[int, tuple[float, float]] = {}  # edge -> (ends, factor)

    def historical(self, hour: int) -> np.ndarray:
        """Expected hours per road at an hour of the day, from the published profile."""
        return self.free_hours * (1.0 + self.congestion * (self.hourly[hour % 24] - 1.0))

    def expected_hours(self, edge: int, t: float) -> float:
        return float(
            self.free_hours[edge] * (1.0 + self.congestion[edge] * (self.hourly[int(t) % 24] - 1))
        )

    def report(self, edge: int, t_event: float, t_received: float, factor: float) -> None:
        """``factor``: observed over expected hours (``BLOCKED`` for a closure)."""
        if math.isnan(t_received):
            return  # lost on the bus
        kept = self._reports.setdefault(edge, [])
        kept.append((t_received, t_event, factor))
        if len(kept) > self.KEEP:
            del kept[0]
        self.reports += 1

    def announce(self, edge: int, ends: float, factor: float) -> None:
        """The feed's word: ``edge`` is slowed by ``factor`` (closed: inf) until ``ends``."""
        self._incidents[edge] = (ends, factor)

    def incidents(self, now: float) -> dict[int, tuple[float, float]]:
        """The announced incidents still on at ``now``: edge -> (ends, factor)."""
        over = [edge for edge, (ends, _) in self._incidents.items() if ends <= now]
        for edge in over:
            del self._incidents[edge]
        return self._incidents

    def observed(self, now: float, memory: float) -> dict[int, float]:
        """Per road, the latest factor (observed over expected hours) received by ``now`` about
        a passage within ``memory``. Reports older than that are dropped: time only moves on."""
        seen: dict[int, float] = {}
        since = now - memory
        stale = []
        for edge, kept in self._reports.items():
            best = None
            fresh = [r for r in kept if r[1] >= since]
            if len(fresh) < len(kept):
                if fresh:
                    self._reports[edge] = fresh
                else:
                    stale.append(edge)
            for t_received, t_event, factor in fresh:
                if t_received <= now and (best is None or t_event > best[0]):
                    best = (t_event, factor)
            if best is not None:
                seen[edge] = best[1]
        for edge in stale:
            del self._reports[edge]
        return seen


def remaining_hours(nodes_xy: np.ndarray, hours: np.ndarray, x: float, y: float) -> float:
    """Planned hours left on a path (node positions, planned hours per road) from the point on
    it nearest to a GPS fix at (x, y)."""
    start, end = nodes_xy[:-1], nodes_xy[1:]
    along = end - start
    length2 = (along**2).sum(axis=1)
    point = np.array([x, y])
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(length2 > 0, ((point - start) * along).sum(axis=1) / length2, 0.0)
    share = np.clip(share, 0.0, 1.0)
    gap = ((start + share[:, None] * along - point) ** 2).sum(axis=1)
    k = int(np.argmin(gap))
    return float(hours[k] * (1.0 - share[k]) + hours[k + 1 :].sum())


@dataclass
class Twin:
    records: dict[tuple[str, str], StockRecord] = field(default_factory=dict)
    trucks: dict[str, TruckView] = field(default_factory=dict)
    roads: RoadView | None = None

    def truck(self, name: str) -> TruckView:
        view = self.trucks.get(name)
        if view is None:
            view = self.trucks[name] = TruckView()
        return view

    def record(self, location: str, sku: str, on_hand: int) -> StockRecord:
        rec = StockRecord(location, sku, on_hand)
        self.records[(location, sku)] = rec
        return rec
