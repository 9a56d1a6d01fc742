"""Alligator (Bill Williams): shifted SMMAs of hl2 with periods 13/8/5."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

AG = namedtuple("AG", ["jaw", "teeth", "lips"])


@numba.njit(cache=True)
def _alligator(x):
    # one pass, each line written straight to its shifted place (the source read with scalar loads: LLVM's
    # gathers of a strided column are slower)
    n = x.shape[0]
    jaw = np.empty(n)
    teeth = np.empty(n)
    lips = np.empty(n)
    if n < 13:
        jaw[:] = np.nan
        teeth[:] = np.nan
        lips[:] = np.nan
        return jaw, teeth, lips
    sj = 0.0
    st = 0.0
    sl = 0.0
    for i in range(13):
        v = x[_kernels.scalar_row(i)]
        sj += v
        if i < 8:
            st += v
        if i < 5:
            sl += v
    j = sj / 13.0
    t = st / 8.0
    lp = sl / 5.0
    # Jesse updates all three lines only from bar 13 on: teeth/lips have their seed at bar 7/4, then nothing
    # until bar 13; shifted by 8/5/3 bars that leaves jaw NaN before 20, teeth NaN but at 12 before 18, lips
    # NaN but at 7 before 16
    jaw[:min(n, 20)] = np.nan
    teeth[:min(n, 18)] = np.nan
    lips[:min(n, 16)] = np.nan
    teeth[12] = t
    lips[7] = lp
    if n > 20:
        jaw[20] = j
    for i in range(13, n):
        v = x[_kernels.scalar_row(i)]
        j = (1.0 / 13.0) * v + (1.0 - 1.0 / 13.0) * j
        t = (1.0 / 8.0) * v + (1.0 - 1.0 / 8.0) * t
        lp = (1.0 / 5.0) * v + (1.0 - 1.0 / 5.0) * lp
        if i + 8 < n:
            jaw[i + 8] = j
        if i + 5 < n:
            teeth[i + 5] = t
        if i + 3 < n:
            lips[i + 3] = lp
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
    return _last_alligator(_kernels.derived_source(w, code))


def alligator(candles: np.ndarray, source_type: str = "hl2", sequential: bool = False) -> AG:
    """AG(jaw, teeth, lips), shifted forward by 8, 5 and 3 bars.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> a = alligator(candles_from_close_prices(np.linspace(100, 150, 60)))
        >>> a.lips > a.teeth > a.jaw
        np.True_
    """
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return AG(*map(_f64, _last_alligator_src(candles, code, _warmup_now())))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return AG(*map(_f64, _last_alligator(source)))
    return AG(*_alligator(source))
