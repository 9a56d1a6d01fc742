"""ADX - average directional movement index (Wilder)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import active_memo, memo_hit, cached_last, check_period, ohlcv, scalars

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _adx_run(c, period, out):
    # Wilder's sums of TR, +DM, -DM, then the DX average, in one pass over the rows of the 2-D candles;
    # writes every row of ``out`` when it has one (NaN before ``2*period``), returns the last value
    n = c.shape[0]
    first = 2 * period
    write = out.shape[0] == n
    if write:
        out[:min(n, first)] = np.nan
    if n <= first:
        return np.nan
    tr_s = 0.0
    pdm_s = 0.0
    mdm_s = 0.0
    dx_sum = 0.0
    y = np.nan
    for i in range(1, n):
        tr, pdm, mdm = _kernels.true_range_dm_at(c, i)
        if i <= period:
            tr_s += tr
            pdm_s += pdm
            mdm_s += mdm
        else:
            tr_s = tr_s - tr_s / period + tr
            pdm_s = pdm_s - pdm_s / period + pdm
            mdm_s = mdm_s - mdm_s / period + mdm
        if i >= period:
            dx = 0.0
            if tr_s != 0.0:
                dip = 100.0 * pdm_s / tr_s
                dim = 100.0 * mdm_s / tr_s
                if dip + dim != 0.0:
                    dx = 100.0 * abs(dip - dim) / (dip + dim)
            if i < first:
                dx_sum += dx
                continue
            elif i == first:
                y = dx_sum / period
            else:
                y = (y * (period - 1) + dx) / period
            if write:
                out[i] = y
    return y


@numba.njit(cache=True)
def _adx(c, period):
    out = np.empty(c.shape[0])
    _adx_run(c, period, out)
    return out


@numba.njit(cache=True)
def _last_adx(c, period):
    return _adx_run(c, period, np.empty(0))


# trailing windows advanced together: independent recurrences, so the CPU overlaps their divisions (and LLVM
# vectorizes the loops over them when the count is a runtime value over array slices)
_LANES = 16


# IEEE division (error_model='numpy'): no zero test per division, which also lets LLVM vectorize; every
# division that can meet a zero is guarded or discarded, as in the per-call kernel
@numba.njit(cache=True, error_model="numpy")
def _adx_windows(c, period, warm, lo, hi, lanes):
    # _last_adx(c[s:e]) for every e in lo..hi-1 (s = e - warm when warm > 0 and e > warm, else 0). A window's
    # row i >= 1 uses rows i and i-1 only, so each row's TR, +DM and -DM are computed once (the same
    # operations, so the same bits) and the Wilder sums then run per window, ``lanes`` windows at a time.
    out = np.empty(hi - lo)
    first = 2 * period
    pre = hi if warm <= 0 else min(hi, warm + 1)
    if lo < pre:
        # windows that start at row 0 are prefixes: one pass writes every prefix's value
        vals = np.empty(pre - 1)
        _adx_run(c[:pre - 1], period, vals)
        for e in range(lo, pre):
            out[e - lo] = np.nan if e <= first else vals[e - 1]
    start = max(lo, pre)
    if start >= hi:
        return out
    if warm <= first:
        out[start - lo:] = np.nan
        return out
    lanes = max(1, min(lanes, hi - start))  # a single window (a sparse call) does no extra work
    base = start - warm
    nd = hi - base + lanes
    trs = np.zeros(nd)
    pdms = np.zeros(nd)
    mdms = np.zeros(nd)
    for k in range(1, hi - base):
        i = base + k
        trs[k], pdms[k], mdms[k] = _kernels.true_range_dm_at(c, i)
    tr_s = np.empty(lanes)
    pdm_s = np.empty(lanes)
    mdm_s = np.empty(lanes)
    dxs = np.empty(lanes)
    acc = np.empty(lanes)  # the sum of the first DX values, then the ADX
    pm1 = float(period - 1)
    for e0 in range(start, hi, lanes):
        off = e0 - warm - base  # index in the row arrays of the block's first window start
        tr_s[:] = 0.0
        pdm_s[:] = 0.0
        mdm_s[:] = 0.0
        acc[:] = 0.0
        for t in range(1, warm):
            row = off + t
            tr_r = trs[row:row + lanes]
            pdm_r = pdms[row:row + lanes]
            mdm_r = mdms[row:row + lanes]
            if t <= period:
                for j in range(lanes):
                    tr_s[j] += tr_r[j]
                    pdm_s[j] += pdm_r[j]
                    mdm_s[j] += mdm_r[j]
            else:
                for j in range(lanes):
                    tr_s[j] = tr_s[j] - tr_s[j] / period + tr_r[j]
                    pdm_s[j] = pdm_s[j] - pdm_s[j] / period + pdm_r[j]
                    mdm_s[j] = mdm_s[j] - mdm_s[j] / period + mdm_r[j]
            if t < period:
                continue
            # DX without branches (the unused quotients are discarded): the same values _adx_run keeps
            for j in range(lanes):
                ts = tr_s[j]
                dip = 100.0 * pdm_s[j] / ts
                dim = 100.0 * mdm_s[j] / ts
                sm = dip + dim
                q = 100.0 * abs(dip - dim) / sm
                dxs[j] = q if (ts != 0.0 and sm != 0.0) else 0.0
            if t < first:
                for j in range(lanes):
                    acc[j] += dxs[j]
            elif t == first:
                for j in range(lanes):
                    acc[j] = acc[j] / period
            else:
                for j in range(lanes):
                    acc[j] = (acc[j] * pm1 + dxs[j]) / period
        for j in range(min(lanes, hi - e0)):
            out[e0 + j - lo] = acc[j]
    return out


@numba.njit(cache=True)
def _last_adx_tail(c, warm, period):
    # _last_adx on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    return _last_adx(c[_kernels.window_start(c.shape[0], warm):], period)


def _memo_adx(candles, period):
    return cached_last(candles, ("adx", period),
                       lambda slot, w, lo, hi: scalars(_adx_windows(slot.pristine, period, w, lo, hi, _LANES)))


def adx(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """ADX; NaN up to and including row ``2*period - 1``.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> 0 <= adx(candles_from_close_prices(np.linspace(100, 140, 80))) <= 100
        np.True_
    """
    if not sequential and (memo := active_memo()) is not None:
        # inside a backtest: a memo hit first, else the memo computes a run of bars ahead
        v = memo_hit(memo, candles, ("adx", period))
        if v is not None:
            return v
        period = check_period(period)
        v = _memo_adx(candles, period)
        if v is not None:
            return v
    period = check_period(period)
    if not sequential:
        if _kernels.plain_source_code(candles) >= 0:
            return _f64(_last_adx_tail(candles, _warmup_now(), period))
        return _f64(_last_adx(ohlcv(candles, False, "adx"), period))
    return _adx(ohlcv(candles, True, "adx"), period)
