"""SAR: Parabolic SAR (Jesse ``ta.sar``).

The initial trend is up when ``high[1] > high[0]``; row 0 is ``low[0]`` (up) or ``high[0]`` (down).
Fewer than two candles give NaN (Jesse's kernel cannot start there).
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_number, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, inline="always")
def _sar_into(high, low, acceleration, maximum, out):
    # every row into ``out``, or with a 1-row ``out`` only the last one (the same operations either way);
    # the previous value carried in a register, not read back from ``out``
    n = high.shape[0]
    keep_all = out.shape[0] == n
    uptrend = high[1] > high[0]
    s = low[0] if uptrend else high[0]
    if keep_all:
        out[0] = s
    ep = high[0] if uptrend else low[0]
    af = acceleration
    for i in range(1, n):
        prev = s
        if uptrend:
            s = prev + af * (ep - prev)
            s = min(s, low[i - 1])
            if i >= 2:
                s = min(s, low[i - 2])
        else:
            s = prev - af * (prev - ep)
            s = max(s, high[i - 1])
            if i >= 2:
                s = max(s, high[i - 2])
        if uptrend:
            if low[i] < s:
                s = ep
                uptrend = False
                af = acceleration
                ep = low[i]
            elif high[i] > ep:
                ep = high[i]
                af = min(af + acceleration, maximum)
        elif high[i] > s:
            s = ep
            uptrend = True
            af = acceleration
            ep = high[i]
        elif low[i] < ep:
            ep = low[i]
            af = min(af + acceleration, maximum)
        if keep_all:
            out[i] = s
    if not keep_all:
        out[0] = s


@numba.njit(cache=True)
def _sar(high, low, acceleration, maximum):
    out = np.full(high.shape[0], np.nan)
    if high.shape[0] >= 2:
        _sar_into(high, low, acceleration, maximum, out)
    return out


@numba.njit(cache=True)
def _last_sar(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    out = np.full(1, np.nan)
    if a0.shape[0] >= 2:
        _sar_into(a0, a1, a2, a3, out)
    return out[0]


@numba.njit(cache=True)
def _last_sar_rows(c, warm, a0, a1):
    # _last_sar on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_sar(w[:, HIGH], w[:, LOW], a0, a1)


def sar(candles: np.ndarray, acceleration: float = 0.02, maximum: float = 0.2,
        sequential: bool = False) -> float | np.ndarray:
    """Parabolic stop-and-reverse.

    Example:
        >>> import numpy as np
        >>> c = np.array([[0, 1, 1, 2.0, 1.0, 1], [1, 1, 1, 3.0, 2.0, 1], [2, 1, 1, 4.0, 3.0, 1]])
        >>> sar(c, sequential=True).tolist()
        [1.0, 1.0, 1.0]
    """
    acceleration = check_number(acceleration, "acceleration")
    maximum = check_number(maximum, "maximum")
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return _f64(_last_sar_rows(candles, _warmup_now(), acceleration, maximum))
    c = ohlcv(candles, sequential, "sar")
    if not sequential:
        return _f64(_last_sar(c[:, HIGH], c[:, LOW], acceleration, maximum))
    res = _sar(c[:, HIGH], c[:, LOW], acceleration, maximum)
    return res
