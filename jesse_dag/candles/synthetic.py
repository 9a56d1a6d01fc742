"""Synthetic candles: Jesse's ``candles_from_close_prices`` and (data layer) a seeded market generator."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW, N_COLUMNS, ONE_MINUTE_MS, OPEN, TIMESTAMP, VOLUME

# 2021-01-01T00:00Z, Jesse's first timestamp for candles built from close prices.
JESSE_FIRST_TIMESTAMP = 1_609_459_200_000


def candles_from_close_prices(
    prices: Sequence[float], seed: int | None = 0, start_timestamp: int = JESSE_FIRST_TIMESTAMP
) -> np.ndarray:
    """1-minute candles whose closes are ``prices``, built as Jesse builds them.

    open = previous close (the first open is ``prices[0] - 0.5``), high/low = max/min(open, close),
    timestamps one minute apart from 2021-01-01. Jesse draws volume at random (0..200); here it is drawn
    from ``numpy.random.default_rng(seed)`` so the same call gives the same candles.

    Example:
        >>> c = candles_from_close_prices([10, 11, 9])
        >>> c[:, 1:5].tolist()
        [[9.5, 10.0, 10.0, 9.5], [10.0, 11.0, 11.0, 10.0], [11.0, 9.0, 11.0, 9.0]]
    """
    closes = np.asarray(prices, dtype=np.float64)
    if closes.ndim != 1 or closes.size == 0:
        raise ValueError(f"prices: expected a non-empty 1-D sequence, got shape {closes.shape}")
    if not np.all(np.isfinite(closes)):
        bad = int(np.flatnonzero(~np.isfinite(closes))[0])
        raise ValueError(f"prices: row {bad} is not finite ({closes[bad]!r})")
    n = closes.size
    out = np.empty((n, N_COLUMNS), dtype=np.float64)
    out[:, TIMESTAMP] = start_timestamp + np.arange(n, dtype=np.float64) * ONE_MINUTE_MS
    out[:, CLOSE] = closes
    out[0, OPEN] = closes[0] - 0.5
    out[1:, OPEN] = closes[:-1]
    out[:, HIGH] = np.maximum(out[:, OPEN], closes)
    out[:, LOW] = np.minimum(out[:, OPEN], closes)
    out[:, VOLUME] = np.random.default_rng(seed).integers(0, 201, size=n).astype(np.float64)
    return out
