"""Erlang C (M/M/N queue, no abandonment): the textbook prediction for a FIFO queue.

``servers`` are seats (agents × concurrent chats), ``arrival_rate`` is per second and ``handle_s`` the
mean handle time. Computed through the Erlang B recurrence, which is stable for thousands of servers.
When the offered load reaches the number of servers the queue grows without bound: the probability of
waiting is 1 and the mean wait infinite.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of an M/M/N/N system with ``load`` Erlangs offered."""
    if servers < 0 or load < 0:
        raise ValueError("servers and load must be non-negative")
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arriving customer has to wait (M/M/N, ``load`` = λ × mean handle time)."""
    if servers <= 0 or load >= servers:
        return 1.0
    if load == 0:
        return 0.0
    b = erlang_b(servers, load)
    rho = load / servers
    return b / (1.0 - rho * (1.0 - b))


def mean_wait(servers: int, arrival_rate: float, handle_s: float) -> float:
    """Mean time in queue over all customers (ASA), seconds."""
    load = arrival_rate * handle_s
    if servers <= 0 or load >= servers:
        return math.inf
    return erlang_c(servers, load) * handle_s / (servers - load)


def service_level(servers: int, arrival_rate: float, handle_s: float, target_s: float) -> float:
    """Share of customers answered within ``target_s`` seconds."""
    load = arrival_rate * handle_s
    if servers <= 0 or load >= servers:
        return 0.0
    return 1.0 - erlang_c(servers, load) * math.exp(-(servers - load) * target_s / handle_s)


def wait_quantile(servers: int, arrival_rate: float, handle_s: float, q: float) -> float:
    """The q-quantile of the waiting time (0 when at least that share never waits)."""
    load = arrival_rate * handle_s
    if servers <= 0 or load >= servers:
        return math.inf
    c = erlang_c(servers, load)
    if 1.0 - c >= q:
        return 0.0
    return handle_s / (servers - load) * math.log(c / (1.0 - q))


@dataclass(frozen=True)
class Prediction:
    servers: int
    arrival_rate_per_h: float
    handle_s: float
    load_erlangs: float
    occupancy: float
    p_wait: float
    mean_wait_s: float
    p95_wait_s: float
    service_level_15s: float

    def as_dict(self) -> dict:
        d = asdict(self)
        return {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in d.items()}


def predict(servers: int, arrival_rate: float, handle_s: float, target_s: float = 15.0) -> Prediction:
    load = arrival_rate * handle_s
    return Prediction(servers, arrival_rate * 3600, handle_s, load, min(1.0, load / servers) if servers else 1.0,
                      erlang_c(servers, load), mean_wait(servers, arrival_rate, handle_s),
                      wait_quantile(servers, arrival_rate, handle_s, 0.95),
                      service_level(servers, arrival_rate, handle_s, target_s))
