"""Pivot points."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW, OPEN
from jesse_dag.indicators._core import ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

PIVOT = namedtuple("PIVOT", ["r4", "r3", "r2", "r1", "pp", "s1", "s2", "s3", "s4"])


def pivot(candles: np.ndarray, mode: int = 0, sequential: bool = False) -> PIVOT:
    """Pivot levels of each candle: 0 standard, 1 Fibonacci, 2 Demark, 3 Camarilla, 4 Woodie.

    Levels a mode does not define are NaN.

    Example:
        >>> import numpy as np
        >>> pivot(np.array([[0, 1, 2.0, 3.0, 1.0, 1.0]])).pp
        np.float64(2.0)
    """
    if mode not in (0, 1, 2, 3, 4):
        raise ValueError(f"pivot: mode must be 0..4, got {mode!r}")
    c = ohlcv(candles, sequential, "pivot")
    h, l, cl, o = c[:, HIGH], c[:, LOW], c[:, CLOSE], c[:, OPEN]
    nan = np.full(c.shape[0], np.nan)
    r4 = r3 = r2 = r1 = s1 = s2 = s3 = s4 = nan
    rng = h - l
    if mode == 0:
        p = (h + l + cl) / 3
        s1, s2, r1, r2 = 2 * p - h, p - rng, 2 * p - l, p + rng
    elif mode == 1:
        p = (h + l + cl) / 3
        s1, s2, s3 = p - 0.382 * rng, p - 0.618 * rng, p - 1 * rng
        r1, r2, r3 = p + 0.382 * rng, p + 0.618 * rng, p + 1 * rng
    elif mode == 2:
        x = np.where(cl < o, h + 2 * l + cl, np.where(cl > o, 2 * h + l + cl, h + l + 2 * cl))
        p, s1, r1 = x / 4, x / 2 - h, x / 2 - l
    elif mode == 3:
        p = (h + l + cl) / 3
        r4, r3, r2, r1 = 0.55 * rng + cl, 0.275 * rng + cl, 0.183 * rng + cl, 0.0916 * rng + cl
        s1, s2, s3, s4 = cl - 0.0916 * rng, cl - 0.183 * rng, cl - 0.275 * rng, cl - 0.55 * rng
    else:
        p = (h + l + 2 * o) / 4
        r3 = h + 2 * (p - l)
        r4, r2, r1 = r3 + rng, p + rng, 2 * p - l
        s1, s2 = 2 * p - h, p - rng
        s3 = l - 2 * (h - p)
        s4 = s3 - rng
    out = PIVOT(r4, r3, r2, r1, p, s1, s2, s3, s4)
    if sequential:
        return out
    return PIVOT(*(_f64(v[-1]) for v in out))
