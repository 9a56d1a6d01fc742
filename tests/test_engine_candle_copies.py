"""The candle store reads the caller's rows in place when warm-up and trading rows are adjacent slices of one
array (``c[:split]``, ``c[split:]``), never writes into them, and shows a fill's partial minute all the same.

A fill inside a minute shows the strategy that minute's part before the fill. The store writes it into its
own copy of the 1m rows; on the caller's rows it keeps it aside, folds it into a higher timeframe's forming
bar, and copies the 1m rows only when a 1m view must show it. Each run is compared with the same run on
separate copies (the store's private array), which must see exactly the same candles.
"""
from __future__ import annotations

import numpy as np
import pytest

from jesse_dag.engine import run_backtest
from jesse_dag.strategies import Strategy

T0 = 1_609_459_200_000  # 2021-01-01 00:00 UTC
KEY = "Sandbox-BTC-USDT"
SPLIT = 20


def _candles() -> np.ndarray:
    """20 warm-up minutes at 100, 15 flat trading minutes, a 5m bar dipping to 95 in its last minute, then 99."""
    n = SPLIT + 40
    c = np.zeros((n, 6))
    c[:, 0] = T0 + 60_000 * np.arange(n)
    c[:, 1:5] = 100.0
    c[:, 5] = 1.0
    c[SPLIT + 15:SPLIT + 19, 3] = 100.5
    c[SPLIT + 19, 1:5] = [100.0, 99.0, 100.0, 95.0]  # open, close, high, low
    c[SPLIT + 20:, 1:5] = 99.0
    return c


class _SeesFill(Strategy):
    """A limit buy at 97, reached inside one minute; the fill's callback records what it reads."""

    seen: list = []

    def should_long(self):
        return self.index == 2

    def go_long(self):
        self.buy = 1, 97.0

    def should_cancel_entry(self):
        return False

    def on_open_position(self, order):
        _SeesFill.seen.append(("route", self.candles[-1].tolist(), len(self.candles)))
        if self.timeframe != "1m":
            return
        five = self.get_candles(self.exchange, self.symbol, "5m")
        _SeesFill.seen.append(("5m", five[-1].tolist(), len(five)))


def _run(warm: np.ndarray, trade: np.ndarray, timeframe: str, data_routes: tuple = ()) -> tuple:
    _SeesFill.seen = []
    config = {"starting_balance": 10_000, "fee": 0.0, "type": "futures", "futures_leverage": 1,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0}
    routes = [{"exchange": "Sandbox", "strategy": _SeesFill, "symbol": "BTC-USDT", "timeframe": timeframe}]
    extra = [{"exchange": "Sandbox", "symbol": "BTC-USDT", "timeframe": tf} for tf in data_routes]
    run = run_backtest(config, routes, extra, {KEY: {"candles": trade}}, {KEY: {"candles": warm}})
    return run, list(_SeesFill.seen)


@pytest.mark.parametrize("timeframe, data_routes", [("5m", ()), ("1m", ("5m",))], ids=["5m-route", "1m-route"])
def test_adjacent_rows_are_read_in_place_never_written_and_the_fill_sees_the_partial_minute(timeframe, data_routes):
    c = _candles()
    before = c.copy()
    run, seen = _run(c[:SPLIT], c[SPLIT:], timeframe, data_routes)
    ref_run, ref_seen = _run(c[:SPLIT].copy(), c[SPLIT:].copy(), timeframe, data_routes)
    assert np.array_equal(c, before), "the caller's candles were written"
    assert len(run.result["trades"]) == 1 and run.result["trades"][0]["entry_price"] == 97.0
    assert run.result["trades"] == ref_run.result["trades"]
    assert seen == ref_seen and seen, "the fill's callback read other candles than on a private copy"
    store = run.session.markets[KEY].candles
    if timeframe == "5m":
        # only the 5m bar showed the partial minute: the 1m rows were never copied
        assert np.shares_memory(store.m1, c) and not store._m1_private
        assert seen[0][1] == [T0 + (SPLIT + 15) * 60_000, 100.0, 97.0, 100.5, 97.0, 5.0]
    else:
        # a 1m view had to show it: the store copied the rows then (and wrote the minute into its copy)
        assert store._m1_private and not np.shares_memory(store.m1, c)
        assert seen[0][1][:5] == [T0 + (SPLIT + 19) * 60_000, 100.0, 97.0, 100.0, 97.0]
        assert seen[1][1][2] == 97.0 and seen[1][2] == 8  # 4 warm-up bars, 3 complete, the one forming
    assert not ref_run.session.markets[KEY].candles.m1.base is c


def test_read_only_candles_are_copied_once_and_run():
    c = _candles()
    c.flags.writeable = False  # (as a memory map opened read-only)
    warm, trade = c[:SPLIT], c[SPLIT:]
    run, seen = _run(warm, trade, "5m")
    store = run.session.markets[KEY].candles
    assert store._m1_private and not np.shares_memory(store.m1, c)
    assert len(run.result["trades"]) == 1 and seen[0][1][2] == 97.0
