"""Building higher-timeframe candles from 1-minute rows (numba kernels).

A candle built from k one-minute rows is ``[ts, open of first, close of last, max high, min low,
sum volume]``. Volume is summed in numpy's pairwise order (in 8192-row buffers, as Jesse's numpy 1.26
does), so the result is bit-for-bit what Jesse (numpy / its Rust kernel) computes.

Two alignment rules, both Jesse's (reference §2.3):

- **by count** (:func:`group_by_count`): every ``k`` rows from the first row form one candle, whatever
  the clock says; the dense engine does this from the first trading candle. ``ts`` is the first row's.
- **by clock** (:func:`group_by_clock`): rows fall into buckets ``ts // tf_ms * tf_ms`` counted from the
  epoch (so ``1W`` buckets start on Thursdays and ``1M`` means 30 days), built only from the rows
  present; ``ts`` is the bucket start. A bucket is complete, and emitted, only when its end is at or
  before ``available_at`` (default: one minute after the last row). Jesse 3.5.3's ``get_candles``, its
  warmup loading and its gapped-data engine do this.

On gapless data that starts on a bucket boundary (e.g. midnight for any timeframe up to ``1D``) the two
rules give identical candles.

Example:
    >>> import numpy as np
    >>> from jesse_dag.candles.aggregate import aggregate_candles
    >>> one = np.array([[60_000 * i, i, i + 1, i + 2, i - 1, 1] for i in range(6)], dtype=float)
    >>> aggregate_candles(one, "3m")[:, :3].tolist()
    [[0.0, 0.0, 3.0], [180000.0, 3.0, 6.0]]
"""
from __future__ import annotations

from typing import Literal

import numba as nb
import numpy as np

from jesse_dag.candles.columns import N_COLUMNS, ONE_MINUTE_MS
from jesse_dag.candles.timeframes import timeframe_to_minutes

# numpy's pairwise summation block size (PW_BLOCKSIZE in numpy/_core/src/umath/loops_utils.h.src)
_PW_BLOCKSIZE = 128
_NUMPY_BUFSIZE = 8192


@nb.njit(cache=True)
def pairwise_sum(a: np.ndarray, col: int, lo: int, n: int) -> float:
    """``a[lo:lo + n, col].sum()`` as numpy computes it (the engine's forming candles use it too)."""
    # Same association order as numpy's pairwise_sum, so sums match np.sum bit for bit.
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i, col]
        return res
    if n <= _PW_BLOCKSIZE:
        r0 = a[lo, col]
        r1 = a[lo + 1, col]
        r2 = a[lo + 2, col]
        r3 = a[lo + 3, col]
        r4 = a[lo + 4, col]
        r5 = a[lo + 5, col]
        r6 = a[lo + 6, col]
        r7 = a[lo + 7, col]
        m = n - (n % 8)
        i = 8
        while i < m:
            r0 += a[lo + i, col]
            r1 += a[lo + i + 1, col]
            r2 += a[lo + i + 2, col]
            r3 += a[lo + i + 3, col]
            r4 += a[lo + i + 4, col]
            r5 += a[lo + i + 5, col]
            r6 += a[lo + i + 6, col]
            r7 += a[lo + i + 7, col]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[lo + i, col]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return pairwise_sum(a, col, lo, n2) + pairwise_sum(a, col, lo + n2, n - n2)


@nb.njit(cache=True)
def high_low(candles: np.ndarray, s: int, e: int) -> tuple[float, float]:
    """Highest high and lowest low of rows ``s..e-1`` (the first row seeds both, as Jesse's max/min do)."""
    hi = candles[s, 3]
    lo = candles[s, 4]
    for j in range(s + 1, e):
        if candles[j, 3] > hi:
            hi = candles[j, 3]
        if candles[j, 4] < lo:
            lo = candles[j, 4]
    return hi, lo


@nb.njit(cache=True)
def _fill(out: np.ndarray, g: int, candles: np.ndarray, s: int, e: int, ts: float) -> None:
    hi, lo = high_low(candles, s, e)
    out[g, 0] = ts
    out[g, 1] = candles[s, 1]
    out[g, 2] = candles[e - 1, 2]
    out[g, 3] = hi
    out[g, 4] = lo
    out[g, 5] = _volume_sum(candles, s, e)


@nb.njit(cache=True)
def _volume_sum(candles: np.ndarray, s: int, e: int) -> float:
    # Jesse's numpy (1.26) reduces a strided column in buffers of 8192 elements, pairwise inside each
    # buffer and in sequence across buffers; only 1W and 1M candles are long enough to notice.
    total = 0.0
    for lo in range(s, e, _NUMPY_BUFSIZE):
        total += pairwise_sum(candles, 5, lo, min(_NUMPY_BUFSIZE, e - lo))
    return total


@nb.njit(cache=True)
def _group_by_count(candles: np.ndarray, k: int) -> np.ndarray:
    n = candles.shape[0] // k
    out = np.empty((n, 6), dtype=np.float64)
    for g in range(n):
        s = g * k
        _fill(out, g, candles, s, s + k, candles[s, 0])
    return out


@nb.njit(cache=True)
def _group_by_clock(candles: np.ndarray, tf_ms: np.int64, available_at: np.int64) -> np.ndarray:
    n = candles.shape[0]
    out = np.empty((n, 6), dtype=np.float64)
    g = 0
    s = 0
    while s < n:
        bucket = (np.int64(candles[s, 0]) // tf_ms) * tf_ms
        e = s + 1
        while e < n and (np.int64(candles[e, 0]) // tf_ms) * tf_ms == bucket:
            e += 1
        if bucket + tf_ms <= available_at:
            _fill(out, g, candles, s, e, float(bucket))
            g += 1
        s = e
    return out[:g]


def _as_candles(candles_1m: np.ndarray) -> np.ndarray:
    arr = np.ascontiguousarray(candles_1m, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != N_COLUMNS:
        raise ValueError(f"candles: expected shape (N, {N_COLUMNS}), got {arr.shape}")
    return arr


def group_by_count(candles_1m: np.ndarray, k: int) -> np.ndarray:
    """Group every ``k`` rows from the first row into one candle (a trailing incomplete group is dropped).

    Example:
        >>> import numpy as np
        >>> one = np.array([[0, 1, 2, 3, 0.5, 1], [60000, 2, 3, 4, 1.5, 2]], dtype=float)
        >>> group_by_count(one, 2).tolist()
        [[0.0, 1.0, 3.0, 4.0, 0.5, 3.0]]
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    return _group_by_count(_as_candles(candles_1m), int(k))


def group_by_clock(candles_1m: np.ndarray, timeframe: str, available_at: int | None = None) -> np.ndarray:
    """Clock-aligned ``timeframe`` candles from the rows present, completed buckets only (Jesse 3.5.3).

    Rows must be sorted. A bucket is emitted when ``bucket_start + timeframe <= available_at``;
    ``available_at`` defaults to one minute after the last row (the moment the last row closed).

    Example:
        >>> import numpy as np
        >>> rows = np.array([[60_000 * i, 1, 1, 1, 1, 1] for i in (1, 2, 3, 4)], dtype=float)
        >>> group_by_clock(rows, "3m")[:, [0, 5]].tolist()   # bucket 0..3m from rows 1, 2; 3..6m is incomplete
        [[0.0, 2.0]]
    """
    arr = _as_candles(candles_1m)
    tf_ms = timeframe_to_minutes(timeframe) * ONE_MINUTE_MS
    if arr.shape[0] == 0:
        return np.zeros((0, N_COLUMNS))
    if available_at is None:
        available_at = int(arr[-1, 0]) + ONE_MINUTE_MS
    return _group_by_clock(arr, np.int64(tf_ms), np.int64(available_at))


def aggregate_candles(
    candles_1m: np.ndarray,
    timeframe: str,
    align: Literal["clock", "count"] = "clock",
    available_at: int | None = None,
) -> np.ndarray:
    """1-minute candles to ``timeframe`` candles, aligned by clock (default) or by count from the first row.

    ``timeframe == "1m"`` returns a copy. See the module docstring for the two rules.

    Example:
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> c = candles_from_close_prices(range(1, 31))   # 30 minutes from midnight
        >>> aggregate_candles(c, "15m")[:, 2].tolist()      # closes of the two 15m candles
        [15.0, 30.0]
    """
    k = timeframe_to_minutes(timeframe)
    if align == "count":
        return group_by_count(candles_1m, k)
    if align == "clock":
        return group_by_clock(candles_1m, timeframe, available_at)
    raise ValueError(f"align must be 'clock' or 'count', got {align!r}")
