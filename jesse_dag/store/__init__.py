"""The store: 1-minute candles, samples, the model registry. Two backends behind the same functions: the DuckDB
file (``db=`` a path, the default) and Parquet under a URI (``db=`` ``file:///folder`` or ``s3://bucket/prefix``,
see :mod:`jesse_dag.store.parquet` and docs/storage.md).

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
from jesse_dag.store.connection import (
    NotAStoreError,
    StoreLockedError,
    UnsupportedOnParquetError,
    connect,
    default_db_path,
)
from jesse_dag.store.location import StoreURIError, folder_uri, is_store_uri, store_uri
from jesse_dag.store.migrations import Migration, StoreVersionError, register_migration

__all__ = [
    "CandleNotFoundInDatabase", "ImportReport", "InvalidDateRange", "MarketInfo", "Migration", "NotAStoreError",
    "StoreConflictError",
    "StoreLockedError", "StoreURIError", "StoreVersionError", "UnsupportedOnParquetError", "connect",
    "default_db_path", "export_parquet", "folder_uri", "get_candles", "is_store_uri", "list_markets", "load_candles",
    "read_parquet_candles", "register_migration", "store_candles", "store_uri",
]
