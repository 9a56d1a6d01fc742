"""A strategy's per-bar reads take their shortcuts and still show what the store shows.

- ``get_candles`` of a higher timeframe between its closes rewrites only the forming row of the view it
  handed out on the previous bar of the same bucket (the store's general read runs at most twice a bucket),
  and that row is the aggregation of the visible 1m rows;
- ``close`` during a bar is the bar's price; in a fill's callback it is the candle's close at the fill.
"""
from __future__ import annotations

import numpy as np
import pytest

from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.engine import run_backtest
from jesse_dag.engine.store import MarketCandles, aggregate_rows
from jesse_dag.strategies import Strategy

KEY = "Sandbox-BTC-USDT"


def _config():
    return {"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 1,
            "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 20}


def _run(cls, data_timeframes=("4h",), days=6, timeframe="15m", copied=False):
    candles = synthetic_market(days=days, seed=11)
    split = 24 * 60
    # (warm-up and trading rows passed as copies: the store writes a partial row into its own 1m array)
    warm, trade = (candles[:split].copy(), candles[split:].copy()) if copied else (candles[:split], candles[split:])
    return run_backtest(_config(), [{"exchange": "Sandbox", "strategy": cls, "symbol": "BTC-USDT",
                                     "timeframe": timeframe}],
                        [{"exchange": "Sandbox", "symbol": "BTC-USDT", "timeframe": tf} for tf in data_timeframes],
                        {KEY: {"candles": trade}}, {KEY: {"candles": warm}})


class _Reads4h(Strategy):
    """Reads the 4h candles twice a bar; records the view's identity, its last row and the 1m aggregation."""

    seen: list

    def should_long(self):
        c = self.get_candles(self.exchange, self.symbol, "4h")
        again = self.get_candles(self.exchange, self.symbol, "4h")
        m1 = self.get_candles(self.exchange, self.symbol, "1m")
        rows = m1[m1[:, 0] >= c[-1, 0]]
        # (the view itself is kept: ids of freed views are reused)
        type(self).seen.append((c, c is again, len(rows), c[-1].tolist(), aggregate_rows(rows).tolist()))
        return False

    def go_long(self):
        pass


def test_a_forming_4h_view_is_the_same_object_through_its_bucket_and_shows_the_visible_rows(monkeypatch):
    calls = []
    original = MarketCandles.timeframe_view

    def counted(self, tfc):
        calls.append(self.n1)
        return original(self, tfc)

    monkeypatch.setattr(MarketCandles, "timeframe_view", counted)
    cls = type("R", (_Reads4h,), {"seen": []})
    _run(cls)
    seen = cls.seen
    assert len(seen) == 4 * 24 * 5
    assert all(again for _, again, _, _, _ in seen)
    assert all(last == agg for _, _, _, last, agg in seen)
    # two bars of one bucket, the candle still forming at both (fewer than 240 of its minutes visible): the
    # same view object, its last row rewritten (from the second bucket on: the first reads find the table of
    # forming candles ahead not built yet)
    pairs = [(a[0], b[0]) for a, b in zip(seen[16:], seen[17:]) if a[2] < b[2] < 240]
    assert len(pairs) > 0.8 * len(seen)
    assert all(a is b for a, b in pairs)
    # the store's general read runs at a bucket's first forming tick (its close takes the shortcut too: the
    # forming view, its last row put back), not on every bar
    assert len(calls) <= len(seen) / 16 + 4
    closes = [(c, last) for c, _, n, last, _ in seen if n == 240]
    assert closes and all(len(c) >= 2 and c[-1].tolist() == last for c, last in closes)


class _ClosesAtFills(Strategy):
    """Long entries by limit below the price; ``close`` recorded each bar and in each fill's callback."""

    bars: list
    fills: list

    def should_long(self):
        type(self).bars.append((self.close, self.candles[-1, 2], self.price))
        return True

    def go_long(self):
        self.buy = 0.01, self.price * 0.999

    def should_cancel_entry(self):
        return True

    def on_open_position(self, order):
        type(self).fills.append((self.close, self.candles[-1, 2], order.price))

    def update_position(self):
        type(self).bars.append((self.close, self.candles[-1, 2], self.price))
        if self.index % 3 == 0:
            self.liquidate()


@pytest.mark.parametrize("timeframe", ["15m", "1m"])
@pytest.mark.parametrize("copied", [False, True])
def test_close_is_the_bar_price_in_a_bar_and_the_fill_candle_close_in_a_callback(timeframe, copied):
    cls = type("C", (_ClosesAtFills,), {"bars": [], "fills": []})
    _run(cls, data_timeframes=(), days=3 if timeframe == "1m" else 6, timeframe=timeframe, copied=copied)
    assert len(cls.bars) > 400 and len(cls.fills) > 20
    assert all(type(c) is np.float64 and c == last == price for c, last, price in cls.bars)
    # a limit fills inside its minute: the candle shown ends at the fill price
    assert all(type(c) is np.float64 and c == last == price for c, last, price in cls.fills)


class _Order:
    def __init__(self, price, type_, side, status):
        self.price, self.type, self.side, self.status = price, type_, side, status


@pytest.mark.parametrize("seed", range(4))
def test_the_minute_scan_of_a_walk_never_passes_a_minute_the_walk_would_fill_in(seed):
    # the walk's own rule: an active order inside the minute's high/low, or jumped over from the previous close
    from jesse_dag.engine.models import ACTIVE, BUY, CANCELED, LIMIT, MARKET, SELL, STOP
    from jesse_dag.engine.session import gap_crosses
    from jesse_dag.engine.simulator import _first_reachable_minute

    rng = np.random.default_rng(seed)
    n = 240
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.002, n)))
    open_ = np.concatenate([[100.0], close[:-1]]) * np.where(rng.random(n) < 0.1, 1 + rng.normal(0, 0.004, n), 1)
    high = np.maximum(open_, close) * (1 + rng.random(n) * 0.001)
    low = np.minimum(open_, close) * (1 - rng.random(n) * 0.001)
    rows = np.column_stack([np.arange(n) * 60_000.0, open_, close, high, low, np.ones(n)]).tolist()
    found = 0
    for _ in range(300):
        orders = [_Order(float(close[int(rng.integers(0, n))] * (1 + rng.normal(0, 0.005))),
                         [LIMIT, STOP, MARKET][int(rng.integers(0, 3))], [BUY, SELL][int(rng.integers(0, 2))],
                         ACTIVE if rng.random() < 0.8 else CANCELED) for _ in range(int(rng.integers(0, 4)))]
        start = int(rng.integers(0, n))
        prev = None if start == 0 else rows[start - 1][2]
        got = _first_reachable_minute(rows, start, n, orders, prev)
        want, cprev = n, prev
        for j in range(start, n):
            op, hi, lo = rows[j][1], rows[j][3], rows[j][4]
            if any(o.status == ACTIVE and (lo <= o.price <= hi or (cprev is not None and cprev != op
                                                                   and gap_crosses(o, cprev, op)))
                   for o in orders):
                want = j
                break
            cprev = rows[j][2]
        assert start <= got <= want
        found += want < n
        # only a gap the order's side does not fill makes the scan stop early
        if not any(o.status == ACTIVE for o in orders):
            assert got == n
    assert found > 50


class _Reads1mAtFills(_ClosesAtFills):
    """Also reads the 1m candles in each fill's callback (the store then copies the rows it shows)."""

    def on_open_position(self, order):
        m1 = self.get_candles(self.exchange, self.symbol, "1m")
        type(self).fills.append((self.close, m1[-1, 2], order.price))


@pytest.mark.parametrize("copied", [False, True])
def test_every_partial_1m_row_is_put_back_after_its_fill(copied):
    cls = type("M", (_Reads1mAtFills,), {"bars": [], "fills": []})
    run = _run(cls, data_timeframes=(), copied=copied)
    assert len(cls.fills) > 20 and all(c == last == price for c, last, price in cls.fills)
    store = run.session.markets[KEY].candles
    candles = synthetic_market(days=6, seed=11)
    assert store._m1_private and store._saved_row is None
    assert store.m1.tolist() == candles.tolist()


class _TrailsStop(Strategy):
    """Long at bar 0 with a stop and a target; the stop moved (re-declared, changed in place through the
    property, or through a reference kept since the fill) on bars 3 and 6; both averages read every bar."""

    how: str
    seen: list

    def should_long(self):
        return self.index == 0

    def go_long(self):
        self.buy = 1, self.price
        self.stop_loss = 1, self.price * 0.5
        self.take_profit = 1, self.price * 2

    def on_open_position(self, order):
        self.vars["stop"] = self.stop_loss

    def update_position(self):
        # (the averages read first: a cached value must not outlive the move below)
        self.vars["before"] = (self.average_stop_loss, self.average_take_profit)
        if self.index in (3, 6):
            new = self.price * (0.6 if self.index == 3 else 0.7)
            if self.how == "declared":
                self.stop_loss = 1, new
            elif self.how == "in_place":
                self.stop_loss[0, 1] = new
            else:
                self.vars["stop"][0, 1] = new

    def after(self):
        if self.is_open:
            stops = [o.price for o in self.orders if o.is_active and o.is_stop_loss]
            type(self).seen.append((self.average_stop_loss, stops, self.average_take_profit))


@pytest.mark.parametrize("how", ["declared", "in_place", "kept"])
def test_the_average_stop_loss_follows_each_move_of_the_stop(how):
    from jesse_dag.candles.synthetic import candles_from_close_prices

    cls = type("T", (_TrailsStop,), {"how": how, "seen": []})
    run_backtest({"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 1,
                  "futures_leverage_mode": "cross", "exchange": "Sandbox"},
                 [{"exchange": "Sandbox", "strategy": cls, "symbol": "BTC-USDT", "timeframe": "1m"}], [],
                 {KEY: {"candles": candles_from_close_prices(np.full(10, 100.0))}})
    assert [s[0] for s in cls.seen] == [50.0] * 2 + [60.0] * 3 + [70.0] * 4
    assert all([avg] == stops and tp == 200.0 for avg, stops, tp in cls.seen)


class _RestsBracket(Strategy):
    """Rests a limit entry below the price with a stop and a target, re-placed every bar (long walks of
    touched blocks with several fills, some minutes reaching nothing)."""

    qty = 0.05

    def should_long(self):
        return True

    def go_long(self):
        self.buy = self.qty, self.price * 0.997
        self.stop_loss = self.qty, self.price * 0.985
        self.take_profit = self.qty, self.price * 1.006

    def should_cancel_entry(self):
        return True


@pytest.mark.parametrize("fast_mode", [True, False])
@pytest.mark.parametrize("mode", ["cross", "isolated"])
def test_skipping_the_minutes_a_walk_cannot_fill_in_changes_nothing(monkeypatch, fast_mode, mode):
    from jesse_dag import research
    from jesse_dag.engine import simulator

    def backtest():
        candles = synthetic_market(days=8, seed=4)
        config = {"starting_balance": 10_000, "fee": 0.0004, "type": "futures", "futures_leverage": 5,
                  "futures_leverage_mode": mode, "exchange": "Sandbox", "warm_up_candles": 10}
        out = research.backtest(config, [{"exchange": "Sandbox", "strategy": _RestsBracket, "symbol": "BTC-USDT",
                                          "timeframe": "1h"}], [], candles={KEY: {"candles": candles[600:]}},
                                warmup_candles={KEY: {"candles": candles[:600]}}, fast_mode=fast_mode,
                                generate_equity_curve=True)
        return out["trades"], out["equity_curve"], out["metrics"]

    skipped = backtest()
    # every minute of a touched block walked, as before the scan
    monkeypatch.setattr(simulator, "_first_reachable_minute", lambda rows, j, n_rows, active, cprev: j)
    walked = backtest()
    assert len(skipped[0]) > 15
    assert repr(skipped) == repr(walked)


class _EntersEveryFewBars(_RestsBracket):
    """A market entry every fifth flat bar (callbacks at the bar's close), else the resting bracket."""

    def go_long(self):
        if self.index % 5 == 0:
            self.buy = self.qty, self.price
            self.stop_loss = self.qty, self.price * 0.99
            self.take_profit = self.qty, self.price * 1.004
        else:
            super().go_long()


@pytest.mark.parametrize("strategy", [_RestsBracket, _EntersEveryFewBars])
@pytest.mark.parametrize("minutes", [8 * 1440, 8 * 1440 - 17])
@pytest.mark.parametrize("fast_mode, mode, leverage", [(False, "cross", 5), (True, "isolated", 100),
                                                     (True, "cross_liquidation", 100)])
def test_the_one_route_loop_equals_the_general_loop(monkeypatch, strategy, minutes, fast_mode, mode, leverage):
    # step mode (daily samples inside blocks) and liquidations in fast mode (high leverage; isolated positions,
    # and cross ones with the opt-in); a run ending inside a bar: step mode runs no strategy on that last block
    from jesse_dag.engine import simulator

    if mode == "cross_liquidation":
        # the whole wallet is the margin: positions large enough to lose it before the stop (90% of the
        # leveraged balance), none once a liquidation took the wallet
        strategy = type("Big", (strategy,), {"qty": property(lambda s: round(s.balance * 90 / s.price, 3)),
                                             "should_long": lambda s: s.balance > 5_000})

    def backtest():
        candles = synthetic_market(days=9, seed=6)[:600 + minutes]
        config = {"starting_balance": 10_000, "fee": 0.0004, "type": "futures", "futures_leverage": leverage,
                  "futures_leverage_mode": mode.split("_")[0], "exchange": "Sandbox", "warm_up_candles": 10,
                  "cross_liquidation": mode == "cross_liquidation"}
        run = run_backtest(config, [{"exchange": "Sandbox", "strategy": strategy, "symbol": "BTC-USDT",
                                     "timeframe": "30m"}], [], {KEY: {"candles": candles[600:]}},
                           {KEY: {"candles": candles[:600]}}, fast_mode=fast_mode)
        s = run.session
        return run.result, s.daily_balance, s.daily_balance_timestamps, s.total_liquidations

    inlined = backtest()
    monkeypatch.setattr(simulator, "_run_every_block", lambda *args: 0)  # every block by the general loop
    general = backtest()
    assert len(inlined[0]["trades"]) > (0 if mode == "cross_liquidation" else 15) and len(inlined[1]) >= 8
    assert (inlined[3] > 0) == (mode != "cross")
    assert repr(inlined) == repr(general)


class _TwoMarkets4h(Strategy):
    """Reads the 4h candles of two markets in turn (the same timeframe), each checked against its own 1m rows."""

    seen: list

    def should_long(self):
        for symbol in ("BTC-USDT", "ETH-USDT", "BTC-USDT", "ETH-USDT"):
            c = self.get_candles(self.exchange, symbol, "4h")
            m1 = self.get_candles(self.exchange, symbol, "1m")
            rows = m1[m1[:, 0] >= c[-1, 0]]
            type(self).seen.append((symbol, c[-1].tolist(), aggregate_rows(rows).tolist(), len(c)))
        return False

    def go_long(self):
        pass


def test_reads_of_one_timeframe_on_two_markets_in_turn_show_each_market():
    btc, eth = synthetic_market(days=4, seed=11), synthetic_market(days=4, seed=12)
    split = 24 * 60
    cls = type("T", (_TwoMarkets4h,), {"seen": []})
    run_backtest(_config(), [{"exchange": "Sandbox", "strategy": cls, "symbol": "BTC-USDT", "timeframe": "15m"}],
                 [{"exchange": "Sandbox", "symbol": s, "timeframe": "4h"} for s in ("BTC-USDT", "ETH-USDT")]
                 + [{"exchange": "Sandbox", "symbol": "ETH-USDT", "timeframe": "15m"}],
                 {KEY: {"candles": btc[split:]}, "Sandbox-ETH-USDT": {"candles": eth[split:]}},
                 {KEY: {"candles": btc[:split]}, "Sandbox-ETH-USDT": {"candles": eth[:split]}})
    seen = cls.seen
    assert len(seen) == 4 * 4 * 24 * 3
    assert all(last == agg for _, last, agg, _ in seen)
    # the two markets' candles differ: each read showed its own market's
    by_symbol = {s: [last for sym, last, _, _ in seen if sym == s] for s in ("BTC-USDT", "ETH-USDT")}
    assert all(b != e for b, e in zip(by_symbol["BTC-USDT"], by_symbol["ETH-USDT"]))
