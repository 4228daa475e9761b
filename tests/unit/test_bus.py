"""The bus between sensors and the twin: latency and loss."""

import numpy as np

from sim.distributions import Constant, Exponential
from sim.iot.bus import Link


def test_fixed_latency_and_no_loss() -> None:
    link = Link(Constant(0.5), 0.0, np.random.default_rng(0))
    assert link.arrival(3.0) == 3.5
    assert np.array_equal(link.arrivals(np.array([1.0, 2.0])), [1.5, 2.5])


def test_loss_rate_and_mean_latency() -> None:
    # 100,000 messages: the lost share has sd sqrt(0.1 * 0.9 / 1e5) = 0.00095 and the mean
    # latency of the delivered ones sd 2 / sqrt(9e4) = 0.0067; allow 5 sd each
    link = Link(Exponential(2.0), 0.1, np.random.default_rng(1))
    sent = np.zeros(100_000)
    arrived = link.arrivals(sent)
    lost = np.isnan(arrived)
    assert abs(lost.mean() - 0.1) < 5 * 0.00095
    assert abs(arrived[~lost].mean() - 2.0) < 5 * 0.0067
    single = np.array([link.arrival(0.0) for _ in range(20_000)])
    assert abs(np.isnan(single).mean() - 0.1) < 5 * np.sqrt(0.09 / 20_000)
