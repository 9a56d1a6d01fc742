"""The candle functions of ``jesse_dag.research`` (Jesse's names, backed by the DuckDB store).

Example:
    >>> from jesse_dag.research import candles_from_close_prices
    >>> candles_from_close_prices([1, 2]).shape
    (2, 6)
"""
from __future__ import annotations

import datetime as dt
import os

import numpy as np

from jesse_dag.candles.synthetic import candles_from_close_prices, fake_candle, fake_range_candles
from jesse_dag.store.candles import ImportReport, get_candles
from jesse_dag.store.candles import store_candles as _store_candles

__all__ = ["get_candles", "store_candles", "import_candles", "candles_from_close_prices", "fake_candle",
           "fake_range_candles"]


def store_candles(candles: np.ndarray, exchange: str, symbol: str, *, db=None, **kwargs) -> ImportReport:
    """Store 1-minute ``candles`` for ``exchange``/``symbol`` (Jesse's ``research.store_candles``).

    As Jesse's, anything but a numpy array is refused with ``TypeError``, and candles whose first two
    timestamps are not one minute apart (e.g. 5-minute candles) with ``ValueError``. Unlike Jesse it
    then validates every row (later gaps are allowed and reported) and returns the import report.

    Example:
        >>> import tempfile, os
        >>> db = os.path.join(tempfile.mkdtemp(), "s.duckdb")
        >>> store_candles(candles_from_close_prices(range(10, 20)), "Sandbox", "BTC-USDT", db=db).rows_added
        10
    """
    if not isinstance(candles, np.ndarray):
        raise TypeError(f"store_candles({exchange!r}, {symbol!r}): candles must be a numpy array of shape (N, 6), "
                        f"got {type(candles).__name__}; np.asarray(your_rows, dtype=float) converts a list")
    if candles.ndim == 2 and candles.shape[0] >= 2 and candles[1][0] - candles[0][0] != 60_000:
        step = candles[1][0] - candles[0][0]
        raise ValueError(f"store_candles({exchange!r}, {symbol!r}): candles must be 1m candles, but the first two "
                         f"timestamps are {step:g} ms apart (expected 60000); store the 1-minute data and let "
                         f"backtests build the larger timeframes")
    return _store_candles(candles, exchange, symbol, db=db, **kwargs)


_BINANCE_MARKETS = {
    "binance": "spot", "binance spot": "spot",
    "binance perpetual futures": "futures", "binance futures": "futures", "binance usdm": "futures",
}


def import_candles(
    exchange: str,
    symbol: str,
    start_date: str | None = None,
    show_progressbar: bool = False,
    *,
    finish_date: str | None = None,
    file: str | os.PathLike | None = None,
    db=None,
    base_url: str | None = None,
    **kwargs,
) -> ImportReport:
    """Import 1m candles into the store: from a ``file`` (CSV / Binance zip / Parquet / ``.npy``), or, as
    Jesse's ``import_candles(exchange, symbol, start_date)`` does, from the exchange: here Binance's public
    archive (``exchange`` ``"Binance Spot"`` or ``"Binance Perpetual Futures"``), from ``start_date`` to
    ``finish_date`` (default: today, UTC; only published days are found).

    Example:
        >>> import tempfile, os
        >>> d = tempfile.mkdtemp()
        >>> p = os.path.join(d, "c.csv")
        >>> _ = open(p, "w").write("timestamp,open,high,low,close,volume\\n1609459200000,10,12,9,11,5\\n")
        >>> import_candles("Sandbox", "BTC-USDT", file=p, db=os.path.join(d, "s.duckdb")).rows_added
        1
    """
    if file is not None:
        from jesse_dag.store.importing import import_file

        return import_file(file, exchange, symbol, db=db, **kwargs)
    if start_date is None:
        raise ValueError("import_candles: give start_date (download) or file=")
    market = _BINANCE_MARKETS.get(exchange.strip().lower())
    if market is None:
        raise ValueError(
            f"import_candles: downloading is supported for Binance's archive only ({', '.join(_BINANCE_MARKETS)}); "
            f"got {exchange!r}. Import a file with file=... instead"
        )
    from jesse_dag._progress import progress
    from jesse_dag.candles.binance import DEFAULT_BASE_URL
    from jesse_dag.store.importing import import_binance_archive, period_days

    finish = finish_date or dt.datetime.now(dt.timezone.utc).date().isoformat()
    try:
        days = (dt.date.fromisoformat(finish) - dt.date.fromisoformat(str(start_date))).days
    except ValueError:
        days = None  # import_binance_archive says which date is wrong
    with progress(days, f"download {symbol}", show_progressbar, unit="days") as bar:
        return import_binance_archive(exchange, symbol, start_date, finish, market=market,
                                      base_url=base_url or DEFAULT_BASE_URL, db=db,
                                      progress=lambda period, what: bar.update(period_days(period), f"{period} {what}"),
                                      **kwargs)
