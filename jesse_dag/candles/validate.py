"""Checking a 1-minute candle array against the contract, and finding the minutes it is missing.

The contract: a 2-D float64 array ``(N, 6)`` in Jesse's column order, timestamps (candle open, epoch ms)
minute-aligned, strictly increasing and, unless gaps are allowed, exactly 60,000 ms apart; every value
finite; ``high >= max(open, close)``, ``low <= min(open, close)``, ``volume >= 0``.

Example:
    >>> import numpy as np
    >>> from jesse_dag.candles.validate import validate_candles
    >>> ok = np.array([[0, 1, 2, 2, 1, 5], [60_000, 2, 1, 2, 1, 3]], dtype=float)
    >>> validate_candles(ok) is ok
    True
    >>> validate_candles(ok[::-1])
    Traceback (most recent call last):
    ...
    jesse_dag.candles.validate.CandleValidationError: candles: row 1: timestamp 0 is not after the previous row's 60000 (unsorted)
"""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.columns import CLOSE, COLUMNS, HIGH, LOW, N_COLUMNS, ONE_MINUTE_MS, OPEN, TIMESTAMP, VOLUME


class CandleValidationError(ValueError):
    """A candle array breaks the contract; the message names the row and the problem."""

    def __init__(self, message: str, row: int | None = None, problem: str = "") -> None:
        super().__init__(message)
        self.row = row
        self.problem = problem


def _fail(name: str, row: int | None, problem: str, detail: str, row_label=None) -> None:
    where = f"row {row}" if row_label is None else f"row {row} ({row_label(row)})"
    prefix = f"{name}: {where}: " if row is not None else f"{name}: "
    raise CandleValidationError(prefix + detail, row=row, problem=problem)


def validate_candles(
    candles: np.ndarray,
    *,
    allow_gaps: bool = False,
    name: str = "candles",
    row_label=None,
) -> np.ndarray:
    """Return ``candles`` unchanged if it meets the 1-minute contract, else raise ``CandleValidationError``.

    Args:
        candles: the array to check (not copied, not converted: a wrong dtype is an error).
        allow_gaps: accept steps longer than one minute (still minute-aligned and increasing).
        name: what to call the array in messages (a file name, ``"binance BTC-USDT"``...).
        row_label: optional ``f(row) -> str`` that adds where a row came from (e.g. a CSV line).

    The error's ``row`` attribute is the first offending row (0-based), ``problem`` a short key:
    ``shape``, ``dtype``, ``nan``, ``unsorted``, ``duplicate``, ``misaligned``, ``gap``, ``high``,
    ``low``, ``volume``.

    Example:
        >>> import numpy as np
        >>> bad = np.array([[0, 1, 2, 1.5, 1, 5]], dtype=float)
        >>> validate_candles(bad)
        Traceback (most recent call last):
        ...
        jesse_dag.candles.validate.CandleValidationError: candles: row 0: high 1.5 is below max(open, close) = 2.0
    """
    if not isinstance(candles, np.ndarray):
        raise CandleValidationError(
            f"{name}: expected a numpy array, got {type(candles).__name__}", problem="dtype"
        )
    if candles.ndim != 2 or candles.shape[1] != N_COLUMNS:
        raise CandleValidationError(
            f"{name}: expected shape (N, {N_COLUMNS}) with columns {', '.join(COLUMNS)}, got {candles.shape}",
            problem="shape",
        )
    if candles.dtype != np.float64:
        raise CandleValidationError(f"{name}: expected dtype float64, got {candles.dtype}", problem="dtype")
    if candles.shape[0] == 0:
        raise CandleValidationError(f"{name}: expected at least one row, got none", problem="shape")

    finite = np.isfinite(candles)
    if not finite.all():
        row, col = (int(v) for v in np.argwhere(~finite)[0])
        _fail(name, row, "nan", f"{COLUMNS[col]} is {float(candles[row, col])} (must be finite)", row_label)

    ts = candles[:, TIMESTAMP]
    misaligned = np.flatnonzero(ts % ONE_MINUTE_MS != 0)
    if misaligned.size:
        row = int(misaligned[0])
        _fail(name, row, "misaligned", f"timestamp {ts[row]:.0f} is not a whole minute (ms % 60000 != 0)",
              row_label)
    if ts.size > 1:
        step = np.diff(ts)
        bad = np.flatnonzero(step <= 0)
        if bad.size:
            row = int(bad[0]) + 1
            if step[row - 1] == 0:
                _fail(name, row, "duplicate", f"timestamp {ts[row]:.0f} repeats the previous row's (duplicate)",
                      row_label)
            _fail(name, row, "unsorted",
                  f"timestamp {ts[row]:.0f} is not after the previous row's {ts[row - 1]:.0f} (unsorted)", row_label)
        if not allow_gaps:
            gap = np.flatnonzero(step != ONE_MINUTE_MS)
            if gap.size:
                row = int(gap[0]) + 1
                missing = int(step[row - 1] // ONE_MINUTE_MS) - 1
                _fail(name, row, "gap",
                      f"timestamp {ts[row]:.0f} follows {ts[row - 1]:.0f}: {missing} missing minute(s) "
                      f"(gap; pass allow_gaps=True to accept gaps)", row_label)

    o, c, h, lo, v = candles[:, OPEN], candles[:, CLOSE], candles[:, HIGH], candles[:, LOW], candles[:, VOLUME]
    top = np.maximum(o, c)
    bad = np.flatnonzero(h < top)
    if bad.size:
        row = int(bad[0])
        _fail(name, row, "high", f"high {float(h[row])} is below max(open, close) = {float(top[row])}", row_label)
    bottom = np.minimum(o, c)
    bad = np.flatnonzero(lo > bottom)
    if bad.size:
        row = int(bad[0])
        _fail(name, row, "low", f"low {float(lo[row])} is above min(open, close) = {float(bottom[row])}", row_label)
    bad = np.flatnonzero(v < 0)
    if bad.size:
        row = int(bad[0])
        _fail(name, row, "volume", f"volume {float(v[row])} is negative", row_label)
    return candles


def find_gaps(timestamps: np.ndarray, start: int | None = None, end: int | None = None) -> list[tuple[int, int]]:
    """Missing minutes in sorted ``timestamps`` as inclusive ``(first_missing, last_missing)`` pairs (ms).

    ``start``/``end`` (inclusive minute timestamps) widen the range checked beyond the first/last row.

    Example:
        >>> import numpy as np
        >>> find_gaps(np.array([0, 60_000, 240_000, 300_000]))
        [(120000, 180000)]
        >>> find_gaps(np.array([120_000]), start=0, end=180_000)
        [(0, 60000), (180000, 180000)]
    """
    ts = np.asarray(timestamps, dtype=np.int64)
    if ts.size == 0:
        if start is not None and end is not None and end >= start:
            return [(int(start), int(end))]
        return []
    edges = ts
    if start is not None and start < ts[0]:
        edges = np.concatenate(([int(start) - ONE_MINUTE_MS], edges))
    if end is not None and end > ts[-1]:
        edges = np.concatenate((edges, [int(end) + ONE_MINUTE_MS]))
    step = np.diff(edges)
    where = np.flatnonzero(step > ONE_MINUTE_MS)
    return [(int(edges[i]) + ONE_MINUTE_MS, int(edges[i + 1]) - ONE_MINUTE_MS) for i in where]


def count_missing(gaps: list[tuple[int, int]]) -> int:
    """Number of missing minutes in a :func:`find_gaps` result.

    Example:
        >>> count_missing([(0, 60_000), (180_000, 180_000)])
        3
    """
    return sum((b - a) // ONE_MINUTE_MS + 1 for a, b in gaps)
