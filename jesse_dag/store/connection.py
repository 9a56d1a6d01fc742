"""Opening the store: one connection per operation, bounded retries while another process holds the file.

DuckDB lets one process hold a file read-write, or several hold it read-only, never both. So every store
operation opens its own connection and closes it at once; when the file is locked it waits (backing off,
up to ``lock_timeout`` seconds) and then fails with :class:`StoreLockedError`.

Inside one process the same holds between threads: DuckDB shares one database per file among a process's
connections, where two writing transactions conflict ("Catalog write-write conflict", duplicate keys) and a
read-only connection cannot open next to a read-write one. So each file has a gate in this process:
several readers, or one writer (which also waits for the readers), with the same ``lock_timeout``.

Between processes, DuckDB 2.0 may also refuse a commit ("Could not set lock on file ....wal") when another
process touched the file in between, and a refused commit cannot be retried from here. So our processes
take turns the same way, through an advisory lock on ``<store>.lock`` beside the file (``flock``: shared
for readers, exclusive for a writer), held for the whole operation; they wait at that lock, never at
DuckDB's. Processes that open the file without jesse-dag still meet DuckDB's own lock and its retries.

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
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import duckdb

from jesse_dag.store.location import describe, is_store_uri
from jesse_dag.store.migrations import check_version, latest_version, migrate
from jesse_dag.store.transaction import transaction  # noqa: F401 - part of this module's API

DEFAULT_DB_RELATIVE = Path("storage") / "jesse_dag.duckdb"
DEFAULT_LOCK_TIMEOUT = 30.0


class StoreLockedError(RuntimeError):
    """Another process (or thread) held the store file for longer than the lock timeout."""


class UnsupportedOnParquetError(RuntimeError):
    """An operation the Parquet backend does not offer (SQL writes to the store)."""


class NotAStoreError(ValueError):
    """The store path is a file that is not a DuckDB database (a SQLite file, a CSV, an empty file...)."""


class _Gate:
    """Readers-writer lock of one store file in this process: several readers, or one writer.

    Re-entrant per thread (a thread already inside may enter again the same way); a waiting writer keeps
    new readers out so a stream of reads cannot starve it. Waits end at a deadline (``time.monotonic``).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers: dict[int, int] = {}  # thread id -> depth
        self._writer: int | None = None
        self._writer_depth = 0
        self._writers_waiting = 0

    @contextlib.contextmanager
    def hold(self, exclusive: bool, deadline: float, path: Path) -> Iterator[None]:
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:  # a writer may read or write again inside its own operation
                self._writer_depth += 1
                entered = "writer"
            elif me in self._readers:
                if exclusive:
                    raise RuntimeError(f"{path}: a store write was started inside a read of the same store in "
                                       "this thread; finish the read first")
                self._readers[me] += 1
                entered = "reader"
            elif exclusive:
                self._writers_waiting += 1
                try:
                    self._wait(lambda: self._writer is None and not self._readers, deadline, path)
                finally:
                    self._writers_waiting -= 1
                self._writer, self._writer_depth, entered = me, 1, "writer"
            else:
                self._wait(lambda: self._writer is None and not self._writers_waiting, deadline, path)
                self._readers[me] = 1
                entered = "reader"
        try:
            yield
        finally:
            with self._cond:
                if entered == "writer":
                    self._writer_depth -= 1
                    if not self._writer_depth:
                        self._writer = None
                else:
                    self._readers[me] -= 1
                    if not self._readers[me]:
                        del self._readers[me]
                self._cond.notify_all()

    def _wait(self, ready, deadline: float, path: Path) -> None:
        while not ready():
            left = deadline - time.monotonic()
            if left <= 0:
                raise StoreLockedError(
                    f"{path}: another thread of this process kept the store busy past the lock timeout "
                    "(one writer at a time); retry, or pass a longer lock_timeout")
            self._cond.wait(left)


_GATES: dict[str, _Gate] = {}
_GATES_LOCK = threading.Lock()


def _forget_gates_in_child() -> None:
    # a forked child has one thread: gates held by its parent's other threads would never be released there
    global _GATES_LOCK
    _GATES.clear()
    _GATES_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_gates_in_child)


@contextlib.contextmanager
def _process_lock(path: Path, exclusive: bool, deadline: float) -> Iterator[None]:
    """Hold ``<path>.lock`` shared (a reader) or exclusive (a writer) against other processes until exit."""
    if sys.platform == "win32":  # no flock: DuckDB's own lock and the retries in _open are all there is
        yield
        return
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(str(path) + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, mode)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreLockedError(
                        f"{path}: another process kept the store busy past the lock timeout (one writer, or "
                        "several readers, at a time); retry, or pass a longer lock_timeout") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _gate(path: Path) -> _Gate:
    key = os.path.realpath(path)
    with _GATES_LOCK:
        return _GATES.setdefault(key, _Gate())


# The first bytes of files often given by mistake, to name what the file is instead of letting DuckDB guess
# (it takes a SQLite file for an attachable database and tries to download its SQLite extension).
_KNOWN_MAGIC = ((b"SQLite format 3\x00", "a SQLite database"), (b"PK\x03\x04", "a zip archive"),
                (b"PAR1", "a Parquet file"), (b"\x93NUMPY", "a numpy .npy file"))


def check_store_file(path: Path, short_ok: bool = False) -> None:
    """Raise :class:`NotAStoreError` unless ``path`` is missing (it will be created) or a DuckDB database.

    DuckDB files carry ``DUCK`` at byte 8. With ``short_ok``, a file too short to tell passes: another
    process may be creating it this instant (DuckDB then reports its lock, which is waited for).

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "notes.duckdb")
        >>> _ = open(p, "w").write("timestamp,open\\n")
        >>> check_store_file(Path(p))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        jesse_dag.store.connection.NotAStoreError: ...notes.duckdb is not a DuckDB store (...)...
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        return
    except IsADirectoryError:
        raise NotAStoreError(f"{path} is a folder, not a store file; pass the .duckdb file inside it "
                             "(--db or JESSE_DAG_DB)") from None
    if head[8:12] == b"DUCK" or (short_ok and len(head) < 12):
        return
    what = next((name for magic, name in _KNOWN_MAGIC if head.startswith(magic)),
                "an empty file" if not head else f"a file starting with {head[:8]!r}")
    raise NotAStoreError(
        f"{path} is not a DuckDB store ({what}); point --db / JESSE_DAG_DB at a jesse-dag store "
        "(a new path creates one), or move this file away")


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


def _open(path: Path, read_only: bool, lock_timeout: float, deadline: float | None = None
          ) -> duckdb.DuckDBPyConnection:
    if deadline is None:
        deadline = time.monotonic() + lock_timeout
    delay = 0.01
    check_store_file(path, short_ok=True)
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as err:
            if not _is_lock_error(err):
                check_store_file(path)  # nobody was creating it: an empty or truncated file is named as such
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
    parts: tuple[str, ...] = ("candles", "ml"),
    span: tuple[int, int] | None = None,
    market: tuple[str, str] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the store for one operation, closed on exit; creates and migrates the file as needed.

    ``db`` may also be a Parquet store's URI (``file:///folder``, ``s3://bucket/prefix``, see
    :mod:`jesse_dag.store.location`): then a read-only connection is an in-memory database with the same
    tables over the store's files (``parts``: which of ``candles`` and ``ml`` to load; ``span``: only the
    candle months overlapping these inclusive ms, when the caller reads no further; ``market``: only this
    ``(exchange, symbol)``'s candles), and a read-write one
    is refused (the Parquet backend writes through the store's functions, never SQL).

    A file from a newer jesse-dag raises ``StoreVersionError``; an older one is upgraded (which needs a
    moment of write access even for a reader). The version is checked once per state of the file in
    this process (keyed by path, size and mtime of the file and its WAL). A file that is not a DuckDB
    database raises :class:`NotAStoreError` before DuckDB sees it. Safe to call from several threads:
    writers of one file take turns in this process (see the module's docstring).
    """
    if is_store_uri(db):
        from jesse_dag.store.parquet import parquet_store

        if not read_only:
            raise UnsupportedOnParquetError(
                f"{describe(db)}: a Parquet store is written through jesse_dag.store's functions (store_candles, "
                "store_samples, register_bundle, record_deployment), not through a read-write SQL connection")
        con = parquet_store(db).read_connection(parts, span, market)
        try:
            yield con
        finally:
            con.close()
        return
    path = resolve_path(db).absolute()
    deadline = time.monotonic() + lock_timeout
    gate = _gate(path)
    check_store_file(path, short_ok=True)
    if read_only and not path.exists():  # a read-only connection cannot create the file: create it first
        path.parent.mkdir(parents=True, exist_ok=True)
        with gate.hold(True, deadline, path), _process_lock(path, True, deadline):
            if not path.exists():
                _migrated(path, lock_timeout, deadline)
    with contextlib.ExitStack() as stack:
        stack.enter_context(gate.hold(not read_only, deadline, path))
        stack.enter_context(_process_lock(path, not read_only, deadline))
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = _open(path, read_only, lock_timeout, deadline)
        stack.callback(lambda: con.close())
        if not _is_current(path):
            version = check_version(con, str(path))
            if version < latest_version():
                if read_only:  # upgrade as a writer (leaving the readers' side of the gate), then read
                    con.close()
                    stack.close()
                    with gate.hold(True, deadline, path), _process_lock(path, True, deadline):
                        _migrated(path, lock_timeout, deadline)
                    stack.enter_context(gate.hold(False, deadline, path))
                    stack.enter_context(_process_lock(path, False, deadline))
                    con = _open(path, True, lock_timeout, deadline)
                    stack.callback(lambda: con.close())
                else:
                    migrate(con, str(path))
            if read_only:
                # a writer's own changes move the stamp anyway; only reads are stamped while locked
                _remember_current(path)
        yield con


def _migrated(path: Path, lock_timeout: float, deadline: float) -> None:
    """Create or upgrade the file (the caller holds the writers' side of the gate)."""
    con = _open(path, False, lock_timeout, deadline)
    try:
        migrate(con, str(path))
    finally:
        con.close()
