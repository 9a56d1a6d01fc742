"""The engine's shortcuts give exactly what the slow paths give.

- the per-backtest indicator memo (``jesse_dag.indicators._core.cached_last``) answers, bit for bit, what a
  per-call indicator computes on the same trailing window, for dense and sparse calls, and only for the
  views the engine registered;
- the skip kernel on precomputed ranges finds the same block as the per-order gap rules;
- the one-pass candle check refuses exactly what ``validate_candles`` refuses (the validator's message);
- a declaration changed in any hook (or mutated in place) is still applied although unchanged ones are not
  re-checked each bar.
"""
from __future__ import annotations

import numpy as np
import pytest

import jesse_dag.indicators as ta
from jesse_dag._config import run_config
from jesse_dag.candles.synthetic import candles_from_close_prices, synthetic_market
from jesse_dag.engine import InvalidCandles, run_backtest
from jesse_dag.engine.kernels import first_reached_block, first_touched_block
from jesse_dag.engine.store import aggregate_rows
from jesse_dag.indicators._core import WindowCache, WindowSlot, window_cache
from jesse_dag.strategies import Strategy

T0 = 1_609_459_200_000

# (name, call) of every indicator the memo serves, with non-default parameters where they exist
MEMO_CALLS = [
    ("ema", lambda c: ta.ema(c, 9)),
    ("ema_hl2", lambda c: ta.ema(c, 21, source_type="hl2")),
    ("sma", lambda c: ta.sma(c, 50)),
    ("rsi", lambda c: ta.rsi(c, 14)),
    ("atr", lambda c: ta.atr(c, 14)),
    ("adx", lambda c: ta.adx(c, 14)),
    ("macd", lambda c: tuple(ta.macd(c))),
    ("bollinger_bands", lambda c: tuple(ta.bollinger_bands(c, 20, 2, 1.5))),
    ("supertrend", lambda c: tuple(ta.supertrend(c, 10, 3))),
]


def _same(a, b) -> bool:
    """Bit-for-bit equality of floats or tuples of floats, NaN equal to NaN."""
    a = np.atleast_1d(np.asarray(a, dtype=np.float64))
    b = np.atleast_1d(np.asarray(b, dtype=np.float64))
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


@pytest.fixture(scope="module")
def market() -> np.ndarray:
    # 15-minute candles built from a seeded synthetic minute market: 900 bars, enough for every window
    from jesse_dag.candles.aggregate import group_by_count

    return group_by_count(synthetic_market(days=10, seed=3), 15)[:900].copy()


@pytest.mark.parametrize("name, call", MEMO_CALLS, ids=[n for n, _ in MEMO_CALLS])
@pytest.mark.parametrize("pattern", ["dense", "every7", "sparse"])
@pytest.mark.parametrize("warmup", [210, 0])
def test_the_indicator_memo_answers_bit_for_bit_what_a_call_computes(market, name, call, pattern, warmup):
    slot = WindowSlot(market)
    cache = WindowCache()
    cache.add(slot)
    # every bar (long runs ahead), every 7th (short runs ahead), every 37th (one window per call)
    step = {"dense": 1, "every7": 7, "sparse": 37}[pattern]
    lengths = range(1, len(market) + 1, step)
    with run_config(warmup_candles_num=warmup):
        expected = {n: call(market[:n].copy()) for n in lengths}  # a private copy: the per-call path
        with window_cache(cache):
            for n in lengths:
                view = market[:n]
                slot.view = view
                got = call(view)
                assert _same(got, expected[n]), (name, n, got, expected[n])
    assert slot.entries, "the memo was never used"


def test_the_memo_ignores_views_it_was_not_told_about(market):
    slot = WindowSlot(market)
    cache = WindowCache()
    cache.add(slot)
    slot.view = market[:500]
    other = market[:400]  # a different view of the same buffer: the per-call path must answer
    with run_config(warmup_candles_num=210), window_cache(cache):
        assert _same(ta.ema(other, 9), ta.ema(other.copy(), 9))
        assert _same(ta.ema(market[100:500], 9), ta.ema(market[100:500].copy(), 9))
    assert not slot.entries


@pytest.mark.parametrize("seed", range(6))
def test_the_range_scan_finds_the_block_the_per_order_rules_find(seed):
    rng = np.random.default_rng(seed)
    n = 3000
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.004, n)))
    # gaps: the open jumps away from the previous close now and then
    open_ = np.concatenate([[100.0], close[:-1]]) * np.where(rng.random(n) < 0.05, 1 + rng.normal(0, 0.01, n), 1)
    high = np.maximum(open_, close) * (1 + rng.random(n) * 0.002)
    low = np.minimum(open_, close) * (1 - rng.random(n) * 0.002)
    prev = np.concatenate([[np.nan], close[:-1]])
    lo_any, hi_any = np.fmin(low, prev), np.fmax(high, prev)
    for _ in range(40):
        k = int(rng.integers(1, 4))
        prices = close[int(rng.integers(0, n))] * (1 + rng.normal(0, 0.03, k))
        kinds = rng.integers(-1, 2, k)
        liq = float(close[0] * (1 + rng.normal(0, 0.05))) if rng.random() < 0.3 else np.nan
        start = int(rng.integers(0, n // 2))
        want = first_touched_block(open_, high, low, prev, prices, kinds, liq, start, n)
        got = first_reached_block(lo_any, hi_any, low, high, prices, kinds, liq, start, n)
        assert got == want


class _Hold(Strategy):
    def should_long(self):
        return False

    def go_long(self):
        pass


@pytest.mark.parametrize("row, col, value, message", [
    (3, 2, np.nan, "row 3"), (5, 3, 0.5, "row 5.*high"), (6, 4, 99.0, "row 6.*low"), (2, 5, -1.0, "row 2.*volume"),
    (4, 0, T0 + 4 * 60_000 + 7, "row 4.*whole minute"), (7, 0, T0, "row 7.*(unsorted|not after)"),
])
def test_the_one_pass_candle_check_refuses_what_the_validator_refuses(row, col, value, message):
    candles = candles_from_close_prices(np.linspace(10, 20, 12))
    candles[:, 0] = T0 + 60_000 * np.arange(len(candles))
    candles[row, col] = value
    routes = [{"exchange": "Sandbox", "strategy": _Hold, "symbol": "BTC-USDT", "timeframe": "1m"}]
    config = {"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 1,
              "futures_leverage_mode": "cross", "exchange": "Sandbox"}
    with pytest.raises(InvalidCandles, match=message):
        run_backtest(config, routes, [], {"Sandbox-BTC-USDT": {"candles": candles}})


class _MovesStopLater(Strategy):
    """Long at bar 0 with a far stop; a later hook moves the stop: reassigned, mutated in place, or mutated in
    place through a reference kept since ``on_open_position`` (``self.stop_loss`` not read again)."""

    hook = "before"
    in_place = False
    stops: list

    def on_open_position(self, order):
        if self.in_place == "kept":
            self.vars["stop"] = self.stop_loss

    def should_long(self):
        return self.index == 0

    def go_long(self):
        self.buy = 1, self.price
        self.stop_loss = 1, self.price * 0.5

    def _maybe_move(self):
        if self.index == 3 and self.is_open:
            if self.in_place == "kept":
                self.vars["stop"][0, 1] = self.price * 0.9
            elif self.in_place:
                self.stop_loss[0, 1] = self.price * 0.9
            else:
                self.stop_loss = 1, self.price * 0.9

    def before(self):
        if self.hook == "before":
            self._maybe_move()

    def after(self):
        if self.hook == "after":
            self._maybe_move()
        if self.is_open:
            type(self).stops.append([o.price for o in self.orders if o.is_active and o.is_stop_loss])


@pytest.mark.parametrize("hook", ["before", "after"])
@pytest.mark.parametrize("in_place", [False, True, "kept"])
def test_a_declaration_changed_in_any_hook_is_applied(hook, in_place):
    cls = type("M", (_MovesStopLater,), {"hook": hook, "in_place": in_place, "stops": []})
    candles = candles_from_close_prices(np.full(12, 100.0))
    run_backtest({"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 1,
                  "futures_leverage_mode": "cross", "exchange": "Sandbox"},
                 [{"exchange": "Sandbox", "strategy": cls, "symbol": "BTC-USDT", "timeframe": "1m"}], [],
                 {"Sandbox-BTC-USDT": {"candles": candles}})
    # bar 0 opens (stop at 50); the change at bar 3 is applied by that bar's check when made in before(),
    # by the next bar's when made in after(); exactly one stop order is active throughout
    unchanged = 2 if hook == "before" else 3
    assert cls.stops == [[50.0]] * unchanged + [[pytest.approx(90.0)]] * (11 - unchanged)


class _ReadsHigherTimeframe(Strategy):
    """Each 15m bar, indicators on the 1h data route (a forming candle between its closes) and on its own
    candles, through the memo (the engine's views) and through the per-call path (private copies)."""

    pairs: list
    forming_used = False

    def should_long(self):
        for c in (self.get_candles(self.exchange, self.symbol, "1h"), self.candles):
            copy = c.copy()
            for f in (lambda x: ta.ema(x, 20), lambda x: ta.sma(x, 10, source_type="hl2"),
                      lambda x: ta.rsi(x, 14), lambda x: ta.atr(x, 14)):
                type(self).pairs.append((f(c), f(copy)))
        # (the engine empties the memo when the run ends: look while it runs)
        entries = self._session.markets["Sandbox-BTC-USDT"].candles.tfs["1h"].slot.entries
        type(self).forming_used |= any(e.ticks for e in entries.values())  # values on forming views
        return False

    def go_long(self):
        pass


def test_memo_answers_on_forming_higher_timeframe_candles_equal_per_call_answers():
    cls = type("R", (_ReadsHigherTimeframe,), {"pairs": []})
    candles = synthetic_market(days=12, seed=5)
    split = 100 * 60  # 100 hours of warm-up
    config = {"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 1,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 120}
    run = run_backtest(config, [{"exchange": "Sandbox", "strategy": cls, "symbol": "BTC-USDT", "timeframe": "15m"}],
                 [{"exchange": "Sandbox", "symbol": "BTC-USDT", "timeframe": "1h"}],
                 {"Sandbox-BTC-USDT": {"candles": candles[split:]}},
                 {"Sandbox-BTC-USDT": {"candles": candles[:split]}})
    assert len(cls.pairs) > 4000
    assert cls.forming_used, "the forming-candle memo was not used"
    bad = [(i, a, b) for i, (a, b) in enumerate(cls.pairs) if not _same(a, b)]
    assert not bad, bad[:5]


class _LimitEveryDay(Strategy):
    """Rests a buy limit below the price, so fills land inside minutes (partial rows are shown); at each fill
    it checks that the caller's arrays (``watched``, with copies ``saved``) are as they were."""

    watched: tuple = ()
    saved: tuple = ()
    intact: list = []

    def on_open_position(self, order):
        self.intact.append(all(np.array_equal(a, b) for a, b in zip(self.watched, self.saved)))

    def should_long(self):
        return True

    def go_long(self):
        self.buy = 0.01, self.price * 0.999

    def should_cancel_entry(self):
        return self.index % 4 == 0

    def update_position(self):
        if self.index % 3 == 0:
            self.liquidate()


@pytest.mark.parametrize("warm_rows", [0, 600])
def test_the_candles_passed_in_are_left_unchanged(warm_rows):
    # the engine reads the caller's arrays without copying them first; fills inside a minute write partial
    # rows into the engine's own array, never into these
    candles = synthetic_market(days=3, seed=11)
    trade, warm = candles[warm_rows:], candles[:warm_rows]
    trade_before, warm_before = trade.copy(), warm.copy()
    _LimitEveryDay.watched, _LimitEveryDay.saved, _LimitEveryDay.intact = (trade, warm), (trade_before, warm_before), []
    config = {"starting_balance": 10_000, "fee": 0.0004, "type": "futures", "futures_leverage": 2,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": warm_rows // 15}
    routes = [{"exchange": "Sandbox", "strategy": _LimitEveryDay, "symbol": "BTC-USDT", "timeframe": "15m"}]
    key = "Sandbox-BTC-USDT"
    run = run_backtest(config, routes, [{"exchange": "Sandbox", "symbol": "BTC-USDT", "timeframe": "1h"}],
                       {key: {"candles": trade}}, {key: {"candles": warm}} if warm_rows else None)
    assert len(run.result["trades"]) > 5
    assert len(_LimitEveryDay.intact) == len(run.result["trades"]) and all(_LimitEveryDay.intact)
    assert np.array_equal(trade, trade_before)
    assert np.array_equal(warm, warm_before)


def test_the_forming_candle_kernel_equals_numpy_aggregation():
    from jesse_dag.engine.kernels import aggregate_rows_kernel
    from jesse_dag.engine.store import aggregate_rows

    rng = np.random.default_rng(5)
    m1 = synthetic_market(days=2, seed=5)
    m1[:, 5] = rng.random(len(m1)) * 10 ** rng.integers(0, 7, len(m1))  # volumes over many magnitudes
    out = np.zeros((3, 6))
    for n in list(range(1, 300)) + [1000, 1439]:  # every pairwise-sum branch (< 8, <= 128, recursive)
        start = int(rng.integers(0, len(m1) - n))
        aggregate_rows_kernel(m1, start, start + n, out, 1)
        assert out[1].tolist() == aggregate_rows(m1[start:start + n]).tolist(), n
    assert not out[[0, 2]].any()  # only the row asked for is written


def test_small_book_sums_equal_numpy():
    from jesse_dag.engine.models import _sum_of_products
    from jesse_dag.strategies._strategy import _average_price

    rng = np.random.default_rng(8)
    for n in range(0, 12):
        rows = [(float(q), float(p)) for q, p in zip(rng.normal(size=n) * 3, rng.random(n) * 5e4)]
        arr = np.asarray(rows, dtype=np.float64).reshape(-1, 2)
        assert _sum_of_products(rows) == float((arr[:, 0] * arr[:, 1]).sum())
        if n:
            expected = (np.abs(arr[:, 0] * arr[:, 1])).sum() / np.abs(arr[:, 0]).sum()
            got = _average_price(arr)
            assert type(got) is np.float64 and got == expected


class _FailsOnBarFive(Strategy):
    def should_long(self):
        if self.index == 5:
            raise ZeroDivisionError("on purpose")
        return False

    def go_long(self):
        pass


def test_the_garbage_collector_is_paused_for_a_run_and_restored_after_it_even_on_error():
    import gc

    candles = synthetic_market(days=1, seed=2)
    config = {"starting_balance": 10_000, "fee": 0.0, "type": "futures", "futures_leverage": 1,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0}
    routes = [{"exchange": "Sandbox", "strategy": _FailsOnBarFive, "symbol": "BTC-USDT", "timeframe": "5m"}]
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        run_backtest(config, routes, [], {"Sandbox-BTC-USDT": {"candles": candles}})
    assert gc.isenabled()
    gc.disable()
    try:  # a caller that paused it itself keeps it paused
        with pytest.raises(ZeroDivisionError):
            run_backtest(config, routes, [], {"Sandbox-BTC-USDT": {"candles": candles}})
        assert not gc.isenabled()
    finally:
        gc.enable()


class _TradesEveryFewBars(Strategy):
    def should_long(self):
        return self.index % 4 == 0

    def go_long(self):
        self.buy = 0.1, self.price

    def update_position(self):
        if self.index % 4 == 2:
            self.liquidate()


def test_a_backtest_leaves_its_closed_trades_to_reference_counting_not_the_cyclic_collector():
    """research.backtest frees the run's trades and their orders when it returns: the collector's next pass
    (which traverses whatever cyclic garbage is left) finds none of them."""
    import gc

    from jesse_dag import research

    candles = synthetic_market(days=1, seed=2)
    config = {"starting_balance": 10_000, "fee": 0.0004, "type": "futures", "futures_leverage": 1,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0}
    routes = [{"exchange": "Sandbox", "strategy": _TradesEveryFewBars, "symbol": "BTC-USDT", "timeframe": "5m"}]
    gc.collect()
    result = research.backtest(config, routes, [], {"Sandbox-BTC-USDT": {"candles": candles}})
    assert len(result["trades"]) > 20 and all(len(t["orders"]) == 2 for t in result["trades"])
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        left = sorted({type(o).__name__ for o in gc.garbage} & {"ClosedTrade", "Order"})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == []
    assert gc.isenabled()


class _ChecksHigherTimeframeRows(Strategy):
    """Every 15m bar and at every fill (a partial 1m row showing), the last 1h and 4h candle equals the
    aggregation of the visible 1m rows since its open: the tabulated forming candles are the real ones."""

    checked: list = []

    def _check_rows(self, at_fill=False):
        m1 = self.get_candles(self.exchange, self.symbol, "1m")
        for tf, k in (("1h", 60), ("4h", 240)):
            last = self.get_candles(self.exchange, self.symbol, tf)[-1]
            rows = m1[m1[:, 0] >= last[0]]
            if at_fill and len(rows) == k:
                continue  # the minute of a fill completes the candle: the complete candle is shown (Jesse's)
            type(self).checked.append(last.tolist() == aggregate_rows(rows).tolist())

    def should_long(self):
        self._check_rows()
        return True

    def go_long(self):
        self.buy = 0.01, self.price * 0.998

    def should_cancel_entry(self):
        return self.index % 3 == 0

    def on_open_position(self, order):
        self._check_rows(at_fill=True)

    def update_position(self):
        self._check_rows()
        if self.index % 5 == 0:
            self.liquidate()


def test_forming_higher_timeframe_candles_equal_the_visible_rows_aggregated():
    cls = type("C", (_ChecksHigherTimeframeRows,), {"checked": []})
    candles = synthetic_market(days=6, seed=9)
    split = 24 * 60
    config = {"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 1,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 20}
    key = "Sandbox-BTC-USDT"
    run = run_backtest(config, [{"exchange": "Sandbox", "strategy": cls, "symbol": "BTC-USDT", "timeframe": "15m"}],
                       [{"exchange": "Sandbox", "symbol": "BTC-USDT", "timeframe": tf} for tf in ("1h", "4h")],
                       {key: {"candles": candles[split:]}}, {key: {"candles": candles[:split]}})
    assert len(run.result["trades"]) > 20  # fills inside minutes happened
    assert len(cls.checked) > 2 * 4 * 24 * 5 and all(cls.checked)
    assert run.session.markets[key].candles.tfs["4h"].table is not None, "the forming-candle table was not used"


def test_exact_sum_and_sub_shortcuts_equal_the_decimal_formula():
    import math
    import random
    from decimal import Decimal

    from jesse_dag.engine.models import exact_sub, exact_sum

    def outcome(fn, a, b):
        try:
            v = fn(a, b)
        except Exception as exc:  # noqa: BLE001 - the error type is the outcome compared
            return type(exc).__name__
        return "nan" if math.isnan(v) else (v, math.copysign(1.0, v))

    rng = random.Random(3)
    values = [0.0, -0.0, 1.5, -1.5, 0.1, 0.2, -0.3, 1e-300, 1e300, math.inf, -math.inf, math.nan]
    values += [rng.uniform(-1e4, 1e4) for _ in range(60)] + [round(rng.uniform(-10, 10), 3) for _ in range(60)]
    for a in values:
        for b in values + [-a, a]:
            assert outcome(exact_sum, a, b) == outcome(lambda x, y: float(Decimal(repr(x)) + Decimal(repr(y))), a, b)
            assert outcome(exact_sub, a, b) == outcome(lambda x, y: float(Decimal(repr(x)) - Decimal(repr(y))), a, b)


def test_the_forming_ema_kernel_equals_the_ema_of_each_window():
    # the kernel runs the recurrence once per bucket; each tick's window is the complete rows then its
    # forming value
    import sys

    import jesse_dag.indicators.ema  # noqa: F401 (the module, not the function ta.ema)

    module = sys.modules["jesse_dag.indicators.ema"]
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 300))
        x = rng.normal(100, 5, n)
        completes = np.sort(rng.integers(0, n, int(rng.integers(1, 40))))
        fx = rng.normal(100, 5, len(completes))
        period, warm = int(rng.integers(1, 50)), int(rng.integers(0, 200))
        got = module._ema_forming(x, fx, completes, period, warm)
        for j, c in enumerate(completes):
            s = c + 1 - warm if (warm > 0 and c + 1 > warm) else 0
            want = module._last_ema(np.concatenate([x[s:c], [fx[j]]]), period)
            assert got[j] == want or (np.isnan(got[j]) and np.isnan(want))


class _ReadsDeclarationsBack(Strategy):
    """Declares plain tuples in go_long; reads every declaration back in update_position (Jesse hands out
    (n, 2) float arrays there) along with the averages computed from the applied copies."""

    seen: list

    def should_long(self):
        return self.index == 0

    def go_long(self):
        self.buy = 2, self.price
        self.stop_loss = 2, self.price * 0.5
        self.take_profit = [(1, self.price * 2), (1, self.price * 3)]

    def update_position(self):
        if self.index == 2:
            type(self).seen.append((self.buy, self.stop_loss, self.take_profit, self.average_entry_price,
                                    self.average_stop_loss, self.average_take_profit))


def test_declarations_read_back_as_float_arrays_as_jesse_hands_them_out():
    cls = type("D", (_ReadsDeclarationsBack,), {"seen": []})
    candles = candles_from_close_prices(np.full(6, 100.0))
    run_backtest({"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 1,
                  "futures_leverage_mode": "cross", "exchange": "Sandbox"},
                 [{"exchange": "Sandbox", "strategy": cls, "symbol": "BTC-USDT", "timeframe": "1m"}], [],
                 {"Sandbox-BTC-USDT": {"candles": candles}})
    (buy, sl, tp, avg_entry, avg_sl, avg_tp), = cls.seen
    for arr in (buy, sl, tp):
        assert type(arr) is np.ndarray and arr.dtype == np.float64 and arr.ndim == 2 and arr.shape[1] == 2
    price = float(candles[0, 2])
    assert buy.tolist() == [[2.0, price]] and sl.tolist() == [[2.0, price * 0.5]]
    assert tp.tolist() == [[1.0, price * 2], [1.0, price * 3]]
    assert (avg_entry, avg_sl, avg_tp) == (price, price * 0.5, price * 2.5)


@pytest.mark.parametrize("typ", ["long", "short", "close"])
@pytest.mark.parametrize("fills", [(1, 1), (3, 2), (9, 1), (2, 10), (0, 1)])
@pytest.mark.parametrize("number", [float, np.float64])
def test_a_trade_dict_is_what_the_trade_properties_compute(typ, fills, number):
    """ClosedTrade.to_dict (its sums done once for both sides) gives each property's value, bit for bit and of
    the same type, for a few fills a side (the inlined sums), eight or more (numpy's), none."""
    from jesse_dag.engine.models import ClosedTrade, Order

    rng = np.random.default_rng(len(typ) * 100 + fills[0] * 10 + fills[1])
    t = ClosedTrade("t")
    t.type, t.leverage, t.opened_at, t.closed_at = typ, 3, 1_600_000_000_000, 1_600_000_900_000
    entry, exit_ = (t.buy_orders, t.sell_orders) if typ == "long" else (t.sell_orders, t.buy_orders)
    for rows, n in ((entry, fills[0]), (exit_, fills[1])):
        rows += [(number(rng.uniform(0.001, 2)), number(rng.uniform(100, 50_000))) for _ in range(n)]
    t.leg_fees = [number(rng.uniform(0, 3)) for _ in range(sum(fills))]
    t.orders = [Order(7, "s", "Sandbox", "BTC-USDT", "buy", "LIMIT", 0.5, 100.0, False, 0)]
    d = t.to_dict()
    expected = {"entry_price": t.entry_price, "exit_price": t.exit_price, "qty": t.qty, "fee": t.fee,
                "size": t.size, "holding_period": t.holding_period}
    with np.errstate(all="ignore"):
        expected.update(PNL=t.pnl, PNL_percentage=t.roi)
    for key, value in expected.items():
        assert type(d[key]) is type(value) and repr(d[key]) == repr(value), key
    assert d["orders"] == [t.orders[0].to_dict] and d["orders"][0]["id"] == "00000000-0000-4000-8000-000000000007"
