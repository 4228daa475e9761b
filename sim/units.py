"""Simulated time is a float number of hours; scenario files write durations as strings."""

from __future__ import annotations

import math
import re

HOURS_PER_UNIT: dict[str, float] = {
    "s": 1.0 / 3600.0,
    "min": 1.0 / 60.0,
    "h": 1.0,
    "d": 24.0,
    "w": 168.0,
    "y": 8760.0,  # 365 days: for device lives and amortisation
}

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|min|h|d|w|y)\s*$")


def parse_duration(text: str) -> float:
    """Return the duration ``text`` (``90s``, ``15min``, ``2h``, ``3d``, ``1w``) in hours.

    >>> parse_duration("90min")
    1.5
    >>> parse_duration("2d")
    48.0
    """
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a duration; write a number and a unit, one of "
            "s, min, h, d, w, y (for example '15min' or '3d')"
        )
    return float(match.group(1)) * HOURS_PER_UNIT[match.group(2)]


def format_number(value: float | None) -> str:
    """A figure for a table: thousands separated, about three significant digits, "-" for
    none.

    >>> format_number(1234567.8), format_number(123.45), format_number(0.012345)
    ('1,234,568', '123.5', '0.0123')
    """
    if value is None or math.isnan(value):
        return "-"
    magnitude = abs(value)
    if magnitude >= 1e5:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:,.1f}"
    return f"{value:,.3g}" if magnitude < 1 else f"{value:,.2f}"


def format_duration(hours: float) -> str:
    """The shortest exact spelling of ``hours`` as a duration string.

    >>> format_duration(36.0)
    '36h'
    >>> format_duration(0.25)
    '15min'
    """
    for unit in ("y", "w", "d", "h", "min", "s"):
        count = hours / HOURS_PER_UNIT[unit]
        if abs(count - round(count)) < 1e-9 and round(count) != 0:
            return f"{round(count)}{unit}"
    return f"{hours * 3600:g}s"
