"""Gator oscillator (Bill Williams)."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.indicators import _fastpath as fp
from jesse_dag.indicators._fastpath import named_result, slice_candles

GATOR = namedtuple("GATOR", ["upper", "lower", "upper_change", "lower_change"])


def _adjusted_ewma(x: np.ndarray, window: float) -> np.ndarray:
    """Adjusted EWMA: sum of q^age * x over sum of q^age, q = 1 - 1/window.

    Evaluated in closed form with numpy (scale factors q^-i and a cumulative sum), which is how Jesse
    computes it: the rounding of that form shows at 1e-9 in the one-bar changes, so the same form is
    needed to agree. Like Jesse's, it overflows to NaN after a few thousand bars (q^-i > 1e308).
    """
    n = x.shape[0]
    q = 1.0 - 1.0 / window
    steps = np.arange(n)
    grow = q ** (-1 * steps)
    with np.errstate(over="ignore", invalid="ignore"):
        acc = (x * q ** (n - 1) * grow).cumsum()
        return acc * grow[::-1] / (q ** steps).cumsum()


@numba.njit(cache=True)
def _gator_lines(jaw, teeth, lips):
    n = jaw.shape[0]
    upper = np.full(n, np.nan)
    lower = np.full(n, np.nan)
    for i in range(n):
        j = jaw[i - 8] if i >= 8 else np.nan
        t = teeth[i - 5] if i >= 5 else np.nan
        lp = lips[i - 3] if i >= 3 else np.nan
        upper[i] = abs(j - t)
        lower[i] = -abs(t - lp)
    uc = np.full(n, np.nan)
    lc = np.full(n, np.nan)
    for i in range(1, n):
        uc[i] = upper[i] - upper[i - 1]
        lc[i] = -(lower[i] - lower[i - 1])
    return upper, lower, uc, lc


def gatorosc(candles: np.ndarray, source_type: str = "close", sequential: bool = False) -> GATOR:
    """GATOR(upper, lower, upper_change, lower_change).

    Example:
        >>> import numpy as np
        >>> gatorosc(np.linspace(100.0, 150.0, 60)).upper > 0
        True
    """
    candles = slice_candles(candles, sequential)
    source = fp.source(candles, source_type)
    lines = _gator_lines(_adjusted_ewma(source, 13.0), _adjusted_ewma(source, 8.0), _adjusted_ewma(source, 5.0))
    return named_result(GATOR, lines, sequential)
