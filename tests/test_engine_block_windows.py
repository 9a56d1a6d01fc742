"""The simulator's per-block lists exist for one window of blocks at a time (issue 16, memory).

- a run's answer is the same, to the bit, whatever the window's size: windows of a few blocks cross many
  window boundaries in every loop shape (the one-route loop, the general loop with the skip kernel, step
  mode with liquidations, several markets minute by minute, mid-block daily samples);
- the lists hold at most ``BLOCK_CHUNK`` blocks, and window after window they are the whole run's lists.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import jesse_dag.engine.simulator as simulator
from jesse_dag.strategies import Strategy
from tests.test_parity_trading import CASES, build_inputs

# one case per loop shape: the one-route loop (EmaCrossSLTP), a 4h data route (TrendFilter4h), step mode
# with isolated liquidation, several markets in fast and step mode, step mode's daily samples inside a block
WINDOW_CASES = ["EmaCrossSLTP", "TrendFilter4h", "IsolatedLiqStepLong", "IsolatedLiqShort", "PairTrendBTC",
                "GappedPairTrendStep", "StepModeMixedEntries", "RunEndTwoRoutesStep", "LastMinuteStopEntry"]


def _answer(case: dict, data_dir: Path) -> str:
    """The run's whole result (trades, metrics, daily balances...) as text, floats by their repr."""
    import warnings

    from jesse_dag import research

    config, routes, data_routes, candles, warmup = build_inputs(case, data_dir)
    kwargs = {"fast_mode": case.get("fast_mode", True)}
    if case.get("hp"):
        kwargs["hyperparameters"] = case["hp"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = research.backtest(config, routes, data_routes, candles, warmup, **kwargs)
    return json.dumps(result, default=repr, sort_keys=True)


@pytest.mark.parametrize("name", WINDOW_CASES)
def test_a_run_is_the_same_whatever_the_window_of_block_lists(name, data_dir, monkeypatch):
    case = next(c for c in CASES if c["name"] == name)
    whole = _answer(case, data_dir)
    monkeypatch.setattr(simulator, "BLOCK_CHUNK", 7)
    assert _answer(case, data_dir) == whole


class _Candles:
    def __init__(self, m1: np.ndarray, n_warm: int):
        self.m1, self.n_warm = m1, n_warm


class _Market:
    def __init__(self, m1: np.ndarray, n_warm: int):
        self.candles = _Candles(m1, n_warm)


def test_the_block_lists_hold_one_window_and_windows_make_the_whole_run(monkeypatch):
    from jesse_dag.candles.synthetic import synthetic_market

    monkeypatch.setattr(simulator, "BLOCK_CHUNK", 100)
    m1 = synthetic_market(days=3, seed=5)  # 4,320 rows
    n_warm, step = 157, 15  # a short last block (4,163 trading rows)
    blocks = simulator._Blocks(_Market(m1, n_warm), step)
    n_blocks = -(-(len(m1) - n_warm) // step)
    assert blocks.n_blocks == n_blocks
    fields = ["open_l", "close_l", "high_l", "low_l", "ts_l", "prev_l", "lo_any_l", "hi_any_l", "nrows_l",
              "end_time_l", "base_l", "n1_l"]
    joined = {f: [] for f in fields}
    for lo in range(0, n_blocks, 100):
        blocks.load(lo)
        # (the ranges until a resting order needs them, the rest until a walk or the general loop does)
        assert blocks.lo_any_l is None and blocks.low_l is None and blocks.base_l is None
        blocks.load_full(lo)
        assert (blocks.lo, blocks.hi) == (lo, min(lo + 100, n_blocks))
        for f in fields:
            assert len(getattr(blocks, f)) == blocks.hi - lo
            joined[f] += getattr(blocks, f)
    # what the lists are, block by block, from the candles themselves
    trade = m1[n_warm:]
    for b in range(n_blocks):
        rows = trade[b * step:(b + 1) * step]
        assert joined["open_l"][b] == rows[0, 1] and joined["close_l"][b] == rows[-1, 2]
        assert joined["high_l"][b] == rows[:, 3].max() and joined["low_l"][b] == rows[:, 4].min()
        assert joined["prev_l"][b] == (None if b == 0 else trade[b * step - 1, 2])
        assert joined["nrows_l"][b] == len(rows) and type(joined["nrows_l"][b]) is int
        assert joined["base_l"][b] == n_warm + b * step and type(joined["base_l"][b]) is int
        assert joined["n1_l"][b] == n_warm + b * step + len(rows)
        assert joined["end_time_l"][b] == int(rows[0, 0]) + 60_000 * len(rows)
    assert len(joined["close_l"]) == n_blocks and joined["nrows_l"][-1] == (len(m1) - n_warm) % step == 8


class _HourlyRestingOrders(Strategy):
    """A 1h route over 15m blocks (a 15m data route): limit entries 0.3% away, stop and target exits, so the
    skip kernel jumps over quiet blocks to the one an order reaches."""

    def should_long(self):
        return self.index % 5 == 0

    def should_short(self):
        return self.index % 5 == 2

    def go_long(self):
        self.buy = 0.1, self.price * 0.997

    def go_short(self):
        self.sell = 0.1, self.price * 1.003

    def should_cancel_entry(self):
        return self.index % 9 == 0

    def on_open_position(self, order):
        side = 1 if self.is_long else -1
        self.stop_loss = 0.1, self.price * (1 - 0.004 * side)
        self.take_profit = 0.1, self.price * (1 + 0.006 * side)


@pytest.mark.parametrize("fast_mode", [True, False], ids=["fast", "step"])
def test_the_skip_kernel_across_windows_gives_the_same_run(fast_mode, monkeypatch):
    from jesse_dag import research
    from jesse_dag.candles.synthetic import synthetic_market

    c = synthetic_market(days=12, seed=7)
    key = "Sandbox-BTC-USDT"
    config = {"starting_balance": 10_000, "fee": 0.0004, "type": "futures", "futures_leverage": 2,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 20}
    routes = [{"exchange": "Sandbox", "strategy": _HourlyRestingOrders, "symbol": "BTC-USDT", "timeframe": "1h"}]
    data_routes = [{"exchange": "Sandbox", "symbol": "BTC-USDT", "timeframe": "15m"}]
    jumps = []
    reached = simulator.first_reached_block
    monkeypatch.setattr(simulator, "first_reached_block", lambda *a: jumps.append(reached(*a)) or jumps[-1])

    def run() -> str:
        result = research.backtest(config, routes, data_routes, {key: {"candles": c[1200:]}},
                                   {key: {"candles": c[:1200]}}, fast_mode=fast_mode, generate_equity_curve=True)
        assert len(result["trades"]) >= 20
        return json.dumps(result, default=repr, sort_keys=True)

    whole = run()
    assert len(jumps) > 100  # the kernel ran (and jumped) many times
    monkeypatch.setattr(simulator, "BLOCK_CHUNK", 5)
    assert run() == whole
