"""Damiani volatmeter: short/long ATR ratio (vol) and a standard-deviation threshold (anti)."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_candles_num
from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _fastpath, _kernels
from jesse_dag.indicators._fastpath import as_candles, check_number, check_period, source_of

DamianiVolatmeter = namedtuple("DamianiVolatmeter", ["vol", "anti"])


# error_model="numpy": a zero price or a flat window gives Jesse's NaN (x / 0 as numpy), not an exception
@numba.njit(cache=True, error_model="numpy")
def _damiani(high, low, close, src, vis_atr, vis_std, sed_atr, sed_std, threshold):
    n = high.shape[0]
    tr = _kernels.true_range(high, low, close)
    atr_vis = _kernels.wilder(tr, vis_atr)
    atr_sed = _kernels.wilder(tr, sed_atr)
    u = np.zeros(n)
    for i in range(sed_std, n):
        if atr_sed[i] != 0.0 and not np.isnan(atr_sed[i]) and not np.isnan(atr_vis[i]):
            u[i] = atr_vis[i] / atr_sed[i]
    vol = np.zeros(n)
    for i in range(n):
        y = u[i]
        if i >= 1:
            y += 0.5 * vol[i - 1]
        if i >= 3:
            y -= 0.5 * vol[i - 3]
        vol[i] = y
    anti = np.zeros(n)
    if n >= sed_std:
        sv = _kernels.rolling_std_running(src, vis_std)
        ss = _kernels.rolling_std_running(src, sed_std)
        for i in range(sed_std, n):
            anti[i] = threshold - sv[i - 1] / ss[i - 1]
    return vol, anti


@numba.njit(cache=True)
def _last_damiani(high, low, close, src, vis_atr, vis_std, sed_atr, sed_std, threshold):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    r = _damiani(high, low, close, src, vis_atr, vis_std, sed_atr, sed_std, threshold)
    return r[0][-1], r[1][-1]


@numba.njit(cache=True)
def _last_damiani_src(c, code, warm, vis_atr, vis_std, sed_atr, sed_std, threshold):
    # _last_damiani on Jesse's trailing ``warm`` rows of 2-D candles and their source ``code``, sliced and
    # picked here rather than in Python (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    src = w[:, code] if code < 6 else _fastpath.derived_source(w, code)
    return _last_damiani(w[:, HIGH], w[:, LOW], w[:, CLOSE], src, vis_atr, vis_std, sed_atr, sed_std, threshold)


def damiani_volatmeter(candles: np.ndarray, vis_atr: int = 13, vis_std: int = 20, sed_atr: int = 40,
                       sed_std: int = 100, threshold: float = 1.4, source_type: str = "close",
                       sequential: bool = False) -> DamianiVolatmeter:
    """DamianiVolatmeter(vol, anti); both are 0 during the warm-up.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> d = damiani_volatmeter(candles_from_close_prices(100 + np.sin(np.arange(300) / 5.0)))
        >>> d.vol > 0
        True
    """
    vis_atr = check_period(vis_atr, "vis_atr")
    vis_std = check_period(vis_std, "vis_std")
    sed_atr = check_period(sed_atr, "sed_atr")
    sed_std = check_period(sed_std, "sed_std")
    threshold = check_number(threshold, "threshold")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return DamianiVolatmeter(*map(float, _last_damiani_src(
                candles, code, _warmup_candles_num.get(), vis_atr, vis_std, sed_atr, sed_std, threshold)))
    if as_candles(candles).ndim != 2:
        raise ValueError("damiani_volatmeter: needs a 2-D (N, 6) candle array, got a 1-D series")
    c, src = source_of(candles, source_type, sequential)
    args = (c[:, HIGH], c[:, LOW], c[:, CLOSE], src, vis_atr, vis_std, sed_atr, sed_std, threshold)
    if not sequential:
        return DamianiVolatmeter(*map(float, _last_damiani(*args)))
    return DamianiVolatmeter(*_damiani(*args))
