"""Ehlers correlation cycle: correlation with a cosine and a sine wave, phase angle and market state."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.indicators import _core
from jesse_dag.indicators._core import check_number, check_period, slice_candles

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

CC = namedtuple("CC", ["real", "imag", "angle", "state"])


@numba.njit(cache=True)
def _waves(period):
    # the cosine and (negated) sine waves and their sums and spreads
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
    return cosw, sinw, ry, iy, st2, su2


@numba.njit(cache=True, inline="always")
def _real_imag_at(x, i, period, cosw, sinw, ry, iy, st2, su2):
    # row i's correlations; the window is the `period` bars before bar i (bar i itself is excluded); NaN
    # counts as 0
    pf = float(period)
    rx = 0.0
    rxx = 0.0
    rxy = 0.0
    ixy = 0.0
    for j in range(period):
        v = x[i - j - 1]
        if np.isnan(v):
            v = 0.0
        rx += v
        rxx += v * v
        rxy += v * cosw[j]
        ixy += v * sinw[j]
    t1 = pf * rxx - rx * rx
    re = np.nan
    im = np.nan
    if t1 > 0.0 and st2 > 0.0:
        re = (pf * rxy - rx * ry) / (np.sqrt(t1) * st2)
    if t1 > 0.0 and su2 > 0.0:
        im = (pf * ixy - rx * iy) / (np.sqrt(t1) * su2)
    return re, im


@numba.njit(cache=True)
def _real_imag_rows(x, period, cosw, sinw, ry, iy, st2, su2, real, imag):
    # _real_imag_at for every row from ``period`` on, a block of rows at a time: each row's four sums still
    # take their terms in the order j = 0..period-1 (the same bits), but the loop over the block's rows is
    # the inner one, which LLVM vectorizes (NaN read as 0 from a cleaned copy)
    n = x.shape[0]
    pf = float(period)
    xz = np.empty(n)
    for i in range(n):
        v = x[i]
        xz[i] = 0.0 if np.isnan(v) else v
    block = 256
    rx = np.empty(block)
    rxx = np.empty(block)
    rxy = np.empty(block)
    ixy = np.empty(block)
    i0 = period
    while i0 < n:
        m = min(block, n - i0)
        for q in range(m):
            rx[q] = 0.0
            rxx[q] = 0.0
            rxy[q] = 0.0
            ixy[q] = 0.0
        for j in range(period):
            xs = xz[i0 - j - 1:i0 - j - 1 + m]
            cj = cosw[j]
            sj = sinw[j]
            for q in range(m):
                v = xs[q]
                rx[q] += v
                rxx[q] += v * v
                rxy[q] += v * cj
                ixy[q] += v * sj
        for q in range(m):
            t1 = pf * rxx[q] - rx[q] * rx[q]
            if t1 > 0.0 and st2 > 0.0:
                real[i0 + q] = (pf * rxy[q] - rx[q] * ry) / (np.sqrt(t1) * st2)
            if t1 > 0.0 and su2 > 0.0:
                imag[i0 + q] = (pf * ixy[q] - rx[q] * iy) / (np.sqrt(t1) * su2)
        i0 += m


@numba.njit(cache=True, inline="always")
def _raw_angle(re, im, half_pi):
    if np.isnan(im):
        return np.nan
    if im == 0.0:
        return 0.0
    a = np.degrees(np.arctan(re / im) + half_pi)
    if im > 0.0:
        a -= 180.0
    return a


@numba.njit(cache=True)
def _correlation_cycle(x, period, threshold):
    n = x.shape[0]
    period = max(period, 2)
    cosw, sinw, ry, iy, st2, su2 = _waves(period)
    real = np.full(n, np.nan)
    imag = np.full(n, np.nan)
    _real_imag_rows(x, period, cosw, sinw, ry, iy, st2, su2, real, imag)
    half_pi = np.arcsin(1.0)
    raw = np.empty(n)
    for i in range(n):
        raw[i] = _raw_angle(real[i], imag[i], half_pi)
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
def _last_correlation_cycle(x, period, threshold):
    # the last row of _correlation_cycle from the last three rows' correlations alone: the last angle looks
    # back one raw angle, the last state one angle (so two raw angles) back
    n = x.shape[0]
    if n < 3:
        r = _correlation_cycle(x, period, threshold)
        return r[0][-1], r[1][-1], r[2][-1], r[3][-1]
    period = max(period, 2)
    cosw, sinw, ry, iy, st2, su2 = _waves(period)
    half_pi = np.arcsin(1.0)
    re = np.full(3, np.nan)
    im = np.full(3, np.nan)
    raw = np.empty(3)
    for k in range(3):
        i = n - 3 + k
        if i >= period:
            re[k], im[k] = _real_imag_at(x, i, period, cosw, sinw, ry, iy, st2, su2)
        raw[k] = _raw_angle(re[k], im[k], half_pi)
    angle_prev = raw[1]
    if raw[0] > angle_prev and raw[0] - angle_prev < 270.0:
        angle_prev = raw[0]
    angle = raw[2]
    if raw[1] > angle and raw[1] - angle < 270.0:
        angle = raw[1]
    state = 0.0
    if abs(angle - angle_prev) < threshold:
        if angle >= 0.0:
            state = 1.0
        elif angle < 0.0:
            state = -1.0
    return re[2], im[2], angle, state


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
    source = _core.source(candles, source_type)
    if not sequential:
        return CC(*map(_f64, _last_correlation_cycle(source, period, threshold)))
    return CC(*_correlation_cycle(source, period, threshold))
