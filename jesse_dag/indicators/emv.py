"""EMV - ease of movement."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import HIGH, LOW, VOLUME
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_number, check_period, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


_WINDOWS_BLOCK = 512  # windows summed together: their running sums (4 KB) stay in L1


@numba.njit(cache=True)
def _emv_rows(c, length, div):
    """EMV of 2-D candles: each row's raw value, then each window's mean (its sum from 0.0, oldest first)."""
    n = c.shape[0]
    raw = np.empty(n)
    out = np.empty(n)
    if n == 0:
        return out
    # the raw values in one pass over the rows with scalar loads (scalar_row), the previous midpoint carried
    raw[0] = 0.0
    prev_mid = (c[0, HIGH] + c[0, LOW]) / 2.0
    for i in range(1, n):
        r = _kernels.scalar_row(np.uint64(i))
        h = c[r, HIGH]
        lw = c[r, LOW]
        v = c[r, VOLUME]
        mid = (h + lw) / 2.0
        chg = mid - prev_mid
        prev_mid = mid
        raw[i] = div * chg * (h - lw) / v if v != 0.0 else 0.0
    if n < length:
        out[:] = 0.0  # Jesse leaves the warm-up rows at 0, not NaN
        return out
    for i in range(length - 1):
        out[i] = 0.0
    # every window summed in order (oldest first) from 0.0, a block of windows at a time (each window's additions
    # in the same order as one by one, so the same bits; LLVM vectorizes the loops over the windows), four terms
    # added per pass over the block, then divided
    j0 = length - 1
    while j0 < n:
        k = min(_WINDOWS_BLOCK, n - j0)
        o = out[j0:j0 + k]
        lo = j0 - length + 1
        xs = raw[lo:lo + k]
        for q in range(k):
            o[q] = 0.0 + xs[q]
        t = 1
        while t + 4 <= length:
            x1 = raw[lo + t:lo + t + k]
            x2 = raw[lo + t + 1:lo + t + 1 + k]
            x3 = raw[lo + t + 2:lo + t + 2 + k]
            x4 = raw[lo + t + 3:lo + t + 3 + k]
            for q in range(k):
                o[q] = o[q] + x1[q] + x2[q] + x3[q] + x4[q]
            t += 4
        while t < length:
            xs = raw[lo + t:lo + t + k]
            for q in range(k):
                o[q] += xs[q]
            t += 1
        for q in range(k):
            o[q] = o[q] / length
        j0 += k
    return out


@numba.njit(cache=True)
def _last_emv_rows(c, warm, length, div):
    # the last value of Jesse's trailing ``warm`` rows (all rows when warm is 0), sliced here, not in Python: each
    # row depends on its own window only, so only the last window's rows (and the row before it) are computed
    n = c.shape[0]
    t = max(_kernels.window_start(n, warm), n - (length + 1))
    return _emv_rows(c[t:], length, div)[-1]


def emv(candles: np.ndarray, length: int = 14, div: int = 10000, sequential: bool = False) -> float | np.ndarray:
    """Mean over ``length`` bars of ``div * d(hl2) * (high - low) / volume``.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> emv(candles_from_close_prices(np.linspace(100, 150, 60))) > 0
        np.True_
    """
    length = check_period(length, "length")
    div = check_number(div, "div")
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_emv_rows(candles, _warmup_now(), length, div))
    c = ohlcv(candles, sequential, "emv")
    if not sequential:
        return _f64(_last_emv_rows(c, 0, length, div))
    return _emv_rows(c, length, div)
