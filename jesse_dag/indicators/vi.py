"""VI: Vortex indicator (Jesse ``ta.vi``): rolling ``Σ|H - L[-1]|`` and ``Σ|L - H[-1]|`` over ``ΣTR``."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators._core import check_period, ohlcv
from jesse_dag.indicators._kernels import true_range

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

VI = namedtuple("VI", ["plus", "minus"])


@numba.njit(cache=True)
def _vi(high, low, close, period):
    n = high.shape[0]
    plus = np.full(n, np.nan)
    minus = np.full(n, np.nan)
    if n <= period:
        return plus, minus
    tr = true_range(high, low, close)
    vp = np.zeros(n)
    vm = np.zeros(n)
    for i in range(1, n):
        vp[i] = abs(high[i] - low[i - 1])
        vm[i] = abs(low[i] - high[i - 1])
    for i in range(period, n):
        s_tr = 0.0
        s_vp = 0.0
        s_vm = 0.0
        for k in range(i + 1 - period, i + 1):
            s_tr += tr[k]
            s_vp += vp[k]
            s_vm += vm[k]
        if s_tr != 0.0:
            plus[i] = s_vp / s_tr
            minus[i] = s_vm / s_tr
    return plus, minus


def vi(candles: np.ndarray, period: int = 14, sequential: bool = False) -> VI:
    """Vortex +VI and -VI; the first ``period`` rows are NaN.

    Example:
        >>> import numpy as np
        >>> c = np.array([[0, 1, 1, 2.0, 1.0, 1], [1, 1, 2, 3.0, 2.0, 1]])
        >>> vi(c, period=1).plus
        np.float64(1.0)
    """
    period = check_period(period)
    c = ohlcv(candles, sequential, "vi")
    plus, minus = _vi(c[:, HIGH], c[:, LOW], c[:, CLOSE], period)
    if sequential:
        return VI(plus, minus)
    return VI(_f64(plus[-1]), _f64(minus[-1]))
