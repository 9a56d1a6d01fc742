"""RSMK: Relative Strength (Markos Katsanos) of ``candles`` against ``candles_compare`` (Jesse ``ta.rsmk``).

``mom = log(a/b) - log(a/b)[-lookback]``; ``indicator = 100·ema(mom, period)``, ``signal =
ema(indicator, signal_period)``, each EMA seeded with its first non-NaN input. As in Jesse, the
non-sequential call uses the last 240 candles of each set (a fixed count, not the warm-up setting).
"""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

RSMK = namedtuple("RSMK", ["indicator", "signal"])

_JESSE_RSMK_WINDOW = 240


@numba.njit(cache=True)
def _ema_from_first_valid(series, period):
    n = series.shape[0]
    out = np.full(n, np.nan)
    alpha = 2.0 / (max(1.0, period) + 1.0)
    start = -1
    for i in range(n):
        if not np.isnan(series[i]):
            start = i
            break
    if start < 0:
        return out
    out[start] = series[start]
    for i in range(start + 1, n):
        out[i] = alpha * series[i] + (1.0 - alpha) * out[i - 1]
    return out


@numba.njit(cache=True)
def _rsmk(src, cmp, lookback, period, signal_period):
    n = src.shape[0]
    log_ratio = np.log(src / cmp)
    mom = np.full(n, np.nan)
    if n > lookback:
        for i in range(lookback, n):
            mom[i] = log_ratio[i] - log_ratio[i - lookback]
    indicator = _ema_from_first_valid(mom, float(period)) * 100.0
    signal = _ema_from_first_valid(indicator, float(signal_period))
    return indicator, signal


def rsmk(candles: np.ndarray, candles_compare: np.ndarray, lookback: int = 90, period: int = 3,
         signal_period: int = 20, source_type: str = "close", sequential: bool = False) -> RSMK:
    """Relative strength line and its signal.

    Example:
        >>> import numpy as np
        >>> a = np.linspace(1.0, 2.0, 10)
        >>> rsmk(a, a, lookback=2).indicator
        np.float64(0.0)
    """
    lookback = check_period(lookback, "lookback")
    period = check_period(period)
    signal_period = check_period(signal_period, "signal_period")
    a = np.asarray(candles)
    b = np.asarray(candles_compare)
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"rsmk: candles ({a.shape[0]} rows) and candles_compare ({b.shape[0]} rows) differ in length")
    if not sequential and a.shape[0] > _JESSE_RSMK_WINDOW:
        a = a[-_JESSE_RSMK_WINDOW:]
        b = b[-_JESSE_RSMK_WINDOW:]
    _, src = source_of(a, source_type, True)
    _, cmp = source_of(b, source_type, True)
    indicator, signal = _rsmk(src, cmp, lookback, period, signal_period)
    if sequential:
        return RSMK(indicator, signal)
    return RSMK(_f64(indicator[-1]), _f64(signal[-1]))
