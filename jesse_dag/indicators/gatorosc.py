"""Gator oscillator (Bill Williams)."""
from __future__ import annotations

import functools
from collections import namedtuple

import numba
import numpy as np

from jesse_dag.indicators import _core
from jesse_dag.indicators._core import named_result, slice_candles

GATOR = namedtuple("GATOR", ["upper", "lower", "upper_change", "lower_change"])


def _powers(q: float, n: int, negative: bool) -> np.ndarray:
    """``q ** -arange(n)`` (or ``q ** arange(n)``) for ``0 < q < 1``, exactly as numpy computes it.

    numpy's float power costs ~0.1 us a value; past the first overflow to inf (underflow to 0) every later
    power overflows (underflows) too, as ``q ** k`` is monotone in ``k`` and each step moves it by a factor
    ``1/q`` > 1. So the powers are computed a block at a time until a block ends in inf (0) and the rest is
    filled with it: the same values, without the ~90% of the 100k-bar powers that are inf or 0.
    """
    steps = np.arange(n)
    out = np.empty(n)
    limit = np.inf if negative else 0.0
    block = 1024
    with np.errstate(over="ignore", under="ignore"):
        for i in range(0, n, block):
            part = steps[i:i + block]
            out[i:i + block] = q ** (-1 * part) if negative else q ** part
            if out[min(n, i + block) - 1] == limit:
                out[i + block:] = limit
                break
    return out


def _ewma_weights(q: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``q ** -arange(n)`` and the cumulative sum of ``q ** arange(n)``: the data-independent parts."""
    if 0.0 < q < 1.0:
        grow = _powers(q, n, True)
        shrink = _powers(q, n, False)
    else:
        steps = np.arange(n)
        grow = q ** (-1 * steps)
        shrink = q ** steps
    return grow, shrink.cumsum()


@functools.lru_cache(maxsize=32)
def _ewma_weights_cached(q: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    # a strategy calls gatorosc on the same number of bars every bar: the powers are the same every time
    grow, shrink_sum = _ewma_weights(q, n)
    grow.flags.writeable = False
    shrink_sum.flags.writeable = False
    return grow, shrink_sum


def _adjusted_ewma(x: np.ndarray, window: float) -> np.ndarray:
    """Adjusted EWMA: sum of q^age * x over sum of q^age, q = 1 - 1/window.

    Evaluated in closed form with numpy (scale factors q^-i and a cumulative sum), which is how Jesse
    computes it: the rounding of that form shows at 1e-9 in the one-bar changes, so the same form is
    needed to agree. Like Jesse's, it overflows to NaN after a few thousand bars (q^-i > 1e308).
    """
    n = x.shape[0]
    q = 1.0 - 1.0 / window
    # (cached only for short series: a few per strategy, 16 bytes a bar each)
    grow, shrink_sum = _ewma_weights_cached(q, n) if n <= 4096 else _ewma_weights(q, n)
    with np.errstate(over="ignore", invalid="ignore"):
        acc = (x * q ** (n - 1) * grow).cumsum()
        return acc * grow[::-1] / shrink_sum


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
        np.True_
    """
    candles = slice_candles(candles, sequential)
    source = _core.source(candles, source_type)
    lines = _gator_lines(_adjusted_ewma(source, 13.0), _adjusted_ewma(source, 8.0), _adjusted_ewma(source, 5.0))
    return named_result(GATOR, lines, sequential)
