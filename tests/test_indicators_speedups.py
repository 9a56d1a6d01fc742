"""The indicators' shortcuts give, bit for bit, what the plain computations give.

- the memo's per-run windows kernels (several trailing windows advanced together) equal the one-window
  kernels on every window, including prefixes, short windows, NaN rows and single-window (sparse) calls;
- a memo hit returns the stored value (the namedtuple itself for named results) and forgets entries made on
  rows the engine replaced;
- the non-sequential fast lanes that read 2-D candles directly (vwap, chop, di, vwma, emd, edcf, high_pass,
  linearreg, donchian, dti, wt, bandpass, ...) equal ``sequential=True`` then ``[-1]`` on Jesse's trailing
  window, for several window lengths;
- the sequential kernels rewritten to sum several windows at a time equal the one-window-at-a-time sums;
- the rolling max / min shortcuts (lanes, van Herk blocks) equal a naive scan, with ties of 0.0 and -0.0
  resolved as the deque does, and gatorosc's truncated powers equal numpy's full ones.
"""
from __future__ import annotations

import contextlib
import importlib

import numpy as np
import pytest

import jesse_dag.indicators as ta
from jesse_dag._config import run_config
from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.engine import run_backtest
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import WindowCache, WindowSlot, window_cache
from jesse_dag.strategies import Strategy


def _market(n: int = 700, seed: int = 3, with_nan: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    close = 30000 * np.exp(np.cumsum(rng.normal(0, 0.003, n)))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.002, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.002, n))
    c = np.column_stack([1_600_000_000_000 + 60_000 * np.arange(n, dtype=np.float64), open_, close, high, low,
                         rng.uniform(1, 100, n)])
    c[200:230, 1:5] = c[199, 2]  # a flat stretch: zero ranges and zero changes
    c[250:256, 5] = 0.0  # no volume
    if with_nan:
        c[300, 3] = np.nan
        c[310, 2] = np.nan
    return c


def _memo_over(c):
    """An indicator memo with one window slot over the candles ``c``: ``(cache, slot)``."""
    slot = WindowSlot(c)
    cache = WindowCache()
    cache.add(slot)
    return cache, slot


def _same(a, b) -> bool:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def _module(name: str):
    return importlib.import_module(f"jesse_dag.indicators.{name}")


# (warmup, lo, hi): prefixes only, prefixes then full windows, full windows only, one window (a sparse
# call), windows shorter than the period, no warm-up limit
WINDOW_RUNS = [(210, 1, 700), (210, 205, 240), (210, 500, 700), (210, 433, 434), (12, 1, 200), (0, 1, 300),
               (3, 1, 60)]


def _reference(last, data, warm, lo, hi, *args):
    return np.array([last(data[(e - warm if 0 < warm < e else 0):e], *args) for e in range(lo, hi)])


@pytest.mark.parametrize("warm, lo, hi", WINDOW_RUNS)
@pytest.mark.parametrize("with_nan", [False, True])
def test_window_kernels_equal_one_window_kernels(warm, lo, hi, with_nan):
    c = _market(with_nan=with_nan)
    x = np.ascontiguousarray(c[:, 2])
    lanes = _kernels.LANES
    rsi, adx, atr, ema = _module("rsi"), _module("adx"), _module("atr"), _module("ema")
    sma, macd, bb = _module("sma"), _module("macd"), _module("bollinger_bands")
    for period in (1, 2, 14, 30):
        assert _same(rsi._rsi_windows(x, period, warm, lo, hi, lanes),
                     _reference(rsi._last_rsi, x, warm, lo, hi, period)), ("rsi", period)
        assert _same(adx._adx_windows(c, period, warm, lo, hi, lanes),
                     _reference(adx._last_adx, c, warm, lo, hi, period)), ("adx", period)
        assert _same(atr._atr_windows(c, period, warm, lo, hi, lanes),
                     _reference(atr._last_atr, c, warm, lo, hi, period)), ("atr", period)
        assert _same(ema._ema_windows(x, period, warm, lo, hi, lanes),
                     _reference(ema._last_ema, x, warm, lo, hi, period)), ("ema", period)
        assert _same(sma._sma_windows(x, period, warm, lo, hi, lanes),
                     _reference(sma._last_sma, x, warm, lo, hi, period)), ("sma", period)
        assert _same(bb._bbands_windows(x, period, 2.0, 1.5, warm, lo, hi, lanes),
                     _reference(bb._last_bbands, x, warm, lo, hi, period, 2.0, 1.5)), ("bollinger_bands", period)
    st = _module("supertrend")
    for period, factor in ((1, 3.0), (2, 0.5), (10, 3.0), (30, 1.5)):
        got = st._supertrend_windows(c, period, factor, warm, lo, hi, st._LANES)
        ref = [st._last_supertrend(c[(e - warm if 0 < warm < e else 0):e], period, factor) for e in range(lo, hi)]
        assert _same(got, np.array(ref).reshape(-1, 2)), ("supertrend", period)
    for fast, slow, signal in ((12, 26, 9), (1, 1, 1)):
        assert _same(macd._macd_windows(x, fast, slow, signal, warm, lo, hi, lanes),
                     _reference(macd._last_macd, x, warm, lo, hi, fast, slow, signal)), "macd"


def test_sma_window_kernel_skips_nan_like_the_one_window_kernel():
    x = _market()[:, 2].copy()
    x[400] = np.nan
    x[405:430] = np.nan  # longer than the period: a window with no value at all
    sma = _module("sma")
    got = sma._sma_windows(x, 20, 210, 380, 660, _kernels.LANES)
    assert np.isnan(got[430 - 380])  # the window ending at row 429 holds 20 NaN
    assert _same(got, _reference(sma._last_sma, x, 210, 380, 660, 20))


def test_memo_hit_returns_the_stored_namedtuple_and_forgets_replaced_rows():
    c = _market()
    cache, slot = _memo_over(c)
    with run_config(warmup_candles_num=210), window_cache(cache):
        view = c[:500]
        slot.view = view
        first = ta.macd(view)
        again = ta.macd(view)
        assert again is first  # a hit: the stored object
        assert _same(tuple(first), tuple(ta.macd(view.copy())))
        assert ta.macd(view, 12, 26, 9) is first  # the same key written out
        # the engine drops a row (a lost bucket): the memo must not answer from the old rows
        shifted = np.delete(c, 100, axis=0)
        slot.pristine = shifted
        slot.entries = {}
        view2 = shifted[:500]
        slot.view = view2
        got = ta.macd(view2)
        assert got is not first
        assert _same(tuple(got), tuple(ta.macd(view2.copy())))
        assert not _same(tuple(got), tuple(first))


def test_memo_hit_respects_a_changed_window_length():
    c = _market()
    cache, slot = _memo_over(c)
    view = c[:600]
    slot.view = view
    with window_cache(cache):
        with run_config(warmup_candles_num=210):
            a = ta.rsi(view, 14)
        with run_config(warmup_candles_num=50):
            b = ta.rsi(view, 14)
        with run_config(warmup_candles_num=210):
            assert ta.rsi(view, 14) == a
    with run_config(warmup_candles_num=50):
        assert b == ta.rsi(view.copy(), 14)
    assert a != b


def _memo_calls():
    return [lambda x: ta.ema(x, 9), lambda x: ta.rsi(x), lambda x: ta.sma(x, 10, source_type="hl2"),
            lambda x: ta.atr(x), lambda x: ta.macd(x), lambda x: ta.adx(x), lambda x: ta.bollinger_bands(x),
            lambda x: ta.supertrend(x)]


def test_a_memo_reused_under_another_window_length_answers_for_that_length():
    # the memo's shortcut to the last entry per key holds one window length's entries: entered again under
    # another length (or a run_config inside the block) it must not answer from them
    c = _market()
    cache, slot = _memo_over(c)
    view = c[:600]
    slot.view = view
    for warm in (210, 50, 210, 0, 50):
        with run_config(warmup_candles_num=warm), window_cache(cache):
            for f in _memo_calls():
                got = f(view)
                assert f(view) is got  # a hit: the stored object
                assert _same(tuple(np.atleast_1d(got)), tuple(np.atleast_1d(f(view.copy())))), warm
    with run_config(warmup_candles_num=210), window_cache(cache):  # (the length it was bound to first)
        assert ta.rsi(view) is ta.rsi(view)
        with run_config(warmup_candles_num=30):
            inner = ta.rsi(view)
            assert inner == ta.rsi(view.copy())
        assert ta.rsi(view) == ta.rsi(view.copy()) != inner


def test_a_variant_for_another_window_length_forgets_replaced_rows():
    c = _market()
    cache, slot = _memo_over(c)
    with run_config(warmup_candles_num=210), window_cache(cache):
        view = c[:500]
        slot.view = view
        outer = ta.macd(view)
        with run_config(warmup_candles_num=40):
            first = ta.macd(view)
            assert ta.macd(view) is first
            shifted = np.delete(c, 100, axis=0)
            shifted[:, 1:5] *= 1.01
            slot.pristine = shifted
            slot.entries = {}
            view2 = shifted[:500]
            slot.view = view2
            got = ta.macd(view2)
            assert _same(tuple(got), tuple(ta.macd(view2.copy())))
            assert not _same(tuple(got), tuple(first))
        again = ta.macd(view2)
        assert _same(tuple(again), tuple(ta.macd(view2.copy())))
        assert not _same(tuple(again), tuple(outer))


class _ChangesWindowLength(Strategy):
    """Every bar, the memoized indicators on its own candles and on the 1h data route (a forming candle
    between closes), under the run's window length and, on some bars, under another one set by run_config;
    each answer beside the per-call answer on a private copy."""

    pairs: list
    variant_hits = 0

    def should_long(self):
        c1h = self.get_candles(self.exchange, self.symbol, "1h")
        lengths = [None, 50] if self.index % 3 else [7, None]
        for warm in lengths:
            with (run_config(warmup_candles_num=warm) if warm else contextlib.nullcontext()):
                for c in (c1h, self.candles):
                    for f in _memo_calls():
                        got = f(c)
                        if warm and f(c) is got and not isinstance(got, float):
                            type(self).variant_hits += 1
                        type(self).pairs.append((got, f(c.copy())))
        return False

    def should_short(self):
        return False

    def go_long(self):
        pass

    def go_short(self):
        pass


def test_a_window_length_changed_inside_a_run_gives_the_values_without_the_memo():
    cls = type("W", (_ChangesWindowLength,), {"pairs": [], "variant_hits": 0})
    candles = synthetic_market(days=6, seed=4)
    split = 60 * 60
    config = {"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 1,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 60}
    run_backtest(config, [{"exchange": "Sandbox", "strategy": cls, "symbol": "BTC-USDT", "timeframe": "15m"}],
                 [{"exchange": "Sandbox", "symbol": "BTC-USDT", "timeframe": "1h"}],
                 {"Sandbox-BTC-USDT": {"candles": candles[split:]}},
                 {"Sandbox-BTC-USDT": {"candles": candles[:split]}})
    assert len(cls.pairs) > 10000
    assert cls.variant_hits > 1000  # the memo answered under the other lengths too
    bad = [(i, a, b) for i, (a, b) in enumerate(cls.pairs)
           if not _same(tuple(np.atleast_1d(a)), tuple(np.atleast_1d(b)))]
    assert not bad, bad[:5]


FAST_LANES = [
    ("vwap", {}), ("vwap", {"anchor": "H", "source_type": "close"}), ("vwap", {"anchor": "M"}),
    ("chop", {}), ("chop", {"drift": 3}), ("chop", {"period": 30, "drift": 40}),
    ("di", {}), ("di", {"period": 1}), ("vwma", {}), ("vwma", {"period": 1, "source_type": "hlc3"}),
    ("emd", {}), ("edcf", {}), ("edcf", {"period": 2, "source_type": "close"}),
    ("high_pass", {}), ("high_pass", {"period": 3, "source_type": "ohlc4"}),
    ("linearreg", {}), ("linearreg", {"period": 2}),
    ("donchian", {}), ("donchian", {"period": 1}), ("dti", {}), ("dti", {"r": 2, "s": 30, "u": 1}),
    ("wt", {}), ("wt", {"source_type": "close", "wtmalen": 1}), ("bandpass", {}),
    ("bandpass", {"period": 3, "bandwidth": 0.9, "source_type": "hl2"}), ("damiani_volatmeter", {}),
    ("mass", {}), ("mass", {"period": 40}), ("correlation_cycle", {}), ("correlation_cycle", {"period": 3}),
    ("vpci", {}), ("vpci", {"short_range": 30, "long_range": 4}), ("maaq", {}), ("alligator", {}),
    ("qstick", {"period": 1}), ("cg", {"period": 3}), ("trendflex", {"period": 7}),
]


@pytest.mark.parametrize("name, kwargs", FAST_LANES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(FAST_LANES)])
@pytest.mark.parametrize("with_nan", [False, True])
def test_fast_lanes_equal_last_of_sequential(name, kwargs, with_nan):
    fn = getattr(ta, name)
    c = _market(with_nan=with_nan)
    for warm in (240, 0, 20):
        for k in (2, 15, 31, 240, 320, 700):
            candles = c[:k]
            with run_config(warmup_candles_num=warm):
                one = fn(candles, **kwargs)
            window = candles[-warm:] if 0 < warm < k else candles
            seq = fn(window, sequential=True, **kwargs)
            if hasattr(seq, "_fields"):
                last = tuple(np.asarray(v)[-1] for v in seq)
                assert _same(tuple(one), last), (name, warm, k, one, last)
            else:
                last = np.asarray(seq)[-1]
                assert (one is None and np.isnan(last)) or _same(one, last), (name, warm, k, one, last)


def _weighted_rows(x, w, start, end, newest_first):
    out = np.full(x.shape[0], np.nan)
    m = w.shape[0]
    for j in range(start, end):
        s = 0.0
        for i in range(m):
            s += (x[j - i] if newest_first else x[j - m + 1 + i]) * w[i]
        out[j] = s
    return out


@pytest.mark.parametrize("lanes", [1, 3, 128])
def test_window_dot_products_equal_row_by_row_sums(lanes):
    rng = np.random.default_rng(5)
    x = rng.normal(0, 1, 1000) * 1e3
    w = rng.uniform(0, 2, 13)
    for newest_first in (True, False):
        out = np.full(1000, np.nan)
        if newest_first:
            _kernels.dot_windows(x, w, 20, 997, 1.0, out, lanes)
        else:
            _kernels.dot_windows_oldest_first(x, w, 20, 997, out, lanes)
        assert _same(out, _weighted_rows(x, w, 20, 997, newest_first))


def test_aroonosc_vectorized_scan_equals_the_deque_kernel():
    aroonosc = _module("aroonosc")
    c = _market(2000)
    cn = _market(2000, with_nan=True)
    for period in (1, 2, 14, 48):
        assert _same(aroonosc._aroonosc_lanes(c, period, _kernels.LANES), aroonosc._aroonosc(c, period))
        assert _same(aroonosc._aroonosc_lanes(cn, period, _kernels.LANES),
                     aroonosc._aroonosc_naive(np.ascontiguousarray(cn[:, 3]), np.ascontiguousarray(cn[:, 4]), period))


def test_rolling_kernels_equal_one_window_at_a_time_loops():
    rng = np.random.default_rng(9)
    x = 30000 + np.cumsum(rng.normal(0, 5, 3000))
    for period in (1, 3, 14, 50):
        n = x.shape[0]
        sums = np.full(n, np.nan)
        stds = np.full(n, np.nan)
        wmas = np.full(n, np.nan)
        for i in range(period - 1, n):
            s = 0.0
            ws = 0.0
            for k in range(i - period + 1, i + 1):
                s += x[k]
                ws += x[k] * (k - (i - period + 1) + 1)
            sums[i] = s
            wmas[i] = ws / (period * (period + 1) / 2.0)
            mean = s / period
            var = 0.0
            for k in range(i - period + 1, i + 1):
                var += (x[k] - mean) * (x[k] - mean)
            stds[i] = np.sqrt(var / period)
        assert _same(_kernels.rolling_sum(x, period), sums), period
        assert _same(_kernels.rolling_std(x, period), stds), period
        assert _same(_kernels.wma(x, period), wmas), period
        assert _kernels.wma_last(x, period) == wmas[-1]


def _naive_extreme_latest(x, period, want_max):
    # each window scanned: the extreme's latest occurrence (the deque's answer), NaN windows not used here
    out = np.full(x.shape[0], np.nan)
    for i in range(period - 1, x.shape[0]):
        m = x[i - period + 1]
        for k in range(i - period + 2, i + 1):
            if (x[k] >= m) if want_max else (x[k] <= m):
                m = x[k]
        out[i] = m
    return out


@pytest.mark.parametrize("period", [1, 2, 3, 5, 32, 33, 70, 128, 129, 300])
def test_rolling_extremes_equal_a_naive_scan(period):
    # periods up to 128 take the doubling scan, longer ones van Herk's blocks (which hand inputs holding a
    # zero back to the doubling scan); short inputs (the last window of a non-sequential call) take the same
    rng = np.random.default_rng(period)
    walk = 30000 + np.cumsum(rng.normal(0, 5, 1500))
    ties = rng.choice([1.0, 2.0, 3.0], 1500)
    zeros = rng.choice([0.0, -0.0, 1.0, -1.0], 1500)  # zeros: the latest occurrence decides the sign
    infs = rng.choice([np.inf, -np.inf, 2.0, -0.0], 1500)
    for x in (walk, ties, zeros, infs, np.column_stack([walk, walk])[:, 0], zeros[:period + 3], walk[:period]):
        for want_max, fn in ((True, _kernels.rolling_max), (False, _kernels.rolling_min)):
            got = fn(x, period)
            want = _naive_extreme_latest(x, period, want_max)
            assert _same(got, want) and np.array_equal(np.signbit(got), np.signbit(want)), (period, want_max)
            sign = 1.0 if want_max else -1.0
            assert np.array_equal(_kernels.rolling_extreme(x, period, sign).view(np.int64), got.view(np.int64))


@pytest.mark.parametrize("period", [3, 14, 200])
def test_rolling_extremes_with_nan_scan_each_window_from_its_first_row(period):
    # an input holding a NaN: each window's first row, then strictly more extreme later rows (so a window
    # starting on a NaN is NaN and other NaN rows are skipped), as the kernel always answered
    rng = np.random.default_rng(period)
    x = 30000 + np.cumsum(rng.normal(0, 5, 1200))
    x[rng.integers(0, 1200, 12)] = np.nan
    for want_max, fn in ((True, _kernels.rolling_max), (False, _kernels.rolling_min)):
        want = np.full(x.shape[0], np.nan)
        for i in range(period - 1, x.shape[0]):
            m = x[i - period + 1]
            for v in x[i - period + 2:i + 1]:
                if (v > m) if want_max else (v < m):
                    m = v
            want[i] = m
        assert _same(fn(x, period), want), want_max
    assert np.isnan(_kernels.rolling_max(x, 1500)).all() and _kernels.rolling_min(x[:0], 3).shape == (0,)


def test_stochastics_written_over_the_rolling_low_equal_the_formulas():
    # _fast_k / _raw_k / _willr write their result over rolling_min's array: each row's low is read first
    c = _market(900, seed=11)
    c[100:130, 3] = c[100:130, 4] = c[100:130, 2]  # flat rows: high == low in a window
    h, lo, cl = c[:, 3], c[:, 4], c[:, 2]
    for period in (5, 14):
        hh = _naive_extreme_latest(h, period, True)
        ll = _naive_extreme_latest(lo, period, False)
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = 100.0 * (cl - ll) / (hh - ll)
            wr = (hh - cl) / (hh - ll) * -100.0
        fast_k = np.where(hh > ll, raw, 50.0)
        fast_k[:period - 1] = np.nan
        raw_k = np.where(hh > ll, raw, np.nan)
        wr = np.where(hh - ll == 0.0, 0.0, wr)
        assert _same(_module("stochf")._fast_k(h, lo, cl, period), fast_k)
        assert _same(_module("stoch")._raw_k(h, lo, cl, period), raw_k)
        assert _same(_module("willr")._willr(h, lo, cl, period), wr)


def test_gatorosc_truncated_powers_equal_numpy_powers():
    gatorosc = _module("gatorosc")
    steps = np.arange(30000)
    for window in (13.0, 8.0, 5.0, 1.5):
        q = 1.0 - 1.0 / window
        with np.errstate(over="ignore", under="ignore"):
            assert np.array_equal(gatorosc._powers(q, 30000, True), q ** (-1 * steps))
            assert np.array_equal(gatorosc._powers(q, 30000, False), q ** steps)
