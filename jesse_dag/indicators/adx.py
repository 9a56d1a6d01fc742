"""ADX - average directional movement index (Wilder)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag._config import warmup_candles_num
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import cached_last
from jesse_dag.indicators._fastpath import check_period, ohlcv


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
        h = c[i, HIGH]
        lw = c[i, LOW]
        pc = c[i - 1, CLOSE]
        tr = max(h - lw, max(abs(h - pc), abs(lw - pc)))
        up = h - c[i - 1, HIGH]
        dn = c[i - 1, LOW] - lw
        pdm = up if (up > dn and up > 0.0) else 0.0
        mdm = dn if (dn > up and dn > 0.0) else 0.0
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


@numba.njit(cache=True)
def _adx_windows(c, period, warm, lo, hi):
    out = np.empty(hi - lo)
    empty = np.empty(0)
    for e in range(lo, hi):
        s = e - warm if (warm > 0 and e > warm) else 0
        out[e - lo] = _adx_run(c[s:e], period, empty)
    return out


@numba.njit(cache=True)
def _last_adx_tail(c, warm, period):
    # _last_adx on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    return _last_adx(c[_kernels.window_start(c.shape[0], warm):], period)


def adx(candles: np.ndarray, period: int = 14, sequential: bool = False) -> float | np.ndarray:
    """ADX; NaN up to and including row ``2*period - 1``.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> 0 <= adx(candles_from_close_prices(np.linspace(100, 140, 80))) <= 100
        True
    """
    period = check_period(period)
    if not sequential:
        v = cached_last(candles, ("adx", period),
                        lambda slot, w, lo, hi: _adx_windows(slot.pristine, period, w, lo, hi).tolist())
        if v is not None:
            return v
        if _kernels.plain_source_code(candles) >= 0:
            return _last_adx_tail(candles, warmup_candles_num(), period)
        return float(_last_adx(ohlcv(candles, False, "adx"), period))
    return _adx(ohlcv(candles, True, "adx"), period)
