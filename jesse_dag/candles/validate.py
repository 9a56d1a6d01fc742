"""Checking a 1-minute candle array against the contract, and finding the minutes it is missing.

The contract: a 2-D float64 array ``(N, 6)`` in Jesse's column order, timestamps (candle open, epoch ms)
minute-aligned, strictly increasing and, unless gaps are allowed, exactly 60,000 ms apart; every value
finite; ``high >= max(open, close)``, ``low <= min(open, close)``, ``volume >= 0``. What is stored or read
from a file must also be plausible (``plausible=True``): prices above zero, timestamps in 2009 .. 2099 UTC
(a wrong ``timestamp_unit`` lands rows in the year 57352 or in 1970).

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

# Plausible candle times: Bitcoin's first block (2009) .. 2099; anything outside is a unit or parsing mistake
FIRST_PLAUSIBLE_MS = 1_230_768_000_000  # 2009-01-01 00:00 UTC
END_PLAUSIBLE_MS = 4_102_444_800_000  # 2100-01-01 00:00 UTC (excluded)
_MS_PER_YEAR = 365.2425 * 86_400_000


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
    plausible: bool = False,
) -> np.ndarray:
    """Return ``candles`` unchanged if it meets the 1-minute contract, else raise ``CandleValidationError``.

    Args:
        candles: the array to check (not copied, not converted: a wrong dtype is an error).
        allow_gaps: accept steps longer than one minute (still minute-aligned and increasing).
        name: what to call the array in messages (a file name, ``"binance BTC-USDT"``...).
        row_label: optional ``f(row) -> str`` that adds where a row came from (e.g. a CSV line).
        plausible: also refuse prices <= 0 and timestamps outside 2009 .. 2099 UTC (the store and file
            readers ask for it; the engine takes any finite prices, as Jesse does).

    The error's ``row`` attribute is the first offending row (0-based), ``problem`` a short key:
    ``shape``, ``dtype``, ``nan``, ``unsorted``, ``duplicate``, ``misaligned``, ``gap``, ``high``,
    ``low``, ``volume``, and with ``plausible`` ``price``, ``timestamp_range``.

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

    validate_columns(candles[:, TIMESTAMP], candles[:, OPEN], candles[:, CLOSE], candles[:, HIGH], candles[:, LOW],
                     candles[:, VOLUME], allow_gaps=allow_gaps, name=name, row_label=row_label, plausible=plausible)
    return candles


def _first_true(mask: np.ndarray) -> int:
    """Index of the first True in ``mask``, or -1; ``argmax`` stops at the first hit (no index array built)."""
    i = int(np.argmax(mask)) if mask.size else 0
    return i if mask.size and mask[i] else -1


def validate_columns(
    timestamp: np.ndarray,
    open: np.ndarray,
    close: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    volume: np.ndarray,
    *,
    allow_gaps: bool = False,
    name: str = "candles",
    row_label=None,
    plausible: bool = False,
) -> None:
    """The row checks of :func:`validate_candles` on separate columns (timestamps int64 or float64 ms).

    Lets a file importer check Arrow/numpy columns in place, without building the ``(N, 6)`` array first;
    errors are the same, naming the first offending row (for ``nan``, the first column in Jesse's order).

    Example:
        >>> import numpy as np
        >>> ts = np.array([0, 60_000, 60_000])
        >>> one = np.ones(3)
        >>> validate_columns(ts, one, one, one, one, one, name="f.csv")
        Traceback (most recent call last):
        ...
        jesse_dag.candles.validate.CandleValidationError: f.csv: row 2: timestamp 60000 repeats the previous row's (duplicate)
    """
    columns = (timestamp, open, close, high, low, volume)
    if len(timestamp) == 0:
        raise CandleValidationError(f"{name}: expected at least one row, got none", problem="shape")
    # np.isfinite(...).all() is the fast path; the position is looked up only when something is wrong
    bad_row, bad_col = -1, -1
    for col, values in enumerate(columns):
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            row = _first_true(~np.isfinite(values))
            if bad_row < 0 or row < bad_row:
                bad_row, bad_col = row, col
    if bad_row >= 0:
        _fail(name, bad_row, "nan", f"{COLUMNS[bad_col]} is {float(columns[bad_col][bad_row])} (must be finite)",
              row_label)

    if plausible:
        _check_plausible(columns, name, row_label)

    ts = timestamp
    misaligned = ts % ONE_MINUTE_MS != 0
    if misaligned.any():
        row = _first_true(misaligned)
        _fail(name, row, "misaligned", f"timestamp {ts[row]:.0f} is not a whole minute (ms % 60000 != 0)",
              row_label)
    if ts.size > 1:
        step = np.diff(ts)
        if not (step > 0).all():
            row = _first_true(step <= 0) + 1
            if step[row - 1] == 0:
                _fail(name, row, "duplicate", f"timestamp {ts[row]:.0f} repeats the previous row's (duplicate)",
                      row_label)
            _fail(name, row, "unsorted",
                  f"timestamp {ts[row]:.0f} is not after the previous row's {ts[row - 1]:.0f} (unsorted)", row_label)
        if not allow_gaps and not (step == ONE_MINUTE_MS).all():
            row = _first_true(step != ONE_MINUTE_MS) + 1
            missing = int(step[row - 1] // ONE_MINUTE_MS) - 1
            _fail(name, row, "gap",
                  f"timestamp {ts[row]:.0f} follows {ts[row - 1]:.0f}: {missing} missing minute(s) "
                  f"(gap; pass allow_gaps=True to accept gaps)", row_label)

    o, c, h, lo, v = open, close, high, low, volume
    top = np.maximum(o, c)
    bad = h < top
    if bad.any():
        row = _first_true(bad)
        _fail(name, row, "high", f"high {float(h[row])} is below max(open, close) = {float(top[row])}", row_label)
    bottom = np.minimum(o, c, out=top)
    bad = lo > bottom
    if bad.any():
        row = _first_true(bad)
        _fail(name, row, "low", f"low {float(lo[row])} is above min(open, close) = {float(bottom[row])}", row_label)
    bad = v < 0
    if bad.any():
        row = _first_true(bad)
        _fail(name, row, "volume", f"volume {float(v[row])} is negative", row_label)


def _check_plausible(columns: tuple, name: str, row_label) -> None:
    """Refuse timestamps outside 2009 .. 2099 UTC and prices <= 0, naming the first offending row."""
    ts = columns[0]
    # min/max first: the usual clean file costs two reductions, the row is looked up only when one is off
    if ts.min() < FIRST_PLAUSIBLE_MS or ts.max() >= END_PLAUSIBLE_MS:
        row = _first_true((ts < FIRST_PLAUSIBLE_MS) | (ts >= END_PLAUSIBLE_MS))
        year = int(1970 + float(ts[row]) // _MS_PER_YEAR)
        _fail(name, row, "timestamp_range",
              f"timestamp {float(ts[row]):.0f} is in the year {year}, outside 2009 .. 2099 UTC; timestamps must "
              f"be epoch milliseconds (a wrong timestamp_unit? pass the file's unit, or leave it out to detect it)",
              row_label)
    bad_row, bad_col = -1, -1
    for col in (OPEN, CLOSE, HIGH, LOW):
        values = columns[col]
        if values.min() <= 0:
            row = _first_true(values <= 0)
            if bad_row < 0 or row < bad_row:
                bad_row, bad_col = row, col
    if bad_row >= 0:
        _fail(name, bad_row, "price", f"{COLUMNS[bad_col]} is {float(columns[bad_col][bad_row])} (prices must be "
              f"above zero; fix or drop the row)", row_label)


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
