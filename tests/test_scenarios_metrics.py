"""Acceptance scenario S11 (reference §6.2): the daily-return metric functions, with Jesse 3.5.3's numbers.

The inputs are the ones of Jesse's ``tests/test_metrics.py``: daily returns on consecutive UTC days.
Expected values are what Jesse's ``services/metrics`` returns for them.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from jesse_dag import metrics


def daily(values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.date_range("2025-01-01", periods=len(values), freq="D"))


MIXED = [0.02, -0.01, 0.03, -0.02, 0.01]
LOSING = [-0.01, -0.02, -0.03]


@pytest.mark.parametrize("name, call, expected", [
    ("cagr", lambda r: metrics.cagr(r), 13.17681588701674),
    ("sharpe", lambda r: metrics.sharpe_ratio(r, periods=365), 5.527941708708922),
    ("sortino", lambda r: metrics.sortino_ratio(r, periods=365), 11.462983904725679),
    ("calmar", lambda r: metrics.calmar_ratio(r), 658.8407943508364),
    ("omega", lambda r: metrics.omega_ratio(r, periods=365), 2.0),
    ("serenity", lambda r: metrics.serenity_index(r), 2.5311776849554346),
    ("max_drawdown", lambda r: metrics.max_drawdown(r), -0.02),
])
def test_s11_mixed_daily_returns(name, call, expected):
    assert float(call(daily(MIXED))) == pytest.approx(expected, rel=1e-12)


def test_s11_losing_only_daily_returns():
    r = daily(LOSING)
    assert metrics.sharpe_ratio(r, periods=365) == pytest.approx(-38.2099463490856, rel=1e-12)
    assert metrics.sortino_ratio(r, periods=365) == pytest.approx(-17.687768170607136, rel=1e-12)
    assert metrics.omega_ratio(r, periods=365) == 0
    assert metrics.max_drawdown(r) == pytest.approx(-0.0494, rel=1e-12)


def test_s11_winning_only_and_flat_returns_have_jesse_s_undefined_values():
    up = daily([0.01, 0.02, 0.03])
    assert math.isinf(metrics.sortino_ratio(up, periods=365)) and metrics.sortino_ratio(up, periods=365) > 0
    assert math.isnan(metrics.omega_ratio(up, periods=365))
    assert metrics.calmar_ratio(up) == 0 and metrics.max_drawdown(up) == 0
    flat = daily([0.0, 0.0, 0.0])
    assert math.isnan(metrics.sharpe_ratio(flat, periods=365))
    assert metrics.cagr(flat) == 0 and metrics.calmar_ratio(flat) == 0


def test_s11_same_day_returns_claim_no_annual_growth():
    r = pd.Series([0.01, -0.01], index=pd.to_datetime(["2025-01-01T00:00:00", "2025-01-01T12:00:00"]))
    assert metrics.cagr(r) == 0 and metrics.calmar_ratio(r) == 0


def test_s11_annualization_252_scales_sharpe_by_the_root_of_the_ratio():
    r = daily(MIXED)
    assert metrics.sharpe_ratio(r, periods=252) == pytest.approx(
        metrics.sharpe_ratio(r, periods=365) * math.sqrt(252 / 365), rel=1e-12)


def test_s11_max_underwater_period():
    assert metrics.max_underwater_period([10_000, 11_000, 10_500, 10_400, 11_200, 10_800]) == 2
