"""An IoT-aware discrete-event supply-chain simulator.

``sim.load``, ``sim.run`` and ``sim.open_run`` are the Python API (``sim.api``); they are
imported on first use, so that the command line starts without plotting libraries.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Results", "load", "open_run", "run"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
