"""Synthetic candles for the optimisation tests, built with ``candles_from_close_prices``."""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.synthetic import candles_from_close_prices
from tests.optimize_strategies.strategies import CYCLE_BARS, PEAK_BARS

EXCHANGE, SYMBOL = "Sandbox", "BTC-USDT"
KEY = f"{EXCHANGE}-{SYMBOL}"


def peak_market(days: float, bar_minutes: int = 15, seed: int = 0, noise: float = 0.0004) -> np.ndarray:
    """1-minute candles whose bar closes rise for PEAK_BARS bars of every CYCLE_BARS-bar cycle, then fall.

    Bar ``b`` of the trading span (counted from the first candle) is in cycle phase ``b % CYCLE_BARS``;
    small seeded noise makes every hold length give a different result.
    """
    rng = np.random.default_rng(seed)
    n_bars = int(days * 1440 // bar_minutes)
    phase = np.arange(n_bars) % CYCLE_BARS
    # the close of bar 0 is the entry; bars 1..PEAK_BARS rise, the rest of the cycle falls back
    up = np.where((phase >= 1) & (phase <= PEAK_BARS), 1.0, -PEAK_BARS / (CYCLE_BARS - PEAK_BARS))
    step = 0.002 * up + noise * rng.standard_normal(n_bars)
    bar_close = 100.0 * np.exp(np.cumsum(step))
    prev = np.concatenate([[100.0], bar_close[:-1]])
    # the minutes of bar b walk from the previous bar's close to this bar's close
    frac = (np.arange(1, bar_minutes + 1) / bar_minutes)[None, :]
    minutes = prev[:, None] + (bar_close - prev)[:, None] * frac
    return candles_from_close_prices(minutes.ravel(), seed=seed)


def as_candles_dict(arr: np.ndarray) -> dict:
    return {KEY: {"exchange": EXCHANGE, "symbol": SYMBOL, "candles": arr}}


def config(warm_up_candles: int = 0) -> dict:
    return {"starting_balance": 10_000, "fee": 0.0, "type": "futures", "futures_leverage": 1,
            "futures_leverage_mode": "cross", "exchange": EXCHANGE, "warm_up_candles": warm_up_candles}


def routes(strategy, timeframe: str = "15m") -> list[dict]:
    return [{"exchange": EXCHANGE, "strategy": strategy, "symbol": SYMBOL, "timeframe": timeframe}]
