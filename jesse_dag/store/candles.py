"""1-minute candles in the store: idempotent, atomic writes and Jesse's ``get_candles`` reads.

Rows are keyed by (exchange, symbol, timestamp). Storing the same candles twice changes nothing;
overlapping ranges keep one row per minute; a minute that is already stored with different values is
kept as stored and reported as a conflict (or refused, with ``on_conflict="error"``, or overwritten by the
incoming values, with ``on_conflict="replace"``). Each write is one transaction (or one per ``commit_every`` rows): a failure or a crash leaves the last committed state.

Example:
    >>> import tempfile, os
    >>> from jesse_dag.candles.synthetic import synthetic_market
    >>> db = os.path.join(tempfile.mkdtemp(), "s.duckdb")
    >>> m = synthetic_market(days=3, seed=1)
    >>> store_candles(m, "Binance", "BTC-USDT", db=db).rows_added
    4320
    >>> store_candles(m, "Binance", "BTC-USDT", db=db).rows_present
    4320
    >>> warmup, trading = get_candles("Binance", "BTC-USDT", "1h", m[0, 0] + 86_400_000, m[-1, 0], 24, db=db)
    >>> warmup.shape, trading.shape
    ((24, 6), (24, 6))
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa

from jesse_dag.candles.aggregate import group_by_clock
from jesse_dag.candles.columns import COLUMNS, ONE_DAY_MS, ONE_MINUTE_MS, TIMESTAMP
from jesse_dag.candles.importers import fill_rows
from jesse_dag.candles.timeframes import timeframe_to_minutes
from jesse_dag.candles.validate import count_missing, find_gaps, validate_candles
from jesse_dag.store.connection import DEFAULT_LOCK_TIMEOUT, connect, resolve_path
from jesse_dag.store.location import is_store_uri
from jesse_dag.store.parquet import parquet_store
from jesse_dag.store.transaction import transaction

Db = "str | os.PathLike | None"


class CandleNotFoundInDatabase(LookupError):
    """The market is unknown, or the requested range is not (completely) stored."""


class InvalidDateRange(ValueError):
    """The requested finish is not after the start."""


class StoreConflictError(ValueError):
    """Incoming candles disagree with stored ones and the caller asked for an error."""


# What to do with an incoming minute whose stored values differ: keep the stored row (and report it), replace
# it by the incoming one (in the same transaction as the rest of the write), or refuse the write.
ON_CONFLICT = ("keep", "replace", "error")


def check_on_conflict(on_conflict: str) -> None:
    """Raise ``ValueError`` unless ``on_conflict`` is one of :data:`ON_CONFLICT`.

    Example:
        >>> check_on_conflict("overwrite")
        Traceback (most recent call last):
        ...
        ValueError: on_conflict must be one of 'keep', 'replace', 'error'; got 'overwrite'
    """
    if on_conflict not in ON_CONFLICT:
        raise ValueError(f"on_conflict must be one of {', '.join(map(repr, ON_CONFLICT))}; got {on_conflict!r}")


def _iso(ts: int | float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(int(ts) / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


@dataclass
class ImportReport:
    """What an import did. ``gaps`` are inclusive (first, last) missing-minute timestamps inside the
    imported range; ``conflicts`` holds up to 10 examples ``(timestamp, stored row, incoming row)``;
    ``rows_replaced`` counts conflicting minutes overwritten by the incoming values (``on_conflict="replace"``)."""

    exchange: str
    symbol: str
    source: str = ""
    rows_in: int = 0
    rows_added: int = 0
    rows_present: int = 0
    rows_conflicting: int = 0
    rows_replaced: int = 0
    first_timestamp: int | None = None
    last_timestamp: int | None = None
    gaps: list[tuple[int, int]] = field(default_factory=list)
    conflicts: list[tuple[int, tuple, tuple]] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    @property
    def missing_minutes(self) -> int:
        return count_missing(self.gaps)

    def merge(self, other: "ImportReport") -> "ImportReport":
        """Add another report's counts to this one (for imports done in several files)."""
        self.rows_in += other.rows_in
        self.rows_added += other.rows_added
        self.rows_present += other.rows_present
        self.rows_conflicting += other.rows_conflicting
        self.rows_replaced += other.rows_replaced
        self.conflicts = (self.conflicts + other.conflicts)[:10]
        for ts_name, pick in (("first_timestamp", min), ("last_timestamp", max)):
            values = [v for v in (getattr(self, ts_name), getattr(other, ts_name)) if v is not None]
            setattr(self, ts_name, pick(values) if values else None)
        self.gaps = sorted(self.gaps + other.gaps)
        return self

    def summary(self) -> str:
        span = (f"{_iso(self.first_timestamp)} .. {_iso(self.last_timestamp)}"
                if self.first_timestamp is not None else "nothing")
        return (f"{self.exchange} {self.symbol} from {self.source or 'array'}: {span}; {self.rows_in} rows read, "
                f"{self.rows_added} added, {self.rows_present} already present, {self.rows_conflicting} "
                f"conflicting ({self._conflicts_fate()}), {len(self.gaps)} gap(s) ({self.missing_minutes} missing "
                f"minutes)")

    def _conflicts_fate(self) -> str:
        if not self.rows_replaced:
            return "kept as stored"
        if self.rows_replaced == self.rows_conflicting:
            return "replaced by the incoming values"
        return f"{self.rows_replaced} replaced by the incoming values"


def _arrow_column(values: np.ndarray, kind) -> pa.Array:
    # from_buffers wraps the numpy memory as it is; pa.array / pa.table would import pandas (~1-2 s, first call)
    return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(values)])


def _arrow_table(columns: dict[str, np.ndarray]) -> pa.Table:
    """Jesse's six columns (``timestamp`` int64 ms, the rest float64) as an Arrow table, zero-copy when the
    arrays are contiguous."""
    arrays = [_arrow_column(np.ascontiguousarray(columns["timestamp"], dtype=np.int64), pa.int64())]
    arrays += [_arrow_column(np.ascontiguousarray(columns[c], dtype=np.float64), pa.float64()) for c in COLUMNS[1:]]
    return pa.Table.from_arrays(arrays, names=list(COLUMNS))


def _columns(candles: np.ndarray) -> dict[str, np.ndarray]:
    return {c: candles[:, j] for j, c in enumerate(COLUMNS)}


def _arrow(candles: np.ndarray) -> pa.Table:
    return _arrow_table(_columns(candles))


def _market_id(con, exchange: str, symbol: str, create: bool) -> int | None:
    rows = con.execute("SELECT market_id FROM markets WHERE exchange = ? AND symbol = ?", [exchange, symbol]).fetchall()
    if rows:
        return int(rows[0][0])
    if not create:
        return None
    return int(con.execute(
        "INSERT INTO markets (exchange, symbol) VALUES (?, ?) RETURNING market_id", [exchange, symbol]
    ).fetchall()[0][0])


def _compare_incoming(con, market_id: int, lo: int, hi: int, with_examples: bool) -> tuple[int, int, list]:
    """(rows of the registered ``incoming`` table already stored, how many of them differ, up to 10 differing
    ones as ``(timestamp, stored o,c,h,l,v, incoming o,c,h,l,v)``) for the stored range ``lo .. hi``."""
    # the common case (nothing stored in the range yet) skips the overlap and conflict queries
    stored = con.execute(
        f"SELECT count(*) FROM candles_1m WHERE market_id = {int(market_id)} "
        f"AND timestamp BETWEEN {int(lo)} AND {int(hi)}"
    ).fetchall()[0][0]
    if not stored:
        return 0, 0, []
    present, conflicting = con.execute(
        """SELECT count(*), count(*) FILTER (WHERE NOT (c.open = i.open AND c.close = i.close
               AND c.high = i.high AND c.low = i.low AND c.volume = i.volume))
           FROM incoming i JOIN candles_1m c ON c.market_id = ? AND c.timestamp = i.timestamp""",
        [market_id],
    ).fetchall()[0]
    examples = []
    if conflicting and with_examples:
        examples = con.execute(
            """SELECT i.timestamp, c.open, c.close, c.high, c.low, c.volume,
                      i.open, i.close, i.high, i.low, i.volume
               FROM incoming i JOIN candles_1m c ON c.market_id = ? AND c.timestamp = i.timestamp
               WHERE NOT (c.open = i.open AND c.close = i.close AND c.high = i.high
                          AND c.low = i.low AND c.volume = i.volume)
               ORDER BY i.timestamp LIMIT 10""",
            [market_id],
        ).fetchall()
    return int(present), int(conflicting), examples


def _conflict_error(report: ImportReport, conflicting: int, examples: list) -> StoreConflictError:
    ts, *vals = examples[0]
    return StoreConflictError(
        f"{report.exchange} {report.symbol}: {conflicting} incoming minute(s) differ from stored "
        f"ones, first at {ts} ({_iso(ts)}): stored {tuple(vals[:5])}, incoming {tuple(vals[5:])} "
        f"(columns {', '.join(COLUMNS[1:])}); nothing was written"
    )


def _refuse_conflicts(con, exchange: str, symbol: str, table: pa.Table, lo: int, hi: int,
                      report: ImportReport) -> None:
    """Raise ``StoreConflictError`` before anything is written when any incoming minute differs from a stored
    one: with ``commit_every`` the chunks commit one by one, so a conflict in a later chunk must be found first."""
    market_id = _market_id(con, exchange, symbol, create=False)
    if market_id is None:
        return
    con.register("incoming", table)
    try:
        _present, conflicting, examples = _compare_incoming(con, market_id, lo, hi, with_examples=True)
    finally:
        con.unregister("incoming")
    if conflicting:
        raise _conflict_error(report, conflicting, examples)


def _write_chunk(con, market_id: int, chunk: pa.Table, lo: int, hi: int, on_conflict: str, report: ImportReport,
                 source: str) -> None:
    """Add one chunk (an Arrow table of Jesse's columns spanning ``lo .. hi``) inside the caller's transaction."""
    con.register("incoming", chunk)
    try:
        present, conflicting, examples = _compare_incoming(con, market_id, lo, hi, with_examples=True)
        if conflicting:
            if on_conflict == "error":
                raise _conflict_error(report, conflicting, examples)
            report.conflicts.extend((int(e[0]), tuple(e[1:6]), tuple(e[6:11])) for e in examples)
            report.conflicts = report.conflicts[:10]
            if on_conflict == "replace":  # inside the caller's transaction: all of the write, or none
                con.execute(
                    """UPDATE candles_1m c SET open = i.open, close = i.close, high = i.high, low = i.low,
                              volume = i.volume
                       FROM incoming i WHERE c.market_id = ? AND c.timestamp = i.timestamp
                         AND NOT (c.open = i.open AND c.close = i.close AND c.high = i.high
                                  AND c.low = i.low AND c.volume = i.volume)""",
                    [market_id],
                )
                report.rows_replaced += int(conflicting)
        if present:
            con.execute(
                """INSERT INTO candles_1m
                   SELECT ?, i.* FROM incoming i
                   ANTI JOIN (SELECT timestamp FROM candles_1m WHERE market_id = ? AND timestamp BETWEEN ? AND ?) c
                   ON i.timestamp = c.timestamp""",
                [market_id, market_id, lo, hi],
            )
        else:
            con.execute("INSERT INTO candles_1m SELECT ?, * FROM incoming", [market_id])
        added = chunk.num_rows - int(present)
        con.execute(
            "INSERT INTO imports (market_id, source, first_timestamp, last_timestamp, rows_added, rows_present,"
            " rows_conflicting) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [market_id, source, lo, hi, added, int(present), int(conflicting)],
        )
        report.rows_added += added
        report.rows_present += int(present)
        report.rows_conflicting += int(conflicting)
    finally:
        con.unregister("incoming")


def store_candles(
    candles: np.ndarray,
    exchange: str,
    symbol: str,
    *,
    db=None,
    source: str = "",
    on_conflict: str = "keep",
    commit_every: int | None = None,
    on_commit: Callable[[ImportReport], None] | None = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    name: str | None = None,
    row_label=None,
) -> ImportReport:
    """Validate 1-minute ``candles`` (gaps allowed, reported) and add them to the store; return what happened.

    Args:
        on_conflict: ``"keep"`` (default) keeps stored values and reports the disagreeing minutes;
            ``"replace"`` overwrites them with the incoming values (reported in ``rows_replaced``, in the
            same transaction as the rest of the write); ``"error"`` raises ``StoreConflictError`` and
            writes nothing (also with ``commit_every``: the whole input is compared with the store before
            the first chunk is written).
        commit_every: commit after this many rows (resumable long imports: a crash keeps what was
            committed). Default: the whole array in one transaction.
        on_commit: called with the running report after each commit.

    Example:
        >>> import tempfile, os
        >>> from jesse_dag.candles.synthetic import synthetic_market
        >>> db = os.path.join(tempfile.mkdtemp(), "s.duckdb")
        >>> store_candles(synthetic_market(days=1), "Sandbox", "BTC-USDT", db=db).summary()[:40]
        'Sandbox BTC-USDT from array: 2021-01-01 '
    """
    check_on_conflict(on_conflict)
    if not exchange or not symbol:
        raise ValueError("exchange and symbol must be non-empty")
    label = name or source or f"{exchange} {symbol}"
    validate_candles(candles, allow_gaps=True, name=label, row_label=row_label, plausible=True)
    return _store_columns(_columns(candles), exchange, symbol, db=db, source=source, on_conflict=on_conflict,
                          commit_every=commit_every, on_commit=on_commit, lock_timeout=lock_timeout)


def _store_columns(
    columns: dict[str, np.ndarray],
    exchange: str,
    symbol: str,
    *,
    db,
    source: str,
    on_conflict: str,
    commit_every: int | None,
    on_commit: Callable[[ImportReport], None] | None,
    lock_timeout: float,
) -> ImportReport:
    """The writing half of :func:`store_candles`, on already validated columns (also used by ``import_file``,
    which validates the file's columns in place instead of building an ``(N, 6)`` array)."""
    check_on_conflict(on_conflict)
    if not exchange or not symbol:
        raise ValueError("exchange and symbol must be non-empty")
    ts = np.ascontiguousarray(columns["timestamp"], dtype=np.int64)
    table = _arrow_table({**columns, "timestamp": ts})
    n = len(ts)
    report = ImportReport(exchange=exchange, symbol=symbol, source=source, rows_in=n,
                          first_timestamp=int(ts[0]), last_timestamp=int(ts[-1]))
    report.gaps = find_gaps(ts)
    parquet = parquet_store(db)
    if parquet is not None:  # month by month, each partition replaced atomically (commit_every: one month)
        parquet.store_candles(table, exchange, symbol, on_conflict, report, on_commit)
        return report
    step = n if not commit_every else int(commit_every)
    with connect(db, lock_timeout=lock_timeout) as con:
        # One thread writes a bulk insert as whole row groups; with several, DuckDB writes partial ones and
        # compacts them at the checkpoint on close, which costs more CPU than the parallel insert saves.
        con.execute("SET threads = 1")
        if on_conflict == "error" and step < n:
            _refuse_conflicts(con, exchange, symbol, table, int(ts[0]), int(ts[-1]), report)
        for start in range(0, n, step):
            stop = min(start + step, n)
            with transaction(con):
                market_id = _market_id(con, exchange, symbol, create=True)
                _write_chunk(con, market_id, table.slice(start, stop - start), int(ts[start]), int(ts[stop - 1]),
                             on_conflict, report, source)
            if on_commit is not None:
                on_commit(report)
    return report


@dataclass(frozen=True)
class MarketInfo:
    """A stored market: its range and row count (``gaps`` = rows missing between first and last)."""

    exchange: str
    symbol: str
    first_timestamp: int
    last_timestamp: int
    rows: int

    @property
    def missing_minutes(self) -> int:
        return (self.last_timestamp - self.first_timestamp) // ONE_MINUTE_MS + 1 - self.rows


def list_markets(db=None, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> list[MarketInfo]:
    """Every stored market with its first/last minute and row count.

    Example:
        >>> import tempfile, os
        >>> list_markets(os.path.join(tempfile.mkdtemp(), "empty.duckdb"))
        []
    """
    parquet = parquet_store(db)
    if parquet is not None:  # from the files' footers: no candle is read
        return [MarketInfo(*summary) for summary in parquet.market_summaries()]
    with connect(db, read_only=True, lock_timeout=lock_timeout, parts=("candles",)) as con:
        rows = con.execute(
            """SELECT m.exchange, m.symbol, min(c.timestamp), max(c.timestamp), count(*)
               FROM markets m JOIN candles_1m c USING (market_id)
               GROUP BY m.exchange, m.symbol ORDER BY m.exchange, m.symbol"""
        ).fetchall()
    return [MarketInfo(e, s, int(a), int(b), int(n)) for e, s, a, b, n in rows]


def _fetch(con, market_id: int, start: int, end: int) -> np.ndarray:
    """The stored rows of a market in ``start .. end`` (inclusive ms) as a sorted ``(N, 6)`` float64 array."""
    # Literal integers, not bound parameters: DuckDB prunes row groups by the literal range (a bound query
    # took 3x longer). Fetched as Arrow and copied once, column by column, into the preallocated result.
    table = con.sql(
        f"SELECT timestamp, open, close, high, low, volume FROM candles_1m "
        f"WHERE market_id = {int(market_id)} AND timestamp BETWEEN {int(start)} AND {int(end)}"
    ).to_arrow_table()
    out = np.empty((table.num_rows, 6), dtype=np.float64)
    row = 0
    for batch in table.to_batches():  # a batch's columns share its length (a table's chunks need not)
        n = batch.num_rows
        if n:
            views = [np.frombuffer(a.buffers()[1], dtype=np.int64 if j == TIMESTAMP else np.float64, count=n,
                                   offset=a.offset * 8) for j, a in enumerate(batch.columns)]
            fill_rows(out, row, *views)
        row += n
    # DuckDB keeps insertion order; rows imported out of order are sorted here (cheap check first)
    ts = out[:, TIMESTAMP]
    if len(out) > 1 and not (ts[1:] > ts[:-1]).all():
        out = out[np.argsort(ts, kind="stable")]
    return out


def _require_market(con, exchange: str, symbol: str) -> int:
    market_id = _market_id(con, exchange, symbol, create=False)
    if market_id is None:
        known = con.execute("SELECT exchange || ' ' || symbol FROM markets ORDER BY 1").fetchall()
        raise CandleNotFoundInDatabase(
            f"no candles stored for {symbol} on {exchange}; stored markets: "
            f"{', '.join(k[0] for k in known) or 'none'}"
        )
    return market_id


def _stored_span(con, market_id: int) -> str:
    lo, hi = con.execute("SELECT min(timestamp), max(timestamp) FROM candles_1m WHERE market_id = ?",
                         [market_id]).fetchall()[0]
    return f"{_iso(lo)} .. {_iso(hi)}" if lo is not None else "nothing"


def _check_complete(rows: np.ndarray, start: int, end: int, what: str, allow_gaps: bool,
                    span: Callable[[], str]) -> None:
    """Raise unless ``rows`` (sorted, unique, minute-aligned: the store keeps them so) cover ``start .. end``;
    ``span()`` describes what is stored, for the message (a query, so only run on failure)."""
    if len(rows) == 0:
        raise CandleNotFoundInDatabase(
            f"{what}: no candles between {_iso(start)} and {_iso(end)}; stored: {span()}"
        )
    if rows[0, TIMESTAMP] > start or rows[-1, TIMESTAMP] < end:
        raise CandleNotFoundInDatabase(
            f"{what}: requested {_iso(start)} .. {_iso(end)} is outside the stored data ({span()})"
        )
    # unique minutes inside start .. end: as many rows as minutes means none is missing
    if not allow_gaps and len(rows) != (end - start) // ONE_MINUTE_MS + 1:
        gaps = find_gaps(rows[:, TIMESTAMP])
        if gaps:
            shown = ", ".join(f"{_iso(a)}..{_iso(b)}" for a, b in gaps[:5])
            raise CandleNotFoundInDatabase(
                f"{what}: {count_missing(gaps)} missing minute(s) in {len(gaps)} gap(s) inside "
                f"{_iso(start)} .. {_iso(end)}: {shown}{' ...' if len(gaps) > 5 else ''} "
                f"(pass allow_gaps=True to accept them)"
            )


_CACHE: dict[tuple, tuple] = {}


def get_candles(
    exchange: str,
    symbol: str,
    timeframe: str,
    start_date_timestamp: int,
    finish_date_timestamp: int,
    warmup_candles_num: int = 0,
    caching: bool = False,
    is_for_jesse: bool = False,
    *,
    db=None,
    allow_gaps: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> tuple[np.ndarray | None, np.ndarray]:
    """Jesse's ``research.get_candles``: ``(warmup_candles or None, trading_candles)`` from the store.

    - Trading range: the start floored to its UTC day .. the finish floored to its UTC day minus one
      minute (the finish day is excluded).
    - Warmup (``warmup_candles_num > 0``): with ``timeframe == "1m"`` or ``is_for_jesse``, the 1m rows of
      the last ``warmup_candles_num`` completed clock-aligned ``timeframe`` buckets before the start
      (Jesse 3.5.3); otherwise the ``warmup_candles_num × timeframe`` minutes before the start.
    - Output: 1m rows when ``timeframe == "1m"`` or ``is_for_jesse``; otherwise both arrays aggregated to
      ``timeframe`` in clock-aligned buckets, completed ones only (Jesse 3.5.3's
      ``generate_completed_candles_from_observed_minutes``).
    - Errors (``CandleNotFoundInDatabase``): unknown market, a range not completely stored, missing
      minutes inside it (unless ``allow_gaps``). ``InvalidDateRange``: the finish is not after the start.
    - ``caching=True`` keeps results in memory for this process, invalidated by any write to the file.
    - ``db``: the store file (default ``storage/jesse_dag.duckdb`` in the current directory).

    Example:
        >>> import tempfile, os
        >>> from jesse_dag.candles.synthetic import synthetic_market
        >>> db = os.path.join(tempfile.mkdtemp(), "s.duckdb")
        >>> m = synthetic_market(days=2)
        >>> _ = store_candles(m, "Sandbox", "BTC-USDT", db=db)
        >>> warmup, trading = get_candles("Sandbox", "BTC-USDT", "1m", m[0, 0], m[-1, 0] + 60_000, db=db)
        >>> warmup is None, trading.shape
        (True, (2880, 6))
    """
    minutes = timeframe_to_minutes(timeframe)
    if warmup_candles_num < 0:
        raise ValueError(f"warmup_candles_num must be >= 0, got {warmup_candles_num}")
    start = int(start_date_timestamp) // ONE_DAY_MS * ONE_DAY_MS
    end = int(finish_date_timestamp) // ONE_DAY_MS * ONE_DAY_MS - ONE_MINUTE_MS
    if end < start:
        raise InvalidDateRange(
            f"finish date {_iso(finish_date_timestamp)} must be at least one day after start date "
            f"{_iso(start_date_timestamp)} (the finish day is excluded)"
        )
    path = db if is_store_uri(db) else resolve_path(db)
    key = None
    if caching and not is_store_uri(db) and path.exists():
        stat = path.stat()
        wal = Path(str(path) + ".wal")
        wal_stamp = wal.stat().st_mtime_ns if wal.exists() else 0
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, wal_stamp, exchange, symbol, timeframe,
               start, end, warmup_candles_num, is_for_jesse, allow_gaps)
        if key in _CACHE:
            w, t = _CACHE[key]
            return (None if w is None else w.copy()), t.copy()

    what = f"{symbol} on {exchange}"
    one_minute_out = timeframe == "1m" or is_for_jesse
    tf_ms = minutes * ONE_MINUTE_MS
    # the oldest minute the warm-up query may look at (with gaps it looks 64 times further back)
    first_read = start - (warmup_candles_num + 1) * tf_ms * (64 if allow_gaps and one_minute_out else 1)
    parquet = parquet_store(db)
    with connect(path, read_only=True, lock_timeout=lock_timeout, parts=("candles",), span=(first_read, end),
                 market=(exchange, symbol)) as con:
        market_id = _require_market(con, exchange, symbol)

        def span() -> str:
            if parquet is not None:  # the connection holds the months read only: ask the store
                lo_hi = parquet.stored_span(exchange, symbol)
                return f"{_iso(lo_hi[0])} .. {_iso(lo_hi[1])}" if lo_hi else "nothing"
            return _stored_span(con, market_id)

        trading = _fetch(con, market_id, start, end)
        _check_complete(trading, start, end, what, allow_gaps, span)
        warmup = None
        if warmup_candles_num > 0:
            if one_minute_out:
                buckets = con.execute(
                    f"""SELECT DISTINCT timestamp // {tf_ms} * {tf_ms} AS b FROM candles_1m
                        WHERE market_id = ? AND timestamp < ? AND timestamp // {tf_ms} * {tf_ms} + {tf_ms} <= ?
                          AND timestamp >= ?
                        ORDER BY b DESC LIMIT ?""",
                    [market_id, start, start, start - (warmup_candles_num + 1) * tf_ms * (1 if not allow_gaps else 64),
                     warmup_candles_num],
                ).fetchall()
                if len(buckets) < warmup_candles_num:
                    raise CandleNotFoundInDatabase(
                        f"{what}: only {len(buckets)} of {warmup_candles_num} required completed {timeframe} "
                        f"warmup candles are stored before {_iso(start)} (stored: {span()})"
                    )
                warmup_start = int(buckets[-1][0])
            else:
                warmup_start = start - warmup_candles_num * tf_ms
            warmup = _fetch(con, market_id, warmup_start, start - ONE_MINUTE_MS)
            _check_complete(warmup, warmup_start, start - ONE_MINUTE_MS, f"{what} (warmup)",
                            allow_gaps or one_minute_out, span)
    if not one_minute_out:
        trading = group_by_clock(trading, timeframe)
        if warmup is not None:
            warmup = group_by_clock(warmup, timeframe)
    if key is not None:
        _CACHE[key] = (warmup, trading)
        return (None if warmup is None else warmup.copy()), trading.copy()
    return warmup, trading


def load_candles(exchange: str, symbol: str, start: int | None = None, end: int | None = None, *, db=None,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> np.ndarray:
    """The stored 1m rows of a market between ``start`` and ``end`` (inclusive ms; default: everything).

    Unlike :func:`get_candles` this does not floor to days and does not check for gaps.

    Example:
        >>> import tempfile, os
        >>> from jesse_dag.candles.synthetic import synthetic_market
        >>> db = os.path.join(tempfile.mkdtemp(), "s.duckdb")
        >>> _ = store_candles(synthetic_market(days=1), "Sandbox", "ETH-USDT", db=db)
        >>> load_candles("Sandbox", "ETH-USDT", db=db).shape
        (1440, 6)
    """
    lo, hi = -(2**62) if start is None else int(start), 2**62 if end is None else int(end)
    span = None if start is None or end is None else (lo, hi)
    with connect(db, read_only=True, lock_timeout=lock_timeout, parts=("candles",), span=span,
                 market=(exchange, symbol)) as con:
        market_id = _require_market(con, exchange, symbol)
        return _fetch(con, market_id, lo, hi)


def stored_minutes(exchange: str, symbol: str, start: int, end: int, *, db=None,
                   lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> int:
    """How many of the minutes ``start .. end`` (inclusive) are stored for a market (0 if unknown)."""
    path = db if is_store_uri(db) else resolve_path(db)
    if not is_store_uri(db) and not path.exists():
        return 0
    with connect(path, read_only=True, lock_timeout=lock_timeout, parts=("candles",),
                 span=(int(start), int(end)), market=(exchange, symbol)) as con:
        market_id = _market_id(con, exchange, symbol, create=False)
        if market_id is None:
            return 0
        return int(con.execute(
            "SELECT count(*) FROM candles_1m WHERE market_id = ? AND timestamp BETWEEN ? AND ?",
            [market_id, int(start), int(end)],
        ).fetchall()[0][0])


def export_parquet(exchange: str, symbol: str, path: str | os.PathLike, *, start: int | None = None,
                   end: int | None = None, db=None, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> int:
    """Write a market's 1m candles to a Parquet file (columns ``timestamp`` int64 ms, then Jesse's order,
    sorted by timestamp); returns the number of rows.

    Example:
        >>> import tempfile, os
        >>> from jesse_dag.candles.synthetic import synthetic_market
        >>> d = tempfile.mkdtemp(); db = os.path.join(d, "s.duckdb")
        >>> _ = store_candles(synthetic_market(days=1), "Sandbox", "BTC-USDT", db=db)
        >>> export_parquet("Sandbox", "BTC-USDT", os.path.join(d, "btc.parquet"), db=db)
        1440
    """
    import pyarrow.parquet as pq

    rows = load_candles(exchange, symbol, start, end, db=db, lock_timeout=lock_timeout)
    table = _arrow(rows)
    table = table.replace_schema_metadata({"exchange": exchange, "symbol": symbol, "timestamp_unit": "ms"})
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, str(path))
    return len(rows)


def read_parquet_candles(path: str | os.PathLike, start: int | None = None, end: int | None = None) -> np.ndarray:
    """Read 1m candles straight from Parquet files through DuckDB (a path or glob, as written by
    :func:`export_parquet`), sorted, in Jesse's column order. No store is involved.

    Example:
        >>> import tempfile, os
        >>> from jesse_dag.candles.synthetic import synthetic_market
        >>> d = tempfile.mkdtemp(); db = os.path.join(d, "s.duckdb")
        >>> _ = store_candles(synthetic_market(days=1), "Sandbox", "BTC-USDT", db=db)
        >>> _ = export_parquet("Sandbox", "BTC-USDT", os.path.join(d, "btc.parquet"), db=db)
        >>> read_parquet_candles(os.path.join(d, "*.parquet"), end=1_609_459_200_000 + 59 * 60_000).shape
        (60, 6)
    """
    import duckdb

    where = []
    if start is not None:
        where.append(f"timestamp >= {int(start)}")
    if end is not None:
        where.append(f"timestamp <= {int(end)}")
    sql = (f"SELECT timestamp::DOUBLE AS timestamp, open, close, high, low, volume FROM read_parquet(?) "
           f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY timestamp")
    con = duckdb.connect()
    try:
        result = con.execute(sql, [str(path)]).fetchnumpy()
    finally:
        con.close()
    return np.column_stack([np.asarray(result[c], dtype=np.float64) for c in COLUMNS]) if len(result["timestamp"]) \
        else np.zeros((0, 6))
