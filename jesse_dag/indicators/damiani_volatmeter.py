"""Damiani volatmeter: short/long ATR ratio (vol) and a standard-deviation threshold (anti)."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.candles.columns import CLOSE, HIGH, LOW
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import as_candles, check_number, check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

DamianiVolatmeter = namedtuple("DamianiVolatmeter", ["vol", "anti"])


@numba.njit(cache=True, inline="always")
def _wilder_step(k, x, p, ok, total, y):
    # row k of _kernels.wilder (NaN before row p - 1, the mean of the first p values there, then
    # y += (x - y) / p), with its running total and value carried; ``ok`` is False when there are fewer
    # than p rows (all NaN)
    if not ok:
        return total, y, np.nan
    if k < p:
        total += x
        if k < p - 1:
            return total, y, np.nan
        y = total / p
        return total, y, y
    y = y + (1.0 / p) * (x - y)
    return total, y, y


@numba.njit(cache=True, inline="always")
def _std_step(k, src, p, ok, s, s2):
    # row k of _kernels.rolling_std_running (0 before row p - 1; running sums), its sums carried
    if not ok:
        return s, s2, 0.0
    x = src[k]
    if k < p:
        s += x
        s2 += x * x
        if k < p - 1:
            return s, s2, 0.0
    else:
        old = src[k - p]
        s += x - old
        s2 += x * x - old * old
    m = s / p
    return s, s2, np.sqrt(max(s2 / p - m * m, 0.0))


# error_model="numpy": a zero price or a flat window gives Jesse's NaN (x / 0 as numpy), not an exception
@numba.njit(cache=True, error_model="numpy", inline="always")
def _damiani_into(c, s0, src, vis_atr, vis_std, sed_atr, sed_std, threshold, vol_out, anti_out):
    # rows s0.. of 2-D candles (``src`` holds their source) in one pass: the true range, the two Wilder ATRs,
    # their ratio, the vol recursion and the two running standard deviations, with the operations of Jesse's
    # separate passes (so the same bits) and no temporary arrays. The outputs hold every row, or with one row
    # only the last
    n = c.shape[0] - s0
    keep_all = vol_out.shape[0] == n
    ok_vis = 1 <= vis_atr <= n
    ok_sed = 1 <= sed_atr <= n
    ok_sv = 1 <= vis_std <= n
    ok_ss = 1 <= sed_std <= n
    tv = yv = ts = ys = 0.0
    sv_s = sv_s2 = ss_s = ss_s2 = 0.0
    sv_prev = ss_prev = 0.0
    v1 = v2 = v3 = 0.0
    for k in range(n):
        i = s0 + k
        if k == 0:
            tr = c[i, HIGH] - c[i, LOW]
        else:
            hl = c[i, HIGH] - c[i, LOW]
            hc = abs(c[i, HIGH] - c[i - 1, CLOSE])
            lc = abs(c[i, LOW] - c[i - 1, CLOSE])
            tr = max(hl, max(hc, lc))
        tv, yv, atr_vis = _wilder_step(k, tr, vis_atr, ok_vis, tv, yv)
        ts, ys, atr_sed = _wilder_step(k, tr, sed_atr, ok_sed, ts, ys)
        u = 0.0
        if k >= sed_std and atr_sed != 0.0 and not np.isnan(atr_sed) and not np.isnan(atr_vis):
            u = atr_vis / atr_sed
        vol = u
        if k >= 1:
            vol += 0.5 * v1
        if k >= 3:
            vol -= 0.5 * v3
        v3 = v2
        v2 = v1
        v1 = vol
        anti = 0.0
        if n >= sed_std and k >= sed_std:
            anti = threshold - sv_prev / ss_prev
        sv_s, sv_s2, sv_prev = _std_step(k, src, vis_std, ok_sv, sv_s, sv_s2)
        ss_s, ss_s2, ss_prev = _std_step(k, src, sed_std, ok_ss, ss_s, ss_s2)
        if keep_all:
            vol_out[k] = vol
            anti_out[k] = anti
    if not keep_all:
        vol_out[0] = v1
        anti_out[0] = anti


@numba.njit(cache=True, error_model="numpy")
def _damiani(c, src, vis_atr, vis_std, sed_atr, sed_std, threshold):
    n = c.shape[0]
    vol = np.empty(n)
    anti = np.empty(n)
    _damiani_into(c, 0, src, vis_atr, vis_std, sed_atr, sed_std, threshold, vol, anti)
    return vol, anti


@numba.njit(cache=True, error_model="numpy")
def _last_damiani_src(c, code, warm, vis_atr, vis_std, sed_atr, sed_std, threshold):
    # the last values on Jesse's trailing ``warm`` rows of 2-D candles and their source ``code`` (the fast
    # lane; the source is copied contiguous, so the one compiled layout serves)
    s0 = _kernels.window_start(c.shape[0], warm)
    out = np.empty((2, 1))
    _damiani_into(c, s0, _kernels.window_source(c, code, warm), vis_atr, vis_std, sed_atr, sed_std, threshold,
                  out[0], out[1])
    return out[0, 0], out[1, 0]


def damiani_volatmeter(candles: np.ndarray, vis_atr: int = 13, vis_std: int = 20, sed_atr: int = 40,
                       sed_std: int = 100, threshold: float = 1.4, source_type: str = "close",
                       sequential: bool = False) -> DamianiVolatmeter:
    """DamianiVolatmeter(vol, anti); both are 0 during the warm-up.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> import numpy as np
        >>> d = damiani_volatmeter(candles_from_close_prices(100 + np.sin(np.arange(300) / 5.0)))
        >>> d.vol > 0
        np.True_
    """
    vis_atr = check_period(vis_atr, "vis_atr")
    vis_std = check_period(vis_std, "vis_std")
    sed_atr = check_period(sed_atr, "sed_atr")
    sed_std = check_period(sed_std, "sed_std")
    threshold = check_number(threshold, "threshold")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return DamianiVolatmeter(*map(_f64, _last_damiani_src(
                candles, code, _warmup_now(), vis_atr, vis_std, sed_atr, sed_std, threshold)))
    if as_candles(candles).ndim != 2:
        raise ValueError("damiani_volatmeter: needs a 2-D (N, 6) candle array, got a 1-D series")
    c, src = source_of(candles, source_type, sequential)
    c = np.ascontiguousarray(c)
    vol, anti = _damiani(c, src, vis_atr, vis_std, sed_atr, sed_std, threshold)
    if not sequential:
        return DamianiVolatmeter(_f64(vol[-1]), _f64(anti[-1]))
    return DamianiVolatmeter(vol, anti)
