"""The data part of ``make demo``: generate a synthetic market, store it, read it back, summarise.

Example:
    >>> import tempfile, os
    >>> s = summarise_store(os.path.join(tempfile.mkdtemp(), "demo.duckdb"), days=3)
    >>> s["rows_added"], s["round_trip_exact"], s["trading_candles_4h"]
    (4320, True, 18)
"""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.store.candles import get_candles, list_markets, load_candles, store_candles


def summarise_store(db=None, *, days: int = 365, seed: int = 0, exchange: str = "Sandbox",
                    symbol: str = "BTC-USDT", plant_signal: bool = True) -> dict:
    """Store a seeded synthetic market (idempotent: a second call adds nothing), read it back and return a
    JSON-able summary: rows added/present, stored range, exact round trip, and a 4h ``get_candles`` count."""
    m = synthetic_market(days=days, seed=seed, plant_signal=plant_signal)
    report = store_candles(m, exchange, symbol, db=db, source=f"synthetic_market(days={days}, seed={seed})")
    back = load_candles(exchange, symbol, int(m[0, 0]), int(m[-1, 0]), db=db)
    _, trading = get_candles(exchange, symbol, "4h", int(m[0, 0]), int(m[-1, 0]) + 60_000, db=db)
    return {
        "exchange": exchange, "symbol": symbol, "rows": int(len(m)),
        "rows_added": report.rows_added, "rows_present": report.rows_present,
        "round_trip_exact": bool(np.array_equal(back, m)),
        "trading_candles_4h": int(len(trading)),
        "markets": [(i.exchange, i.symbol, i.rows) for i in list_markets(db)],
        "summary": report.summary(),
    }
