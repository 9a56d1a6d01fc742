"""FOSC - forecast oscillator."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.indicators import _core
from jesse_dag.indicators._core import check_period, slice_candles

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


_BLOCK = 2048  # rows per block: the block's prefix sums, source and output stay in L1


@numba.njit(cache=True)
def _fosc(x, period):
    n = x.shape[0]
    out = np.empty(n)
    for i in range(min(period - 1, n)):
        out[i] = 0.0  # Jesse leaves the warm-up rows at 0
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
    # prefix sums over absolute bar numbers, as Jesse computes them (matters at 1e-9). Block by block: first the
    # running sums (a serial chain) into a buffer, then every row of the block from its window's two prefix sums
    # (independent rows: LLVM vectorizes the three divisions). ``py[k]`` is the sum up to row ``j0 - period - 1
    # + k``; the sum before row 0 is 0.0, and ``cy - 0.0`` is ``cy``, so the first window needs no special case
    py = np.empty(period + _BLOCK)
    pxy = np.empty(period + _BLOCK)
    xb = np.empty(_BLOCK)
    py[0] = 0.0
    pxy[0] = 0.0
    cy = 0.0
    cxy = 0.0
    for r in range(period - 1):
        cy += x[r]
        cxy += r * x[r]
        py[r + 1] = cy
        pxy[r + 1] = cxy
    j0 = period - 1
    while j0 < n:
        k = min(_BLOCK, n - j0)
        for q in range(k):
            e = j0 + q
            v = x[e]
            xb[q] = v
            cy += v
            cxy += e * v
            py[period + q] = cy
            pxy[period + q] = cxy
        # (slices from 0: LLVM vectorizes the loop)
        ye = py[period:period + k]
        ys = py[:k]
        xye = pxy[period:period + k]
        xys = pxy[:k]
        o = out[j0:j0 + k]
        s0 = j0 + 1 - period
        for q in range(k):
            sy = ye[q] - ys[q]
            rxy = xye[q] - xys[q]
            sxy = rxy - (s0 + q) * sy
            my = sy / pf
            slope = (sxy - sx * my) / denom
            pred = slope * (pf - 1.0) + (my - slope * mx)
            v = xb[q]
            o[q] = 100.0 * (v - pred) / v if v != 0.0 else 0.0
        for q in range(period):
            py[q] = py[k + q]
            pxy[q] = pxy[k + q]
        j0 += k
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
        np.True_
    """
    period = check_period(period)
    if period < 2:
        raise ValueError(f"fosc: period must be >= 2 (a linear forecast needs two points), got {period}")
    candles = slice_candles(candles, sequential)
    source = _core.source(candles, source_type)
    if not sequential:
        return _f64(_last_fosc(source, period))
    return _fosc(source, period)
