"""Schema versions of the store and the migrations between them.

The schema version is the number of migrations applied. Opening an older file applies the missing
migrations in one transaction; a file written by a newer jesse-dag (a version above ours) is refused,
because we cannot know what its tables mean.

Other parts of the project add tables by appending a migration (never by editing an applied one):

Example:
    >>> from jesse_dag.store.migrations import MIGRATIONS, Migration, register_migration
    >>> register_migration(Migration(len(MIGRATIONS) + 1, "ml samples", "CREATE TABLE ml_samples (...)"))  # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

import duckdb

from jesse_dag.store.transaction import transaction


class StoreVersionError(RuntimeError):
    """The store file's schema is newer than this code understands."""


@dataclass(frozen=True)
class Migration:
    """One step of the schema: ``version`` (1, 2, ...), a description, and SQL or ``f(connection)``."""

    version: int
    description: str
    apply: Union[str, Callable[[duckdb.DuckDBPyConnection], None]]


MIGRATIONS: list[Migration] = [
    Migration(
        1,
        "markets and 1-minute candles",
        """
        CREATE SEQUENCE IF NOT EXISTS market_id_seq START 1;
        CREATE TABLE markets (
            market_id INTEGER PRIMARY KEY DEFAULT nextval('market_id_seq'),
            exchange VARCHAR NOT NULL,
            symbol VARCHAR NOT NULL,
            UNIQUE (exchange, symbol)
        );
        -- One row per (market, minute). Uniqueness is kept by the store's insert (an anti-join inside the
        -- writing transaction; DuckDB allows one writer), not by an index: an index makes bulk loads 5x slower.
        CREATE TABLE candles_1m (
            market_id INTEGER NOT NULL,
            timestamp BIGINT NOT NULL,
            open DOUBLE NOT NULL,
            close DOUBLE NOT NULL,
            high DOUBLE NOT NULL,
            low DOUBLE NOT NULL,
            volume DOUBLE NOT NULL
        );
        -- What each import did (source, rows added / already present / conflicting), for lineage.
        CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1;
        CREATE TABLE imports (
            import_id INTEGER PRIMARY KEY DEFAULT nextval('import_id_seq'),
            market_id INTEGER NOT NULL,
            source VARCHAR,
            first_timestamp BIGINT,
            last_timestamp BIGINT,
            rows_added BIGINT,
            rows_present BIGINT,
            rows_conflicting BIGINT
        );
        """,
    ),
    Migration(
        2,
        "ml samples, datasets, model registry and deployments",
        """
        -- One gathered data set per row: its content hash (the samples' fingerprint in time order), what
        -- produced it (the gather lineage: routes and each candle block's range and sha256) and its CSV.
        CREATE TABLE ml_datasets (
            dataset_id VARCHAR PRIMARY KEY,
            strategy VARCHAR,
            n_samples BIGINT NOT NULL,
            routes JSON,
            first_time BIGINT,
            last_time BIGINT,
            csv_path VARCHAR,
            lineage JSON
        );
        -- Labelled data points; label_time and route live here (never as CSV columns). Times in epoch seconds.
        CREATE TABLE ml_samples (
            dataset_id VARCHAR NOT NULL,
            strategy VARCHAR,
            route VARCHAR NOT NULL,
            seq INTEGER NOT NULL,
            time BIGINT NOT NULL,
            info_time BIGINT NOT NULL,
            label_time BIGINT,
            label_name VARCHAR,
            label_value DOUBLE,
            label_type VARCHAR NOT NULL,
            label_text VARCHAR NOT NULL,
            features MAP(VARCHAR, DOUBLE) NOT NULL,
            PRIMARY KEY (dataset_id, route, seq)
        );
        CREATE TABLE model_registry (
            bundle_id VARCHAR PRIMARY KEY,
            strategy VARCHAR,
            version VARCHAR,
            path VARCHAR,
            task VARCHAR,
            estimator VARCHAR,
            feature_names JSON,
            training_window JSON,
            data_fingerprint VARCHAR,
            data JSON,
            lineage JSON,
            metrics JSON,
            files_sha256 JSON,
            extra JSON,
            registered_seq BIGINT NOT NULL
        );
        -- Append-only: the last row of a strategy names the bundle it serves. deployed_at is whatever the
        -- caller passed (never the clock), so the same calls give the same table.
        CREATE TABLE model_deployments (
            sequence BIGINT PRIMARY KEY,
            strategy VARCHAR NOT NULL,
            bundle_id VARCHAR NOT NULL,
            deployed_at VARCHAR
        );
        """,
    ),
]


def latest_version() -> int:
    """The schema version this code writes (the number of registered migrations)."""
    return len(MIGRATIONS)


def register_migration(migration: Migration) -> None:
    """Append a migration; its version must be the next one.

    Example:
        >>> register_migration(Migration(1, "again", "SELECT 1"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: migration version 1 is not the next one (...)
    """
    expected = len(MIGRATIONS) + 1
    if migration.version != expected:
        raise ValueError(f"migration version {migration.version} is not the next one ({expected})")
    MIGRATIONS.append(migration)


def _ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, description VARCHAR)")


def file_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of an open store (0 for an empty file)."""
    # duckdb_tables() rather than information_schema: the latter costs ~15 ms on a fresh connection
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version' AND schema_name = 'main'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return int(con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0])


def check_version(con: duckdb.DuckDBPyConnection, path: str) -> int:
    """Raise ``StoreVersionError`` if the file is newer than this code; return its version."""
    version = file_version(con)
    if version > latest_version():
        raise StoreVersionError(
            f"{path}: store schema version {version} is newer than this jesse-dag understands "
            f"({latest_version()}); upgrade jesse-dag or use another store file"
        )
    return version


def migrate(con: duckdb.DuckDBPyConnection, path: str = "store") -> int:
    """Bring an open read-write store up to :func:`latest_version`, atomically. Returns the new version."""
    version = check_version(con, path)
    if version == latest_version():
        return version
    with transaction(con):
        _ensure_meta(con)
        for m in MIGRATIONS[version:]:
            if callable(m.apply):
                m.apply(con)
            else:
                con.execute(m.apply)
            con.execute("INSERT INTO schema_version VALUES (?, ?)", [m.version, m.description])
    return latest_version()
