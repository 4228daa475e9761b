"""Closed-form results the simulator is checked against (``tests/validation``).

Each function is the textbook formula, written plainly; the references are in
``docs/validation.md``.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, stats


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of an M/G/c/c loss system offered ``load`` Erlangs.

    >>> round(erlang_b(1, 1.0), 6)
    0.5
    >>> round(erlang_b(5, 3.0), 4)
    0.1101
    """
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def base_stock_lost_sales_fill(level: int, rate: float, lead_time: float) -> float:
    """Fill rate of one-for-one base-stock with lost sales, Poisson demand: 1 - B(S, rate L)."""
    return 1.0 - erlang_b(level, rate * lead_time)


def base_stock_backorders(level: int, rate: float, lead_time: float) -> dict[str, float]:
    """One-for-one base-stock with backorders, Poisson unit demand, fixed lead time.

    Units on order D ~ Poisson(rate L): fill rate P(D <= S - 1), average on hand
    E[(S - D)+], average backlog E[(D - S)+].

    >>> m = base_stock_backorders(3, 1.0, 2.0)
    >>> round(m["fill_rate"], 4), round(m["on_hand"] - m["backlog"], 6)
    (0.6767, 1.0)
    """
    mean = rate * lead_time
    demand = stats.poisson(mean)
    k = np.arange(0, int(mean + 20 * np.sqrt(mean) + level + 20))
    p = demand.pmf(k)
    return {
        "fill_rate": float(demand.cdf(level - 1)),
        "on_hand": float((np.maximum(level - k, 0) * p).sum()),
        "backlog": float((np.maximum(k - level, 0) * p).sum()),
    }


def reorder_point_backorders(
    reorder: int, batch: int, rate: float, lead_time: float
) -> dict[str, float]:
    """(r, Q) with backorders, Poisson unit demand, fixed lead time.

    The inventory position is uniform on r+1 .. r+Q; net stock L later is the position less
    the lead-time demand D ~ Poisson(rate L). Fill rate (1/Q) sum P(D <= y - 1), average on
    hand E[(y - D)+] and backlog E[(D - y)+] averaged over y.

    >>> m = reorder_point_backorders(0, 1, 1.0, 2.0)  # (r, Q) = (0, 1) is base stock 1
    >>> round(m["fill_rate"], 6) == round(base_stock_backorders(1, 1.0, 2.0)["fill_rate"], 6)
    True
    """
    levels = range(reorder + 1, reorder + batch + 1)
    per_level = [base_stock_backorders(y, rate, lead_time) for y in levels]
    return {key: float(np.mean([m[key] for m in per_level])) for key in per_level[0]}


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue offered ``load`` Erlangs (< c).

    >>> round(erlang_c(1, 0.5), 6)
    0.5
    """
    blocking = erlang_b(servers, load)
    return servers * blocking / (servers - load * (1 - blocking))


def mmc_wait(servers: int, arrival_rate: float, service_mean: float) -> float:
    """Mean wait in queue of M/M/c: C(c, a) / (c mu - lambda).

    >>> round(mmc_wait(1, 1.0, 0.5), 6)  # M/M/1 at 0.5: rho / (mu - lambda)
    0.5
    """
    mu = 1.0 / service_mean
    return erlang_c(servers, arrival_rate * service_mean) / (servers * mu - arrival_rate)


def md1_wait(arrival_rate: float, service: float) -> float:
    """Mean wait in queue of M/D/1 (Pollaczek-Khinchine): rho / (2 mu (1 - rho))."""
    rho = arrival_rate * service
    return rho * service / (2 * (1 - rho))


def availability(mean_life: float, mean_repair: float) -> float:
    """Long-run availability of a unit run to failure and repaired: MTBF / (MTBF + MTTR)."""
    return mean_life / (mean_life + mean_repair)


def age_replacement_cost_rate(
    age: float,
    lifetime: stats.rv_continuous,
    failure_cost: float,
    failure_hours: float,
    planned_cost: float,
    planned_hours: float,
) -> float:
    """Long-run cost per hour of age replacement at ``age`` (Barlow and Proschan): a unit is
    replaced at failure (``failure_cost``, ``failure_hours`` down) or on reaching ``age``
    (``planned_cost``, ``planned_hours`` down), whichever comes first. Renewal-reward:

        C(T) = (c_f F(T) + c_p R(T)) / (integral_0^T R(t) dt + t_f F(T) + t_p R(T))

    ``lifetime`` is a frozen scipy distribution; ``age`` = inf is run to failure.

    >>> life = stats.expon(scale=50.0)  # no ageing: replacing early only adds cost
    >>> round(age_replacement_cost_rate(float("inf"), life, 1000, 10, 100, 2), 4)
    16.6667
    >>> age_replacement_cost_rate(20, life, 1000, 10, 100, 2) > 1000 / 60
    True
    """
    fails = float(lifetime.cdf(age))
    survives = 1.0 - fails
    if np.isinf(age):
        up = float(lifetime.mean())
    else:
        up = integrate.quad(lifetime.sf, 0.0, age, limit=200)[0]
    cost = failure_cost * fails + planned_cost * survives
    return cost / (up + failure_hours * fails + planned_hours * survives)


def closure_delays(clear_mean: float, closure: stats.rv_continuous) -> tuple[float, float]:
    """Delays on roads that close now and then: clear for an exponential time of mean
    ``clear_mean``, then closed for a time drawn from ``closure``, and so on. A traveller
    arriving at a random moment (Poisson arrivals see time averages) waits out the closure's
    residual if the road is closed:

        P(D > x) = integral_x^inf P(closure > u) du / (clear_mean + E[closure])

    Returns (E[D], E[min(D_1, D_2)]) for one road, and for the better of two independent such
    roads when the delays are known before choosing.

    >>> d, best = closure_delays(10.0, stats.expon(scale=3.0))  # pi = 3/13, residual Exp(3)
    >>> round(d, 6) == round(3 / 13 * 3, 6), round(best, 6) == round((3 / 13) ** 2 * 1.5, 6)
    (True, True)
    """
    cycle = clear_mean + float(closure.mean())
    top = float(closure.ppf(1.0 - 1e-12))

    def beyond(x: float) -> float:  # integral_x^inf P(closure > u) du = E[(closure - x)+]
        return integrate.quad(closure.sf, x, max(top, x), limit=200)[0]

    mean_delay = float(closure.expect(lambda u: u * u)) / 2 / cycle
    best = integrate.quad(lambda x: (beyond(x) / cycle) ** 2, 0.0, top, limit=200)[0]
    return mean_delay, best


def bullwhip_moving_average(periods: int, cover: float) -> float:
    """Var(orders) / Var(demand) of order-up-to with a p-period moving-average forecast covering
    L periods, independent demand (Chen, Drezner, Ryan and Simchi-Levi 2000).

    >>> bullwhip_moving_average(4, 2)
    2.5
    """
    ratio = cover / periods
    return 1 + 2 * ratio + 2 * ratio**2


def periodic_review_backorders(
    level: int, review: float, rate: float, lead_time: float, steps: int = 2000
) -> dict[str, float]:
    """(R, S) with backorders, Poisson unit demand, fixed lead time L.

    The order placed at a review lifts the position to S; from L to L + R after the review the
    net stock is S - D(u), D(u) ~ Poisson(rate u). Fill rate, average on hand and backlog are
    the averages over u in [L, L + R) of P(D(u) <= S - 1), E[(S - D(u))+], E[(D(u) - S)+].

    >>> m = periodic_review_backorders(5, 1e-6, 1.0, 2.0)  # R -> 0: base stock 5
    >>> round(m["fill_rate"], 4) == round(base_stock_backorders(5, 1.0, 2.0)["fill_rate"], 4)
    True
    """
    ages = lead_time + review * (np.arange(steps) + 0.5) / steps
    per_age = [base_stock_backorders(level, rate, u) for u in ages]
    return {key: float(np.mean([m[key] for m in per_age])) for key in per_age[0]}


def serial_two_stage_backorders(
    store_level: int,
    warehouse_level: int,
    rate: float,
    store_lead: float,
    warehouse_lead: float,
) -> dict[str, float]:
    """A store and its warehouse, one-for-one base-stock at both, Poisson unit demand, fixed
    lead times, backorders at both, first come first served at the warehouse.

    The store's units on order at t are its orders of (t - L1, t], Poisson(rate L1), plus those
    still owed by the warehouse at t - L1: B = (Y - S2)+ with Y ~ Poisson(rate L2), independent.
    Store net stock is S1 - X - B (Svoronos and Zipkin; Axsaeter).

    >>> m = serial_two_stage_backorders(5, 1000, 1.0, 2.0, 1.0)  # a warehouse never short
    >>> round(m["fill_rate"], 6) == round(base_stock_backorders(5, 1.0, 2.0)["fill_rate"], 6)
    True
    """
    transit = stats.poisson(rate * store_lead)
    upstream = stats.poisson(rate * warehouse_lead)
    top = int(rate * (store_lead + warehouse_lead) + 20 * np.sqrt(rate * (store_lead + 1)) + 40)
    y = np.arange(0, top + warehouse_level + 1)
    owed = np.maximum(y - warehouse_level, 0)
    x = np.arange(0, top + 1)
    px = transit.pmf(x)
    py = upstream.pmf(y)
    # net stock of the store over the joint (x, y): S1 - x - (y - S2)+
    net = store_level - x[:, None] - owed[None, :]
    weight = px[:, None] * py[None, :]
    return {
        "fill_rate": float(weight[net > 0].sum()),
        "on_hand": float((np.maximum(net, 0) * weight).sum()),
        "backlog": float((np.maximum(-net, 0) * weight).sum()),
        "warehouse_on_hand": float((np.maximum(warehouse_level - y, 0) * py).sum()),
    }


def serial_backorders(levels: list[int], rate: float, leads: list[float]) -> dict[str, float]:
    """A serial chain at one-for-one base-stock, store first: ``levels[0]`` and ``leads[0]`` are
    the store's, the last the top warehouse's (its supplier never short). Poisson unit demand,
    fixed lead times, backorders, first come first served.

    The units a stage j still owes its customer stage, B_j = (X_j + B_{j+1} - S_j)+, with
    X_j ~ Poisson(rate L_j) independent; the store's net stock is S_1 - X_1 - B_2.

    >>> two = serial_two_stage_backorders(10, 16, 16.0, 0.5, 1.0)
    >>> serial = serial_backorders([10, 16], 16.0, [0.5, 1.0])
    >>> round(serial["fill_rate"], 9) == round(two["fill_rate"], 9)
    True
    """
    owed = np.array([1.0])  # distribution of B above the top stage: nothing
    owed_by: list[np.ndarray] = []
    for level, lead in zip(reversed(levels), reversed(leads), strict=True):
        mean = rate * lead
        pmf = stats.poisson(mean).pmf(np.arange(int(mean + 20 * np.sqrt(mean + 1) + 40)))
        outstanding = np.convolve(pmf, owed)  # X_j + B_{j+1}
        owed_by.append(outstanding)
        short = np.zeros(max(1, len(outstanding) - level))
        short[0] = outstanding[: level + 1].sum()
        short[1:] = outstanding[level + 1 :]
        owed = short  # B_j = (X_j + B_{j+1} - S_j)+
    store_out = owed_by[-1]  # X_1 + B_2, the store's units on order
    n = np.arange(len(store_out))
    net = levels[0] - n
    upstream = owed_by[-2] if len(owed_by) > 1 else None
    result = {
        "fill_rate": float(store_out[net > 0].sum()),
        "on_hand": float((np.maximum(net, 0) * store_out).sum()),
        "backlog": float((np.maximum(-net, 0) * store_out).sum()),
    }
    if upstream is not None:  # the next stage up: on hand E[(S_2 - X_2 - B_3)+]
        k = np.arange(len(upstream))
        result["warehouse_on_hand"] = float((np.maximum(levels[1] - k, 0) * upstream).sum())
    return result
