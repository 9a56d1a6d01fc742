"""Ehlers band-pass filter with automatic gain control."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _core, _kernels
from jesse_dag.indicators._core import check_number, check_period, slice_candles

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)

BandPass = namedtuple("BandPass", ["bp", "bp_normalized", "signal", "trigger"])


@numba.njit(cache=True)
def _bandpass(x, period, bandwidth):
    n = x.shape[0]
    hp = _kernels.high_pass_1pole(x, 4.0 * period / bandwidth)
    beta = np.cos(2.0 * np.pi / period)
    gamma = np.cos(2.0 * np.pi * bandwidth / period)
    alpha = 1.0 / gamma - np.sqrt(1.0 / (gamma * gamma) - 1.0)
    bp = hp.copy()
    for i in range(2, n):
        bp[i] = 0.5 * (1.0 - alpha) * (hp[i] - hp[i - 2]) + beta * (1.0 + alpha) * bp[i - 1] - alpha * bp[i - 2]
    peak = bp.copy()
    for i in range(1, n):
        peak[i] = peak[i - 1] * 0.991
        if abs(bp[i]) > peak[i]:
            peak[i] = abs(bp[i])
    norm = np.empty(n)
    for i in range(n):
        norm[i] = bp[i] / peak[i] if peak[i] != 0.0 else 0.0
    trigger = _kernels.high_pass_1pole(norm, period / bandwidth / 1.5)
    signal = np.empty(n)
    for i in range(n):
        if norm[i] < trigger[i]:
            signal[i] = 1.0
        elif trigger[i] < norm[i]:
            signal[i] = -1.0
        else:
            signal[i] = 0.0
    return bp, norm, signal, trigger


@numba.njit(cache=True)
def _last_bandpass(a0, a1, a2):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    r = _bandpass(a0, a1, a2)
    return r[0][-1], r[1][-1], r[2][-1], r[3][-1]


@numba.njit(cache=True)
def _last_bandpass_rows(c, code, warm, period, bandwidth):
    # _last_bandpass on the source ``code`` of Jesse's trailing ``warm`` rows of 2-D candles (the fast lane) in
    # one pass without arrays: each filter's recurrence as _bandpass and high_pass_1pole run it, so the same bits
    s0 = _kernels.window_start(c.shape[0], warm)
    n = c.shape[0] - s0
    if n == 0:
        return _last_bandpass(c[s0:, 0], period, bandwidth)
    p1 = 4.0 * period / bandwidth
    a1 = 1.0 + (np.sin(2.0 * np.pi / p1) - 1.0) / np.cos(2.0 * np.pi / p1)
    c1 = 1.0 - a1 / 2.0
    beta = np.cos(2.0 * np.pi / period)
    gamma = np.cos(2.0 * np.pi * bandwidth / period)
    alpha = 1.0 / gamma - np.sqrt(1.0 / (gamma * gamma) - 1.0)
    p2 = period / bandwidth / 1.5
    a2 = 1.0 + (np.sin(2.0 * np.pi / p2) - 1.0) / np.cos(2.0 * np.pi / p2)
    c2 = 1.0 - a2 / 2.0
    x_prev = 0.0
    hp = hp1 = hp2 = 0.0  # this row's, the previous and the one before
    bp = bp1 = bp2 = 0.0
    peak = 0.0
    norm = norm_prev = 0.0
    trig = 0.0
    for i in range(n):
        x = _kernels.source_at(c, s0 + _kernels.scalar_row(i), code)
        hp2 = hp1
        hp1 = hp
        hp = x if i == 0 else c1 * x - c1 * x_prev + (1.0 - a1) * hp1
        x_prev = x
        bp2 = bp1
        bp1 = bp
        bp = hp if i < 2 else 0.5 * (1.0 - alpha) * (hp - hp2) + beta * (1.0 + alpha) * bp1 - alpha * bp2
        if i == 0:
            peak = bp
        else:
            peak = peak * 0.991
            if abs(bp) > peak:
                peak = abs(bp)
        norm_prev = norm
        norm = bp / peak if peak != 0.0 else 0.0
        trig = norm if i == 0 else c2 * norm - c2 * norm_prev + (1.0 - a2) * trig
    signal = 1.0 if norm < trig else (-1.0 if trig < norm else 0.0)
    return bp, norm, signal, trig


def bandpass(candles: np.ndarray, period: int = 20, bandwidth: float = 0.3, source_type: str = "close",
             sequential: bool = False) -> BandPass:
    """BandPass(bp, bp_normalized, signal, trigger).

    Example:
        >>> import numpy as np
        >>> bandpass(np.sin(np.arange(200) / 3.0)).signal in (-1.0, 0.0, 1.0)
        True
    """
    period = check_period(period)
    bandwidth = check_number(bandwidth, "bandwidth")
    if not 0 < bandwidth < 1:
        raise ValueError(f"bandwidth must be in (0, 1), got {bandwidth!r}")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return BandPass(*map(_f64, _last_bandpass_rows(candles, code, _warmup_now(), period,
                                                           bandwidth)))
    candles = slice_candles(candles, sequential)
    source = _core.source(candles, source_type)
    if not sequential:
        return BandPass(*map(_f64, _last_bandpass(source, period, bandwidth)))
    return BandPass(*_bandpass(source, period, bandwidth))
