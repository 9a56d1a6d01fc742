"""VIDYA: Variable Index Dynamic Average (Jesse ``ta.vidya``).

The EMA's alpha ``2/(length+1)`` is scaled by |CMO|/100 over ``9`` bars (``fix_cmo``) or ``length`` bars
(``select=True``), or by the population std of the last ``length`` values (``select=False``).
"""
from __future__ import annotations

import numba
import numpy as np

from jesse_dag._config import _warmup_now
from jesse_dag.indicators import _kernels
from jesse_dag.indicators._core import check_period, source_of

_f64 = np.float64  # Jesse's scalars are numpy float64 (round() of a .5 differs from a Python float's)


@numba.njit(cache=True, inline="always")
def _cmo_ratio(mom, i, start):
    # |CMO| / 100 of the changes mom[start..i], summed oldest first as Jesse does
    sm1 = 0.0
    sm2 = 0.0
    for k in range(start, i + 1):
        d = mom[k]
        up = d >= 0.0
        sm1 += d if up else 0.0  # (adding or subtracting 0.0 leaves the sums' bits as they are)
        sm2 -= 0.0 if up else d
    tot = sm1 + sm2
    return abs((sm1 - sm2) / tot * 100.0) / 100.0 if tot != 0.0 else 0.0


@numba.njit(cache=True, inline="always")
def _cmo_ratios(mom, length, kv):
    # _cmo_ratio for every row i >= 1 into kv[i]; rows whose window is full run a block at a time with the
    # loop over the block's rows inside (LLVM vectorizes it), each row's sums still oldest first: same bits
    n = mom.shape[0]
    first = min(n, length)
    for i in range(1, first):
        kv[i] = _cmo_ratio(mom, i, 0)
    block = 256
    sm1 = np.empty(block)
    sm2 = np.empty(block)
    i0 = first
    while i0 < n:
        m = min(block, n - i0)
        for q in range(m):
            sm1[q] = 0.0
            sm2[q] = 0.0
        for t in range(length):
            ds = mom[i0 - length + 1 + t:i0 - length + 1 + t + m]
            for q in range(m):
                d = ds[q]
                up = d >= 0.0
                sm1[q] += d if up else 0.0
                sm2[q] -= 0.0 if up else d
        for q in range(m):
            tot = sm1[q] + sm2[q]
            kv[i0 + q] = abs((sm1[q] - sm2[q]) / tot * 100.0) / 100.0 if tot != 0.0 else 0.0
        i0 += m


@numba.njit(cache=True, inline="always")
def _vidya_into(source, length, fix_cmo, select, out):
    # rows 1.. into ``out`` (every row, or with a 1-row ``out`` only the last one kept: the same operations
    # either way); the previous value carried in a register, not read back from ``out``
    n = source.shape[0]
    keep_all = out.shape[0] == n
    alpha = 2.0 / (length + 1.0)
    mom = np.zeros(n)
    for i in range(1, n):
        mom[i] = source[i] - source[i - 1]
    kv = np.zeros(n)
    if select:
        _cmo_ratios(mom, 9 if fix_cmo else length, kv)
    else:
        for i in range(1, n):
            start = max(0, i + 1 - length)
            m = i + 1 - start
            mean = 0.0
            for k in range(start, i + 1):
                mean += source[k]
            mean /= m
            v = 0.0
            for k in range(start, i + 1):
                v += (source[k] - mean) ** 2
            kv[i] = np.sqrt(v / m)
    y = source[0]
    for i in range(1, n):
        eff = alpha * kv[i]
        y = eff * source[i] + (1.0 - eff) * y
        if keep_all:
            out[i] = y
    if not keep_all:
        out[0] = y


@numba.njit(cache=True)
def _vidya(source, length, fix_cmo, select):
    out = source.copy()
    if source.shape[0] > 1:
        _vidya_into(source, length, fix_cmo, select, out)
    return out


@numba.njit(cache=True)
def _last_vidya(a0, a1, a2, a3):
    # the last value only: returning an array to Python costs more than the kernel on a short window
    if a0.shape[0] < 2:
        return a0[a0.shape[0] - 1]
    out = np.empty(1)
    _vidya_into(a0, a1, a2, a3, out)
    return out[0]


@numba.njit(cache=True)
def _last_vidya_src(c, code, warm, a0, a1, a2):
    # _last_vidya on the source of Jesse's trailing ``warm`` rows, picked here (the fast lane)
    w = c[_kernels.window_start(c.shape[0], warm):]
    if code < 6:
        return _last_vidya(w[:, code], a0, a1, a2)
    return _last_vidya(_kernels.derived_source(w, code), a0, a1, a2)


def vidya(candles: np.ndarray, length: int = 9, fix_cmo: bool = True, select: bool = True,
          source_type: str = "close", sequential: bool = False) -> float | np.ndarray:
    """Variable Index Dynamic Average, seeded with the first value.

    Example:
        >>> import numpy as np
        >>> vidya(np.full(5, 2.0))
        np.float64(2.0)
    """
    length = check_period(length, "length")
    if not sequential:
        code = _kernels.plain_source_code(candles, source_type)
        if code >= 0:
            return _f64(_last_vidya_src(candles, code, _warmup_now(), length, bool(fix_cmo), bool(select)))
    _, source = source_of(candles, source_type, sequential)
    if not sequential:
        return _f64(_last_vidya(source, length, bool(fix_cmo), bool(select)))
    res = _vidya(source, length, bool(fix_cmo), bool(select))
    return res
