"""Moving averages: weighted, adaptive (KAMA, JMA, MAMA, MAAQ, McGinley, natural MA), Holt-Winters, tail- and
power-weighted windows, and Jesse's ``ma`` dispatcher for a 1-D series.

Numba kernels (``cache=True``, compiled for the argument types first seen); each takes float64 arrays and
scalar parameters and reproduces one Jesse 3.5.3 computation's seeds and warm-up (its docstring names them);
the indicator modules validate, slice and pick sources before calling them.

Example:
    >>> import numpy as np
    >>> from jesse_dag.indicators._kernels_averages import sma_skipnan_window
    >>> sma_skipnan_window(np.array([np.nan, 1.0, 3.0]), 2).tolist()[1:]
    [1.0, 2.0]
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _kernels  # (importing it keeps freed memory: keep_freed_memory)
from jesse_dag.indicators._kernels_series import drop_nan, pad_front


@numba.njit(cache=True)
def wma_zero(x, period):
    """Linearly weighted mean (weights 1..p) with 0.0, not NaN, before the first full window."""
    n = x.shape[0]
    out = np.zeros(n)
    if period < 1:
        return out
    denom = period * (period + 1) / 2.0
    for i in range(period - 1, n):
        acc = 0.0
        for k in range(period):
            acc += x[i - period + 1 + k] * (k + 1.0)
        out[i] = acc / denom
    return out


@numba.njit(cache=True)
def hwma(x, na, nb, nc):
    """Holt-Winters moving average: level, velocity and acceleration, level seeded at ``x[0]``."""
    n = x.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    f_prev = x[0]
    v_prev = 0.0
    a_prev = 0.0
    for i in range(n):
        f = (1.0 - na) * (f_prev + v_prev + 0.5 * a_prev) + na * x[i]
        v = (1.0 - nb) * (v_prev + a_prev) + nb * (f - f_prev)
        a = (1.0 - nc) * a_prev + nc * (v - v_prev)
        out[i] = f + v + 0.5 * a
        f_prev = f
        v_prev = v
        a_prev = a
    return out


@numba.njit(cache=True)
def hwma_same_length(x, na, nb, nc):
    """``pad_front(hwma(drop_nan(x), ...), len(x))``; without NaN in ``x`` that is ``hwma(x)`` itself (no copies)."""
    for i in range(x.shape[0]):
        if np.isnan(x[i]):
            return pad_front(hwma(drop_nan(x), na, nb, nc), x.shape[0])
    return hwma(x, na, nb, nc)


@numba.njit(cache=True, inline="always")
def _jma_from(x, phase_ratio, beta, alpha, out):
    # rows 1.. of jma into ``out`` (every row, or with a 1-row ``out`` only the last one kept: the same
    # operations either way); the previous value is carried in a register, not read back from ``out``
    n = x.shape[0]
    keep_all = out.shape[0] == n
    e0 = 0.0
    e1 = 0.0
    e2 = 0.0
    y = x[0]
    for i in range(1, n):
        e0 = (1.0 - alpha) * x[i] + alpha * e0
        e1 = (x[i] - e0) * (1.0 - beta) + beta * e1
        e2 = (e0 + phase_ratio * e1 - y) * (1.0 - alpha) ** 2 + alpha ** 2 * e2
        y = e2 + y
        if keep_all:
            out[i] = y
    if not keep_all:
        out[0] = y


@numba.njit(cache=True)
def jma(x, phase_ratio, beta, alpha):
    """Jurik-style adaptive average (the TradingView port Jesse uses); starts at ``x[0]``."""
    out = x.copy()
    if x.shape[0] > 1:
        _jma_from(x, phase_ratio, beta, alpha, out)
    return out


@numba.njit(cache=True)
def jma_last(x, phase_ratio, beta, alpha):
    """``jma(x, ...)[-1]`` without the array: the same operations, so the same bits."""
    n = x.shape[0]
    if n < 2:
        return x[n - 1]
    out = np.empty(1)
    _jma_from(x, phase_ratio, beta, alpha, out)
    return out[0]


@numba.njit(cache=True, inline="always")
def _kama_from(x, period, fast_length, slow_length, out):
    # rows period.. of kama into ``out`` (every row, or with a 1-row ``out`` only the last one kept: the same
    # operations either way); the previous value is carried in a register, not read back from ``out``
    n = x.shape[0]
    keep_all = out.shape[0] == n
    fast_a = 2.0 / (fast_length + 1.0)
    slow_a = 2.0 / (slow_length + 1.0)
    span = fast_a - slow_a
    vol = 0.0
    for i in range(1, period):
        vol += abs(x[i] - x[i - 1])
    y = x[period - 1]
    for i in range(period, n):
        vol += abs(x[i] - x[i - 1])
        if i > period:
            vol -= abs(x[i - period] - x[i - period - 1])
        change = abs(x[i] - x[i - period])
        er = change / vol if vol != 0.0 else 0.0
        sc = (er * span + slow_a) ** 2
        y = y + sc * (x[i] - y)
        if keep_all:
            out[i] = y
    if not keep_all:
        out[0] = y


@numba.njit(cache=True)
def kama(x, period, fast_length, slow_length):
    """Kaufman's adaptive average; the first ``period`` values are the source itself."""
    out = x.copy()
    if x.shape[0] > period:
        _kama_from(x, period, fast_length, slow_length, out)
    return out


@numba.njit(cache=True)
def kama_last(x, period, fast_length, slow_length):
    """``kama(x, ...)[-1]`` without the array: the same operations, so the same bits."""
    n = x.shape[0]
    if n <= period:
        return x[n - 1]
    out = np.empty(1)
    _kama_from(x, period, fast_length, slow_length, out)
    return out[0]


@numba.njit(cache=True)
def maaq(x, period, fast_period, slow_period):
    """Moving Average Adaptive Q; the first ``period`` values are the source itself."""
    n = x.shape[0]
    xc = np.ascontiguousarray(x)
    out = xc.copy()
    fast_sc = 2.0 / (fast_period + 1.0)
    slow_sc = 2.0 / (slow_period + 1.0)
    # each |change| once, then every window's noise summed in order (oldest first), several windows at a time:
    # the same operations per row, so the same bits
    noises = np.empty(n)
    if period < n:
        moves = np.zeros(n)
        for k in range(1, n):
            moves[k] = abs(xc[k] - xc[k - 1])
        _kernels.dot_windows_oldest_first(moves, np.ones(period), period, n, noises, _kernels.BLOCK)
    prev = out[period - 1] if 0 < period <= n else 0.0  # carried in a local, not read back from ``out``
    for i in range(period, n):
        noise = noises[i]
        signal = abs(xc[i] - xc[i - period])
        ratio = signal / noise if noise != 0.0 else 0.0
        temp = (ratio * fast_sc + slow_sc) ** 2
        y = prev + temp * (xc[i] - prev)
        out[i] = y
        prev = y
    return out


@numba.njit(cache=True, inline="always")
def _hilbert(a, buf, i, scale):
    # Ehlers' 4-tap Hilbert transform: the newest tap ``a`` (row i), older ones from the history array; taps
    # before row 0 read as 0
    b = buf[i - 2] if i >= 2 else 0.0
    c = buf[i - 4] if i >= 4 else 0.0
    d = buf[i - 6] if i >= 6 else 0.0
    return (0.0962 * a + 0.5769 * b - 0.5769 * c - 0.0962 * d) * scale


@numba.njit(cache=True)
def mama(x, fastlimit, slowlimit):
    """MESA adaptive moving average (Jesse's version: pi = 3.1415926, mama/fama start at 0)."""
    n = x.shape[0]
    pi = 3.1415926
    smooth = np.zeros(n)
    detr = np.zeros(n)
    q1 = np.zeros(n)
    i1 = np.zeros(n)
    mama_out = np.zeros(n)
    fama_out = np.zeros(n)
    i2_prev = 0.0
    q2_prev = 0.0
    re_prev = 0.0
    im_prev = 0.0
    period_prev = 0.0
    phase_prev = 0.0
    m_prev = 0.0
    f_prev = 0.0
    for i in range(1, n):
        x1 = x[i - 1]
        # price taps before row 0 read the first price (Jesse's Rust); the filter taps read 0
        x2 = x[i - 2] if i >= 2 else x[0]
        x3 = x[i - 3] if i >= 3 else x[0]
        # each series' newest value is used from its register, not read back from the array just written
        # (on the row-to-row dependency chain); the same operations, so the same bits
        sm = (4.0 * x[i] + 3.0 * x1 + 2.0 * x2 + x3) / 10.0
        smooth[i] = sm
        scale = 0.075 * period_prev + 0.54
        de = _hilbert(sm, smooth, i, scale)
        detr[i] = de
        qq = _hilbert(de, detr, i, scale)
        q1[i] = qq
        ii = detr[i - 3] if i >= 3 else 0.0
        i1[i] = ii
        ji = _hilbert(ii, i1, i, scale)
        jq = _hilbert(qq, q1, i, scale)
        i2 = 0.2 * (ii - jq) + 0.8 * i2_prev
        q2 = 0.2 * (qq + ji) + 0.8 * q2_prev
        re = 0.2 * (i2 * i2_prev + q2 * q2_prev) + 0.8 * re_prev
        im = 0.2 * (i2 * q2_prev - q2 * i2_prev) + 0.8 * im_prev
        if im != 0.0 and re != 0.0:
            p1 = 2.0 * pi / np.arctan(im / re)
        else:
            p1 = period_prev
        if p1 > 1.5 * period_prev:
            p2 = 1.5 * period_prev
        elif p1 < 0.67 * period_prev:
            p2 = 0.67 * period_prev
        else:
            p2 = p1
        p3 = 6.0 if p2 < 6.0 else (50.0 if p2 > 50.0 else p2)
        period = 0.2 * p3 + 0.8 * period_prev
        phase = (180.0 / pi) * np.arctan(qq / ii) if ii != 0.0 else 0.0
        dphase = phase_prev - phase
        if dphase < 1.0:
            dphase = 1.0
        a = fastlimit / dphase
        if a < slowlimit:
            a = slowlimit
        elif a > fastlimit:
            a = fastlimit
        m_prev = a * x[i] + (1.0 - a) * m_prev
        mama_out[i] = m_prev
        f_prev = 0.5 * a * m_prev + (1.0 - 0.5 * a) * f_prev
        fama_out[i] = f_prev
        i2_prev = i2
        q2_prev = q2
        re_prev = re
        im_prev = im
        period_prev = period
        phase_prev = phase
    return mama_out, fama_out


@numba.njit(cache=True)
def ema_seeded(x, period):
    """EMA with alpha ``2/(p+1)`` seeded at ``x[0]``, no length check (mass, pfe)."""
    n = x.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    alpha = 2.0 / (period + 1.0)
    out[0] = x[0]
    for i in range(1, n):
        out[i] = alpha * x[i] + (1.0 - alpha) * out[i - 1]
    return out


# error_model="numpy": a zero price or a flat window gives Jesse's NaN (x / 0 as numpy), not an exception
@numba.njit(cache=True, error_model="numpy")
def mcginley(x, period, k):
    """McGinley dynamic: ``mg += (x - mg) / max(k*p*(x/mg)^4, 1)`` from ``mg[0] = x[0]``."""
    n = x.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    out[0] = x[0]
    prev = x[0]
    kp = k * period
    # the previous value stays in a register (not read back from ``out`` on the dependency chain); k * period
    # once and r ** 4 as (r r)(r r) are the same operations as Jesse's, so the same bits
    for i in range(1, n):
        r = x[i] / prev
        r2 = r * r
        den = kp * (r2 * r2)
        # at least 1, and 1 when the ratio is NaN (a zero price), as Jesse's max does
        prev = prev + (x[i] - prev) / (den if den > 1.0 else 1.0)
        out[i] = prev
    return out


@numba.njit(cache=True)
def _natural_ma_row(x, ln, w, j, period):
    # row ``j`` of the natural MA from the log prices ``ln`` (aligned with ``x``) and weights ``w``
    num = 0.0
    den = 0.0
    for i in range(period):
        oi = abs(ln[j - i] - ln[j - i - 1])
        num += oi * w[i]
        den += oi
    ratio = num / den if den != 0.0 else 0.0
    # Jesse's loop variable leaks: it blends the two oldest values of the window, not the newest.
    last = period - 1
    a = x[j - last] if x[j - last] > 1e-10 else 1e-10
    b = x[j - last - 1] if x[j - last - 1] > 1e-10 else 1e-10
    return a * ratio + b * (1.0 - ratio)


@numba.njit(cache=True)
def _natural_ma_weights(period):
    # sqrt(i + 1) - sqrt(i), computed once instead of twice per window element (the same values)
    w = np.empty(period)
    for i in range(period):
        w[i] = np.sqrt(i + 1.0) - np.sqrt(float(i))
    return w


@numba.njit(cache=True)
def natural_ma(x, period):
    """Sloman's natural moving average on log prices (Jesse's: first value at ``period + 1``)."""
    n = x.shape[0]
    out = np.empty(n)
    out[:min(period + 1, n)] = np.nan
    ln = np.empty(n)
    for i in range(n):
        v = x[i] if x[i] > 1e-10 else 1e-10
        ln[i] = np.log(v) * 1000.0
    if n <= period + 1:
        return out
    w = _natural_ma_weights(period)
    # each row's |change| once, then the windows' sums (newest first, as _natural_ma_row adds them) several
    # windows at a time: the same operations per row, so the same bits
    oi = np.empty(n)
    oi[0] = 0.0
    for k in range(1, n):
        oi[k] = abs(ln[k] - ln[k - 1])
    num = np.empty(n)
    den = np.empty(n)
    _kernels.dot_windows(oi, w, period + 1, n, 1.0, num, _kernels.BLOCK)
    _kernels.dot_windows(oi, np.ones(period), period + 1, n, 1.0, den, _kernels.BLOCK)
    last = period - 1
    for j in range(period + 1, n):
        ratio = num[j] / den[j] if den[j] != 0.0 else 0.0
        a = x[j - last] if x[j - last] > 1e-10 else 1e-10
        b = x[j - last - 1] if x[j - last - 1] > 1e-10 else 1e-10
        out[j] = a * ratio + b * (1.0 - ratio)
    return out


@numba.njit(cache=True)
def natural_ma_last(x, period):
    """``natural_ma(x, period)[-1]`` from the last window alone (each row depends on its window only)."""
    n = x.shape[0]
    if n <= period + 1:
        return np.nan
    # the last period + 1 values, re-indexed so that row ``period`` is the last one
    tail = x[n - period - 1:]
    ln = np.empty(period + 1)
    for i in range(period + 1):
        v = tail[i] if tail[i] > 1e-10 else 1e-10
        ln[i] = np.log(v) * 1000.0
    return _natural_ma_row(tail, ln, _natural_ma_weights(period), period, period)


@numba.njit(cache=True)
def predictive_ma(x):
    """Ehlers' predictive moving average: (predict, trigger), NaN for the first 6 rows (read as 0 by the trigger)."""
    n = x.shape[0]
    predict = np.full(n, np.nan)
    trigger = np.full(n, np.nan)
    w1 = np.zeros(n)
    pz = np.zeros(n)  # predictions before row 6 count as 0 in the trigger (Jesse's Rust)
    # three passes (each row's terms are the same operations as in one fused loop, so the same bits): no
    # pass reads back what it has just written, so each runs without waiting on its own stores
    xc = np.ascontiguousarray(x)
    for j in range(6, n):
        w1[j] = (7.0 * xc[j] + 6.0 * xc[j - 1] + 5.0 * xc[j - 2] + 4.0 * xc[j - 3]
                 + 3.0 * xc[j - 4] + 2.0 * xc[j - 5] + xc[j - 6]) / 28.0
    for j in range(6, n):
        w2 = (7.0 * w1[j] + 6.0 * w1[j - 1] + 5.0 * w1[j - 2] + 4.0 * w1[j - 3]
              + 3.0 * w1[j - 4] + 2.0 * w1[j - 5] + w1[j - 6]) / 28.0
        pz[j] = 2.0 * w1[j] - w2
    for j in range(6, n):
        predict[j] = pz[j]
        trigger[j] = (4.0 * pz[j] + 3.0 * pz[j - 1] + 2.0 * pz[j - 2] + pz[j - 3]) / 10.0
    return predict, trigger


@numba.njit(cache=True)
def weighted_window(x, weights):
    """``sum(window * w) / sum(w)`` for each full window (NaN before)."""
    n = x.shape[0]
    p = weights.shape[0]
    out = np.full(n, np.nan)
    wsum = 0.0
    for k in range(p):
        wsum += weights[k]
    if n < p:
        return out
    # every window's sum in order (oldest first), several windows at a time: the same bits as one by one
    _kernels.dot_windows_oldest_first(x, weights, p - 1, n, out, _kernels.BLOCK)
    tail = out[p - 1:]  # (indexed from 0: LLVM vectorizes the division)
    for i in range(n - p + 1):
        tail[i] = tail[i] / wsum
    return out


@numba.njit(cache=True)
def rma(x, length):
    """Jesse's RMA: alpha 1/length, and row 0 blends ``x[0]`` with the *last* value (index -1 wraps)."""
    n = x.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    alpha = 1.0 / length
    prev = x[n - 1]  # (carried in a local: read back from ``out`` it would wait on the store)
    for i in range(n):
        if np.isnan(prev):
            # Jesse restarts from the simple mean of the last `length` values of the source.
            s = 0.0
            lo = n - length if n - length > 0 else 0
            for k in range(lo, n):
                s += x[k]
            y = s / (n - lo)
        else:
            y = alpha * x[i] + (1.0 - alpha) * prev
        out[i] = y
        prev = y
    return out


@numba.njit(cache=True)
def sma_skipnan_window(x, period):
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n < period or period < 1:
        return out
    for i in range(period - 1, n):
        total = 0.0
        count = 0
        for k in range(i + 1 - period, i + 1):
            if not np.isnan(x[k]):
                total += x[k]
                count += 1
        if count > 0:
            out[i] = total / count
    return out


@numba.njit(cache=True)
def tail_weighted_ma(source, period, power):
    n = source.shape[0]
    xc = np.ascontiguousarray(source)  # one pass over a strided column, then contiguous reads
    out = xc.copy()
    if period < 2 or n < period + 2:
        return out
    weights = np.empty(period - 1)
    ws = 0.0
    for i in range(period - 1):
        weights[i] = (period - i) ** power
        ws += weights[i]
    if ws == 0.0:
        return out
    _kernels.dot_windows(xc, weights, period + 1, n, 1.0 / ws, out, _kernels.BLOCK)
    return out


@numba.njit(cache=True)
def tail_weighted_ma_last(source, period, power):
    """``tail_weighted_ma(source, period, power)[-1]`` from the last window alone (rows are independent)."""
    n = source.shape[0]
    if period < 2 or n < period + 2:
        return source[n - 1]
    weights = np.empty(period - 1)
    ws = 0.0
    for i in range(period - 1):
        weights[i] = (period - i) ** power
        ws += weights[i]
    if ws == 0.0:
        return source[n - 1]
    inv_ws = 1.0 / ws
    j = n - 1
    s = 0.0
    for i in range(period - 1):
        s += source[j - i] * weights[i]
    return s * inv_ws


@numba.njit(cache=True)
def power_weighted_ma_last(source, period, power, offset):
    """``_kernels.power_weighted_ma(...)[-1]`` (cwma, epma) from the last window alone (rows are independent):
    the same weights and the same products summed newest first from 0.0, then times ``1 / ws``."""
    n = source.shape[0]
    if period < 2 or n <= period + offset + 1:
        return source[n - 1]
    w, ws = _kernels.power_weights(period, power, offset)
    if ws == 0.0:
        return source[n - 1]
    j = n - 1
    s = 0.0
    for i in range(period - 1):
        s += source[j - i] * w[i]
    return s * (1.0 / ws)


@numba.njit(cache=True)
def power_weighted_ma_last_rows(c, code, warm, period, power, offset):
    """``power_weighted_ma_last`` on source ``code`` of Jesse's trailing ``warm`` rows of 2-D candles, picked
    inside numba (the fast lane of cwma and epma)."""
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return power_weighted_ma_last(w[:, code], period, power, offset)
    return power_weighted_ma_last(_kernels.derived_source(w, code), period, power, offset)


@numba.njit(cache=True)
def tail_weighted_ma_last_rows(c, code, warm, period, power):
    """``tail_weighted_ma_last`` on source ``code`` of Jesse's trailing ``warm`` rows of 2-D candles, picked
    inside numba (the fast lane of sqwma, srwma and vpwma)."""
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return tail_weighted_ma_last(w[:, code], period, power)
    return tail_weighted_ma_last(_kernels.derived_source(w, code), period, power)


@numba.njit(cache=True)
def weighted_window_average(source, weights):
    """Row ``i >= p-1`` is ``sum(source[i-p+1+k] * weights[k]) / sum(weights)``; earlier rows are NaN."""
    n = source.shape[0]
    p = weights.shape[0]
    out = np.full(n, np.nan)
    if n < p:
        return out
    wsum = 0.0
    for k in range(p):
        wsum += weights[k]
    # every window's sum in order (oldest first), several windows at a time: the same bits as one by one
    _kernels.dot_windows_oldest_first(source, weights, p - 1, n, out, _kernels.BLOCK)
    tail = out[p - 1:]  # (indexed from 0: LLVM vectorizes the division)
    for i in range(n - p + 1):
        tail[i] = tail[i] / wsum
    return out


def moving_average(series: np.ndarray, period: int, matype: int) -> np.ndarray:
    """Jesse's ``ma(series, period, matype, sequential=True)`` for a 1-D series.

    SMA (0) and EMA (1) run here; other types go through ``jesse_dag.indicators.ma``.
    """
    from jesse_dag.indicators._kernels import ema, sma

    series = np.ascontiguousarray(series, dtype=np.float64)
    if matype == 0:
        return sma(series, period)
    if matype == 1:
        return ema(series, period)
    if matype in (24, 29):
        raise ValueError("matype 24 (vwma) and 29 (vwap) need candles, not a series")
    from jesse_dag.indicators._core import indicator  # group-2 module: every other matype

    return np.asarray(indicator("ma")(series, period=period, matype=matype, sequential=True), dtype=np.float64)
