"""Know Sure Thing."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

KST = namedtuple("KST", ["line", "signal"])


# error_model="numpy": a zero price or a flat window gives Jesse's NaN (x / 0 as numpy), not an exception
@numba.njit(cache=True, error_model="numpy")
def _roc(x, period):
    # ``roc(..., sequential=True)``: (x / x[-period] - 1) * 100, NaN for the first ``period`` rows
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n > period:
        for i in range(period, n):
            out[i] = (x[i] / x[i - period] - 1) * 100
    return out


@numba.njit(cache=True)
def _kst(x, s1, s2, s3, s4, r1, r2, r3, r4, sig):
    a1 = _kernels.sma(_roc(x, r1), s1)
    a2 = _kernels.sma(_roc(x, r2), s2)
    a3 = _kernels.sma(_roc(x, r3), s3)
    a4 = _kernels.sma(_roc(x, r4), s4)
    line = a1 + 2 * a2 + 3 * a3 + 4 * a4
    return line, _kernels.sma(line, sig)


def kst(candles: np.ndarray, sma_period1: int = 10, sma_period2: int = 10, sma_period3: int = 10,
        sma_period4: int = 15, roc_period1: int = 10, roc_period2: int = 15, roc_period3: int = 20,
        roc_period4: int = 30, signal_period: int = 9, source_type: str = "close", sequential: bool = False) -> KST:
    """Weighted sum (1, 2, 3, 4) of four smoothed ROCs, and its SMA as the signal.

    The SMAs skip NaN inside their window, as Jesse's do.

    Example:
        >>> import numpy as np
        >>> kst(np.exp(np.linspace(0, 1, 120))).line > 0
        np.True_
    """
    periods = [check_period(p, f"kst: {name}") for name, p in (
        ("sma_period1", sma_period1), ("sma_period2", sma_period2), ("sma_period3", sma_period3),
        ("sma_period4", sma_period4), ("roc_period1", roc_period1), ("roc_period2", roc_period2),
        ("roc_period3", roc_period3), ("roc_period4", roc_period4), ("signal_period", signal_period))]
    _, source = source_of(candles, source_type, sequential)
    line, signal = _kst(source, *periods)
    if sequential:
        return KST(line, signal)
    return KST(_f64(line[-1]), _f64(signal[-1]))
