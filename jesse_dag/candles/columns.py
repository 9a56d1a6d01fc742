"""Column layout of a candle array: float64 rows ``[timestamp, open, close, high, low, volume]``.

This is Jesse's order (close before high and low). ``timestamp`` is the candle's open time in epoch
milliseconds, UTC. Index with these names, never with bare numbers.

Example:
    >>> import numpy as np
    >>> from jesse_dag.candles.columns import CLOSE, HIGH
    >>> row = np.array([[1609459200000.0, 10.0, 11.0, 12.0, 9.0, 5.0]])
    >>> float(row[0, CLOSE]), float(row[0, HIGH])
    (11.0, 12.0)
"""

TIMESTAMP = 0
OPEN = 1
CLOSE = 2
HIGH = 3
LOW = 4
VOLUME = 5

COLUMNS: tuple[str, ...] = ("timestamp", "open", "close", "high", "low", "volume")
N_COLUMNS = len(COLUMNS)

ONE_MINUTE_MS = 60_000
ONE_DAY_MS = 86_400_000
