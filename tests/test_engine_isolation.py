"""No state leaks: the same backtest twice in one process and in parallel processes gives identical results."""
from __future__ import annotations

import json

import numpy as np
import pytest
from joblib import Parallel, delayed

from jesse_dag.candles.synthetic import candles_from_close_prices
from jesse_dag.engine import run_backtest
from jesse_dag.strategies import Strategy


class MeanCross(Strategy):
    """Market entries on a mean cross, both sides, with a stop and a target (15m bars)."""

    def _fast_slow(self):
        closes = self.candles[:, 2]
        return closes[-5:].mean(), closes[-20:].mean()

    def should_long(self):
        fast, slow = self._fast_slow()
        return len(self.candles) > 20 and fast > slow

    def should_short(self):
        fast, slow = self._fast_slow()
        return len(self.candles) > 20 and fast < slow

    def go_long(self):
        self.buy = 1, self.price
        self.stop_loss = 1, self.price * 0.99
        self.take_profit = 1, self.price * 1.015

    def go_short(self):
        self.sell = 1, self.price
        self.stop_loss = 1, self.price * 1.01
        self.take_profit = 1, self.price * 0.985

    def update_position(self):
        self.shared_vars["bars_open"] = self.shared_vars.get("bars_open", 0) + 1


def _candles(seed: int = 7, n: int = 6 * 1440) -> np.ndarray:
    rng = np.random.default_rng(seed)
    prices = 100 * np.exp(np.cumsum(rng.normal(0, 0.001, n)))
    return candles_from_close_prices(prices, seed=seed)


def run_once(fee: float = 0.0004) -> str:
    candles = _candles()
    config = {"starting_balance": 10_000, "fee": fee, "type": "futures", "futures_leverage": 2,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 20}
    routes = [{"exchange": "Sandbox", "strategy": MeanCross, "symbol": "BTC-USDT", "timeframe": "15m"}]
    run = run_backtest(config, routes, [], {"Sandbox-BTC-USDT": {"candles": candles[300:]}},
                       {"Sandbox-BTC-USDT": {"candles": candles[:300]}})
    return json.dumps(run.result, sort_keys=True, default=repr)


def test_two_runs_in_one_process_are_identical_and_do_not_share_state():
    first = run_once()
    other = run_once(fee=0.001)  # a different run in between must not leak into the next one
    second = run_once()
    assert json.loads(first)["trades"], "the scenario must trade"
    assert first == second
    assert other != first


@pytest.mark.slow
def test_parallel_processes_give_the_same_result_bit_for_bit():
    here = run_once()
    there = Parallel(n_jobs=2, backend="loky")(delayed(run_once)() for _ in range(2))
    assert there == [here, here]


def test_input_arrays_are_not_modified():
    candles = _candles()
    before = candles.copy()
    config = {"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 2,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0}
    routes = [{"exchange": "Sandbox", "strategy": MeanCross, "symbol": "BTC-USDT", "timeframe": "15m"}]
    run_backtest(config, routes, [], {"Sandbox-BTC-USDT": {"candles": candles}})
    assert np.array_equal(candles, before)
