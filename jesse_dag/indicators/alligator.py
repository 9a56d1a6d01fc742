"""Alligator (Bill Williams): shifted SMMAs of hl2 with periods 13/8/5."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_candles_num
from jesse_dag.indicators import _fastpath, _kernels
from jesse_dag.indicators._fastpath import source_of

AG = namedtuple("AG", ["jaw", "teeth", "lips"])


@numba.njit(cache=True)
def _alligator(x):
    n = x.shape[0]
    jaw = np.full(n, np.nan)
    teeth = np.full(n, np.nan)
    lips = np.full(n, np.nan)
    if n < 13:
        return jaw, teeth, lips
    raw_j = np.full(n, np.nan)
    raw_t = np.full(n, np.nan)
    raw_l = np.full(n, np.nan)
    sj = 0.0
    st = 0.0
    sl = 0.0
    for i in range(13):
        sj += x[i]
        if i < 8:
            st += x[i]
        if i < 5:
            sl += x[i]
    j = sj / 13.0
    t = st / 8.0
    lp = sl / 5.0
    raw_j[12] = j
    raw_t[7] = t
    raw_l[4] = lp
    # Jesse updates all three lines only from bar 13 on: teeth/lips skip bars 8..12 and 5..12
    for i in range(13, n):
        j = (1.0 / 13.0) * x[i] + (1.0 - 1.0 / 13.0) * j
        t = (1.0 / 8.0) * x[i] + (1.0 - 1.0 / 8.0) * t
        lp = (1.0 / 5.0) * x[i] + (1.0 - 1.0 / 5.0) * lp
        raw_j[i] = j
        raw_t[i] = t
        raw_l[i] = lp
    for i in range(8, n):
        jaw[i] = raw_j[i - 8]
    for i in range(5, n):
        teeth[i] = raw_t[i - 5]
    for i in range(3, n):
        lips[i] = raw_l[i - 3]
    return jaw, teeth, lips


@numba.njit(cache=True)
def _last_alligator(a0):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    r = _alligator(a0)
    return r[0][-1], r[1][-1], r[2][-1]


@numba.njit(cache=True)
def _last_alligator_src(c, code, warm):
    # _last_alligator on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_alligator(w[:, code])
    return _last_alligator(_fastpath.derived_source(w, code))


def alligator(candles: np.ndarray, source_type: str = "hl2", sequential: bool = False) -> AG:
    """AG(jaw, teeth, lips), shifted forward by 8, 5 and 3 bars.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> a = alligator(candles_from_close_prices(np.linspace(100, 150, 60)))
        >>> a.lips > a.teeth > a.jaw
        True
    """
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return AG(*map(float, _last_alligator_src(candles, code, _warmup_candles_num.get())))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return AG(*map(float, _last_alligator(source)))
    return AG(*_alligator(source))
