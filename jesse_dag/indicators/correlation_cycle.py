"""Ehlers correlation cycle: correlation with a cosine and a sine wave, phase angle and market state."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.indicators import _fastpath as fp
from jesse_dag.indicators._fastpath import check_number, check_period, slice_candles

CC = namedtuple("CC", ["real", "imag", "angle", "state"])


@numba.njit(cache=True)
def _correlation_cycle(x, period, threshold):
    n = x.shape[0]
    period = max(period, 2)
    pf = float(period)
    two_pi = 4.0 * np.arcsin(1.0)
    cosw = np.empty(period)
    sinw = np.empty(period)
    for j in range(period):
        cosw[j] = np.cos(two_pi * (j + 1.0) / pf)
        sinw[j] = -np.sin(two_pi * (j + 1.0) / pf)
    ry = cosw.sum()
    iy = sinw.sum()
    t2 = pf * (cosw * cosw).sum() - ry * ry
    u2 = pf * (sinw * sinw).sum() - iy * iy
    st2 = np.sqrt(t2) if t2 > 0.0 else 0.0
    su2 = np.sqrt(u2) if u2 > 0.0 else 0.0
    real = np.full(n, np.nan)
    imag = np.full(n, np.nan)
    for i in range(period, n):
        rx = 0.0
        rxx = 0.0
        rxy = 0.0
        ixy = 0.0
        # the window is the `period` bars before bar i (bar i itself is excluded); NaN counts as 0
        for j in range(period):
            v = x[i - j - 1]
            if np.isnan(v):
                v = 0.0
            rx += v
            rxx += v * v
            rxy += v * cosw[j]
            ixy += v * sinw[j]
        t1 = pf * rxx - rx * rx
        if t1 > 0.0 and st2 > 0.0:
            real[i] = (pf * rxy - rx * ry) / (np.sqrt(t1) * st2)
        if t1 > 0.0 and su2 > 0.0:
            imag[i] = (pf * ixy - rx * iy) / (np.sqrt(t1) * su2)
    half_pi = np.arcsin(1.0)
    raw = np.full(n, np.nan)
    for i in range(n):
        im = imag[i]
        if np.isnan(im):
            continue
        if im == 0.0:
            raw[i] = 0.0
        else:
            a = np.degrees(np.arctan(real[i] / im) + half_pi)
            if im > 0.0:
                a -= 180.0
            raw[i] = a
    # the angle may not go backwards (by less than 270 degrees) relative to the previous raw angle
    angle = raw.copy()
    for i in range(1, n):
        prior = raw[i - 1]
        if prior > angle[i] and prior - angle[i] < 270.0:
            angle[i] = prior
    state = np.zeros(n)
    for i in range(1, n):
        if abs(angle[i] - angle[i - 1]) < threshold:
            if angle[i] >= 0.0:
                state[i] = 1.0
            elif angle[i] < 0.0:
                state[i] = -1.0
    return real, imag, angle, state


@numba.njit(cache=True)
def _last_correlation_cycle(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    r = _correlation_cycle(a0, a1, a2)
    return r[0][-1], r[1][-1], r[2][-1], r[3][-1]


def correlation_cycle(candles: np.ndarray, period: int = 20, threshold: int = 9, source_type: str = "close",
                      sequential: bool = False) -> CC:
    """CC(real, imag, angle, state).

    Example:
        >>> import numpy as np
        >>> correlation_cycle(np.sin(np.arange(200) * 2 * np.pi / 20)).state in (-1.0, 0.0, 1.0)
        True
    """
    period = check_period(period)
    threshold = check_number(threshold, "threshold")
    candles = slice_candles(candles, sequential)
    source = fp.source(candles, source_type)
    if not sequential:
        return CC(*map(float, _last_correlation_cycle(source, period, threshold)))
    return CC(*_correlation_cycle(source, period, threshold))
