"""Erlang C against textbook values and the closed form."""

from __future__ import annotations

import math

import pytest

from kefu.simulation import erlang


def direct_erlang_c(n: int, a: float) -> float:
    """The textbook formula with factorials, for small n."""
    top = a ** n / math.factorial(n) * n / (n - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(n)) + top)


@pytest.mark.parametrize("n,a", [(1, 0.5), (2, 1.0), (5, 3.2), (12, 10.0), (14, 10.0), (30, 27.5)])
def test_matches_the_factorial_formula(n, a):
    assert erlang.erlang_c(n, a) == pytest.approx(direct_erlang_c(n, a), rel=1e-9)


def test_textbook_values():
    assert erlang.erlang_c(1, 0.7) == pytest.approx(0.7)             # M/M/1: P(wait) = ρ
    assert erlang.erlang_c(2, 1.0) == pytest.approx(1 / 3)           # M/M/2 at ρ = 0.5: 2ρ²/(1+ρ)
    assert erlang.erlang_b(2, 1.0) == pytest.approx(0.2)             # Erlang B: (1/2) / (1 + 1 + 1/2)
    # The classic call-centre example: 10 Erlangs (100 calls per 30 min, 180 s handle time), 14 agents.
    assert erlang.erlang_c(14, 10.0) == pytest.approx(0.1741, abs=1e-4)
    rate = 100 / 1800
    assert erlang.mean_wait(14, rate, 180) == pytest.approx(7.83, abs=0.01)
    assert erlang.service_level(14, rate, 180, 20) == pytest.approx(0.8884, abs=1e-3)


def test_mm1_mean_wait():
    lam, mu = 0.5, 1.0   # Wq = ρ / (μ − λ) = 1 s
    assert erlang.mean_wait(1, lam, 1 / mu) == pytest.approx(1.0)


def test_overload_and_edges():
    assert erlang.erlang_c(10, 10.0) == 1.0
    assert math.isinf(erlang.mean_wait(10, 1.0, 12.0))
    assert erlang.service_level(10, 1.0, 12.0, 15) == 0.0
    assert erlang.erlang_c(5, 0.0) == 0.0
    assert erlang.predict(10, 1.0, 12.0).as_dict()["mean_wait_s"] is None


def test_large_pools_are_stable():
    p = erlang.erlang_c(2000, 1950.0)
    assert 0 < p < 1
    assert erlang.wait_quantile(14, 100 / 1800, 180, 0.5) == 0.0    # most callers never wait
    assert erlang.wait_quantile(14, 100 / 1800, 180, 0.95) > 0
