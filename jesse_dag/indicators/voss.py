"""Voss predictive filter by John F. Ehlers (Jesse ``ta.voss``).

Both series are 0 until row ``i > max(period, 5, 3·predict)``.
"""
from __future__ import annotations

from collections import namedtuple
import math

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_number, check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

VossFilter = namedtuple("VossFilter", ["voss", "filt"])


@numba.njit(cache=True, inline="always")
def _voss_fill(source, period, predict, bandwidth, filt, voss_v):
    n = source.shape[0]
    order = 3 * predict
    f1 = math.cos(2.0 * math.pi / period)
    g1 = math.cos(bandwidth * 2.0 * math.pi / period)
    s1 = 1.0 / g1 - math.sqrt(1.0 / (g1 * g1) - 1.0)
    taps = np.empty(order)
    for count in range(order):
        taps[count] = (count + 1) / order
    gain = (3.0 + order) / 2.0
    # the filter and the predictor in one pass, so that their two dependency chains overlap; the filter's last
    # two values and the predictor's last value carried in locals (not read back after each store); the tap
    # weights computed once (the same quotients as per row); the predictor's history read with an unsigned
    # index (no negative-index wraparound per tap): the same operations, so the same bits
    f_1 = 0.0
    f_2 = 0.0
    v_1 = 0.0
    for i in range(n):
        if i > period and i > 5 and i > order:
            f = (0.5 * (1.0 - s1) * (source[i] - source[i - 2])
                 + f1 * (1.0 + s1) * f_1 - s1 * f_2)
            filt[i] = f
            sumc = 0.0
            base = np.uint64(i - order)
            for count in range(order - 1):
                sumc += taps[count] * voss_v[base + np.uint64(count)]
            sumc += taps[order - 1] * v_1
            v = gain * f - sumc
            voss_v[i] = v
        else:
            f = 0.0
            v = voss_v[i]
        f_2 = f_1
        f_1 = f
        v_1 = v


@numba.njit(cache=True)
def _voss(source, period, predict, bandwidth):
    n = source.shape[0]
    filt = np.zeros(n)
    voss_v = np.zeros(n)
    _voss_fill(source, period, predict, bandwidth, filt, voss_v)
    return voss_v, filt


@numba.njit(cache=True)
def _last_voss(source, period, predict, bandwidth):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    n = source.shape[0]
    filt = np.zeros(n)
    voss_v = np.zeros(n)
    _voss_fill(source, period, predict, bandwidth, filt, voss_v)
    return voss_v[-1], filt[-1]


@numba.njit(cache=True)
def _last_voss_src(c, code, warm, a0, a1, a2):
    # _last_voss on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_voss(w[:, code], a0, a1, a2)
    return _last_voss(_kernels.derived_source(w, code), a0, a1, a2)


def voss(candles: np.ndarray, period: int = 20, predict: int = 3, bandwith: float = 0.25,
         source_type: str = "close", sequential: bool = False) -> VossFilter:
    """Voss predictor and its band-pass filter (``bandwith`` keeps Jesse's spelling).

    Example:
        >>> import numpy as np
        >>> voss(np.full(40, 2.0)).voss
        np.float64(0.0)
    """
    period = check_period(period)
    predict = check_period(predict, "predict")
    bandwith = check_number(bandwith, "bandwith")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return VossFilter(*map(_f64, _last_voss_src(candles, code, _warmup_now(),
                                                         period, predict, bandwith)))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return VossFilter(*map(_f64, _last_voss(source, period, predict, bandwith)))
    return VossFilter(*_voss(source, period, predict, bandwith))
