"""Shared numba kernels for the indicator modules (moving averages, rolling statistics, true range).

Every kernel is ``@numba.njit(cache=True)`` and compiles lazily for the argument types it first sees,
so importing this module costs nothing until an indicator is called. Kernels take float64 1-D arrays
and return new float64 arrays of the same length; warm-up rows are NaN unless the docstring says
otherwise. They reproduce Jesse 3.5.3's seeds (see ``jesse-behaviour.md`` §7):

- ``ema``: seed ``x[0]``, alpha ``2/(p+1)``, no NaN warm-up; all NaN when ``p > n``.
- ``ema_alpha``: the same recurrence with any alpha (used for RMA-from-first-value variants).
- ``sma``: NaN for the first ``p-1`` rows; NaN inputs are skipped inside the window (Jesse's Rust sma).
- ``wilder``: Wilder's RMA seeded with the simple mean of the first ``p`` values.
- ``wma``: linearly weighted (weights 1..p, newest heaviest).
- ``rolling_std``: population standard deviation of each window (two passes per window).
- ``rolling_max`` / ``rolling_min`` / ``rolling_sum``: plain rolling reductions.
- ``true_range``: ``TR0 = H0 - L0``, then ``max(H-L, |H-C[-1]|, |L-C[-1]|)``.
- ``linreg``: least-squares line through each window, returning (slope, intercept) at the last x.

Example:
    >>> import numpy as np
    >>> from jesse_dag.indicators._kernels import sma
    >>> sma(np.array([1.0, 2.0, 3.0, 4.0]), 2)[1:].tolist()
    [1.5, 2.5, 3.5]
"""
from __future__ import annotations

import ctypes
import sys

import numba
import numpy as np
from llvmlite import ir
from numba.extending import intrinsic


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed blocks below 32 MB in the process heap (Linux only; idempotent).

    A sequential indicator on 100k candles allocates several 800 KB arrays per call. By default glibc hands
    the freed top of the heap back to the OS once it exceeds twice the largest block freed so far, so the next
    call page-faults every page of its new arrays in again: measured 350-750 faults per call, 30-50% of the
    time of bollinger_bands, heikin_ashi_candles, bandpass, cvi, fosc, ... on this machine. Raising the mmap and
    trim thresholds keeps that memory for reuse (at most the peak heap of one call stays mapped). Setting the
    thresholds by hand turns off glibc's sliding thresholds, so both are set. Returns whether it was applied.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's mallopt parameter numbers
        return bool(libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)
                    and libc.mallopt(m_trim_threshold, 128 * 1024 * 1024))
    except (OSError, AttributeError):  # not glibc (musl, ...): leave the allocator alone
        return False


keep_freed_memory()


@intrinsic
def scalar_row(typingctx, i):
    """``i`` itself, through an empty inline asm, so that LLVM cannot see a loop's index as affine.

    A loop reading several columns of row ``i`` of 2-D candles (a stride of 48 bytes) is otherwise vectorized
    with AVX-512 gathers, measured 3x slower than plain scalar loads on this machine (heikin_ashi_candles on
    100k rows: 1.1 ms vs 0.37 ms). Indexing with ``c[scalar_row(i), k]`` keeps that loop scalar; the values
    read are the same, so the bits are too. Costs nothing: the asm is empty and ``i`` stays in its register.
    """
    def codegen(context, builder, signature, args):
        fty = ir.FunctionType(args[0].type, [args[0].type])
        return builder.asm(fty, "", "=r,0", [args[0]], False)
    return i(i), codegen


@intrinsic
def pick(typingctx, cond, a, b):
    """``a if cond else b`` for floats, selected with integer masks on the bits: no branch.

    x86 has no conditional move for doubles, so LLVM compiles a float select as branches, which mispredict on
    price moves (up or down about half the time each): 0.65-0.73 ms vs 0.3 ms on 100k rows. The mask goes
    through an empty inline asm so that LLVM cannot see the and/or as a select again. The result is ``a`` or
    ``b`` bit for bit.
    """
    def codegen(context, builder, signature, args):
        c, x, y = args
        i64 = ir.IntType(64)
        m = builder.sext(c, i64)
        m = builder.asm(ir.FunctionType(i64, [i64]), "", "=r,0", [m], False)
        xi = builder.bitcast(x, i64)
        yi = builder.bitcast(y, i64)
        r = builder.or_(builder.and_(xi, m), builder.and_(yi, builder.not_(m)))
        return builder.bitcast(r, x.type)
    return a(cond, a, a), codegen


# ── the non-sequential fast lane: a plain 2-D candle array goes to the kernel as it is ─────────────────
# Building a column view and slicing in Python costs more than a short kernel; instead the kernel gets the
# candles, the source code and the warm-up count, slices to the trailing rows itself and reads the source
# row by row with the same operations as the slower path (so the same bits).
_SOURCE_CODES = {"close": 2, "high": 3, "low": 4, "open": 1, "volume": 5, "hl2": 6, "hlc3": 7, "ohlc4": 8}
_F64 = np.dtype(np.float64)
_NDARRAY = np.ndarray  # one global lookup instead of two on a per-call path


def plain_source_code(candles, source_type: str = "close") -> int:
    """The source's code (0-8) for a plain float64 ``(N>=1, >=6)`` ndarray, else -1 (take the usual path)."""
    if type(candles) is _NDARRAY and candles.dtype is _F64:
        shape = candles.shape  # one tuple, not one per test
        if len(shape) == 2 and shape[0] > 0 and shape[1] >= 6:
            return _SOURCE_CODES.get(source_type, -1)
    return -1


@numba.njit(cache=True)
def derived_source(c, code):
    """hl2 / hlc3 / ohlc4 (``code`` 6 / 7 / 8) of 2-D candles, evaluated left to right as numpy does (same bits).

    Example:
        >>> derived_source(np.array([[0, 1, 2, 4, 0, 1]], dtype=float), 6).tolist()
        [2.0]
    """
    # the rows are read with scalar loads (scalar_row): LLVM's gathers of the strided columns are 2-3x slower
    # here (hl2 / hlc3 / ohlc4 of 100k rows: 0.55 / 0.91 / 1.09 ms vs 0.28 / 0.33 / 0.33 ms)
    n = c.shape[0]
    out = np.empty(n)
    # (an unsigned row: numba adds no negative-index wraparound to each load; 0.9x the time)
    if code == 6:
        for i in range(n):
            r = scalar_row(np.uint64(i))
            out[i] = (c[r, 3] + c[r, 4]) / 2
    elif code == 7:
        for i in range(n):
            r = scalar_row(np.uint64(i))
            out[i] = (c[r, 3] + c[r, 4] + c[r, 2]) / 3
    else:
        for i in range(n):
            r = scalar_row(np.uint64(i))
            out[i] = (c[r, 1] + c[r, 3] + c[r, 4] + c[r, 2]) / 4
    return out


@numba.njit(cache=True, inline="always")
def source_at(c, i, code):
    """Row ``i`` of the source ``code`` of 2-D candles: a column, or hl2 / hlc3 / ohlc4 as numpy computes them."""
    if code < 6:
        return c[i, code]
    if code == 6:
        return (c[i, 3] + c[i, 4]) / 2
    if code == 7:
        return (c[i, 3] + c[i, 4] + c[i, 2]) / 3
    return (c[i, 1] + c[i, 3] + c[i, 4] + c[i, 2]) / 4


@numba.njit(cache=True, inline="always")
def window_start(n, warm):
    """First row of Jesse's trailing window: the last ``warm`` rows when 0 < warm < n, else all."""
    return n - warm if 0 < warm < n else 0


@numba.njit(cache=True, inline="always")
def true_range_dm_at(c, i):
    """Row ``i`` (> 0) of 2-D candles: true range, +DM and -DM as Wilder defines them (adx, di)."""
    h = c[i, 3]
    lw = c[i, 4]
    pc = c[i - 1, 2]
    tr = max(h - lw, max(abs(h - pc), abs(lw - pc)))
    up = h - c[i - 1, 3]
    dn = c[i - 1, 4] - lw
    pdm = up if (up > dn and up > 0.0) else 0.0
    mdm = dn if (dn > up and dn > 0.0) else 0.0
    return tr, pdm, mdm


@numba.njit(cache=True, inline="always")
def window_means(x, b, m, period, mean):
    """``mean[j]`` = the mean of ``x[b + j : b + j + period]`` for j < m, each summed oldest first from 0.0 then
    divided (a one-window loop's bits); the loop over the windows runs on slices from 0, which LLVM vectorizes."""
    mean[:m] = 0.0
    for k in range(period):
        xs = x[b + k:b + k + m]
        for j in range(m):
            mean[j] += xs[j]
    for j in range(m):
        mean[j] /= period


@numba.njit(cache=True)
def ema(x, period):
    n = x.shape[0]
    if n == 0 or period > n:
        return np.full(n, np.nan)
    out = np.empty(n)
    alpha = 2.0 / (period + 1.0)
    keep = 1.0 - alpha
    y = x[0]
    out[0] = y
    for i in range(1, n):
        y = alpha * x[i] + keep * y
        out[i] = y
    return out


@numba.njit(cache=True)
def ema_alpha(x, alpha):
    """``y0 = x0; y = alpha*x + (1-alpha)*y[-1]`` on every row (no warm-up, no length check)."""
    n = x.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    y = x[0]
    out[0] = y
    for i in range(1, n):
        # the previous value from a register, not read back from ``out`` (on the dependency chain): same bits
        y = alpha * x[i] + (1.0 - alpha) * y
        out[i] = y
    return out


@numba.njit(cache=True)
def sma(x, period):
    n = x.shape[0]
    if n < period or period < 1:
        return np.full(n, np.nan)
    out = np.empty(n)
    out[:period] = np.nan
    # without NaN: the same running sum without the NaN bookkeeping (count stays ``period``): the same bits;
    # the NaN test rides along in the same pass, and a NaN starts over with the bookkeeping
    has_nan = False
    total = 0.0
    for i in range(period):
        v = x[i]
        if np.isnan(v):
            has_nan = True
            break
        total += v
    if not has_nan:
        out[period - 1] = total / period
        for i in range(period, n):
            v = x[i]
            if np.isnan(v):
                has_nan = True
                break
            total -= x[i - period]
            total += v
            out[i] = total / period
    if not has_nan:
        return out
    out[:period] = np.nan
    total = 0.0
    count = 0
    for i in range(period):
        if not np.isnan(x[i]):
            total += x[i]
            count += 1
    if count > 0:
        out[period - 1] = total / count
    for i in range(period, n):
        old = x[i - period]
        if not np.isnan(old):
            total -= old
            count -= 1
        new = x[i]
        if not np.isnan(new):
            total += new
            count += 1
        out[i] = total / count if count > 0 else np.nan
    return out


@numba.njit(cache=True)
def wilder(x, period):
    """Wilder's RMA: mean of the first ``period`` values at ``period-1``, then ``y += (x - y)/p``."""
    n = x.shape[0]
    if n < period or period < 1:
        return np.full(n, np.nan)
    out = np.empty(n)
    out[:period - 1] = np.nan
    total = 0.0
    for i in range(period):
        total += x[i]
    y = total / period
    out[period - 1] = y
    alpha = 1.0 / period
    for i in range(period, n):
        y = y + alpha * (x[i] - y)
        out[i] = y
    return out


@numba.njit(cache=True)
def wma(x, period):
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n < period or period < 1:
        return out
    denom = period * (period + 1) / 2.0
    w = np.empty(period)
    for k in range(period):
        w[k] = k + 1
    # every window's weighted sum in order (oldest first), several windows at a time: the same bits
    dot_windows_oldest_first(x, w, period - 1, n, out, BLOCK)
    tail = out[period - 1:]  # (indexed from 0: LLVM vectorizes the division)
    for i in range(n - period + 1):
        tail[i] = tail[i] / denom
    return out


@numba.njit(cache=True)
def wma_last(x, period):
    """``wma(x, period)[-1]`` from the last window alone (each row depends on its own window only)."""
    n = x.shape[0]
    if n < period or period < 1:
        return np.nan
    denom = period * (period + 1) / 2.0
    i = n - 1
    acc = 0.0
    for k in range(period):
        acc += x[i - period + 1 + k] * (k + 1)
    return acc / denom


@numba.njit(cache=True)
def rolling_sum(x, period):
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n < period or period < 1:
        return out
    # every window summed in order (oldest first), several windows at a time: the same bits as one by one
    dot_windows_oldest_first(x, np.ones(period), period - 1, n, out, BLOCK)
    return out


@numba.njit(cache=True)
def rolling_std(x, period):
    """Population standard deviation over each trailing window (NaN for the first ``period-1`` rows)."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    if n < period or period < 1:
        return out
    # several windows at a time, each with its own two passes in the order of the one-window loop (the same
    # bits); the loops over the windows run on slices indexed from 0, which LLVM vectorizes
    xc = np.ascontiguousarray(x)
    lanes = LANES
    mean = np.empty(lanes)
    var = np.empty(lanes)
    i0 = period - 1
    while i0 < n:
        m = min(lanes, n - i0)
        b = i0 - period + 1
        window_means(xc, b, m, period, mean)
        var[:m] = 0.0
        for k in range(period):
            xs = xc[b + k:b + k + m]
            for j in range(m):
                d = xs[j] - mean[j]
                var[j] += d * d
        o = out[i0:i0 + m]
        for j in range(m):
            o[j] = np.sqrt(var[j] / period)
        i0 += m
    return out


# ── rolling max / min ──────────────────────────────────────────────────────────────────────────────────
# Written for compile time as well as speed (stochf's first call with an empty numba cache: 14 s before, ~2 s
# now). numba compiles each dispatcher called from jitted code as a library of its own and links and optimizes
# it again in every caller, and its front end costs about as much per line as LLVM does, so: one dispatcher,
# ``rolling_extreme``, with its three scans inlined at numba-IR level (``inline="always"``: no library of
# their own), called with one argument type whatever the caller holds (``rolling_max`` / ``rolling_min`` are
# inlined into their callers and pass ``x[::1]``, a strided view, no copy) and shared by max and min through
# ``sign`` (1.0 / -1.0: a float, not a literal bool that numba would compile once per value). Each scan works
# on ``sign * x``: the max of those is ``sign`` times the max (or min) of ``x`` exactly, -0.0 and 0.0 included,
# and the values written back are ``x``'s own. No array-to-array slice assignment either: its shape check
# compiles numba's string formatting (4 s).


@numba.njit(cache=True, inline="always")
def _rolling_extreme_doubling(x, period, sign, out):
    """``rolling_extreme`` into ``out`` by doubling windows; False (``out`` unfinished) when ``x`` holds a NaN.

    For a block of windows, ``sign * x`` is copied with scalar loads (strided columns gather slowly), then each
    pass turns maxima of ``a`` rows into maxima of ``2a`` rows until ``a`` reaches the largest power of two
    <= ``period``, and a window is the max of its first and last ``a`` rows: ~log2(period) passes, each a loop
    over the block that LLVM vectorizes (the two buffers are rows of one array: swapping two array variables
    made LLVM give that up, 4x slower). On a tie the later operand wins, so a window's value is the latest of
    its extreme values (0.0 or -0.0, as the deque this replaced returned). 1.2-2x faster than the former
    per-offset lanes for periods of 5 to 32.
    """
    n = x.shape[0]
    block = min(max(512, 2 * period), n - period + 1)  # windows per block: the copy stays in L1 (or L2)
    buf = np.empty((2, block + period - 1))
    i0 = period - 1
    while i0 < n:
        k = min(block, n - i0)
        b = i0 - period + 1
        size = k + period - 1
        nan = False
        src = buf[0]
        for j in range(size):
            v = x[scalar_row(b + j)]
            nan |= v != v
            src[j] = sign * v
        if nan:
            return False
        a = 1
        par = 0
        while 2 * a <= period:
            src = buf[par]
            dst = buf[1 - par]
            hi = src[a:]
            for j in range(size - 2 * a + 1):
                u = src[j]  # (both loaded before the select: a load inside a branch is not vectorized)
                w = hi[j]
                dst[j] = u if u > w else w
            par = 1 - par
            a *= 2
        src = buf[par]
        hi = src[period - a:]
        o = out[i0:i0 + k]
        for q in range(k):
            u = src[q]
            w = hi[q]
            o[q] = sign * (u if u > w else w)
        i0 += k
    return True


@numba.njit(cache=True, inline="always")
def _rolling_extreme_blocks(x, period, sign, out):
    """``rolling_extreme`` into ``out`` for a long period (van Herk / Gil-Werman); False on a NaN or a zero.

    The rows are cut in blocks of ``period``: a window ending at offset ``j`` of a block is the previous
    block's suffix from ``j + 1`` and this block's prefix up to ``j``, so three comparisons a row whatever the
    period, where doubling takes log2(period) passes (1.5-2x slower at 500-1000). The prefix scan keeps the
    earlier of two equal values: the same bits as the later one unless they are zeros, hence an input holding
    a zero goes to the doubling scan.
    """
    n = x.shape[0]
    pre = np.empty(period)
    suf = np.empty(period)
    for b0 in range(0, n, period):
        m = min(period, n - b0)
        v = sign * x[scalar_row(b0)]
        bad = (v != v) | (v == 0.0)
        pre[0] = v
        for j in range(1, m):
            w = sign * x[scalar_row(b0 + j)]
            bad |= (w != w) | (w == 0.0)
            v = w if w > v else v
            pre[j] = v
        if bad:
            return False
        if b0 > 0:
            o = out[b0:b0 + m]
            for j in range(min(m, period - 1)):
                a = suf[j + 1]
                c = pre[j]
                o[j] = sign * (a if a > c else c)
        if m == period:
            out[b0 + period - 1] = sign * pre[period - 1]
            v = sign * x[scalar_row(b0 + m - 1)]
            suf[m - 1] = v
            for j in range(m - 2, -1, -1):
                w = sign * x[scalar_row(b0 + j)]
                v = w if w > v else v
                suf[j] = v
    return True


@numba.njit(cache=True, inline="always")
def _rolling_extreme_naive(x, period, sign, out):
    # each window scanned from its first row, a later row taken only when strictly more extreme: a NaN first
    # row gives NaN, other NaN rows are skipped (the answer for inputs holding a NaN, as before)
    for i in range(period - 1, x.shape[0]):
        m = x[i - period + 1]
        for k in range(i - period + 2, i + 1):
            if sign * x[k] > sign * m:
                m = x[k]
        out[i] = m


@numba.njit(cache=True)
def rolling_extreme(x, period, sign):
    """Max (``sign`` 1.0) or min (-1.0) of each trailing window; NaN for the first ``period - 1`` rows.

    Without NaN: the latest occurrence of the window's extreme (which tells 0.0 from -0.0 apart), from the
    doubling scan, or for a period over 128 the van Herk blocks when ``x`` holds no zero either. An input
    holding a NaN takes the naive scan, whose answer depends on where the NaN sits.

    Jitted code calls ``rolling_max`` / ``rolling_min``. Python code calls this one directly with a candle
    column (a strided view, the type those two pass): ``rolling_max`` called from Python would compile a
    library of its own around this one.

    Example:
        >>> import numpy as np
        >>> c = np.array([[1.0, 5.0], [3.0, 4.0], [2.0, 6.0]])
        >>> rolling_extreme(c[:, 0], 2, 1.0)[1:].tolist(), rolling_extreme(c[:, 0], 2, -1.0)[1:].tolist()
        ([3.0, 3.0], [1.0, 2.0])
    """
    n = x.shape[0]
    out = np.empty(n)
    if n < period or period < 1:
        out[:] = np.nan
        return out
    out[:period - 1] = np.nan
    if period > 128 and _rolling_extreme_blocks(x, period, sign, out):
        return out
    if not _rolling_extreme_doubling(x, period, sign, out):
        _rolling_extreme_naive(x, period, sign, out)
    return out


@numba.njit(cache=True, inline="always")
def rolling_max(x, period):
    """Max of each trailing window (``rolling_extreme``), for jitted callers (inlined there)."""
    return rolling_extreme(x[::1], period, 1.0)


@numba.njit(cache=True, inline="always")
def rolling_min(x, period):
    """Min of each trailing window (``rolling_extreme``), for jitted callers (inlined there)."""
    return rolling_extreme(x[::1], period, -1.0)


@numba.njit(cache=True, inline="always")
def true_range_at(c, i, high, low, close):
    """``true_range``'s value at row ``i`` of 2-D candles ``c`` (columns ``high``, ``low``, ``close``)."""
    if i == 0:
        return c[0, high] - c[0, low]
    hl = c[i, high] - c[i, low]
    hc = abs(c[i, high] - c[i - 1, close])
    lc = abs(c[i, low] - c[i - 1, close])
    return max(hl, max(hc, lc))


@numba.njit(cache=True)
def true_range(high, low, close):
    n = high.shape[0]
    out = np.empty(n)
    if n == 0:
        return out
    out[0] = high[0] - low[0]
    for i in range(1, n):
        hl = high[i] - low[i]
        hc = abs(high[i] - close[i - 1])
        lc = abs(low[i] - close[i - 1])
        out[i] = max(hl, max(hc, lc))
    return out


@numba.njit(cache=True)
def linreg(x, period):
    """Least-squares fit of each window against 0..p-1: returns (slope, intercept) arrays.

    The fitted value at the window's last point is ``intercept + slope*(p-1)``.
    """
    n = x.shape[0]
    slope = np.full(n, np.nan)
    intercept = np.full(n, np.nan)
    if n < period or period < 1:
        return slope, intercept
    sx = period * (period - 1) / 2.0
    sxx = (period - 1) * period * (2 * period - 1) / 6.0
    denom = period * sxx - sx * sx
    for i in range(period - 1, n):
        sy = 0.0
        sxy = 0.0
        for k in range(period):
            v = x[i - period + 1 + k]
            sy += v
            sxy += k * v
        b = (period * sxy - sx * sy) / denom if denom != 0.0 else 0.0
        slope[i] = b
        intercept[i] = (sy - b * sx) / period
    return slope, intercept


@numba.njit(cache=True)
def shift(x, periods):
    """Shift right by ``periods`` (left if negative), filling with NaN."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    if periods >= 0:
        for i in range(periods, n):
            out[i] = x[i - periods]
    else:
        p = -periods
        for i in range(0, n - p):
            out[i] = x[i + p]
    return out


@numba.njit(cache=True)
def high_pass_1pole(x, period):
    """Ehlers' one-pole high-pass filter (``y0 = x0``); ``period`` is a float."""
    n = x.shape[0]
    out = x.copy()
    a = 1.0 + (np.sin(2.0 * np.pi / period) - 1.0) / np.cos(2.0 * np.pi / period)
    c = 1.0 - a / 2.0
    for i in range(1, n):
        out[i] = c * x[i] - c * x[i - 1] + (1.0 - a) * out[i - 1]
    return out


@numba.njit(cache=True)
def power_weighted_ma(x, period, power, offset):
    """Jesse's power-weighted averages (cwma, sqwma, srwma, vpwma, epma).

    Weights ``(period - i - offset) ** power`` for i in 0..period-2 apply to ``x[j - i]`` (newest first);
    rows before ``period + offset + 1`` keep the input value, as Jesse's do. ``period < 2`` returns the input.
    """
    n = x.shape[0]
    xc = np.ascontiguousarray(x)  # one pass over a strided column, then contiguous reads
    out = xc.copy()
    if period < 2:
        return out
    start = period + offset + 1
    if n <= start:
        return out
    w, ws = power_weights(period, power, offset)
    if ws == 0.0:
        return out
    dot_windows(xc, w, int(start), n, 1.0 / ws, out, BLOCK)
    return out


@numba.njit(cache=True, inline="always")
def power_weights(period, power, offset):
    """``power_weighted_ma``'s weights ``(period - i - offset) ** power`` for i in 0..period-2, and their sum."""
    m = period - 1
    w = np.empty(m)
    ws = 0.0
    for i in range(m):
        w[i] = (period - i - offset) ** power
        ws += w[i]
    return w, ws


@numba.njit(cache=True)
def sma_running(x, period):
    """SMA by a running sum updated as ``sum += x[i] - x[i-p]`` (Jesse's helper; no NaN skipping)."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    if period < 1 or n < period:
        return out
    s = 0.0
    for i in range(period):
        s += x[i]
    out[period - 1] = s / period
    for i in range(period, n):
        s += x[i] - x[i - period]
        out[i] = s / period
    return out


@numba.njit(cache=True)
def rolling_std_running(x, period):
    """Population std from running sums (``E[x^2] - mean^2``, clipped at 0); rows before ``period-1`` are 0."""
    n = x.shape[0]
    out = np.zeros(n)
    if period < 1 or period > n:
        return out
    s = 0.0
    s2 = 0.0
    for i in range(period):
        s += x[i]
        s2 += x[i] * x[i]
    m = s / period
    out[period - 1] = np.sqrt(max(s2 / period - m * m, 0.0))
    for i in range(period, n):
        s += x[i] - x[i - period]
        s2 += x[i] * x[i] - x[i - period] * x[i - period]
        m = s / period
        out[i] = np.sqrt(max(s2 / period - m * m, 0.0))
    return out


# Rows whose values are independent sums over their own windows are computed LANES rows at a time: each row's
# sum keeps its own order of operations (so the same bits as one row at a time), while the rows' chains of
# dependent additions overlap and LLVM vectorizes the loop over the rows (a runtime count over array slices).
LANES = 128
BLOCK = 2048  # rows per block of the window dot products (accumulated in place: 16 KB, in L1)


@numba.njit(cache=True)
def dot_windows(x, w, start, end, scale, out, lanes, oldest_first=False):
    """``out[j] = (x[j]*w[0] + x[j-1]*w[1] + ... + x[j-m+1]*w[m-1]) * scale`` for j in ``start..end-1``;
    with ``oldest_first``: ``x[j-m+1]*w[0] + x[j-m+2]*w[1] + ... + x[j]*w[m-1]`` (then ``* scale``).

    The sum starts at 0.0 and adds the terms in that order, as a one-row-at-a-time loop does. Rows are done
    ``lanes`` at a time, accumulated in place in ``out`` one term at a time (a streaming loop LLVM vectorizes).
    A ``scale`` of 1.0 is not applied (``x * 1.0`` is ``x``).
    """
    m = w.shape[0]
    xc = np.ascontiguousarray(x)
    j0 = start
    while j0 < end:
        k = min(lanes, end - j0)
        o = out[j0:j0 + k]
        for q in range(k):
            o[q] = 0.0
        for i in range(m):
            wi = w[i]
            lo = j0 - m + 1 + i if oldest_first else j0 - i
            xs = xc[lo:lo + k]
            for q in range(k):
                o[q] += xs[q] * wi
        if scale != 1.0:
            for q in range(k):
                o[q] = o[q] * scale
        j0 += k


@numba.njit(cache=True)
def dot_windows_oldest_first(x, w, start, end, out, lanes):
    """``out[j] = x[j-m+1]*w[0] + x[j-m+2]*w[1] + ... + x[j]*w[m-1]`` for j in ``start..end-1``, oldest term
    first. With ``w`` all ones it is the plain rolling sum in that order."""
    dot_windows(x, w, start, end, 1.0, out, lanes, True)


@numba.njit(cache=True)
def window_source(c, code, warm):
    """The source ``code`` of Jesse's trailing ``warm`` rows of 2-D candles as a new contiguous array.

    The non-sequential fast lane for kernels written for a 1-D source: slicing and the source pick happen
    here, not in Python (a column is copied, a derived price computed as numpy does).
    """
    n = c.shape[0]
    s0 = window_start(n, warm)
    out = np.empty(n - s0)
    for i in range(s0, n):
        out[i - s0] = source_at(c, i, code)
    return out
