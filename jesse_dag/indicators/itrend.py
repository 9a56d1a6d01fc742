"""Ehlers' instantaneous trendline."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels, _kernels_filters
from jesse_dag.indicators._core import check_number, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

ITREND = namedtuple("ITREND", ["signal", "it", "trigger"])


@numba.njit(cache=True, inline="always")
def _it_value(i, x0, x1, x2, it1, it2, alpha):
    # row i of Ehlers' instantaneous trendline from x[i], x[i-1], x[i-2], it[i-1], it[i-2] (_kernels_filters.itrend's
    # operations): the source itself on rows 0-1, a 1-2-1 average on rows 2-6, then the filter
    if i < 2:
        return x0
    if i < 7:
        return (x0 + 2.0 * x1 + x2) / 4.0
    return ((alpha - alpha ** 2 / 4.0) * x0 + alpha ** 2 / 2.0 * x1
            - (alpha - alpha ** 2 * 3.0 / 4.0) * x2
            + 2.0 * (1.0 - alpha) * it1 - (1.0 - alpha) ** 2 * it2)


@numba.njit(cache=True, inline="always")
def _it_signal(it, i, signal, trigger, j):
    # row i's trigger (2 it - it 20 rows back, or it itself before row 20) and signal into row j
    lag = it[i - 20] if i >= 20 else it[i]
    t = 2.0 * it[i] - lag
    trigger[j] = t
    signal[j] = 1.0 if t > it[i] else (-1.0 if t < it[i] else 0.0)


@numba.njit(cache=True, inline="always")
def _itrend_rows_into(c, s0, code, alpha, it, signal, trigger):
    # rows s0.. of the source ``code`` of 2-D candles, read row by row (no source array) in one pass; the
    # trendline and the trigger and signal of every row, or with 1-row ``signal`` / ``trigger`` of the last
    n = c.shape[0] - s0
    keep_all = signal.shape[0] == n
    x1 = x2 = it1 = it2 = 0.0
    for i in range(n):
        x0 = _kernels.source_at(c, _kernels.scalar_row(np.uint64(s0 + i)), code)
        v = _it_value(i, x0, x1, x2, it1, it2, alpha)
        it[i] = v
        if keep_all:
            _it_signal(it, i, signal, trigger, i)
        x2 = x1
        x1 = x0
        it2 = it1
        it1 = v
    if not keep_all and n > 0:
        _it_signal(it, n - 1, signal, trigger, 0)


@numba.njit(cache=True)
def _itrend_rows(c, code, alpha):
    n = c.shape[0]
    it = np.empty(n)
    signal = np.empty(n)
    trigger = np.empty(n)
    _itrend_rows_into(c, 0, code, alpha, it, signal, trigger)
    return signal, it, trigger


@numba.njit(cache=True)
def _last_itrend_src(c, code, warm, alpha):
    # the last values on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    s0 = _kernels.window_start(c.shape[0], warm)
    it = np.empty(c.shape[0] - s0)
    out = np.empty((2, 1))
    _itrend_rows_into(c, s0, code, alpha, it, out[0], out[1])
    return out[0, 0], it[-1], out[1, 0]


@numba.njit(cache=True)
def _last_itrend(source, alpha):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    signal, it, trigger = _kernels_filters.itrend(source, alpha)
    return signal[-1], it[-1], trigger[-1]


def itrend(candles: np.ndarray, alpha: float = 0.07, source_type: str = "hl2", sequential: bool = False) -> ITREND:
    """Instantaneous trendline ``it``, ``trigger = 2*it - it[-20]`` and ``signal = sign(trigger - it)``.

    Example:
        >>> import numpy as np
        >>> itrend(np.arange(1.0, 100.0)).signal
        np.float64(1.0)
    """
    alpha = check_number(alpha, "itrend: alpha")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return ITREND(*map(_f64, _last_itrend_src(candles, code, _warmup_now(), alpha)))
    if sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return ITREND(*_itrend_rows(candles, code, alpha))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return ITREND(*map(_f64, _last_itrend(source, alpha)))
    return ITREND(*_kernels_filters.itrend(source, alpha))
