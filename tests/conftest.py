"""Shared fixtures: a small explicit supply chain that is quick to simulate and easy to reason
about (one supplier, one warehouse, two stores on a triangle of roads)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

TINY: dict[str, Any] = {
    "name": "tiny",
    "run": {"horizon": "20d", "warmup": "2d", "replications": 2, "seed": 5},
    "network": {
        "nodes": [
            {"id": "P1", "kind": "supplier", "x": 0, "y": 0},
            {"id": "W1", "kind": "warehouse", "x": 10, "y": 0},
            {"id": "S1", "kind": "store", "x": 20, "y": 5},
            {"id": "S2", "kind": "store", "x": 20, "y": -5},
            {"id": "J1", "kind": "junction", "x": 15, "y": 0},
        ],
        "roads": [
            {"from": "P1", "to": "W1", "km": 10, "speed_kmh": 80},
            {"from": "W1", "to": "J1", "km": 5, "speed_kmh": 60},
            {"from": "J1", "to": "S1", "km": 8, "speed_kmh": 50},
            {"from": "J1", "to": "S2", "km": 8, "speed_kmh": 50},
        ],
    },
    "products": [
        {"sku": "A", "unit_cost": 1.0, "price": 2.0},
        {
            "sku": "C",
            "unit_cost": 2.0,
            "price": 3.0,
            "shelf_life": "6d",
            "temperature": {"min": 1, "max": 6, "tolerance": "30min"},
        },
    ],
    "demand": {
        "unmet": "lost",
        "streams": [
            {"stores": ["*"], "sku": "A", "customers_per_day": 20},
            {"stores": ["S1"], "sku": "C", "customers_per_day": 10},
        ],
    },
    "inventory": [
        {"locations": ["S*"], "skus": ["*"], "policy": {"kind": "s_S", "s": 20, "S": 60}},
        {"locations": ["W1"], "skus": ["*"], "policy": {"kind": "r_Q", "r": 80, "Q": 150}},
    ],
    "suppliers": {"lead_time": {"kind": "constant", "value": "1d"}},
    "stores": {"shrinkage": {"events_per_day": 2}},
    "fleet": [
        {
            "home": ["W1"],
            "count": 1,
            "capacity_kg": 500,
            "refrigerated": True,
            "reefer": {
                "failures_per_day": 0.5,
                "failure_duration": {"kind": "constant", "value": "2h"},
            },
            "wear": {
                "mean_per_1000km": 0.3,
                "sd_per_1000km": 0.1,
                "repair_time": {"kind": "constant", "value": "5h"},
            },
        }
    ],
    "sensors": {
        "gps": {"interval": "10min"},
        "dock_door": {},
        "engine_health": {"interval": "1h", "noise_sd": 0.02},
        "reefer_temperature": {"interval": "15min"},
    },
    "visibility": {"kind": "manual", "count_interval": "5d"},
}


@pytest.fixture
def tiny() -> dict[str, Any]:
    """A fresh, mutable copy of the tiny scenario as plain data."""
    return copy.deepcopy(TINY)


@pytest.fixture
def write_scenario(tmp_path: Path) -> Any:
    def write(data: dict[str, Any] | str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
        return path

    return write
