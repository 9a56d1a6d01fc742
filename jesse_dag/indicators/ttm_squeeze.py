"""TTM Squeeze by DaviddTech (Jesse ``ta.ttm_squeeze``); like Jesse it has no ``sequential`` flag.

True ("no squeeze") when the latest Bollinger band pokes outside the Keltner channel
``sma ± kc_mult_low_ttms × sma(true range)``. As in Jesse, ``bb_mult_ttms`` widens only the upper band:
Jesse passes it as ``devup`` and leaves ``devdn`` at its default 2. Bollinger and the basis use the
warm-up-sliced candles; the true-range average uses the full history (Jesse does both).
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators._core import as_candles, check_number, check_period, column, slice_candles
from jesse_dag.indicators._kernels import rolling_std


@numba.njit(cache=True)
def _last_sma(x, period):
    # Jesse's sma_last: one running sum over the whole series, then / period
    n = x.shape[0]
    if n < period:
        return np.nan
    s = 0.0
    for i in range(period):
        s += x[i]
    for i in range(period, n):
        s -= x[i - period]
        s += x[i]
    return s / period


@numba.njit(cache=True)
def _true_range(high, low, close):
    n = high.shape[0]
    out = np.empty(n)
    out[0] = high[0] - low[0]
    for i in range(1, n):
        out[i] = max(max(high[i] - low[i], abs(high[i] - close[i - 1])), abs(low[i] - close[i - 1]))
    return out


def ttm_squeeze(candles: np.ndarray, length_ttms: int = 20, bb_mult_ttms: float = 2.0,
                kc_mult_low_ttms: float = 2.0) -> bool:
    """Whether the market is out of the squeeze at the latest bar.

    Example:
        >>> import numpy as np
        >>> c = np.column_stack([np.arange(30.0), np.ones(30), np.full(30, 2.0), np.full(30, 3.0),
        ...                      np.full(30, 1.0), np.ones(30)])
        >>> ttm_squeeze(c)
        False
    """
    length = check_period(length_ttms, "length_ttms")
    bb_mult = check_number(bb_mult_ttms, "bb_mult_ttms")
    kc_mult = check_number(kc_mult_low_ttms, "kc_mult_low_ttms")
    full = as_candles(candles)
    if full.ndim != 2:
        raise ValueError("ttm_squeeze: needs a 2-D (N, 6) candle array, got a 1-D series")
    sliced = slice_candles(full, False)
    close = column(sliced, CLOSE)
    middle = _last_sma(close, length)
    dev = rolling_std(close, length)[-1]
    upper = middle + bb_mult * dev
    lower = middle - 2.0 * dev  # Jesse's bollinger_bands devdn default
    tr = _true_range(full[:, HIGH], full[:, LOW], full[:, CLOSE])
    devkc = _last_sma(tr, length)
    return bool(lower < middle - devkc * kc_mult or upper > middle + devkc * kc_mult)
