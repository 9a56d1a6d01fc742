"""Numba kernels of the minute engine: finding the next block where anything can fill.

Compiled on first use and cached on disk (``cache=True``), typed by their inputs.
"""
from __future__ import annotations

import numba as nb
import numpy as np

from jesse_dag.candles.aggregate import high_low, pairwise_sum


@nb.njit(cache=True, nogil=True)
def first_touched_block(block_open: np.ndarray, block_high: np.ndarray, block_low: np.ndarray,
                        block_prev_close: np.ndarray, prices: np.ndarray, gap_kinds: np.ndarray,
                        liquidation_price: float, start: int, stop: int) -> int:
    """First block in ``[start, stop)`` that an active order or the liquidation price reaches, else ``stop``.

    An order is reached when its price lies inside the block's [low, high], or when the jump from the
    previous block's close to this block's open passes over it and its kind fills on such a jump
    (``gap_kinds``: 1 = up-gap fills it (sell LIMIT / buy STOP), -1 = down-gap (buy LIMIT / sell STOP)).
    Jesse checks the isolated liquidation price against [low, high] and the close-to-open jump.

    Example:
        >>> import numpy as np
        >>> o = np.array([10., 10., 10.]); h = np.array([11., 11., 13.]); l = np.array([9., 9., 9.])
        >>> pc = np.array([np.nan, 10., 10.])
        >>> int(first_touched_block(o, h, l, pc, np.array([12.5]), np.array([0]), np.nan, 0, 3))
        2
    """
    n_orders = prices.shape[0]
    for b in range(start, stop):
        lo = block_low[b]
        hi = block_high[b]
        op = block_open[b]
        pc = block_prev_close[b]
        for i in range(n_orders):
            p = prices[i]
            if lo <= p <= hi:
                return b
            k = gap_kinds[i]
            if k == 1 and op > pc and pc <= p <= op:
                return b
            if k == -1 and op < pc and op <= p <= pc:
                return b
        liq = liquidation_price
        if lo <= liq <= hi:
            return b
        if pc == pc and min(pc, op) <= liq <= max(pc, op):
            return b
    return stop


@nb.njit(cache=True, nogil=True)
def first_reached_block(lo_any: np.ndarray, hi_any: np.ndarray, low: np.ndarray, high: np.ndarray,
                        prices: np.ndarray, kinds: np.ndarray, liquidation_price: float, start: int,
                        stop: int) -> int:
    """:func:`first_touched_block` on precomputed ranges: the first block in ``[start, stop)`` to act in.

    ``lo_any = fmin(low, prev_close)`` and ``hi_any = fmax(high, prev_close)`` (``prev_close`` NaN for the
    first block). As every open lies inside its candle, an order filled by an up-gap (``kinds`` 1) is reached
    exactly when ``lo_any <= price <= high``, one filled by a down-gap (-1) when ``low <= price <= hi_any``,
    any other (0) when ``low <= price <= high``, and the liquidation price when it lies in
    ``[lo_any, hi_any]``. The loop reads only ``lo_any``/``hi_any`` (a superset test) and checks the exact
    rule on the rare candidates, so a long scan streams two arrays.

    Example:
        >>> import numpy as np
        >>> lo = np.array([9., 9., 9.]); hi = np.array([11., 11., 13.])
        >>> int(first_reached_block(lo, hi, lo, hi, np.array([12.5]), np.array([0]), np.nan, 0, 3))
        2
    """
    n_orders = prices.shape[0]
    has_liq = liquidation_price == liquidation_price
    if n_orders == 1 and not has_liq:
        p = prices[0]
        k = kinds[0]
        for b in range(start, stop):
            if lo_any[b] <= p <= hi_any[b]:
                if k == 1:
                    if p <= high[b]:
                        return b
                elif k == -1:
                    if low[b] <= p:
                        return b
                elif low[b] <= p <= high[b]:
                    return b
        return stop
    for b in range(start, stop):
        lo = lo_any[b]
        hi = hi_any[b]
        if has_liq and lo <= liquidation_price <= hi:
            return b
        for i in range(n_orders):
            p = prices[i]
            if lo <= p <= hi:
                k = kinds[i]
                if k == 1:
                    if p <= high[b]:
                        return b
                elif k == -1:
                    if low[b] <= p:
                        return b
                elif low[b] <= p <= high[b]:
                    return b
    return stop


@nb.njit(cache=True, nogil=True)
def candles_pass_checks(candles: np.ndarray) -> tuple[bool, bool]:
    """(every row passes ``validate_candles(..., allow_gaps=True)``, some step is not one minute).

    One pass instead of numpy's many; when a row fails, the caller runs ``validate_candles`` for the error
    that names it. The rules are the validator's: finite values, whole-minute rising timestamps,
    ``high >= max(open, close)``, ``low <= min(open, close)``, ``volume >= 0``.

    Example:
        >>> import numpy as np
        >>> candles_pass_checks(np.array([[0., 1., 1., 2., 0.5, 3.], [60_000., 1., 1., 1., 1., 0.]]))
        (True, False)
    """
    n = candles.shape[0]
    ok = n > 0
    gapped = False
    prev_ts = 0.0
    for i in range(n):
        ts = candles[i, 0]
        o = candles[i, 1]
        c = candles[i, 2]
        h = candles[i, 3]
        lo = candles[i, 4]
        v = candles[i, 5]
        # x - x is 0 for a finite x and NaN otherwise: one test for the six values
        if not (ts - ts + o - o + c - c + h - h + lo - lo + v - v) == 0.0:
            return False, gapped
        # a one-minute step keeps whole minutes whole (exact in float64), so the remainder (slow) is only
        # taken on the first row and after a gap
        step = ts - prev_ts
        if i == 0 or step != 60_000.0:
            if ts % 60_000.0 != 0.0:
                return False, gapped
            if i > 0:
                if not step > 0.0:
                    return False, gapped
                gapped = True
        prev_ts = ts
        if h < max(o, c) or lo > min(o, c) or v < 0.0:
            return False, gapped
    return ok, gapped


@nb.njit(cache=True, nogil=True)
def block_extremes(high: np.ndarray, low: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Highest high and lowest low of each block of ``step`` rows (the last block may be shorter).

    Example:
        >>> import numpy as np
        >>> block_extremes(np.array([1., 3., 2.]), np.array([0., 1., -1.]), 2)
        (array([3., 2.]), array([ 0., -1.]))
    """
    n = high.shape[0]
    nb_ = (n + step - 1) // step
    hi = np.empty(nb_)
    lo = np.empty(nb_)
    for b in range(nb_):
        s = b * step
        e = min(s + step, n)
        h = high[s]
        l_ = low[s]
        for i in range(s + 1, e):
            if high[i] > h:
                h = high[i]
            if low[i] < l_:
                l_ = low[i]
        hi[b] = h
        lo[b] = l_
    return hi, lo


@nb.njit(cache=True, nogil=True)
def _bucket_high_low(m1: np.ndarray, s: int, t: int, start: int, seen: int, hi: float,
                     lo: float) -> tuple[float, float, int, int]:
    """Highest high and lowest low of 1m rows ``s..t-1``, carried over from the previous call when it covered
    rows ``start..seen-1`` of the same bucket (max and min are exact in any order), with the new (start, seen)."""
    if s != start or seen > t:
        hi = m1[s, 3]
        lo = m1[s, 4]
        seen = s + 1
    for i in range(seen, t):
        if m1[i, 3] > hi:
            hi = m1[i, 3]
        if m1[i, 4] < lo:
            lo = m1[i, 4]
    return hi, lo, s, t


@nb.njit(cache=True, nogil=True)
def forming_candles(m1: np.ndarray, ticks: np.ndarray, n_warm_1m: int, n_warm_tf: int, k: int,
                    n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """For each tick (a count of visible 1m rows): the complete candles of a ``k``-minute timeframe before it
    and its forming candle (timestamp, open, close, high, low; volume NaN), or -1 when none is forming.

    Example:
        >>> import numpy as np
        >>> m1 = np.array([[0., 1., 2., 3., 0.5, 1.], [60_000., 2., 4., 5., 1.5, 1.]])
        >>> c, rows = forming_candles(m1, np.array([1, 2]), 0, 0, 2, 2)
        >>> c.tolist(), rows[0, :5].tolist()
        ([0, -1], [0.0, 1.0, 2.0, 3.0, 0.5])
    """
    m = ticks.shape[0]
    completes = np.full(m, -1, np.int64)
    rows = np.full((m, 6), np.nan)
    # ascending ticks of one bucket carry the high and low over (exact); any other order starts afresh
    start = -1
    seen = 0
    h = 0.0
    lo = 0.0
    for j in range(m):
        t = ticks[j]
        if t > n_rows or t <= n_warm_1m:
            continue
        traded = t - n_warm_1m
        dif = traded % k
        if dif == 0:
            continue
        completes[j] = n_warm_tf + traded // k
        s = t - dif
        h, lo, start, seen = _bucket_high_low(m1, s, t, start, seen, h, lo)
        rows[j, 0] = m1[s, 0]
        rows[j, 1] = m1[s, 1]
        rows[j, 2] = m1[t - 1, 2]
        rows[j, 3] = h
        rows[j, 4] = lo
    return completes, rows


@nb.njit(cache=True, nogil=True)
def block_table(trade: np.ndarray, step: int) -> np.ndarray:
    """Per block of ``step`` trading rows (the last may be shorter), in one pass: open, close, highest high,
    lowest low, first timestamp, previous block's close (NaN for the first), the lowest and highest price
    reachable in the block (its range widened by the gap from the previous close), row count.

    Example:
        >>> import numpy as np
        >>> t = np.array([[0., 1., 2., 3., 0.5, 1.], [60_000., 2., 1., 2.5, 0.9, 1.], [120_000., 4., 4., 5., 3., 1.]])
        >>> block_table(t, 2)[:, 1].tolist()
        [4.0, 4.0, 5.0, 3.0, 120000.0, 1.0, 1.0, 5.0, 1.0]
    """
    n = trade.shape[0]
    nb_ = (n + step - 1) // step
    out = np.empty((9, nb_))
    prev = np.nan
    for b in range(nb_):
        s = b * step
        e = min(s + step, n)
        h = trade[s, 3]
        lo = trade[s, 4]
        for i in range(s + 1, e):
            if trade[i, 3] > h:
                h = trade[i, 3]
            if trade[i, 4] < lo:
                lo = trade[i, 4]
        out[0, b] = trade[s, 1]
        out[1, b] = trade[e - 1, 2]
        out[2, b] = h
        out[3, b] = lo
        out[4, b] = trade[s, 0]
        out[5, b] = prev
        # np.fmin / np.fmax: the first block's NaN previous close is skipped
        out[6, b] = lo if (prev != prev or lo <= prev) else prev
        out[7, b] = h if (prev != prev or h >= prev) else prev
        out[8, b] = e - s
        prev = trade[e - 1, 2]
    return out


@nb.njit(cache=True, nogil=True)
def aggregate_rows_kernel(m1: np.ndarray, start: int, stop: int, out: np.ndarray, row: int) -> None:
    """Write into ``out[row]`` the candle of 1m rows ``start..stop-1`` (Jesse's generate_candle_from_one_minutes:
    first open, last close, max high, min low, numpy's pairwise volume sum).

    Example:
        >>> import numpy as np
        >>> m1 = np.array([[0., 1., 2., 3., 0.5, 1.], [60_000., 2., 4., 5., 1.5, 2.]])
        >>> out = np.zeros((1, 6))
        >>> aggregate_rows_kernel(m1, 0, 2, out, 0)
        >>> out[0].tolist()
        [0.0, 1.0, 4.0, 5.0, 0.5, 3.0]
    """
    h, lo = high_low(m1, start, stop)
    out[row, 0] = m1[start, 0]
    out[row, 1] = m1[start, 1]
    out[row, 2] = m1[stop - 1, 2]
    out[row, 3] = h
    out[row, 4] = lo
    out[row, 5] = 0.0 + pairwise_sum(m1, 5, start, stop - start)


@nb.njit(cache=True, nogil=True)
def forming_table(m1: np.ndarray, first_tick: int, stride: int, count: int, n_warm_1m: int, k: int,
                  n_rows: int) -> np.ndarray:
    """The forming candle of a ``k``-minute timeframe (as :func:`aggregate_rows_kernel` writes it) at each
    tick ``first_tick + j * stride`` (a count of visible 1m rows), ``j < count``; a NaN timestamp where no
    candle is forming (a close, or a tick outside the trading rows).

    Example:
        >>> import numpy as np
        >>> m1 = np.array([[0., 1., 2., 3., 0.5, 1.], [60_000., 2., 4., 5., 1.5, 2.]])
        >>> forming_table(m1, 1, 1, 2, 0, 2, 2)[:, [0, 5]].tolist()
        [[0.0, 1.0], [nan, nan]]
    """
    out = np.full((count, 6), np.nan)
    # the high and low carry over from the previous tick of the same bucket (max and min are exact whatever the
    # order); the volume is summed afresh each tick, in numpy's pairwise order
    start = -1
    seen = 0
    hi = 0.0
    lo = 0.0
    for j in range(count):
        t = first_tick + j * stride
        if t > n_rows or t <= n_warm_1m:
            continue
        dif = (t - n_warm_1m) % k
        if dif == 0:
            continue
        s = t - dif
        hi, lo, start, seen = _bucket_high_low(m1, s, t, start, seen, hi, lo)
        out[j, 0] = m1[s, 0]
        out[j, 1] = m1[s, 1]
        out[j, 2] = m1[t - 1, 2]
        out[j, 3] = hi
        out[j, 4] = lo
        out[j, 5] = 0.0 + pairwise_sum(m1, 5, s, dif)
    return out


@nb.njit(cache=True, nogil=True)
def first_reached_row(m1: np.ndarray, prices: np.ndarray, kinds: np.ndarray, start: int, stop: int) -> int:
    """The first 1m row in ``[start, stop)`` where a resting order acts, else ``stop``: the replay's skip.

    :func:`first_reached_block` with one-row blocks read straight from the rows (no per-row table): an order
    is reached inside ``low..high``, or jumped over by the gap from the previous row's close (``kinds`` 1: by
    an up-gap, -1: by a down-gap, 0: never), the rules of ``session.gap_crosses``.

    Example:
        >>> import numpy as np
        >>> m1 = np.array([[0., 10., 10., 11., 9., 1.], [6e4, 10., 10., 11., 9., 1.], [12e4, 12.5, 13., 13., 12., 1.]])
        >>> int(first_reached_row(m1, np.array([11.5]), np.array([1]), 0, 3))  # a sell limit, jumped over
        2
        >>> int(first_reached_row(m1, np.array([11.5]), np.array([-1]), 0, 3))  # a buy limit: never
        3
    """
    n_orders = prices.shape[0]
    for r in range(start, stop):
        lo = m1[r, 4]
        hi = m1[r, 3]
        lo_any = lo
        hi_any = hi
        if r > 0:
            prev = m1[r - 1, 2]
            if prev < lo_any:
                lo_any = prev
            if prev > hi_any:
                hi_any = prev
        for i in range(n_orders):
            p = prices[i]
            if lo_any <= p <= hi_any:
                k = kinds[i]
                if k == 1:
                    if p <= hi:
                        return r
                elif k == -1:
                    if lo <= p:
                        return r
                elif lo <= p <= hi:
                    return r
    return stop
