"""DTI - William Blau's directional trend index."""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag.candles.columns import HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._fastpath import check_period, ohlcv


@numba.njit(cache=True)
def _dti(high, low, r, s, u):
    n = high.shape[0]
    out = np.full(n, np.nan)
    if n <= r or n <= s or n <= u:
        return out
    xp = np.zeros(n)
    for i in range(1, n):
        hm = high[i] - high[i - 1]
        lm = low[i] - low[i - 1]
        xp[i] = (hm if hm > 0.0 else 0.0) - (-lm if lm < 0.0 else 0.0)
    ar, as_, au = 2.0 / (r + 1.0), 2.0 / (s + 1.0), 2.0 / (u + 1.0)
    num = _kernels.ema_alpha(_kernels.ema_alpha(_kernels.ema_alpha(xp, ar), as_), au)
    den = _kernels.ema_alpha(_kernels.ema_alpha(_kernels.ema_alpha(np.abs(xp), ar), as_), au)
    for i in range(n):
        out[i] = num[i] * 100.0 / den[i] if den[i] != 0.0 else 0.0
    return out


def dti(candles: np.ndarray, r: int = 14, s: int = 10, u: int = 5, sequential: bool = False) -> float | np.ndarray | None:
    """Triple-smoothed momentum over triple-smoothed absolute momentum, in percent.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> dti(candles_from_close_prices(np.linspace(100, 150, 60))) > 0
        True
    """
    r, s, u = check_period(r, "r"), check_period(s, "s"), check_period(u, "u")
    c = ohlcv(candles, sequential, "dti")
    res = _dti(c[:, HIGH], c[:, LOW], r, s, u)
    if sequential:
        return res
    return None if np.isnan(res[-1]) else float(res[-1])
