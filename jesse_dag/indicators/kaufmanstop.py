"""Perry Kaufman's stops."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _core, _kernels
from jesse_dag.indicators._core import check_number, check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _sma_stop_rows(c, period, mult, long, out):
    """The stops with ``_kernels.sma`` of high - low (matype 0) in one pass over the rows, into ``out``.

    The same running sum (``total -= d[i-p]; total += d[i]``, then ``/ p``) and the same final arithmetic, so the
    same bits; the differences are recomputed from the rows rather than stored. Returns False, leaving ``out``
    unfinished, on fewer rows than ``period`` or a NaN difference (``sma``'s NaN-skipping path: the caller
    takes the general path).
    """
    n = c.shape[0]
    if n < period:
        return False
    total = 0.0
    for i in range(n):
        r = _kernels.scalar_row(np.uint64(i))
        h = c[r, HIGH]
        lw = c[r, LOW]
        d = h - lw
        if np.isnan(d):
            return False
        if i < period:
            total += d
            hl = total / period if i == period - 1 else np.nan
        else:
            q = _kernels.scalar_row(np.uint64(i - period))
            total -= c[q, HIGH] - c[q, LOW]
            total += d
            hl = total / period
        out[i] = lw - hl * mult if long else h + hl * mult
    return True


def kaufmanstop(candles: np.ndarray, period: int = 22, mult: float = 2, direction: str = "long", matype: int = 0,
                sequential: bool = False) -> float | np.ndarray:
    """Stop at ``low - mult * MA(high - low)`` for longs, ``high + mult * MA(high - low)`` otherwise.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> c = candles_from_close_prices(np.linspace(100, 110, 60))
        >>> bool(kaufmanstop(c) < c[-1, 4])
        True
    """
    ma = _core.indicator("ma")

    if matype in (24, 29):
        raise ValueError("VWMA (matype 24) and VWAP (matype 29) cannot be used in kaufmanstop indicator.")  # Jesse's text
    period = check_period(period)
    mult = check_number(mult, "kaufmanstop: mult")
    c = ohlcv(candles, sequential, "kaufmanstop")
    if matype == 0:
        out = np.empty(c.shape[0])
        if _sma_stop_rows(c, period, mult, direction == "long", out):
            return out if sequential else _f64(out[-1])
    high, low = c[:, HIGH], c[:, LOW]
    if matype == 0:  # what ``ma`` dispatches to (``sma`` on the 1-D series), without the call chain
        hl = _kernels.sma(high - low, period)
    else:
        hl = np.asarray(ma(high - low, period=period, matype=matype, sequential=True))
    if not sequential:
        return _f64(low[-1] - hl[-1] * mult if direction == "long" else high[-1] + hl[-1] * mult)
    return low - hl * mult if direction == "long" else high + hl * mult
