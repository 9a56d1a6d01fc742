"""Opening the store: one connection per operation, bounded retries while another process holds the file.

DuckDB lets one process hold a file read-write, or several hold it read-only, never both. So every store
operation opens its own connection and closes it at once; when the file is locked it waits (backing off,
up to ``lock_timeout`` seconds) and then fails with :class:`StoreLockedError`.

Example:
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "s.duckdb")
    >>> with connect(path) as con:
    ...     con.execute("SELECT count(*) FROM candles_1m").fetchall()
    [(0,)]
"""
from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Iterator

import duckdb

from jesse_dag.store.migrations import check_version, latest_version, migrate

DEFAULT_DB_RELATIVE = Path("storage") / "jesse_dag.duckdb"
DEFAULT_LOCK_TIMEOUT = 30.0


class StoreLockedError(RuntimeError):
    """Another process held the store file for longer than the lock timeout."""


def default_db_path() -> Path:
    """``$JESSE_DAG_DB`` if set, else ``storage/jesse_dag.duckdb`` under the current (project) directory."""
    env = os.environ.get("JESSE_DAG_DB")
    return Path(env) if env else Path.cwd() / DEFAULT_DB_RELATIVE


def resolve_path(db: str | os.PathLike | None) -> Path:
    """The store file for ``db`` (a path, or None for :func:`default_db_path`)."""
    return Path(db) if db is not None else default_db_path()


def _is_lock_error(err: Exception) -> bool:
    text = str(err).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def _open(path: Path, read_only: bool, lock_timeout: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_timeout
    delay = 0.01
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as err:
            if not _is_lock_error(err):
                raise
            if time.monotonic() >= deadline:
                raise StoreLockedError(
                    f"{path}: the store is locked by another process (DuckDB allows one writer, or "
                    f"several readers, never both) and stayed locked for {lock_timeout:.0f} s; "
                    f"last error: {err}"
                ) from err
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def _stamp(path: Path) -> tuple | None:
    """What identifies one state of the store file: size and mtime of the file and of its WAL."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    wal = Path(str(path) + ".wal")
    wal_st = wal.stat() if wal.exists() else None
    return (st.st_mtime_ns, st.st_size, wal_st and (wal_st.st_mtime_ns, wal_st.st_size))


# Files this process has found at the current schema version, keyed by resolved path, with their stamp and
# the version checked. The stamp is taken while our connection holds DuckDB's file lock, so any later
# change by another process (say a newer jesse-dag migrating the file) changes the stamp and is checked.
_CHECKED: dict[str, tuple] = {}


def _is_current(path: Path) -> bool:
    seen = _CHECKED.get(str(path))
    return seen is not None and seen == (_stamp(path), latest_version())


def _remember_current(path: Path) -> None:
    _CHECKED[str(path)] = (_stamp(path), latest_version())


@contextlib.contextmanager
def connect(
    db: str | os.PathLike | None = None,
    *,
    read_only: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the store for one operation, closed on exit; creates and migrates the file as needed.

    A file from a newer jesse-dag raises ``StoreVersionError``; an older one is upgraded (which needs a
    moment of write access even for a reader). The version is checked once per state of the file in
    this process (keyed by path, size and mtime of the file and its WAL).
    """
    path = resolve_path(db).absolute()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        if read_only:  # a read-only connection cannot create the file: create it, then reopen
            con = _open(path, False, lock_timeout)
            try:
                migrate(con, str(path))
            finally:
                con.close()
    con = _open(path, read_only, lock_timeout)
    try:
        if not _is_current(path):
            version = check_version(con, str(path))
            if version < latest_version():
                if read_only:
                    con.close()
                    con = _open(path, False, lock_timeout)
                    migrate(con, str(path))
                    con.close()
                    con = _open(path, True, lock_timeout)
                else:
                    migrate(con, str(path))
            if read_only:
                # a writer's own changes move the stamp anyway; only reads are stamped while locked
                _remember_current(path)
        yield con
    finally:
        con.close()
