"""EMV - ease of movement."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_candles_num
from jesse_dag.candles.columns import HIGH, LOW, VOLUME
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._fastpath import check_number, check_period, ohlcv


@numba.njit(cache=True)
def _emv(high, low, volume, length, div):
    n = high.shape[0]
    raw = np.zeros(n)
    for i in range(1, n):
        chg = (high[i] + low[i]) / 2.0 - (high[i - 1] + low[i - 1]) / 2.0
        raw[i] = div * chg * (high[i] - low[i]) / volume[i] if volume[i] != 0.0 else 0.0
    out = np.zeros(n)  # Jesse leaves the warm-up rows at 0, not NaN
    if n < length:
        return out
    # every window summed in order (oldest first), several windows at a time: the same bits as one by one
    _kernels.dot_windows_oldest_first(raw, np.ones(length), length - 1, n, out, _kernels.BLOCK)
    tail = out[length - 1:]  # (indexed from 0: LLVM vectorizes the division)
    for i in range(n - length + 1):
        tail[i] = tail[i] / length
    return out


@numba.njit(cache=True)
def _last_emv(a0, a1, a2, a3, a4):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    # each row depends on its own window only, so the last value comes from the last window's rows alone
    # (plus the row before it, for the first change)
    t = max(0, a0.shape[0] - (a3 + 1))
    return _emv(a0[t:], a1[t:], a2[t:], a3, a4)[-1]


@numba.njit(cache=True)
def _last_emv_rows(c, warm, a0, a1):
    # _last_emv on Jesse's trailing ``warm`` rows, sliced here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    return _last_emv(w[:, HIGH], w[:, LOW], w[:, VOLUME], a0, a1)


def emv(candles: np.ndarray, length: int = 14, div: int = 10000, sequential: bool = False) -> float | np.ndarray:
    """Mean over ``length`` bars of ``div * d(hl2) * (high - low) / volume``.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> emv(candles_from_close_prices(np.linspace(100, 150, 60))) > 0
        True
    """
    length = check_period(length, "length")
    div = check_number(div, "div")
    if not sequential and _kernels.plain_source_code(candles) >= 0:
        return float(_last_emv_rows(candles, _warmup_candles_num.get(), length, div))
    c = ohlcv(candles, sequential, "emv")
    if not sequential:
        return float(_last_emv(c[:, HIGH], c[:, LOW], c[:, VOLUME], length, div))
    return _emv(c[:, HIGH], c[:, LOW], c[:, VOLUME], length, div)
