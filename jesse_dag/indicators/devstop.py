"""Kase dev stop."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._kernels_rolling import rolling_mean_full
from jesse_dag.indicators._core import check_number, check_period, last_or_all, ohlcv

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True)
def _nan_rolling(x, period, is_max):
    # numpy's max/min over a window propagate NaN
    n = x.shape[0]
    out = np.full(n, np.nan)
    for i in range(period - 1, n):
        m = x[i - period + 1]
        for k in range(i - period + 2, i + 1):
            v = x[k]
            if np.isnan(v) or np.isnan(m):
                m = np.nan
            elif (v > m) if is_max else (v < m):
                m = v
        out[i] = m
    return out


def devstop(candles: np.ndarray, period: int = 20, mult: float = 0, devtype: int = 0, direction: str = "long",
            sequential: bool = False) -> float | np.ndarray:
    """Kase dev stop; ``devtype`` 0 = std, 1 = mean abs deviation, 2 = median abs deviation.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> devstop(candles_from_close_prices(np.linspace(100, 150, 60))) < 150
        np.True_
    """
    period = check_period(period)
    mult = check_number(mult, "mult")
    if devtype not in (0, 1, 2):
        raise ValueError(f"devtype must be 0, 1 or 2, got {devtype!r}")
    if direction not in ("long", "short"):
        raise ValueError("The direction parameter must be 'short' or 'long'")
    c = ohlcv(candles, sequential, "devstop")
    high, low = c[:, HIGH], c[:, LOW]
    rng = _nan_rolling(high, 2, True) - _nan_rolling(low, 2, False)
    avtr = rolling_mean_full(rng, period)
    if devtype == 0:
        sd = _kernels.rolling_std(rng, period)
    else:
        import jesse_dag.indicators as ta

        fn = ta.mean_ad if devtype == 1 else ta.median_ad
        sd = np.asarray(fn(rng, period, sequential=True), dtype=np.float64)
    if direction == "long":
        res = _nan_rolling(np.ascontiguousarray(high - avtr - mult * sd), period, True)
    else:
        res = _nan_rolling(np.ascontiguousarray(low + avtr + mult * sd), period, False)
    return last_or_all(res, sequential)
