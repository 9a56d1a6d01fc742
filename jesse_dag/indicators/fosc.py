"""FOSC - forecast oscillator."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _fastpath as fp
from jesse_dag.indicators._fastpath import check_period, slice_candles


@numba.njit(cache=True)
def _fosc(x, period):
    n = x.shape[0]
    out = np.zeros(n)  # Jesse leaves the warm-up rows at 0
    if n < period:
        return out
    pf = float(period)
    sx = 0.0
    sxx = 0.0
    for i in range(period):
        sx += i
        sxx += i * i
    mx = sx / pf
    denom = sxx - sx * mx
    # prefix sums over absolute bar numbers, as Jesse computes them (matters at 1e-9); a window needs the
    # sums at its end and just before its start, so the last ``period + 1`` of them live in a ring
    cap = 1
    while cap < period + 1:
        cap *= 2
    mask = cap - 1
    py = np.empty(cap)
    pxy = np.empty(cap)
    cy = 0.0
    cxy = 0.0
    for end in range(n):
        cy += x[end]
        cxy += end * x[end]
        py[end & mask] = cy
        pxy[end & mask] = cxy
        if end < period - 1:
            continue
        start = end + 1 - period
        sy = cy if start == 0 else cy - py[(start - 1) & mask]
        rxy = cxy if start == 0 else cxy - pxy[(start - 1) & mask]
        sxy = rxy - start * sy
        my = sy / pf
        slope = (sxy - sx * my) / denom
        pred = slope * (pf - 1.0) + (my - slope * mx)
        out[end] = 100.0 * (x[end] - pred) / x[end] if x[end] != 0.0 else 0.0
    return out


@numba.njit(cache=True)
def _last_fosc(a0, a1):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    return _fosc(a0, a1)[-1]


def fosc(candles: np.ndarray, period: int = 5, source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """``100 * (x - linear forecast) / x``.

    Example:
        >>> import numpy as np
        >>> abs(fosc(np.linspace(100.0, 200.0, 60))) < 1e-9
        True
    """
    period = check_period(period)
    if period < 2:
        raise ValueError(f"fosc: period must be >= 2 (a linear forecast needs two points), got {period}")
    candles = slice_candles(candles, sequential)
    source = fp.source(candles, source_type)
    if not sequential:
        return float(_last_fosc(source, period))
    return _fosc(source, period)
