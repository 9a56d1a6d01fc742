"""The DuckDB store: 1-minute candles (and, via migrations, later tables), Parquet in and out.

Example:
    >>> from jesse_dag.store import get_candles, store_candles  # doctest: +SKIP
"""
from jesse_dag.store.candles import (
    CandleNotFoundInDatabase,
    ImportReport,
    InvalidDateRange,
    MarketInfo,
    StoreConflictError,
    export_parquet,
    get_candles,
    list_markets,
    load_candles,
    read_parquet_candles,
    store_candles,
)
from jesse_dag.store.connection import NotAStoreError, StoreLockedError, connect, default_db_path
from jesse_dag.store.migrations import Migration, StoreVersionError, register_migration

__all__ = [
    "CandleNotFoundInDatabase", "ImportReport", "InvalidDateRange", "MarketInfo", "Migration", "NotAStoreError",
    "StoreConflictError",
    "StoreLockedError", "StoreVersionError", "connect", "default_db_path", "export_parquet", "get_candles",
    "list_markets", "load_candles", "read_parquet_candles", "register_migration", "store_candles",
]
