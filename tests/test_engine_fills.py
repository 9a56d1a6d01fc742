"""Jesse's rules at two edges of the minute loop, on handcrafted candles (no real data needed).

1. An order filling inside the last minute of a route bar: the callbacks that run at the fill see that bar
   rebuilt from its 1m rows with the split minute (Jesse's ``_update_all_routes_a_partial_candle``: close =
   the fill price, high/low of the rows before the fill), in both modes; the next bar close sees the real
   bar again.
2. Candles that end inside a route bar: Jesse's step simulator runs no strategy on that short last bar
   (the open position is closed at the end), its fast mode runs the strategy at the end of the short
   block. The parity cases ``LastMinute*`` and ``RunEnd*`` (tests/parity_cases) check both against Jesse.
3. A MARKET order submitted at a fill: step mode executes it at the end of that minute, fast mode at the
   end of the block (parity cases ``TightBracketStep``/``Fast``).
"""
from __future__ import annotations

import numpy as np
import pytest

from jesse_dag import research
from jesse_dag.candles.synthetic import candles_from_close_prices
from jesse_dag.strategies import Strategy

T0 = 1_609_459_200_000  # 2021-01-01 00:00 UTC
KEY = "Sandbox-BTC-USDT"


def _config() -> dict:
    return {"starting_balance": 10_000, "fee": 0.0, "type": "futures", "futures_leverage": 1,
            "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0}


def _backtest(strategy, candles: np.ndarray, timeframe: str, fast_mode: bool) -> dict:
    routes = [{"exchange": "Sandbox", "strategy": strategy, "symbol": "BTC-USDT", "timeframe": timeframe}]
    return research.backtest(_config(), routes, [], {KEY: {"exchange": "Sandbox", "symbol": "BTC-USDT",
                                                             "candles": candles}}, fast_mode=fast_mode)


def _last_minute_dip() -> np.ndarray:
    """15 minutes flat at 100, a 5m bar that dips to 95 only in its last minute and closes at 99, then a
    flat bar at 99."""
    c = np.zeros((25, 6))
    c[:, 0] = T0 + 60_000 * np.arange(25)
    c[:, 1:5] = 100.0
    c[:, 5] = 1.0
    c[15:19, 3] = 100.5  # highs of the 4th bar's first four minutes
    c[19, 1:5] = [100.0, 99.0, 100.0, 95.0]  # open, close, high, low
    c[20:, 1:5] = 99.0
    return c


class _LimitSeesCandle(Strategy):
    """A limit buy at 97 (reached only in the last minute of the 4th 5m bar); records what the fill's
    callback and the strategy at that bar's close see."""

    seen: dict = {}

    def should_long(self):
        return self.index == 2

    def go_long(self):
        self.buy = 1, 97.0

    def should_cancel_entry(self):
        return False

    def on_open_position(self, order):
        _LimitSeesCandle.seen["fill"] = (self.candles[-1].copy(), len(self.candles), self.price)

    def update_position(self):
        _LimitSeesCandle.seen.setdefault("bar_close", (self.candles[-1].copy(), len(self.candles)))


@pytest.mark.parametrize("fast_mode", [True, False], ids=["fast", "step"])
def test_fill_in_a_bars_last_minute_shows_the_callbacks_the_split_bar(fast_mode: bool):
    _LimitSeesCandle.seen = {}
    result = _backtest(_LimitSeesCandle, _last_minute_dip(), "5m", fast_mode)
    assert len(result["trades"]) == 1 and result["trades"][0]["entry_price"] == 97.0
    candle, n, price = _LimitSeesCandle.seen["fill"]
    # the 4th bar, rebuilt from its first four minutes and the last minute's part before the fill
    # (open 100 -> 97: high 100, low 97, close 97; the split keeps the minute's volume, as Jesse's
    # split_candle), not the complete bar (close 99, low 95)
    assert n == 4
    assert candle.tolist() == [T0 + 15 * 60_000, 100.0, 97.0, 100.5, 97.0, 5.0]
    assert price == 97.0
    # the strategy at that bar's close (right after the fill) sees the complete bar
    candle, n = _LimitSeesCandle.seen["bar_close"]
    assert n == 4
    assert candle.tolist() == [T0 + 15 * 60_000, 100.0, 99.0, 100.5, 95.0, 5.0]


class _EveryBar(Strategy):
    """A market entry on every bar, closed at the next one."""

    def should_long(self):
        return True

    def go_long(self):
        self.buy = 1, self.price

    def update_position(self):
        self.liquidate()


def _close_prices(n: int) -> np.ndarray:
    prices = 100 + np.sin(np.arange(n) / 30.0) * 5 + np.arange(n) * 0.001
    return candles_from_close_prices(list(prices))


@pytest.mark.parametrize("n, fast_mode, trades, opened_at_end", [
    (2000, False, 133, 0),  # ends 5 minutes into a 15m bar: step mode runs no strategy there
    (2000, True, 134, 1),   # fast mode runs it at the end of the short block: one more entry, closed at once
    (1995, False, 133, 1),  # ends at a bar's close: both modes run the strategy at the last bar
    (1995, True, 133, 1),
])
def test_candles_ending_inside_a_bar_step_and_fast_mode(n: int, fast_mode: bool, trades: int, opened_at_end: int):
    candles = _close_prices(n)
    result = _backtest(_EveryBar, candles, "15m", fast_mode)
    end = int(candles[-1, 0]) + 60_000
    assert len(result["trades"]) == trades
    assert sum(int(t["opened_at"]) == end for t in result["trades"]) == opened_at_end
    assert int(result["trades"][-1]["closed_at"]) == end  # the position open at the end is closed there


@pytest.mark.parametrize("fast_mode", [True, False], ids=["fast", "step"])
def test_fill_on_candles_not_starting_on_the_clock_keeps_the_history(fast_mode: bool):
    """Deliberate difference (docs/deliberate-differences.md §6): candles starting 2 minutes after a 5m clock
    boundary. Jesse rebuilds the fill's bar from the clock boundary and stores it into the history (an extra
    candle or a lost bar; 3.5.3 stops with IndexError here); ours rebuilds it from the bar's own minutes."""
    candles = _last_minute_dip()
    candles[:, 0] += 2 * 60_000
    _LimitSeesCandle.seen = {}
    result = _backtest(_LimitSeesCandle, candles, "5m", fast_mode)
    assert len(result["trades"]) == 1 and result["trades"][0]["entry_price"] == 97.0
    candle, n, _ = _LimitSeesCandle.seen["fill"]
    bar_start = T0 + 17 * 60_000  # the 4th bar: rows 15..19, counted from the first candle
    assert n == 4 and candle.tolist() == [bar_start, 100.0, 97.0, 100.5, 97.0, 5.0]
    candle, n = _LimitSeesCandle.seen["bar_close"]
    assert n == 4 and candle.tolist() == [bar_start, 100.0, 99.0, 100.5, 95.0, 5.0]


class _ReadsBothTimeframes(Strategy):
    """A 5m route that records the 15m candles it sees (a data route) at every bar."""

    seen: list = []

    def should_long(self):
        _ReadsBothTimeframes.seen.append(self.get_candles("Sandbox", "BTC-USDT", "15m")[-1].copy())
        return False

    def go_long(self):
        pass

    def should_short(self):
        return False

    def go_short(self):
        pass


def test_fast_mode_candles_ending_inside_a_bigger_timeframe_bar_show_its_forming_candle():
    """Deliberate difference (docs/deliberate-differences.md §7): Jesse 3.5.3's fast mode stops with
    ``ValueError: Sent only 13 candles but 15 is required`` when the candles end inside a 15m bar with a
    5m route; ours runs the 5m route at the short last block, the 15m candle being the forming one."""
    candles = _close_prices(1003)  # 66 bars of 15m and 13 minutes; 200 bars of 5m and 3 minutes
    _ReadsBothTimeframes.seen = []
    routes = [{"exchange": "Sandbox", "strategy": _ReadsBothTimeframes, "symbol": "BTC-USDT", "timeframe": "5m"}]
    data_routes = [{"exchange": "Sandbox", "symbol": "BTC-USDT", "timeframe": "15m"}]
    research.backtest(_config(), routes, data_routes,
                      {KEY: {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": candles}}, fast_mode=True)
    assert len(_ReadsBothTimeframes.seen) == 201  # every 5m bar, and the short last block
    last = _ReadsBothTimeframes.seen[-1]
    rows = candles[-13:]
    assert last.tolist() == [rows[0, 0], rows[0, 1], rows[-1, 2], rows[:, 3].max(), rows[:, 4].min(),
                             pytest.approx(rows[:, 5].sum())]


class ExitAtFillPrice(Strategy):
    """A limit buy at 97; on the fill, an exit 0.005% under the fill price, which Jesse submits as a MARKET
    order at that price (within 0.01% of the price)."""

    def should_long(self):
        return self.index == 2

    def go_long(self):
        self.buy = 1, 97.0

    def should_cancel_entry(self):
        return False

    def on_open_position(self, order):
        self.take_profit = 1, self.price * 0.99995


@pytest.mark.parametrize("fast_mode, closed_minute", [(False, 17), (True, 20)], ids=["step", "fast"])
def test_market_order_submitted_at_a_fill_executes_at_the_minutes_end_in_step_mode(fast_mode, closed_minute):
    """Jesse's step simulator executes the MARKET orders a fill's callbacks submit at the end of that minute;
    its fast mode at the end of the block (no later minute reaches its price)."""
    c = np.zeros((25, 6))
    c[:, 0] = T0 + 60_000 * np.arange(25)
    c[:, 1:5] = 100.0
    c[:, 5] = 1.0
    c[16, 1:5] = [100.0, 98.0, 100.0, 97.0]  # minute 16 (inside the 4th 5m bar) dips to 97
    c[17:, 1:5] = 98.0
    result = _backtest(ExitAtFillPrice, c, "5m", fast_mode)
    (trade,) = result["trades"]
    assert trade["entry_price"] == 97.0 and trade["exit_price"] == 97.0 * 0.99995
    assert int(trade["opened_at"]) == T0 + 17 * 60_000
    assert int(trade["closed_at"]) == T0 + closed_minute * 60_000
