"""The Parquet backend of the store: everything under one URI (a folder or an S3-API bucket), DuckDB to query.

Layout under the store's root::

    candles/exchange=<X>/symbol=<Y>/month=<YYYY-MM>/part.parquet   1-minute candles, one file per market-month
    samples/<dataset_id>.parquet                                    one gathered data set (content-addressed)
    datasets/<dataset_id>.json                                      its strategy, routes, CSV and gather lineage
    registry/<sequence>.json                                        one registration (the last of a bundle_id wins)
    deployments/<sequence>.json                                     one deployment (append-only history)
    claims/<strategy>/<version>                                     bundle versions taken (see claim_version)
    bundles/<strategy>/<version>/...                                the registered bundle folder's files
    reports/<pipeline>/...                                          reports (published by the Dagster IO manager)
    io/...                                                          values Dagster passes between steps

How writes stay safe with several writers and no server:

- A candle partition is written whole to a temporary key, then moved onto ``part.parquet`` (an ``os.replace``
  locally; on S3 a server-side copy, which makes the object appear whole, then the temporary key is deleted):
  a reader sees the old partition or the new one, never half of one. Readers only read ``part.parquet`` keys.
- Keys that must be unique (a registration's or deployment's sequence number, a data set, a bundle version)
  are created with put-if-absent: ``os.link`` of a finished temporary file locally (fails if the name
  exists), ``If-None-Match: *`` on S3 (the server refuses a second create with 412). A writer that loses
  takes the next number. So two workers registering at once both land, in one order every reader sees.
- One writer per market-month at a time (Dagster's month partitions are separate steps); two processes
  rewriting the same month at the same instant may lose one's rows (the other's write wins whole).

Reads build an in-memory DuckDB database with the store's schema (the same tables as the DuckDB file), so
every read function of the store runs its own SQL on either backend: ``candles_1m`` over the months (and the
market) a query needs (DuckDB reads a folder's files itself; from S3 they are fetched at once into Arrow),
``ml_samples`` a view over the samples' files (read through the s3fs filesystem registered with DuckDB, since
DuckDB's ``httpfs`` extension cannot be installed here), the small tables (markets, registry, deployments,
data sets) filled from their JSON keys.

Example:
    >>> import tempfile
    >>> from jesse_dag.candles.synthetic import synthetic_market
    >>> from jesse_dag.store import list_markets, store_candles
    >>> db = folder_uri(tempfile.mkdtemp())
    >>> store_candles(synthetic_market(days=2, seed=1), "Sandbox", "BTC-USDT", db=db).rows_added
    2880
    >>> [(m.symbol, m.rows) for m in list_markets(db)]
    [('BTC-USDT', 2880)]
"""
from __future__ import annotations

import io
import json
import os
import posixpath
import re
import uuid
from contextlib import suppress
from typing import Callable, Iterable
from urllib.parse import quote, unquote

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from jesse_dag.candles.columns import COLUMNS
from jesse_dag.store.location import ParquetLocation, folder_uri, parquet_location  # noqa: F401 - folder_uri: API

PART = "part.parquet"
_SEQ_DIGITS = 12


def _quote(value: str) -> str:
    """A name as one path segment (``/``, ``=``, spaces and the like escaped, readable otherwise)."""
    return quote(str(value), safe="-_.@+")


def _month(ts_ms: np.ndarray) -> np.ndarray:
    return np.asarray(ts_ms, dtype=np.int64).astype("datetime64[ms]").astype("datetime64[M]")


class ParquetStore:
    """The store under one :class:`ParquetLocation`; see the module's docstring for the layout."""

    def __init__(self, location: ParquetLocation):
        self.loc = location
        self.fs = location.filesystem()

    # ── keys ──────────────────────────────────────────────────────────────────────────────────────────

    def _list(self, *parts: str) -> list[str]:
        """The names directly under ``parts`` (files and folders), sorted; empty if there is no such folder."""
        folder = self.loc.key(*parts)
        try:
            found = self.fs.ls(folder, detail=False)
        except FileNotFoundError:
            return []
        names = (posixpath.basename(p.rstrip("/")) for p in found)
        return sorted(name for name in names if name)

    def _read_bytes(self, path: str) -> bytes:
        return self.fs.cat_file(path)

    def _tmp(self, final: str) -> str:
        # locally beside the target (same folder: a rename within one filesystem); on S3 under _tmp/, which no
        # reader lists
        name = f".tmp-{uuid.uuid4().hex}"
        if self.loc.protocol == "file":
            return f"{final}{name}"
        return self.loc.key("_tmp", name)

    def put_atomic(self, path: str, data: bytes) -> None:
        """Write ``data`` at ``path`` so that readers see the old object or the new one, never a part."""
        tmp = self._tmp(path)
        if self.loc.protocol == "file":
            os.makedirs(os.path.dirname(path), exist_ok=True)
            try:
                _write_synced(tmp, data)
                os.replace(tmp, path)
            except BaseException:
                with suppress(OSError):
                    os.unlink(tmp)
                raise
            return
        self.fs.pipe_file(tmp, data)
        try:
            self.fs.copy(tmp, path)
        finally:
            with suppress(OSError):
                self.fs.rm_file(tmp)

    def put_if_absent(self, path: str, data: bytes) -> bool:
        """Create ``path`` with ``data`` unless it exists; ``True`` if this call created it. Atomic against
        other processes and machines (see the module's docstring)."""
        if self.loc.protocol == "file":
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = self._tmp(path)
            try:
                _write_synced(tmp, data)
                os.link(tmp, path)
                return True
            except FileExistsError:
                return False
            finally:
                with suppress(OSError):
                    os.unlink(tmp)
        try:
            self.fs.pipe_file(path, data, IfNoneMatch="*")
            return True
        except FileExistsError:
            return False

    def _append_numbered(self, folder: str, record: dict) -> int:
        """Add ``record`` as ``<folder>/<n>.json`` with ``n`` one more than the last; returns ``n``. Two writers
        at once: one creates ``n``, the other finds it taken and tries ``n + 1``."""
        names = [n for n in self._list(folder) if re.fullmatch(r"\d+\.json", n)]
        seq = int(names[-1][:-5]) + 1 if names else 1
        while True:
            payload = json.dumps({**record, "sequence": seq}, sort_keys=True).encode()
            if self.put_if_absent(self.loc.key(folder, f"{seq:0{_SEQ_DIGITS}d}.json"), payload):
                return seq
            seq += 1

    def _numbered(self, folder: str) -> list[dict]:
        names = [n for n in self._list(folder) if re.fullmatch(r"\d+\.json", n)]
        blobs = self.fs.cat([self.loc.key(folder, n) for n in names]) if names else {}
        return sorted((json.loads(b) for b in blobs.values()), key=lambda r: r["sequence"])

    # ── candles ───────────────────────────────────────────────────────────────────────────────────────

    def _market_dir(self, exchange: str, symbol: str) -> str:
        return self.loc.key("candles", f"exchange={_quote(exchange)}", f"symbol={_quote(symbol)}")

    def candle_files(self) -> dict[tuple[str, str], list[str]]:
        """Every stored market's months (``YYYY-MM``, sorted), from one recursive listing of ``candles/``
        (a single paginated request on S3, however many markets and months)."""
        root = self.loc.key("candles")
        try:
            found = self.fs.find(root)
        except FileNotFoundError:
            return {}
        out: dict[tuple[str, str], list[str]] = {}
        for path in found:
            parts = path[len(root):].strip("/").split("/")
            if len(parts) == 4 and parts[3] == PART and parts[0].startswith("exchange=") \
                    and parts[1].startswith("symbol=") and parts[2].startswith("month="):
                out.setdefault((unquote(parts[0][9:]), unquote(parts[1][7:])), []).append(parts[2][6:])
        return {k: sorted(v) for k, v in sorted(out.items())}

    def markets(self) -> list[tuple[str, str]]:
        """Every stored ``(exchange, symbol)`` with at least one month, sorted."""
        return list(self.candle_files())

    def market_summaries(self) -> list[tuple[str, str, int, int, int]]:
        """``(exchange, symbol, first minute, last minute, rows)`` of every market, from the Parquet footers only
        (row counts and the timestamp column's statistics): no candle is read, however long the history."""
        from concurrent.futures import ThreadPoolExecutor

        files = self.candle_files()
        paths = [self._partition(e, s, m) for (e, s), months in files.items() for m in months]

        def footer(path: str):
            with self.fs.open(path, "rb") as fh:
                meta = pq.read_metadata(fh)
            stats = [meta.row_group(i).column(0).statistics for i in range(meta.num_row_groups)]
            return meta.num_rows, min(int(st.min) for st in stats), max(int(st.max) for st in stats)

        with ThreadPoolExecutor(max_workers=16) as pool:
            footers = dict(zip(paths, pool.map(footer, paths)))
        out = []
        for (exchange, symbol), months in files.items():
            got = [footers[self._partition(exchange, symbol, m)] for m in months]
            out.append((exchange, symbol, min(g[1] for g in got), max(g[2] for g in got), sum(g[0] for g in got)))
        return out

    def stored_span(self, exchange: str, symbol: str) -> tuple[int, int] | None:
        """The first and last stored minute of a market (from its first and last month), or ``None``."""
        months = self.candle_files().get((exchange, symbol))
        if not months:
            return None
        first, last = self.read_partition(exchange, symbol, months[0]), self.read_partition(exchange, symbol, months[-1])
        return int(first[0, 0]), int(last[-1, 0])

    def _partition(self, exchange: str, symbol: str, month: str) -> str:
        return f"{self._market_dir(exchange, symbol)}/month={month}/{PART}"

    def read_partition(self, exchange: str, symbol: str, month: str) -> np.ndarray | None:
        """A stored month as a sorted ``(N, 6)`` float64 array in Jesse's column order, or ``None``."""
        path = self._partition(exchange, symbol, month)
        try:
            data = self._read_bytes(path)
        except FileNotFoundError:
            return None
        table = pq.read_table(io.BytesIO(data))
        return np.column_stack([table.column(c).to_numpy().astype(np.float64) for c in COLUMNS])

    def write_partition(self, exchange: str, symbol: str, month: str, rows: np.ndarray) -> None:
        """Replace a month's file by ``rows`` (sorted) atomically."""
        from jesse_dag.store.candles import _arrow

        table = _arrow(rows).replace_schema_metadata(
            {"exchange": exchange, "symbol": symbol, "month": month, "timestamp_unit": "ms"})
        buf = io.BytesIO()
        pq.write_table(table, buf)
        self.put_atomic(self._partition(exchange, symbol, month), buf.getvalue())

    def store_candles(self, table: pa.Table, exchange: str, symbol: str, on_conflict: str, report,
                      on_commit: Callable | None = None) -> None:
        """Add the validated, sorted candles of ``table`` month by month; fills ``report`` as the DuckDB
        backend does. With ``on_conflict="error"`` every month is compared before any is written."""
        from jesse_dag.store.candles import _conflict_error

        incoming = np.column_stack([table.column(c).to_numpy().astype(np.float64) for c in COLUMNS])
        months = _month(incoming[:, 0].astype(np.int64))
        bounds = np.flatnonzero(months[1:] != months[:-1]) + 1
        plans = []
        all_examples: list = []
        total_conflicting = 0
        for chunk in np.split(incoming, bounds):
            month = str(_month(chunk[:1, 0].astype(np.int64))[0])
            stored = self.read_partition(exchange, symbol, month)
            present, conflicting, examples, merged = _merge(stored, chunk, on_conflict)
            plans.append((month, chunk, stored, present, conflicting, examples, merged))
            total_conflicting += conflicting
            all_examples += examples
        if total_conflicting and on_conflict == "error":
            raise _conflict_error(report, total_conflicting, sorted(all_examples)[:10])
        for month, chunk, stored, present, conflicting, examples, merged in plans:
            added = len(chunk) - present
            replaced = conflicting if on_conflict == "replace" else 0
            if added or replaced:  # the same candles again write nothing
                self.write_partition(exchange, symbol, month, merged)
            report.conflicts = (report.conflicts + [(int(e[0]), tuple(e[1:6]), tuple(e[6:11])) for e in examples])[:10]
            report.rows_added += added
            report.rows_present += present
            report.rows_conflicting += conflicting
            report.rows_replaced += replaced
            if on_commit is not None:
                on_commit(report)

    # ── samples, data sets, registry, deployments ─────────────────────────────────────────────────────

    def store_samples(self, dataset_id: str, rows: pa.Table, meta: dict) -> int:
        """Store one data set's rows (content-addressed: a second store adds nothing) and its description;
        returns how many rows were already stored."""
        buf = io.BytesIO()
        pq.write_table(rows, buf)
        created = self.put_if_absent(self.loc.key("samples", f"{dataset_id}.parquet"), buf.getvalue())
        meta_key = self.loc.key("datasets", f"{dataset_id}.json")
        if not self.put_if_absent(meta_key, json.dumps(meta, sort_keys=True).encode()):
            old = json.loads(self._read_bytes(meta_key))
            # a later gather may add the CSV or the lineage (as the DuckDB backend's coalesce)
            new = {**old, **{k: meta[k] for k in ("csv_path", "lineage") if old.get(k) is None and meta.get(k) is not None}}
            if new != old:
                self.put_atomic(meta_key, json.dumps(new, sort_keys=True).encode())
        return 0 if created else rows.num_rows

    def register(self, row: dict) -> int:
        """Append one registration (the columns of ``model_registry`` but the sequence); returns its sequence."""
        return self._append_numbered("registry", row)

    def record_deployment(self, strategy: str, bundle_id: str, deployed_at: str | None) -> int:
        return self._append_numbered("deployments", {"strategy": strategy, "bundle_id": bundle_id,
                                                     "deployed_at": deployed_at})

    def has_registry(self) -> bool:
        return bool(self._list("registry") or self._list("deployments"))

    def claim(self, strategy: str, version: str) -> bool:
        """Take ``version`` of ``strategy`` for this caller; ``False`` if another caller had taken it."""
        return self.put_if_absent(self.loc.key("claims", _quote(strategy), version), b"")

    def claimed_versions(self, strategy: str) -> list[str]:
        return self._list("claims", _quote(strategy))

    def upload_folder(self, local: str, *parts: str) -> str:
        """Copy the files of a local folder (a bundle) under ``parts``; returns the folder's URL."""
        target = self.loc.key(*parts)
        for name in sorted(os.listdir(local)):
            path = os.path.join(local, name)
            if os.path.isfile(path):
                with open(path, "rb") as fh:
                    self.put_atomic(f"{target}/{name}", fh.read())
        return self.loc.url(target)

    def download_folder(self, local: str, *parts: str) -> list[str]:
        """Copy the files under ``parts`` into the local folder ``local`` (made whole beside it, then renamed
        into place: a crash leaves no half folder); returns the names copied (none: nothing is stored there)."""
        import shutil
        import tempfile

        names = [n for n in self._list(*parts) if n and ".tmp-" not in n]  # not a write under way
        if not names:
            return []
        os.makedirs(os.path.dirname(os.path.abspath(local)), exist_ok=True)
        staging = tempfile.mkdtemp(prefix=f".{os.path.basename(local)}.", dir=os.path.dirname(os.path.abspath(local)))
        try:
            blobs = self.fs.cat([self.loc.key(*parts, n) for n in names])
            for n in names:
                with open(os.path.join(staging, n), "wb") as fh:
                    fh.write(blobs[self.loc.key(*parts, n)])
            os.rename(staging, local)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return names

    # ── the read connection ───────────────────────────────────────────────────────────────────────────

    def read_connection(self, parts: Iterable[str] = ("candles", "ml"), span: tuple[int, int] | None = None,
                        market: tuple[str, str] | None = None) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB database with the store's schema over this location (see the module's docstring).

        ``parts``: ``candles`` (markets, candles_1m) and/or ``ml`` (samples, data sets, registry, deployments);
        tables of a part left out stay empty. ``span`` (inclusive ms): ``candles_1m`` covers only the months that
        overlap it; ``market`` (exchange, symbol): only that market's candles (every market is still listed in
        ``markets``). Locally DuckDB reads the files; from S3 the months read are fetched at once (concurrent
        GETs) into Arrow, which DuckDB queries in memory: reading through the fsspec filesystem registered with
        DuckDB costs a round trip per footer and row group.
        """
        from jesse_dag.store.migrations import migrate

        con = duckdb.connect()
        try:
            migrate(con, ":memory:")
            if self.loc.protocol != "file":
                con.register_filesystem(self.fs)
            if "candles" in parts:
                self._load_candles(con, span, market)
            if "ml" in parts:
                self._load_ml(con)
        except BaseException:
            con.close()
            raise
        return con

    def _load_candles(self, con, span: tuple[int, int] | None, market: tuple[str, str] | None) -> None:
        selects = []
        for market_id, ((exchange, symbol), months) in enumerate(self.candle_files().items(), start=1):
            con.execute("INSERT INTO markets (market_id, exchange, symbol) VALUES (?, ?, ?)",
                        [market_id, exchange, symbol])
            if market is not None and (exchange, symbol) != tuple(market):
                continue
            if span is not None:
                first, last = (str(_month(np.array([t]))[0]) for t in span)
                months = [m for m in months if first <= m <= last]
            if not months:
                continue
            paths = [self._partition(exchange, symbol, m) for m in months]
            if self.loc.protocol == "file":
                listed = ", ".join("'" + f.replace("'", "''") + "'" for f in paths)
                source = f"read_parquet([{listed}])"
            else:
                blobs = self.fs.cat(paths)  # concurrent GETs
                source = f"market_{market_id}"
                con.register(source, pa.concat_tables(pq.read_table(io.BytesIO(blobs[p])) for p in paths))
            selects.append(f"SELECT {market_id}::INTEGER AS market_id, timestamp, open, close, high, low, volume "
                           f"FROM {source}")
        if selects:
            con.execute("DROP TABLE candles_1m")
            con.execute("CREATE VIEW candles_1m AS " + " UNION ALL ".join(selects))

    def _load_ml(self, con) -> None:
        sample_files = [self.loc.url(self.loc.key("samples", n)) for n in self._list("samples") if n.endswith(".parquet")]
        if sample_files:
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in sample_files)
            con.execute("DROP TABLE ml_samples")
            con.execute(f"CREATE VIEW ml_samples AS SELECT * FROM read_parquet([{listed}])")
        datasets = [n for n in self._list("datasets") if n.endswith(".json")]
        if datasets:
            blobs = self.fs.cat([self.loc.key("datasets", n) for n in datasets])
            for blob in blobs.values():
                d = json.loads(blob)
                con.execute("INSERT INTO ml_datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [d["dataset_id"], d.get("strategy"), d["n_samples"], d.get("routes"),
                             d.get("first_time"), d.get("last_time"), d.get("csv_path"), d.get("lineage")])
        last: dict[str, dict] = {}
        for row in self._numbered("registry"):  # a bundle registered again replaces its entry, moving it last
            last.pop(row["bundle_id"], None)
            last[row["bundle_id"]] = row
        cols = ("bundle_id", "strategy", "version", "path", "task", "estimator", "feature_names", "training_window",
                "data_fingerprint", "data", "lineage", "metrics", "files_sha256", "extra")
        for row in last.values():
            con.execute("INSERT INTO model_registry VALUES (" + ", ".join("?" * 15) + ")",
                        [row.get(c) for c in cols] + [row["sequence"]])
        for row in self._numbered("deployments"):
            con.execute("INSERT INTO model_deployments VALUES (?, ?, ?, ?)",
                        [row["sequence"], row["strategy"], row["bundle_id"], row.get("deployed_at")])


def _merge(stored: np.ndarray | None, incoming: np.ndarray, on_conflict: str) -> tuple[int, int, list, np.ndarray]:
    """``(rows of incoming already stored, how many differ, up to 10 differing as (ts, stored 5, incoming 5),
    the month to write)`` for one month."""
    if stored is None or not len(stored):
        return 0, 0, [], incoming
    _common, i_in, i_st = np.intersect1d(incoming[:, 0], stored[:, 0], assume_unique=True, return_indices=True)
    differ = np.any(incoming[i_in, 1:] != stored[i_st, 1:], axis=1)
    examples = [(int(incoming[i, 0]), *stored[j, 1:].tolist(), *incoming[i, 1:].tolist())
                for i, j in zip(i_in[differ][:10], i_st[differ][:10])]
    if on_conflict == "replace":
        keep = np.ones(len(stored), dtype=bool)
        keep[i_st] = False
        merged = np.concatenate([stored[keep], incoming])
    else:
        new = np.ones(len(incoming), dtype=bool)
        new[i_in] = False
        merged = np.concatenate([stored, incoming[new]])
    merged = merged[np.argsort(merged[:, 0], kind="stable")]
    return len(i_in), int(differ.sum()), examples, merged


def _write_synced(path: str, data: bytes) -> None:
    """Write a local file and flush it to disk before it is renamed or linked into place."""
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


_STORES: dict[tuple, ParquetStore] = {}


def parquet_store(db) -> ParquetStore | None:
    """The :class:`ParquetStore` ``db`` names (a store URI or a location), or ``None`` for a DuckDB file."""
    loc = parquet_location(db)
    if loc is None:
        return None
    key = (os.getpid(), loc.protocol, loc.root, tuple(sorted(loc.options.items())))
    if key not in _STORES:
        _STORES[key] = ParquetStore(loc)
    return _STORES[key]

