"""Importing candle files and Binance's archive into the store, with a report of what happened.

Example:
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> p = os.path.join(d, "c.csv")
    >>> _ = open(p, "w").write("timestamp,open,high,low,close,volume\\n1609459200000,10,12,9,11,5\\n")
    >>> r = import_file(p, "Sandbox", "BTC-USDT", db=os.path.join(d, "s.duckdb"))
    >>> r.rows_added, r.details["timestamp_unit"]
    (1, 'ms')
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Callable, Sequence

from jesse_dag.candles.binance import DEFAULT_BASE_URL, archive_url, download_verified
from jesse_dag.candles.columns import COLUMNS, ONE_MINUTE_MS
from jesse_dag.candles.importers import read_candle_columns
from jesse_dag.candles.validate import validate_columns
from jesse_dag.store.candles import ImportReport, _store_columns, check_on_conflict, stored_minutes
from jesse_dag.store.connection import DEFAULT_LOCK_TIMEOUT


def import_file(
    path: str | os.PathLike,
    exchange: str,
    symbol: str,
    *,
    db=None,
    columns: Sequence[str] | None = None,
    timestamp_unit: str | None = None,
    on_conflict: str = "keep",
    commit_every: int | None = None,
    on_commit: Callable[[ImportReport], None] | None = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> ImportReport:
    """Read one candle file (see ``read_candles_file``) and store it; the report says rows added, rows
    already present, conflicts, gaps, and (in ``details``) the layout and timestamp unit used.

    Bad rows are refused before anything is written, naming the file, row and line.
    """
    check_on_conflict(on_conflict)
    if not exchange or not symbol:
        raise ValueError("exchange and symbol must be non-empty")
    # The file's columns are validated and inserted as they are (Arrow buffers seen through numpy): the same
    # checks and messages as store_candles, without building and splitting an (N, 6) array on the way.
    cols, info = read_candle_columns(path, columns=columns, timestamp_unit=timestamp_unit)
    validate_columns(*(cols[c] for c in COLUMNS), allow_gaps=True, name=str(path), plausible=True,
                     row_label=lambda r: f"line {r + 1 + info.header_lines}")
    report = _store_columns(cols, exchange, symbol, db=db, source=str(path), on_conflict=on_conflict,
                            commit_every=commit_every, on_commit=on_commit, lock_timeout=lock_timeout)
    report.details.update(layout=info.layout, columns=info.columns, timestamp_unit=info.timestamp_unit,
                          timestamp_unit_detected=info.timestamp_unit_detected)
    return report


def _periods(start: dt.date, finish: dt.date) -> list[str]:
    """Monthly periods for whole months in [start, finish), daily ones for the rest."""
    out: list[str] = []
    day = start
    while day < finish:
        month_end = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if day.day == 1 and month_end <= finish:
            out.append(day.strftime("%Y-%m"))
            day = month_end
        else:
            out.append(day.strftime("%Y-%m-%d"))
            day += dt.timedelta(days=1)
    return out


def _period_span(period: str) -> tuple[int, int]:
    if len(period) == 7:
        first = dt.datetime.strptime(period, "%Y-%m").replace(tzinfo=dt.timezone.utc)
        nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    else:
        first = dt.datetime.strptime(period, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
        nxt = first + dt.timedelta(days=1)
    return int(first.timestamp() * 1000), int(nxt.timestamp() * 1000) - ONE_MINUTE_MS


def import_binance_archive(
    exchange: str,
    symbol: str,
    start_date: str,
    finish_date: str,
    *,
    market: str = "spot",
    base_url: str = DEFAULT_BASE_URL,
    db=None,
    download_dir: str | os.PathLike | None = None,
    session=None,
    on_conflict: str = "keep",
    progress: Callable[[str, str], None] | None = None,
) -> ImportReport:
    """Download Binance 1m kline zips for ``[start_date, finish_date)`` (``YYYY-MM-DD``), verify their
    checksums and store them, one transaction per file. Resumable: a period whose minutes are all stored
    already is not fetched again. Whole months use monthly files; the rest daily ones (also when a
    monthly file is not published yet).

    ``symbol`` is Jesse's ``BTC-USDT``; the archive's ``BTCUSDT`` is derived from it.
    ``details['fetched']`` / ``details['skipped']`` / ``details['missing']`` list the periods.
    """
    start, finish = _day(start_date, "start_date"), _day(finish_date, "finish_date")
    if finish <= start:
        raise ValueError(f"finish_date {finish_date} must be after start_date {start_date}")
    remote = symbol.replace("-", "").replace("/", "").upper()
    report = ImportReport(exchange=exchange, symbol=symbol, source=f"{base_url} {market} {remote}")
    fetched: list[str] = []
    skipped: list[str] = []
    missing: list[str] = []
    tmp = tempfile.TemporaryDirectory() if download_dir is None else None
    folder = Path(download_dir) if download_dir is not None else Path(tmp.name)
    try:
        queue = _periods(start, finish)
        while queue:
            period = queue.pop(0)
            lo, hi = _period_span(period)
            expected = (hi - lo) // ONE_MINUTE_MS + 1
            if stored_minutes(exchange, symbol, lo, hi, db=db) == expected:
                skipped.append(period)
                if progress:
                    progress(period, "already stored")
                continue
            path = download_verified(archive_url(base_url, market, remote, period), folder, session=session)
            if path is None:
                if len(period) == 7:  # monthly file not published (yet): fall back to its days
                    queue = _each_day(dt.date.fromisoformat(period + "-01"), period) + queue
                    continue
                missing.append(period)
                if progress:
                    progress(period, "not published")
                continue
            part = import_file(path, exchange, symbol, db=db, on_conflict=on_conflict)
            part.gaps = []
            report.merge(part)
            report.details.setdefault("timestamp_units", {})[period] = part.details["timestamp_unit"]
            fetched.append(period)
            if progress:
                progress(period, f"{part.rows_added} rows added")
    finally:
        if tmp is not None:
            tmp.cleanup()
    lo = int(dt.datetime(start.year, start.month, start.day, tzinfo=dt.timezone.utc).timestamp() * 1000)
    hi = int(dt.datetime(finish.year, finish.month, finish.day, tzinfo=dt.timezone.utc).timestamp() * 1000) - ONE_MINUTE_MS
    if fetched or skipped:
        from jesse_dag.candles.validate import find_gaps
        from jesse_dag.store.candles import load_candles

        stored = load_candles(exchange, symbol, lo, hi, db=db)
        report.gaps = find_gaps(stored[:, 0], start=lo, end=hi)
    report.details.update(fetched=fetched, skipped=skipped, missing=missing)
    return report


def period_days(period: str) -> int:
    """Days in a period of the archive: ``YYYY-MM`` (a month) or ``YYYY-MM-DD`` (a day); for progress.

    Example:
        >>> period_days("2024-02"), period_days("2024-02-03")
        (29, 1)
    """
    if len(period) == 10:
        return 1
    first = dt.date.fromisoformat(period + "-01")
    return ((first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - first).days


def _day(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-01-31") from None


def _each_day(first: dt.date, period: str) -> list[str]:
    out = []
    day = first
    while day.strftime("%Y-%m") == period:
        out.append(day.isoformat())
        day += dt.timedelta(days=1)
    return out
