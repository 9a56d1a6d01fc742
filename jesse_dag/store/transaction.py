"""One store transaction whose failure is never hidden by a failing rollback.

Example:
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> with transaction(con):
    ...     _ = con.execute("CREATE TABLE t (x INTEGER)")
    >>> con.execute("SELECT count(*) FROM t").fetchall()
    [(0,)]
"""
from __future__ import annotations

import contextlib
from typing import Iterator

import duckdb


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """``BEGIN`` .. ``COMMIT``, or ``ROLLBACK`` on any exception (Ctrl-C included), re-raising that exception.

    If the rollback fails too (a full disk, a transaction DuckDB already aborted) the original error is the
    one raised, with the rollback's failure added as a note: the cause is never replaced.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException as exc:
        try:
            con.execute("ROLLBACK")
        except Exception as rollback_error:  # noqa: BLE001 - kept as a note; the original error matters
            if "no transaction is active" not in str(rollback_error):  # DuckDB rolled back already
                exc.add_note(f"(the rollback after this error failed too: {rollback_error})")
        raise
