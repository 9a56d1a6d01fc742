"""Ehlers band-pass filter with automatic gain control."""
from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np

from jesse_dag.indicators import _kernels
from jesse_dag.indicators import _fastpath as fp
from jesse_dag.indicators._fastpath import check_number, check_period, slice_candles

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
    candles = slice_candles(candles, sequential)
    source = fp.source(candles, source_type)
    if not sequential:
        return BandPass(*map(float, _last_bandpass(source, period, bandwidth)))
    return BandPass(*_bandpass(source, period, bandwidth))
