"""Indicators whose kernels were rewritten for speed still compute what Jesse's formula computes.

Each test writes Jesse's formula out plainly (Python floats, one row at a time, in the order Jesse's
documentation gives it) and compares:

- atr: Wilder's smoothing taken four rows at a time agrees with ``y + (tr - y) / period`` to rounding, and
  the sequential, non-sequential and windowed (memo) kernels give each other's bits on every window length;
- frama: one logarithm per row and the clamp decided before ``exp`` agree with Jesse's three-log formula,
  including flat stretches (the carried ``d``), ``SC = 1`` gives Jesse's NaN instead of a division error;
- qstick multiplies by ``1 / period`` as Jesse does (the same bits as Jesse on the parity candles);
- ``nth_diff`` in blocks equals ``np.diff(x, n)`` exactly; hwma with NaN inside keeps Jesse's
  drop-NaN-then-pad layout;
- degenerate candles (flat, zero prices, zero volume, NaN, one row) give Jesse's NaN or a clear error, never
  an exception from inside a kernel (eight kernels raised ZeroDivisionError on zero prices or flat windows).
"""
from __future__ import annotations

import importlib
import inspect
import math

import numpy as np
import pytest

import jesse_dag.indicators as ta
from jesse_dag._config import run_config
from jesse_dag.indicators import _kernels_series

atr_module = importlib.import_module("jesse_dag.indicators.atr")


def _candles(n: int, seed: int, flat: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, n))
    c = np.column_stack([60_000.0 * np.arange(n), open_, close, high, low, rng.uniform(1, 10, n)])
    if flat:
        c[n // 3:n // 3 + 25, 1:5] = c[n // 3 - 1, 2]  # zero ranges: frama keeps the previous d
    return c


def _atr_plain(c: np.ndarray, period: int) -> list[float]:
    out = []
    y = math.nan
    total = 0.0
    for i in range(len(c)):
        h, lo = float(c[i, 3]), float(c[i, 4])
        tr = h - lo if i == 0 else max(h - lo, abs(h - c[i - 1, 2]), abs(lo - c[i - 1, 2]))
        if i < period:
            total += tr
            y = total / period if i == period - 1 else math.nan
        else:
            y = y + (tr - y) / period
        out.append(y)
    return out


@pytest.mark.parametrize("period", [1, 2, 3, 14, 50])
def test_atr_four_row_blocks_agree_with_wilder_to_rounding(period: int) -> None:
    c = _candles(400, seed=period)
    got = ta.atr(c, period=period, sequential=True)
    want = np.array(_atr_plain(c, period))
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    assert np.max(np.abs(got[ok] - want[ok]) / want[ok]) < 1e-13


def test_atr_kernels_give_each_others_bits_on_every_window_length() -> None:
    c = _candles(300, seed=7)
    seq = atr_module._atr(c, 14)
    for e in range(1, 300):  # every remainder of the four-row blocks
        last = atr_module._last_atr(c[:e], 14)
        assert (math.isnan(last) and math.isnan(seq[e - 1])) or last == seq[e - 1], e
        assert last == atr_module._atr(c[:e], 14)[-1] or math.isnan(last)
    for warm in (14, 15, 16, 17, 18, 60):
        with run_config(warmup_candles_num=warm):
            single = ta.atr(c)
        assert single == ta.atr(c[-warm:], sequential=True)[-1], warm
        windows = atr_module._atr_windows(c, 14, warm, 1, 300, 8)
        for e in range(1, 300):
            s = e - warm if e > warm else 0
            want = atr_module._last_atr(c[s:e], 14)
            assert (math.isnan(want) and math.isnan(windows[e - 1])) or windows[e - 1] == want, (warm, e)


def _frama_plain(c: np.ndarray, window: int, fc: int, sc: int) -> list[float]:
    # Jesse's formula as written: n1, n2, n3 over the two halves and the whole window, three logarithms
    high, low, close = c[:, 3], c[:, 4], c[:, 2]
    half = window // 2
    w = math.log(2.0 / (sc + 1))
    out = [math.nan] * len(c)
    out[window - 1] = sum(close[:window].tolist()) / window
    d_prev = 0.0
    for i in range(window, len(c)):
        a = i - window
        h2, l2 = max(high[a:a + half]), min(low[a:a + half])
        h1, l1 = max(high[a + half:i]), min(low[a + half:i])
        n1, n2, n3 = (h1 - l1) / half, (h2 - l2) / half, (max(h1, h2) - min(l1, l2)) / window
        if n1 > 0 and n2 > 0 and n3 > 0:
            d = (math.log(n1 + n2) - math.log(n3)) / math.log(2.0)
        else:
            d = d_prev if i > window else 0.0
        d_prev = d
        old_alpha = min(max(math.exp(w * (d - 1)), 0.1), 1.0)
        old_n = (2 - old_alpha) / old_alpha
        n_val = (sc - fc) * ((old_n - 1) / (sc - 1)) + fc
        alpha = min(max(2 / (n_val + 1), 2 / (sc + 1)), 1.0)
        out[i] = alpha * close[i] + (1 - alpha) * out[i - 1]
    return out


@pytest.mark.parametrize("window, fc, sc", [(10, 1, 300), (4, 1, 30), (16, 2, 50), (2, 1, 2)])
def test_frama_agrees_with_jesses_three_log_formula(window: int, fc: int, sc: int) -> None:
    c = _candles(500, seed=window, flat=True)
    got = ta.frama(c, window=window, FC=fc, SC=sc, sequential=True)
    want = np.array(_frama_plain(c, window, fc, sc))
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    assert np.max(np.abs(got[ok] - want[ok]) / np.abs(want[ok])) < 1e-12
    with run_config(warmup_candles_num=240):
        assert ta.frama(c, window=window, FC=fc, SC=sc) == ta.frama(c[-240:], window=window, FC=fc, SC=sc,
                                                                    sequential=True)[-1]


def test_frama_sc_1_gives_jesses_nan_not_an_error() -> None:
    # Jesse divides by SC - 1: with SC = 1 every value after the seed is NaN (checked against Jesse 3.5.3)
    c = _candles(60, seed=1)
    seq = ta.frama(c, SC=1, sequential=True)
    assert np.isnan(seq[10:]).all() and not np.isnan(seq[9])
    assert math.isnan(ta.frama(c, SC=1))


def test_qstick_multiplies_by_the_reciprocal_as_jesse_does() -> None:
    c = _candles(300, seed=3)
    got = ta.qstick(c, period=5, sequential=True)
    d = (c[:, 2] - c[:, 1]).tolist()
    want = [0.0] * 4 + [(((((0.0 + d[i - 4]) + d[i - 3]) + d[i - 2]) + d[i - 1]) + d[i]) * (1.0 / 5)
                        for i in range(4, 300)]
    assert got.tolist() == want


@pytest.mark.parametrize("order", [1, 2, 9, 40])
def test_nth_diff_in_blocks_equals_numpy(order: int) -> None:
    x = 100 + np.cumsum(np.random.default_rng(order).normal(0, 1, 5000))
    x[77] = np.nan
    assert np.array_equal(_kernels_series.nth_diff(x, order), np.diff(x, n=order), equal_nan=True)
    assert _kernels_series.nth_diff(x[:order], order).shape == (0,)


def test_hwma_with_nan_inside_drops_then_pads_as_jesse() -> None:
    x = 100 + np.cumsum(np.random.default_rng(5).normal(0, 1, 80))
    x[[0, 1, 40]] = np.nan
    got = ta.hwma(x, sequential=True)
    clean = ta.hwma(x[~np.isnan(x)], sequential=True)
    assert np.isnan(got[:3]).all() and np.array_equal(got[3:], clean)
    assert ta.hwma(x) == clean[-1]
    with pytest.raises(ValueError, match="no non-NaN"):
        ta.hwma(np.full(10, np.nan))


def _constant_candles(price: float, n: int = 300) -> np.ndarray:
    return np.column_stack([60_000.0 * np.arange(n)] + [np.full(n, price)] * 4 + [np.ones(n)])


# Jesse 3.5.3's answers on 30 candles at price 0 and on 300 flat candles at 100 (numpy's x / 0: NaN)
JESSE_ON_ZERO_PRICES = {
    "mcginley_dynamic": (0.0,), "cc": (math.nan,), "er": (math.nan,), "kst": (math.nan, math.nan),
    "rocr100": (math.nan,), "ui": (math.nan,), "vpt": (math.nan,), "damiani_volatmeter": (0.0, 0.0),
}
JESSE_ON_FLAT = {"er": (math.nan,), "damiani_volatmeter": (0.0, math.nan)}


def _same_values(got, want) -> bool:
    got = tuple(got) if isinstance(got, tuple) else (got,)
    return len(got) == len(want) and all(
        (math.isnan(w) and math.isnan(g)) or g == w for g, w in zip(got, want))


@pytest.mark.parametrize("name", sorted(JESSE_ON_ZERO_PRICES))
def test_zero_prices_give_jesses_values_not_a_division_error(name: str) -> None:
    # these kernels divide by a price or a window's spread; they raised ZeroDivisionError before
    fn = getattr(ta, name)
    assert _same_values(fn(_constant_candles(0.0, 30)), JESSE_ON_ZERO_PRICES[name])
    if name in JESSE_ON_FLAT:
        assert _same_values(fn(_constant_candles(100.0)), JESSE_ON_FLAT[name])


@pytest.mark.slow
def test_no_indicator_raises_anything_but_a_clear_error_on_degenerate_candles() -> None:
    # flat prices, zero prices, zero volume, a NaN close, one and three rows, sequential and not: a result
    # or a ValueError naming the problem, never an exception from inside a kernel
    rng = np.random.default_rng(0)
    close = 100 + np.cumsum(rng.normal(0, 1, 300))
    walk = np.column_stack([60_000.0 * np.arange(300), close, close + 0.1, close + 1, close - 1, rng.uniform(1, 9, 300)])
    nan_close = walk.copy()
    nan_close[-5, 2] = np.nan
    zero_volume = _constant_candles(100.0)
    zero_volume[:, 5] = 0.0
    cases = {"flat": _constant_candles(100.0), "zero": _constant_candles(0.0), "zero_volume": zero_volume,
             "nan_close": nan_close, "one_row": walk[:1], "three_rows": walk[:3]}
    failures = []
    for name in ta.__all__:
        fn = getattr(ta, name)
        params = inspect.signature(fn).parameters
        if "sequential" not in params:
            continue
        for label, c in cases.items():
            extra = {p: c for p in params if p in ("benchmark_candles", "candles_compare")}
            for sequential in (False, True):
                try:
                    fn(c, sequential=sequential, **extra)
                except ValueError:
                    pass
                except Exception as e:  # noqa: BLE001 (the point of the test)
                    failures.append(f"{name} on {label} (sequential={sequential}): {type(e).__name__}: {e}")
    assert not failures, "\n".join(failures)
