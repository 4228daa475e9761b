"""The transport layer: a link from one kind of sensor to the information system.

Each message is delayed by a latency drawn from the sensor's distribution and lost with the
sensor's loss probability; a lost message arrives at NaN, which never compares as arrived.
"""

from __future__ import annotations

import math

import numpy as np

from sim.distributions import Distribution


class Link:
    def __init__(self, latency: Distribution, loss: float, rng: np.random.Generator) -> None:
        self.latency = latency
        self.loss = loss
        self.rng = rng
        self._fixed = latency.mean if latency.var == 0 else None  # no draws for a fixed latency
        self._buffer: list[float] = []
        self._index = 0

    def arrivals(self, times: np.ndarray) -> np.ndarray:
        """When messages sent at ``times`` reach the twin (NaN: lost)."""
        n = len(times)
        if self._fixed is not None:
            arrived = times + self._fixed
        else:
            arrived = times + self.latency.sample(self.rng, n)
        if self.loss > 0:
            arrived[self.rng.random(n) < self.loss] = math.nan
        return arrived

    def arrival(self, t: float) -> float:
        """When one message sent at ``t`` reaches the twin (NaN: lost); drawn in batches."""
        if self._fixed is not None and self.loss == 0:
            return t + self._fixed
        if self._index >= len(self._buffer):
            self._buffer = (self.arrivals(np.zeros(256))).tolist()
            self._index = 0
        delay = self._buffer[self._index]
        self._index += 1
        return t + delay
