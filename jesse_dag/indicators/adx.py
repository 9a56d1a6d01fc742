"""ADX - average directional movement index (Wilder)."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators._core import cached_last, check_period, column, last_or_all, ohlcv


@numba.njit(cache=True)
def _adx(high, low, close, period):
    n = high.shape[0]
    out = np.full(n, np.nan)
    first = 2 * period
    if n <= first:
        return out
    tr_s = 0.0
    pdm_s = 0.0
    mdm_s = 0.0
    dx_sum = 0.0
    for i in range(1, n):
        tr = max(high[i] - low[i], max(abs(high[i] - close[i - 1]), abs(low[i] - close[i - 1])))
        up = high[i] - high[i - 1]
        dn = low[i - 1] - low[i]
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
            elif i == first:
                out[i] = dx_sum / period
            else:
                out[i] = (out[i - 1] * (period - 1) + dx) / period
    return out


@numba.njit(cache=True)
def _adx_windows(high, low, close, period, warm, lo, hi):
    out = np.empty(hi - lo)
    for e in range(lo, hi):
        s = e - warm if (warm > 0 and e > warm) else 0
        out[e - lo] = _adx(high[s:e], low[s:e], close[s:e], period)[-1]
    return out


def _adx_cached(slot, w, lo, hi, period):
    return _adx_windows(slot.column(HIGH), slot.column(LOW), slot.column(CLOSE), period, w, lo, hi).tolist()


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
        v = cached_last(candles, ("adx", period), lambda slot, w, lo, hi: _adx_cached(slot, w, lo, hi, period))
        if v is not None:
            return v
    c = ohlcv(candles, sequential, "adx")
    return last_or_all(_adx(column(c, HIGH), column(c, LOW), column(c, CLOSE), period), sequential)
