"""The scenario schema (pydantic v2, closed: unknown keys are errors) and ``load_scenario``.

Everything a run needs is validated here, once; nothing downstream re-checks strings. Durations
are written as strings (``15min``, ``2h``, ``3d``) and held as hours. This module imports no SimPy.
"""

# No `from __future__ import annotations`: the distribution families below are built by a
# factory, and pydantic must see their parameter types as objects, not strings.

import copy
import difflib
import fnmatch
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)

from sim import distributions as d
from sim.errors import ScenarioError, format_path
from sim.units import format_duration, parse_duration

# ---------------------------------------------------------------------------------------------
# Scalar types


def _duration(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(
            f"expected a duration string with a unit such as '15min', '2h' or '3d', got {value!r}"
        )
    return parse_duration(value)


Duration = Annotated[
    float,
    BeforeValidator(_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d*)?\s*(s|min|h|d|w|y)$"}),
    Field(ge=0),
]
PositiveDuration = Annotated[Duration, Field(gt=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]
Probability = Annotated[float, Field(ge=0, le=1)]
PositiveInt = Annotated[int, Field(gt=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
Patterns = Annotated[list[str], Field(min_length=1)]


def _as_spec(data: Any) -> Any:
    """A default given as plain data; ``validate_default`` turns it into the field's type."""
    return data


class Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, validate_default=True
    )


# ---------------------------------------------------------------------------------------------
# Distribution specs: one family for times (durations), one for dimensionless factors, one for
# unit counts. The same `kind` names everywhere; each family admits the kinds that make sense.


class _DistSpec(Strict):
    """Base of every distribution spec; ``build()`` gives the distribution object."""

    kind: str

    def build(self) -> d.Distribution:
        values = self.model_dump(exclude={"kind"})
        kind = self.kind
        truncate = type(self).__name__.startswith("Time")
        if kind == "constant":
            return d.Constant(values["value"])
        if kind == "exponential":
            return d.Exponential(values["mean"])
        if kind == "uniform":
            if type(self).__name__.startswith("Count"):
                return d.UniformInt(values["low"], values["high"])
            return d.Uniform(values["low"], values["high"])
        if kind == "normal":
            if type(self).__name__.startswith("Count"):
                return d.RoundedNormal(values["mean"], values["sd"])
            return d.Normal(values["mean"], values["sd"], truncate)
        if kind == "lognormal":
            return d.Lognormal(values["mean"], values["sd"])
        if kind == "gamma":
            return d.Gamma(values["shape"], values["scale"])
        if kind == "weibull":
            return d.Weibull(values["shape"], values["scale"])
        if kind == "poisson":
            return d.Poisson(values["mean"])
        if kind == "negative_binomial":
            return d.NegativeBinomial(values["mean"], values["var"])
        if kind == "empirical":
            weights = values["weights"] or [1.0] * len(values["values"])
            return d.Empirical(tuple(values["values"]), tuple(weights))
        raise AssertionError(kind)  # the schema admits no other kind


def _check_uniform(model: Any) -> Any:
    if model.low > model.high:
        raise ValueError("uniform needs low <= high")
    return model


def _check_empirical(model: Any) -> Any:
    if model.weights is not None:
        if len(model.weights) != len(model.values):
            raise ValueError("empirical needs as many weights as values")
        if sum(model.weights) <= 0:
            raise ValueError("empirical weights must add up to more than zero")
    return model


def _check_negative_binomial(model: Any) -> Any:
    if model.var <= model.mean:
        raise ValueError("negative_binomial needs var > mean (use poisson when they are equal)")
    return model


_VALIDATORS = {"uniform": _check_uniform, "empirical": _check_empirical}


def _spec(prefix: str, kind: str, doc: str, **fields: Any) -> type[_DistSpec]:
    validators: dict[str, Any] = {}
    check = {"negative_binomial": _check_negative_binomial, **_VALIDATORS}.get(kind)
    if check is not None:
        validators["check"] = model_validator(mode="after")(check)
    name = prefix + "".join(part.title() for part in kind.split("_"))
    model: type[_DistSpec] = create_model(
        name,
        __base__=_DistSpec,
        __doc__=doc,
        __validators__=validators,
        kind=(Literal[kind], ...),  # type: ignore[arg-type]
        **fields,
    )
    return model


def _continuous_family(prefix: str, location: Any, positive: Any) -> Any:
    weights = (list[NonNegativeFloat] | None, None)
    members = [
        _spec(prefix, "constant", "Always the same value.", value=(location, ...)),
        _spec(prefix, "exponential", "Exponential with the given mean.", mean=(positive, ...)),
        _spec(
            prefix, "uniform", "Uniform on [low, high].", low=(location, ...), high=(location, ...)
        ),
        _spec(
            prefix,
            "normal",
            "Normal (truncated at zero for times).",
            mean=(location, ...),
            sd=(location, ...),
        ),
        _spec(
            prefix,
            "lognormal",
            "Lognormal with the mean and sd of the variable itself.",
            mean=(positive, ...),
            sd=(location, ...),
        ),
        _spec(
            prefix,
            "gamma",
            "Gamma (shape, scale).",
            shape=(PositiveFloat, ...),
            scale=(positive, ...),
        ),
        _spec(
            prefix,
            "weibull",
            "Weibull (shape, scale).",
            shape=(PositiveFloat, ...),
            scale=(positive, ...),
        ),
        _spec(
            prefix,
            "empirical",
            "The given values, with weights (equal when omitted).",
            values=(Annotated[list[location], Field(min_length=1)], ...),
            weights=weights,
        ),
    ]
    return Annotated[Union[tuple(members)], Field(discriminator="kind")]  # noqa: UP007


if TYPE_CHECKING:
    # The families are built at run time; to the type checker each is a spec with build().
    TimeDist = _DistSpec
    RealDist = _DistSpec
    CountDist = _DistSpec
else:
    TimeDist = _continuous_family("Time", Duration, PositiveDuration)
    RealDist = _continuous_family("Real", NonNegativeFloat, PositiveFloat)
    CountDist = Annotated[
        Union[  # noqa: UP007
            _spec("Count", "constant", "Always the same count.", value=(NonNegativeInt, ...)),
            _spec("Count", "poisson", "Poisson with the given mean.", mean=(PositiveFloat, ...)),
            _spec(
                "Count",
                "negative_binomial",
                "Overdispersed counts with the given mean and variance.",
                mean=(PositiveFloat, ...),
                var=(PositiveFloat, ...),
            ),
            _spec(
                "Count",
                "normal",
                "Normal, rounded to the nearest whole unit (negative values count as zero).",
                mean=(NonNegativeFloat, ...),
                sd=(NonNegativeFloat, ...),
            ),
            _spec(
                "Count",
                "uniform",
                "Integers low..high inclusive.",
                low=(NonNegativeInt, ...),
                high=(NonNegativeInt, ...),
            ),
            _spec(
                "Count",
                "empirical",
                "The given counts, with weights (equal when omitted).",
                values=(Annotated[list[NonNegativeInt], Field(min_length=1)], ...),
                weights=(list[NonNegativeFloat] | None, None),
            ),
        ],
        Field(discriminator="kind"),
    ]

TIME_KINDS = (
    "constant",
    "exponential",
    "uniform",
    "normal",
    "lognormal",
    "gamma",
    "weibull",
    "empirical",
)
COUNT_KINDS = ("constant", "poisson", "negative_binomial", "normal", "uniform", "empirical")


def constant_time(hours: float) -> Any:
    """A time distribution that is always ``hours`` (for defaults)."""
    return _TIME_CONSTANT(kind="constant", value=format_duration(hours) if hours else "0h")


_TIME_CONSTANT: Any = next(
    m
    for m in TimeDist.__args__[0].__args__  # type: ignore[attr-defined]
    if m.__name__ == "TimeConstant"
)

# ---------------------------------------------------------------------------------------------
# The supply chain


class RunSpec(Strict):
    """How long, how often and from which seed."""

    horizon: PositiveDuration
    warmup: Duration = "0h"  # type: ignore[assignment]
    replications: PositiveInt = 5
    seed: NonNegativeInt = 1

    @model_validator(mode="after")
    def _warmup_before_horizon(self) -> "RunSpec":
        if self.warmup >= self.horizon:
            raise ValueError("warmup must be shorter than the horizon")
        return self


NodeKind = Literal["supplier", "warehouse", "store", "depot", "junction"]


class NodeSpec(Strict):
    id: Annotated[str, Field(min_length=1)]
    kind: NodeKind
    x: float = Field(description="east, km")
    y: float = Field(description="north, km")


class RoadSpec(Strict):
    source: str = Field(alias="from")
    target: str = Field(alias="to")
    km: PositiveFloat
    speed_kmh: PositiveFloat
    two_way: bool = True
    congestion: NonNegativeFloat = Field(
        1.0,
        description="how much of the hourly congestion profile applies here: 0 none (a rural "
        "road), 1 all of it, 2 twice its excess over free flow (a city artery)",
    )
    incidents: NonNegativeFloat = Field(
        1.0,
        description="this road's incident rate over network.incidents' rate per km: 0 never, "
        "2 twice as often",
    )


class GeneratedNetwork(Strict):
    """A seeded random regional network: points in a square, roads on a Delaunay triangulation."""

    seed: NonNegativeInt
    region_km: PositiveFloat = 200.0
    suppliers: PositiveInt
    warehouses: PositiveInt
    stores: PositiveInt
    junctions: NonNegativeInt = 0
    detour: RealDist = Field(
        default_factory=lambda: _as_spec({"kind": "uniform", "low": 1.15, "high": 1.45}),
        description="road km over straight-line km",
    )
    speed_kmh: RealDist = Field(
        default_factory=lambda: _as_spec({"kind": "uniform", "low": 60.0, "high": 100.0})
    )
    congestion: RealDist = Field(
        default_factory=lambda: _as_spec({"kind": "constant", "value": 1.0}),
        description="per road: how much of the hourly congestion profile applies",
    )


class Congestion(Strict):
    """Travel time = free-flow time x hourly[hour of day] x noise."""

    hourly: Annotated[list[PositiveFloat], Field(min_length=24, max_length=24)] = Field(
        default_factory=lambda: [1.0] * 24
    )
    noise: RealDist = Field(default_factory=lambda: _as_spec({"kind": "constant", "value": 1.0}))


class Incidents(Strict):
    """Road incidents: each road slows or closes for a random time, at a rate per km."""

    per_1000km_per_day: PositiveFloat
    duration: TimeDist
    slowdown: Annotated[float, Field(ge=1)] = 3.0
    closure_probability: Probability = 0.0


class NetworkSpec(Strict):
    nodes: list[NodeSpec] | None = None
    roads: list[RoadSpec] | None = None
    generate: GeneratedNetwork | None = None
    congestion: Congestion = Field(default_factory=Congestion)
    incidents: Incidents | None = None

    @model_validator(mode="after")
    def _one_source(self) -> "NetworkSpec":
        explicit = self.nodes is not None or self.roads is not None
        if explicit == (self.generate is not None):
            raise ValueError("give either nodes and roads, or generate, but not both")
        if explicit and (not self.nodes or not self.roads):
            raise ValueError("an explicit network needs both nodes and roads")
        return self


class TemperatureRange(Strict):
    min: float
    max: float
    tolerance: Duration = Field(_as_spec("0h"), description="time above max before the goods spoil")

    @model_validator(mode="after")
    def _ordered(self) -> "TemperatureRange":
        if self.min >= self.max:
            raise ValueError("temperature min must be below max")
        return self


class Product(Strict):
    sku: Annotated[str, Field(min_length=1)]
    unit_cost: PositiveFloat
    price: PositiveFloat
    holding_rate_per_year: NonNegativeFloat = 0.25
    weight_kg: PositiveFloat = 1.0
    shelf_life: PositiveDuration | None = None
    temperature: TemperatureRange | None = None

    @property
    def cold_chain(self) -> bool:
        return self.temperature is not None


class DemandStream(Strict):
    """Customers buying one SKU at every store matching ``stores`` (glob patterns): a Poisson
    stream (``customers_per_day``, shaped by the profiles and promotions) or a timetable (one
    customer ``every`` period from ``first_at``, such as a daily bulk order)."""

    stores: Patterns
    sku: str
    customers_per_day: PositiveFloat | None = None
    every: PositiveDuration | None = None
    first_at: Duration = "0h"  # type: ignore[assignment]
    quantity: CountDist = Field(default_factory=lambda: _as_spec({"kind": "constant", "value": 1}))

    @model_validator(mode="after")
    def _one_arrival_process(self) -> "DemandStream":
        if (self.customers_per_day is None) == (self.every is None):
            raise ValueError("give customers_per_day (Poisson) or every (a timetable), not both")
        return self


class Promotion(Strict):
    stores: Patterns
    sku: str
    start: Duration
    end: Duration
    uplift: PositiveFloat

    @model_validator(mode="after")
    def _ordered(self) -> "Promotion":
        if self.end <= self.start:
            raise ValueError("a promotion must end after it starts")
        return self


class DemandSpec(Strict):
    """Non-homogeneous Poisson customers; profiles are rescaled to average 1. A zero in a
    profile is an hour (or day) with no customers: a closed shop."""

    unmet: Literal["lost", "backorder"] = "lost"
    daily_profile: Annotated[list[NonNegativeFloat], Field(min_length=24, max_length=24)] = Field(
        default_factory=lambda: [1.0] * 24
    )
    weekly_profile: Annotated[list[NonNegativeFloat], Field(min_length=7, max_length=7)] = Field(
        default_factory=lambda: [1.0] * 7
    )
    streams: Annotated[list[DemandStream], Field(min_length=1)]
    promotions: list[Promotion] = Field(default_factory=list)

    @field_validator("daily_profile", "weekly_profile")
    @classmethod
    def _open_sometime(cls, profile: list[float]) -> list[float]:
        if not any(profile):
            raise ValueError("a profile needs at least one hour (day) with customers")
        return profile


class OnlineSpec(Strict):
    """Online orders fulfilled by one warehouse and delivered to customer zones (graph nodes)."""

    warehouse: str
    zones: Patterns
    orders_per_day: PositiveFloat
    skus: Annotated[dict[str, PositiveFloat], Field(min_length=1)] = Field(
        description="SKU -> share of orders (weights, normalised)"
    )
    quantity: CountDist = Field(default_factory=lambda: _as_spec({"kind": "constant", "value": 1}))
    promise: PositiveDuration = Field(description="promised delivery time after the order")
    quote_margin: Duration | None = Field(
        None,
        description="when set, each order's promise is quoted when it is placed, from what the "
        "twin knows: when a truck will be free (GPS positions, or trip plans without GPS), "
        "picking, loading and the expected drive, plus this margin; `promise` is then unused",
    )


def _policy_section(value: Any) -> Any:
    if not isinstance(value, Mapping):
        raise ValueError("expected a mapping with a 'kind' key")
    if "kind" not in value:
        raise ValueError("a 'kind' key is required here")
    return dict(value)


POLICY_FAMILY_MARK = "x-policy-family"


def _policy_schema(family: str) -> WithJsonSchema:
    """Marks the section so that ``scenario_json_schema`` lists the registered policies."""
    return WithJsonSchema({"type": "object", "required": ["kind"], POLICY_FAMILY_MARK: family})


# A policy chosen by ``kind`` from a family's registry (``sim.policies``); its parameters are
# validated by the registered class when the scenario loads, so a policy added from a notebook
# is as much a part of the language as a built-in one.
ReplenishmentSection = Annotated[
    dict[str, Any], BeforeValidator(_policy_section), _policy_schema("replenishment")
]
VisibilitySection = Annotated[
    dict[str, Any], BeforeValidator(_policy_section), _policy_schema("visibility")
]
RoutingSection = Annotated[
    dict[str, Any], BeforeValidator(_policy_section), _policy_schema("routing")
]
MaintenanceSection = Annotated[
    dict[str, Any], BeforeValidator(_policy_section), _policy_schema("maintenance")
]


class InventoryRule(Strict):
    """A replenishment policy for every (location, SKU) matching the patterns; later rules win."""

    locations: Patterns
    skus: Patterns
    policy: ReplenishmentSection
    initial: NonNegativeInt | None = Field(
        None, description="stock at time zero; the policy's order-up-to level when omitted"
    )


class SupplierSpec(Strict):
    lead_time: TimeDist
    unloading_time: TimeDist | None = Field(
        None,
        description="time a supplier delivery takes at one of the warehouse's inbound dock "
        "doors (a queue when all are busy); none: deliveries take no dock",
    )


class WarehouseSpec(Strict):
    docks: PositiveInt = 2
    inbound_docks: PositiveInt = Field(
        1, description="dock doors for supplier deliveries (with suppliers.unloading_time)"
    )
    service_bays: PositiveInt = Field(
        1, description="maintenance bays where the warehouse's own trucks are serviced"
    )
    picking_time: TimeDist = Field(default_factory=lambda: constant_time(0.0))
    loading_time: TimeDist = Field(default_factory=lambda: constant_time(0.5))


class Shrinkage(Strict):
    """Losses with no transaction (theft, damage, misplacement), per store and SKU."""

    events_per_day: PositiveFloat
    quantity: CountDist = Field(default_factory=lambda: _as_spec({"kind": "constant", "value": 1}))


class StoreSpec(Strict):
    unloading_time: TimeDist = Field(default_factory=lambda: constant_time(0.25))
    shrinkage: Shrinkage | None = None


class Wear(Strict):
    """How a truck fails: gamma-process wear per km that fails at a threshold, or a lifetime
    (hours of driving to failure, drawn anew at every repair and service)."""

    mean_per_1000km: PositiveFloat | None = None
    sd_per_1000km: PositiveFloat | None = None
    failure_threshold: PositiveFloat = 1.0
    lifetime: TimeDist | None = Field(
        None, description="hours of driving to failure (instead of the gamma process)"
    )
    repair_time: TimeDist
    tow_cost: NonNegativeFloat = 0.0
    repair_cost: NonNegativeFloat = 0.0
    service_time: TimeDist = Field(
        default_factory=lambda: constant_time(4.0),
        description="a planned service in a bay at the truck's home; it restores wear to zero",
    )
    service_cost: NonNegativeFloat = 0.0

    @model_validator(mode="after")
    def _one_model(self) -> "Wear":
        gamma = self.mean_per_1000km is not None or self.sd_per_1000km is not None
        if gamma and self.lifetime is not None:
            raise ValueError("give a gamma process (mean/sd_per_1000km) or a lifetime, not both")
        if self.lifetime is None and (self.mean_per_1000km is None or self.sd_per_1000km is None):
            raise ValueError("give mean_per_1000km and sd_per_1000km, or a lifetime")
        return self


class Reefer(Strict):
    setpoint: float = 4.0
    warming_per_hour: PositiveFloat = 4.0
    failures_per_day: NonNegativeFloat = 0.0
    failure_duration: TimeDist = Field(default_factory=lambda: constant_time(1.0))


class TruckGroup(Strict):
    """``count`` trucks at every warehouse matching ``home``."""

    home: Patterns
    count: PositiveInt
    capacity_kg: PositiveFloat
    cost_per_km: NonNegativeFloat = 1.0
    cost_per_hour: NonNegativeFloat = 30.0
    co2_kg_per_km: NonNegativeFloat = 0.9
    refrigerated: bool = False
    reefer: Reefer | None = None
    wear: Wear | None = None

    @model_validator(mode="after")
    def _reefer_needs_refrigeration(self) -> "TruckGroup":
        if self.reefer is not None and not self.refrigerated:
            raise ValueError("reefer settings need refrigerated: true")
        return self


class SensorSpec(Strict):
    """Common to every sensor: read rate, bus latency and loss, costs."""

    read_rate: Annotated[float, Field(gt=0, le=1)] = 1.0
    latency: TimeDist = Field(default_factory=lambda: constant_time(0.0))
    loss: Annotated[float, Field(ge=0, lt=1)] = 0.0
    unit_cost: NonNegativeFloat = Field(0.0, description="price of one device")
    life: PositiveDuration = Field(
        _as_spec("3y"), description="service life over which the unit cost is amortised"
    )
    fee_per_device_month: NonNegativeFloat = Field(
        0.0, description="connectivity and licence per device per month (730 h)"
    )
    cost_per_message: NonNegativeFloat = 0.0


class ShelfSensor(SensorSpec):
    """Shelf/RFID stock reads per store and SKU."""

    interval: PositiveDuration
    noise_sd: NonNegativeFloat = 0.0


class GpsSensor(SensorSpec):
    interval: PositiveDuration


class TemperatureSensor(SensorSpec):
    interval: PositiveDuration
    noise_sd: NonNegativeFloat = 0.0


class HealthSensor(SensorSpec):
    """A noisy reading of engine wear, every ``interval`` of driving."""

    interval: PositiveDuration
    noise_sd: NonNegativeFloat = 0.0


class Sensors(Strict):
    shelf: ShelfSensor | None = None
    dock_door: SensorSpec | None = None
    gps: GpsSensor | None = None
    reefer_temperature: TemperatureSensor | None = None
    engine_health: HealthSensor | None = None
    order_tracking: SensorSpec | None = None
    traffic: SensorSpec | None = Field(
        None,
        description="a live traffic feed (one subscription): every road incident announced "
        "when it starts, with when it ends and whether the road is closed",
    )


class Costs(Strict):
    store_order: NonNegativeFloat = 0.0
    warehouse_order: NonNegativeFloat = 0.0
    lost_sale_per_unit: NonNegativeFloat = Field(0.0, description="goodwill on top of lost margin")
    backorder_per_unit_day: NonNegativeFloat = 0.0
    downtime_per_hour: NonNegativeFloat = 0.0
    count_per_item: NonNegativeFloat = Field(
        0.0, description="labour of one physical count of one SKU at one store"
    )
    iot_platform_per_month: NonNegativeFloat = Field(
        0.0, description="IoT platform fee per month (730 h), when any sensor is in use"
    )


class Recording(Strict):
    events: bool = True
    timeseries_interval: PositiveDuration = "1h"  # type: ignore[assignment]


class Tolerance(Strict):
    """A change no one minds: within ``abs`` (the KPI's unit) or ``rel`` (a share of the
    baseline mean) of the baseline."""

    abs: NonNegativeFloat = 0.0
    rel: NonNegativeFloat = 0.0


class RegressionSpec(Strict):
    """How ``sim check`` judges a KPI against its baseline: it fails when the change is
    statistically significant (Welch's t-test, Holm-adjusted over the check) and beyond the
    tolerance."""

    significance: Annotated[float, Field(gt=0, lt=1)] = Field(
        0.01, description="the chance that a check of an unchanged model fails at all"
    )
    tolerance: Tolerance = Field(default_factory=Tolerance, description="for every KPI")
    kpis: dict[str, Tolerance] = Field(
        default_factory=dict, description="per KPI; what it leaves out comes from tolerance"
    )

    def tolerance_for(self, kpi: str) -> Tolerance:
        own = self.kpis.get(kpi)
        if own is None:
            return self.tolerance
        return self.tolerance.model_copy(update=own.model_dump(include=own.model_fields_set))


NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"
BASE_VARIANT = "base"
FIXED_ACROSS_VARIANTS = {"name", "run", "variants", "reference", "sweep", "regression"}


class Sweep(Strict):
    """A grid of parameter values: every combination is run with every (chosen) variant."""

    parameters: Annotated[
        dict[str, Annotated[list[Any], Field(min_length=1)]], Field(min_length=1)
    ] = Field(description="key path (fleet[0].count, sensors.shelf.read_rate) -> values")
    variants: list[str] | None = Field(
        None, description="the variants to run at each point (the reference is always run)"
    )
    show: list[str] = Field(
        default_factory=lambda: ["total_cost"], description="KPIs printed by sim run"
    )

    def points(self) -> list[dict[str, Any]]:
        """Every combination of the values, the first parameter varying slowest."""
        keys = list(self.parameters)
        return [
            dict(zip(keys, values, strict=True))
            for values in itertools.product(*self.parameters.values())
        ]


class Scenario(Strict):
    """One supply chain and how to run it."""

    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    description: str = ""
    run: RunSpec
    network: NetworkSpec
    products: Annotated[list[Product], Field(min_length=1)]
    demand: DemandSpec
    online: OnlineSpec | None = None
    inventory: Annotated[list[InventoryRule], Field(min_length=1)]
    suppliers: SupplierSpec
    warehouses: WarehouseSpec = Field(default_factory=WarehouseSpec)
    stores: StoreSpec = Field(default_factory=StoreSpec)
    supply: dict[str, str] = Field(
        default_factory=dict,
        description="store -> warehouse and warehouse -> supplier; the nearest otherwise",
    )
    fleet: Annotated[list[TruckGroup], Field(min_length=1)]
    sensors: Sensors = Field(default_factory=Sensors)
    visibility: VisibilitySection
    routing: RoutingSection = Field(default_factory=lambda: {"kind": "static"})
    maintenance: MaintenanceSection = Field(default_factory=lambda: {"kind": "reactive"})
    costs: Costs = Field(default_factory=Costs)
    recording: Recording = Field(default_factory=Recording)
    variants: dict[Annotated[str, Field(pattern=NAME_PATTERN)], dict[str, Any]] = Field(
        default_factory=dict,
        description="named overrides of this scenario, each deep-merged onto it; a key with "
        "dots sets one value (fleet[0].count)",
    )
    reference: str | None = Field(
        None, description="the variant the others are compared with (the first by default)"
    )
    sweep: Sweep | None = None
    regression: RegressionSpec = Field(
        default_factory=RegressionSpec, description="how `sim check` judges the KPIs"
    )

    def product(self, sku: str) -> Product:
        return next(p for p in self.products if p.sku == sku)

    @property
    def variant_names(self) -> list[str]:
        """The variants to run, the reference first; ``["base"]`` when there are none."""
        if not self.variants:
            return [BASE_VARIANT]
        reference = self.reference_name
        return [reference, *(name for name in self.variants if name != reference)]

    @property
    def reference_name(self) -> str:
        if not self.variants:
            return BASE_VARIANT
        return self.reference if self.reference is not None else next(iter(self.variants))

    def variant(self, name: str, source: str = "<scenario>") -> "Scenario":
        """The scenario of one variant: the base with its overrides applied, validated."""
        if name == BASE_VARIANT and not self.variants:
            return self
        if name not in self.variants:
            raise KeyError(name)
        data = self.model_dump(
            mode="json", by_alias=True, exclude={"variants", "reference", "sweep"}
        )
        prefix: list[str | int] = ["variants", name]
        merged = apply_overrides(data, self.variants[name], source, prefix)
        return load_scenario_data(merged, source, prefix)

    def expand(self, source: str = "<scenario>") -> dict[str, "Scenario"]:
        """Every variant's scenario by name, the reference first."""
        return {name: self.variant(name, source) for name in self.variant_names}

    def sweep_points(self, source: str = "<scenario>") -> list[tuple[dict[str, Any], "Scenario"]]:
        """(parameter values, scenario) per point of the sweep; one point, the scenario itself
        without the sweep, when there is none. At each point the variants are restricted to
        those the sweep names (and the reference)."""
        if self.sweep is None:
            return [({}, self)]
        base = self.model_dump(mode="json", by_alias=True, exclude={"sweep"})
        chosen = self.sweep.variants
        if chosen is not None and self.variants:
            keep = [self.reference_name, *(v for v in chosen if v != self.reference_name)]
            base["variants"] = {name: self.variants[name] for name in keep}
        points = []
        for index, values in enumerate(self.sweep.points()):
            prefix: list[str | int] = ["sweep", "parameters"]
            data = apply_overrides(base, values, source, prefix)
            try:
                scenario = load_scenario_data(data, source)
            except ScenarioError as exc:
                where = ", ".join(f"{k}={v!r}" for k, v in values.items())
                raise ScenarioError(
                    source, [(f"sweep (point {index}: {where}) {p}", m) for p, m in exc.problems]
                ) from None
            points.append((values, scenario))
        return points

    def with_run(
        self, replications: int | None = None, seed: int | None = None, source: str = "<run>"
    ) -> "Scenario":
        """The scenario with another replication count or seed (``None`` keeps the file's)."""
        overrides = {
            key: value
            for key, value in (("replications", replications), ("seed", seed))
            if value is not None
        }
        return self.with_overrides({"run": overrides}, source) if overrides else self

    def only(self, *names: str) -> "Scenario":
        """The scenario with only the named variants (the reference kept if named, else the
        first named becomes it): ``scenario.only("manual_60d", "realtime")``."""
        unknown = [n for n in names if n not in self.variants]
        if unknown or not names:
            raise KeyError(f"no such variant(s): {unknown}; the variants are {self.variant_names}")
        data = self.model_dump(mode="json", by_alias=True)
        data["variants"] = {name: self.variants[name] for name in names}
        data["reference"] = self.reference_name if self.reference_name in names else names[0]
        return load_scenario_data(data, "<only>")

    def with_overrides(
        self,
        overrides: Mapping[str, Any] | None = None,
        source: str = "<overrides>",
        **paths: Any,
    ) -> "Scenario":
        """A new scenario with ``overrides`` applied and validated again: mappings deep-merge,
        a dotted key sets one value (``{"fleet[0].count": 6}``). Keyword paths do the same
        with ``__`` for the dots and a bare number for an index (``fleet__0__count=6``)."""
        merged = dict(overrides or {})
        merged.update({keyword_path(name): value for name, value in paths.items()})
        data = apply_overrides(self.model_dump(mode="json", by_alias=True), merged, source)
        return load_scenario_data(data, source)


# ---------------------------------------------------------------------------------------------
# Loading


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that rejects a key given twice in one mapping (PyYAML keeps the last)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """``"fleet[0].count"`` or ``"fleet.0.count"`` -> ``["fleet", 0, "count"]``."""
    parts: list[str | int] = []
    for name, index in _PATH_PART.findall(path):
        if index:
            parts.append(int(index))
        elif name.isdigit():
            parts.append(int(name))
        else:
            parts.append(name)
    return parts


def set_path(data: Any, path: Sequence[str | int], value: Any) -> None:
    """Set one value inside nested mappings and lists; ``KeyError`` says where it failed."""
    node = data
    for depth, part in enumerate(path[:-1]):
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str):
            node = node.setdefault(part, {})
        else:
            raise KeyError(format_path(path[: depth + 1]))
    last = path[-1]
    if isinstance(node, list) and isinstance(last, int) and last < len(node):
        node[last] = value
        return
    if isinstance(node, dict) and isinstance(last, str):
        node[last] = value
        return
    raise KeyError(format_path(path))


def keyword_path(name: str) -> str:
    """``fleet__0__count`` -> ``fleet[0].count`` (a key path written as a Python keyword).

    >>> keyword_path("sensors__shelf__read_rate"), keyword_path("fleet__0__count")
    ('sensors.shelf.read_rate', 'fleet[0].count')
    """
    text = ""
    for part in name.split("__"):
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text


def apply_overrides(
    data: Mapping[str, Any],
    overrides: Mapping[str, Any],
    source: str = "<overrides>",
    prefix: Sequence[str | int] = (),
) -> dict[str, Any]:
    """``overrides`` applied to a copy of ``data``: plain keys deep-merge, dotted keys set one
    value (``"fleet[0].count": 6``)."""
    merged = deep_merge(data, {k: v for k, v in overrides.items() if not _is_path(k)})
    merged = copy.deepcopy(merged)
    for key, value in overrides.items():
        if not _is_path(key):
            continue
        try:
            set_path(merged, parse_path(key), value)
        except KeyError as exc:
            raise ScenarioError(
                source,
                [(format_path([*prefix, key]), f"no such place in the scenario: {exc.args[0]}")],
            ) from None
    return merged


def _regression_problems(scenario: Scenario) -> list[tuple[str, str]]:
    from sim.kpi import BY_NAME

    problems = []
    for kpi in scenario.regression.kpis:
        if kpi not in BY_NAME:
            close = difflib.get_close_matches(kpi, sorted(BY_NAME), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(
                (f"regression.kpis.{kpi}", f"no such KPI{hint} (`sim kpis` lists them)")
            )
    return problems


def _sweep_problems(scenario: Scenario) -> list[tuple[str, str]]:
    sweep = scenario.sweep
    if sweep is None:
        return []
    problems = []
    for key in sweep.parameters:
        top = parse_path(key)[0]
        if top in FIXED_ACROSS_VARIANTS:
            problems.append((f"sweep.parameters.{key}", "a sweep cannot change this"))
    for i, name in enumerate(sweep.variants or []):
        if name not in scenario.variants:
            known = ", ".join(scenario.variants) or "none are defined"
            problems.append((f"sweep.variants[{i}]", f"{name!r} is not a variant ({known})"))
    from sim.kpi import BY_NAME

    for i, kpi in enumerate(sweep.show):
        if kpi not in BY_NAME:
            close = difflib.get_close_matches(kpi, list(BY_NAME), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append((f"sweep.show[{i}]", f"unknown KPI {kpi!r}{hint}"))
    return problems


def _variant_problems(scenario: Scenario) -> list[tuple[str, str]]:
    problems = []
    if scenario.reference is not None and scenario.reference not in scenario.variants:
        known = ", ".join(scenario.variants) or "none are defined"
        problems.append(("reference", f"{scenario.reference!r} is not a variant ({known})"))
    for name, overrides in scenario.variants.items():
        for key in overrides:
            top = parse_path(str(key))[0]
            if top in FIXED_ACROSS_VARIANTS:
                problems.append(
                    (
                        f"variants.{name}.{key}",
                        "a variant cannot change this: every variant shares the base's name, "
                        "run settings (horizon, seed, replications) and variant list",
                    )
                )
    return problems


def _is_path(key: Any) -> bool:
    return isinstance(key, str) and ("." in key or "[" in key)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` merged into a copy of ``base``: mappings merge, everything else replaces.
    A mapping with another ``kind`` (a policy, a distribution) replaces the old one whole: the
    old kind's parameters mean nothing to the new one."""
    merged = dict(base)
    for key, value in override.items():
        old = merged.get(key)
        if (
            isinstance(value, Mapping)
            and isinstance(old, Mapping)
            and value.get("kind", old.get("kind")) == old.get("kind")
        ):
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = value
    return merged


def scenario_json_schema() -> dict[str, Any]:
    """The scenario JSON Schema with every registered policy spelled out (for editors)."""
    from sim.policies import FAMILIES

    schema = Scenario.model_json_schema(by_alias=True)
    definitions = schema.setdefault("$defs", {})

    def expand(node: Any) -> Any:
        if isinstance(node, dict):
            family = node.get(POLICY_FAMILY_MARK)
            if isinstance(family, str):
                options = FAMILIES[family].json_schema()
                for option in options["oneOf"]:
                    definitions.update(option.pop("$defs", {}))
                return {"description": f"a {family} policy, chosen by kind", **options}
            return {key: expand(value) for key, value in node.items()}
        if isinstance(node, list):
            return [expand(item) for item in node]
        return node

    expanded: dict[str, Any] = expand(schema)
    return expanded


def _vocabulary() -> set[str]:
    words: set[str] = set()

    def visit(schema: Any) -> None:
        if isinstance(schema, dict):
            for key, value in schema.items():
                if key == "properties" and isinstance(value, dict):
                    words.update(value)
                visit(value)
        elif isinstance(schema, list):
            for item in schema:
                visit(item)

    visit(scenario_json_schema())
    return words


def _policy_sections(scenario: "Scenario") -> list[tuple[str, list[str | int], dict[str, Any]]]:
    sections: list[tuple[str, list[str | int], dict[str, Any]]] = [
        ("visibility", ["visibility"], scenario.visibility),
        ("routing", ["routing"], scenario.routing),
        ("maintenance", ["maintenance"], scenario.maintenance),
    ]
    sections += [
        ("replenishment", ["inventory", i, "policy"], rule.policy)
        for i, rule in enumerate(scenario.inventory)
    ]
    return sections


def _policy_problems(scenario: "Scenario") -> list[tuple[str, str]]:
    """Each policy section validated by its registered class."""
    from sim.policies import FAMILIES, UnknownKind

    problems: list[tuple[str, str]] = []
    for family, loc, section in _policy_sections(scenario):
        try:
            FAMILIES[family].parse(section)
        except UnknownKind as exc:
            problems.append((format_path([*loc, "kind"]), str(exc)))
        except ValidationError as exc:
            vocabulary = _vocabulary()
            problems += [
                (format_path([*loc, *_clean_loc(error["loc"])]), _message(error, vocabulary))
                for error in exc.errors()
            ]
    return problems


def _message(error: Mapping[str, Any], vocabulary: set[str]) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        close = difflib.get_close_matches(key, sorted(vocabulary - {key}), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown key {key!r}{hint}"
    if kind == "missing":
        return "this key is required"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        return f"unknown kind {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "a 'kind' key is required here"
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    given = error.get("input")
    if (
        isinstance(given, str | int | float)
        and not isinstance(given, bool)
        and "got" not in message
    ):
        message += f" (got {given!r})"
    return message


_UNION_TAGS = {*TIME_KINDS, *COUNT_KINDS}


def _clean_loc(loc: Iterable[Any]) -> list[str | int]:
    """Drop the tags pydantic inserts after a tagged union (``lead_time.gamma.scale``)."""
    parts = list(loc)
    return [
        p for i, p in enumerate(parts) if not (i > 0 and p in _UNION_TAGS and i + 1 < len(parts))
    ]


def load_scenario_data(
    data: Any, source: str = "<dict>", prefix: Sequence[str | int] = ()
) -> Scenario:
    """Validate a scenario given as plain data (as parsed from YAML), its variants too.

    ``prefix`` is put before every key path in an error (a variant's ``variants.<name>``).
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(source, [("(top level)", "expected a mapping of scenario keys")])
    where = format_path(prefix) + "." if prefix else ""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        vocabulary = _vocabulary()
        problems = [
            (where + format_path(_clean_loc(error["loc"])), _message(error, vocabulary))
            for error in exc.errors()
        ]
        raise ScenarioError(source, problems) from None
    from sim.plan import check_references

    problems = [(where + path, message) for path, message in _policy_problems(scenario)]
    if problems:
        raise ScenarioError(source, problems)
    problems = [(where + path, message) for path, message in check_references(scenario)]
    if problems:
        raise ScenarioError(source, problems)
    problems = _variant_problems(scenario)
    for name in scenario.variants:  # every variant must be a valid scenario too
        if any(path.startswith(f"variants.{name}.") for path, _ in problems):
            continue
        try:
            scenario.variant(name, source)
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(source, problems)
    problems = _sweep_problems(scenario) + _regression_problems(scenario)
    if problems:
        raise ScenarioError(source, problems)
    if scenario.sweep is not None:
        scenario.sweep_points(source)  # every point must be a valid scenario too
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; every problem raises ``ScenarioError``."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(source, [("(file)", "no such file")]) from None
    except OSError as exc:
        raise ScenarioError(source, [("(file)", f"cannot read: {exc.strerror}")]) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(source, [(where, f"YAML syntax error: {problem}")]) from None
    return load_scenario_data(data, source)


def match(patterns: Iterable[str], names: Iterable[str]) -> list[str]:
    """The names matching any of the glob ``patterns``, in the order of ``names``."""
    pats = list(patterns)
    return [name for name in names if any(fnmatch.fnmatchcase(name, p) for p in pats)]


def hourly_rate_profile(spec: DemandSpec) -> list[float]:
    """The 168 hour-of-week multipliers of the demand rate, averaging exactly 1."""
    daily_mean = sum(spec.daily_profile) / 24
    weekly_mean = sum(spec.weekly_profile) / 7
    return [
        spec.weekly_profile[h // 24] / weekly_mean * spec.daily_profile[h % 24] / daily_mean
        for h in range(168)
    ]
