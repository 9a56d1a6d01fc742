"""ML tables of the store: gathered samples and their data sets, the model registry, deployments, lineage.

A data set is identified by its content (``dataset_id`` = the samples' fingerprint in time order, see
:func:`jesse_dag.ml.datapoints.dataset_fingerprint`), so storing the same samples twice adds nothing. A
bundle's entry names the fingerprint of the data it was trained on, which links it back to the stored
samples and, through the gather lineage, to the candles (market, range, sha256) that produced them.

Every function opens its own connection through :func:`jesse_dag.store.connection.connect` (bounded
retries while another process holds the file) and writes inside one transaction.

Example:
    >>> import tempfile, os
    >>> db = os.path.join(tempfile.mkdtemp(), "s.duckdb")
    >>> pts = [{"time": 0, "features": {"x": 1.0}, "label": {"name": "y", "value": True},
    ...         "label_time": 900, "route": "Sandbox-BTC-USDT-15m"}]
    >>> store_samples(pts, strategy="S", db=db).added, store_samples(pts, strategy="S", db=db).added
    (1, 0)
    >>> register_bundle({"bundle_id": "S/v0001", "strategy": "S", "version": "v0001", "path": "/m",
    ...                  "data": {"fingerprint": dataset_fingerprint(pts), "n_samples": 1}}, db=db)
    >>> bundle_lineage(db, "S/v0001")["samples"]["count"]
    1
"""
from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence, Union

import numpy as np
import pyarrow as pa

from jesse_dag.ml.datapoints import DataPoint, dataset_fingerprint, information_time, validate_points
from jesse_dag.store.connection import DEFAULT_LOCK_TIMEOUT, connect, resolve_path
from jesse_dag.store.parquet import parquet_store
from jesse_dag.store.transaction import transaction

Db = Union[str, os.PathLike, None]

# model_registry columns holding JSON, and the entry key each one comes from
_JSON_COLUMNS = {"feature_names": "feature_names", "training_window": "training_window", "data": "data",
                 "lineage": "lineage", "metrics": "metrics", "files_sha256": "files"}
_TEXT_COLUMNS = ("strategy", "version", "path", "task", "estimator")
_ENTRY_KEYS = {"bundle_id", *_TEXT_COLUMNS, *_JSON_COLUMNS.values()}


@dataclass(frozen=True)
class SampleStoreReport:
    """What :func:`store_samples` did: the data set's id, rows added, rows that were already stored."""

    dataset_id: str
    added: int
    present: int


# ── JSON and labels ─────────────────────────────────────────────────────────────────────────────────────


def _clean(x: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN to None, +-inf to text (DuckDB's JSON refuses NaN)."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return _clean(x.tolist())
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None if math.isnan(x) else str(x)
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    return str(x)


def _dumps(x: Any) -> str:
    return json.dumps(_clean(x), sort_keys=True, allow_nan=False)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _label_columns(value: Any) -> tuple[float | None, str, str]:
    """``(label_value, label_type, label_text)``: the number for queries, the type and text to restore it."""
    if isinstance(value, (bool, np.bool_)):
        return float(bool(value)), "bool", str(bool(value))
    if isinstance(value, (int, np.integer)):
        return float(value), "int", str(int(value))
    if isinstance(value, (float, np.floating)):
        return float(value), "float", repr(float(value))
    return None, "str", str(value)


def _label_value(number: float | None, kind: str, text: str) -> Any:
    if kind == "bool":
        return text == "True"
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(number)
    return text


# ── samples ─────────────────────────────────────────────────────────────────────────────────────────────


def store_samples(points: Sequence[DataPoint], *, strategy: str | None = None, csv_path: str | os.PathLike | None = None,
                  lineage: dict | None = None, db: Db = None, lock_timeout: float = DEFAULT_LOCK_TIMEOUT
                  ) -> SampleStoreReport:
    """Store one data set (its samples, and a row naming its strategy, CSV and gather lineage); idempotent.

    The samples are kept in time order (stable, as in the CSV) with ``seq`` their position; ``label_time``
    and ``route`` are kept with them. Storing a data set that is already there adds nothing.
    """
    if not points:
        raise ValueError("store_samples: no data points to store")
    validate_points(points, where="store_samples")
    ordered = sorted(points, key=lambda p: p["time"])
    dataset_id = dataset_fingerprint(ordered)
    cols: dict[str, list] = {k: [] for k in ("route", "seq", "time", "info_time", "label_time", "label_name",
                                              "label_value", "label_type", "label_text", "features")}
    for seq, p in enumerate(ordered):
        number, kind, text = _label_columns(p["label"]["value"])
        cols["route"].append(p.get("route") or "")
        cols["seq"].append(seq)
        cols["time"].append(int(p["time"]))
        cols["info_time"].append(information_time(p))
        cols["label_time"].append(None if p.get("label_time") is None else int(p["label_time"]))
        cols["label_name"].append(p["label"].get("name"))
        cols["label_value"].append(number)
        cols["label_type"].append(kind)
        cols["label_text"].append(text)
        cols["features"].append([(str(k), float(v)) for k, v in sorted(p["features"].items())])
    n = len(ordered)
    rows = pa.table({
        "dataset_id": pa.array([dataset_id] * n, pa.string()), "strategy": pa.array([strategy] * n, pa.string()),
        "route": pa.array(cols["route"], pa.string()), "seq": pa.array(cols["seq"], pa.int32()),
        "time": pa.array(cols["time"], pa.int64()), "info_time": pa.array(cols["info_time"], pa.int64()),
        "label_time": pa.array(cols["label_time"], pa.int64()), "label_name": pa.array(cols["label_name"], pa.string()),
        "label_value": pa.array(cols["label_value"], pa.float64()),
        "label_type": pa.array(cols["label_type"], pa.string()), "label_text": pa.array(cols["label_text"], pa.string()),
        "features": pa.array(cols["features"], pa.map_(pa.string(), pa.float64())),
    })
    routes = sorted({r for r in cols["route"] if r})
    parquet = parquet_store(db)
    if parquet is not None:
        present = parquet.store_samples(dataset_id, rows, {
            "dataset_id": dataset_id, "strategy": strategy, "n_samples": n, "routes": _dumps(routes),
            "first_time": cols["time"][0], "last_time": cols["time"][-1],
            "csv_path": None if csv_path is None else str(Path(csv_path).resolve()),
            "lineage": None if lineage is None else _dumps(lineage)})
        return SampleStoreReport(dataset_id, n - present, present)
    with connect(db, lock_timeout=lock_timeout) as con:
        with transaction(con):
            before = con.execute("SELECT count(*) FROM ml_samples WHERE dataset_id = ?", [dataset_id]).fetchall()[0][0]
            if before < n:
                con.register("incoming_samples", rows)
                con.execute("INSERT OR IGNORE INTO ml_samples SELECT * FROM incoming_samples")
                con.unregister("incoming_samples")
            con.execute(
                "INSERT OR IGNORE INTO ml_datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [dataset_id, strategy, n, _dumps(routes), cols["time"][0], cols["time"][-1],
                 None if csv_path is None else str(Path(csv_path).resolve()),
                 None if lineage is None else _dumps(lineage)])
            if csv_path is not None or lineage is not None:  # a later gather may add the CSV or the lineage
                con.execute("UPDATE ml_datasets SET csv_path = coalesce(csv_path, ?), lineage = coalesce(lineage, ?) "
                            "WHERE dataset_id = ?",
                            [None if csv_path is None else str(Path(csv_path).resolve()),
                             None if lineage is None else _dumps(lineage), dataset_id])
    return SampleStoreReport(dataset_id, n - int(before), int(before))


def load_samples(dataset_id: str, *, db: Db = None, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> list[DataPoint]:
    """The data points of a stored data set, in its order, as they were given (labels keep their type)."""
    with connect(db, read_only=True, lock_timeout=lock_timeout, parts=("ml",)) as con:
        rows = con.execute(
            "SELECT route, time, label_time, label_name, label_value, label_type, label_text, features "
            "FROM ml_samples WHERE dataset_id = ? ORDER BY seq", [dataset_id]).fetchall()
    if not rows:
        raise KeyError(f"no data set {dataset_id!r} in the store")
    out: list[DataPoint] = []
    for route, t, label_time, name, number, kind, text, feats in rows:
        p: DataPoint = {"time": int(t), "features": dict(feats),
                        "label": {"name": name, "value": _label_value(number, kind, text)}}
        if label_time is not None:
            p["label_time"] = int(label_time)
        if route:
            p["route"] = route
        out.append(p)
    return out


def list_datasets(*, db: Db = None, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> list[dict]:
    """Every stored data set: ``dataset_id, strategy, count, routes, first_time, last_time, csv``."""
    with connect(db, read_only=True, lock_timeout=lock_timeout, parts=("ml",)) as con:
        rows = con.execute("SELECT dataset_id, strategy, n_samples, routes, first_time, last_time, csv_path "
                           "FROM ml_datasets ORDER BY strategy, first_time, dataset_id").fetchall()
    return [{"dataset_id": r[0], "strategy": r[1], "count": int(r[2]), "routes": _loads(r[3]),
             "first_time": r[4], "last_time": r[5], "csv": r[6]} for r in rows]


# ── model registry ──────────────────────────────────────────────────────────────────────────────────────


def _registry_row(entry: dict) -> list:
    if not entry.get("bundle_id"):
        raise ValueError(f"a registry entry needs a bundle_id; got keys {sorted(entry)}")
    data = entry.get("data")
    fp = data.get("fingerprint") if isinstance(data, dict) else None
    extra = {k: v for k, v in entry.items() if k not in _ENTRY_KEYS}
    return ([entry["bundle_id"]]
            + [None if entry.get(c) is None else str(entry[c]) for c in _TEXT_COLUMNS]
            + [None if k not in entry else _dumps(entry[k]) for k in ("feature_names", "training_window")]
            + [fp]
            + [None if k not in entry else _dumps(entry[k]) for k in ("data", "lineage", "metrics", "files")]
            + [_dumps(extra) if extra else None])


_REGISTRY_COLUMNS = ("bundle_id", *_TEXT_COLUMNS, "feature_names", "training_window", "data_fingerprint", "data",
                     "lineage", "metrics", "files_sha256", "extra")
_SELECT_ENTRY = ("SELECT bundle_id, strategy, version, path, task, estimator, feature_names, training_window, "
                 "data, lineage, metrics, files_sha256, extra FROM model_registry")


def _entry(row: Sequence) -> dict:
    bundle_id, strategy, version, path, task, estimator = row[:6]
    out: dict[str, Any] = {"bundle_id": bundle_id, "strategy": strategy, "version": version, "path": path}
    if task is not None:
        out["task"] = task
    if estimator is not None:
        out["estimator"] = estimator
    for key, text in zip(("feature_names", "training_window", "data", "lineage", "metrics", "files"), row[6:12]):
        if text is not None:
            out[key] = _loads(text)
    out.update(_loads(row[12]) or {})
    return out


def _insert_entries(con, entries: Iterable[dict]) -> None:
    for entry in entries:
        row = _registry_row(entry)
        seq = con.execute("SELECT coalesce(max(registered_seq), 0) + 1 FROM model_registry").fetchall()[0][0]
        con.execute("INSERT OR REPLACE INTO model_registry VALUES (" + ", ".join("?" * 15) + ")", row + [seq])


def register_bundle(entry: dict, *, db: Db = None, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
    """Add (or replace, same ``bundle_id``, moving it last) one bundle's registry entry."""
    row = _registry_row(entry)  # refuse a bad entry before opening the store
    parquet = parquet_store(db)
    if parquet is not None:
        path = entry.get("path")
        if path and os.path.isdir(path):  # the bundle's files go under the same URI as its entry
            strategy, version = entry.get("strategy"), entry.get("version")
            parts = ("bundles", strategy, version) if strategy and version else ("bundles", "_", entry["bundle_id"])
            parquet.upload_folder(str(path), *(_segment(p) for p in parts))
        parquet.register(dict(zip(_REGISTRY_COLUMNS, row)))
        return
    with connect(db, lock_timeout=lock_timeout) as con:
        with transaction(con):
            con.execute("DELETE FROM model_registry WHERE bundle_id = ?", [entry["bundle_id"]])
            _insert_entries(con, [entry])


def _segment(name: str) -> str:
    from jesse_dag.store.parquet import _quote

    return _quote(name)


_VERSION = re.compile(r"v(\d+)$")


def claim_bundle_version(strategy: str, *, db: Db = None, at_least: int = 1,
                         lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> str:
    """The next bundle version of ``strategy`` (``v0001``, ``v0002``, ...) that no other caller gets, also when
    several processes or machines sharing the store ask at once.

    A version is taken by creating its claim key with put-if-absent (``claims/<strategy>/<version>`` under a
    Parquet store, ``<store>.claims/`` beside a DuckDB file): the caller that creates it owns it; one that
    finds it taken tries the next. It starts above the registered versions of the strategy and ``at_least``.

    Example:
        >>> import tempfile
        >>> from jesse_dag.store.location import folder_uri
        >>> db = folder_uri(tempfile.mkdtemp())
        >>> claim_bundle_version("S", db=db), claim_bundle_version("S", db=db), claim_bundle_version("S", db=db, at_least=7)
        ('v0001', 'v0002', 'v0007')
    """
    from jesse_dag.store.location import ParquetLocation
    from jesse_dag.store.parquet import ParquetStore

    claims = parquet_store(db)
    if claims is None:
        claims = ParquetStore(ParquetLocation("file", str(resolve_path(db).absolute()) + ".claims"))
    taken = [int(m.group(1)) for v in claims.claimed_versions(strategy) if (m := _VERSION.match(v))]
    taken += [int(m.group(1)) for e in bundle_entries(strategy, db=db, lock_timeout=lock_timeout)
              if (m := _VERSION.match(str(e.get("version") or "")))]
    n = max([at_least - 1, *taken])
    while True:
        n += 1
        if claims.claim(strategy, f"v{n:04d}"):
            return f"v{n:04d}"


def fetch_bundle(bundle_id: str, target: str | os.PathLike, *, db: Db = None,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Path:
    """Copy a registered bundle's files from a Parquet store (``bundles/<strategy>/<version>/``) into the local
    folder ``target`` (which must not exist), for a machine that did not train it; returns ``target``.

    The files are copied as stored: deploying them checks every file against the manifest and the hashes the
    registry recorded at training, as for a bundle trained here. Raises ``KeyError`` for an unregistered
    bundle and ``FileNotFoundError`` when the store holds no files for it (a DuckDB store keeps none).
    """
    target = Path(target)
    if target.exists():
        raise FileExistsError(f"{target} exists; fetch_bundle only creates a missing bundle folder")
    entries = find_bundles(bundle_id=bundle_id, db=db, lock_timeout=lock_timeout)
    if not entries:
        raise KeyError(f"bundle {bundle_id!r} is not in the model registry")
    entry = entries[-1]
    parquet = parquet_store(db)
    strategy, version = entry.get("strategy"), entry.get("version")
    parts = ("bundles", strategy, version) if strategy and version else ("bundles", "_", bundle_id)
    if parquet is None or not parquet.download_folder(str(target), *(_segment(p) for p in parts)):
        raise FileNotFoundError(f"bundle {bundle_id!r}: the store keeps no copy of its files (only a Parquet "
                                "store does, from its registration on); copy the folder from where it was trained")
    return target


def bundle_entries(strategy: str | None = None, *, db: Db = None,
                   lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> list[dict]:
    """Registered bundles (all, or one strategy's) in registration order, as they were registered."""
    sql = _SELECT_ENTRY + ("" if strategy is None else " WHERE strategy = ?") + " ORDER BY registered_seq"
    with connect(db, read_only=True, lock_timeout=lock_timeout, parts=("ml",)) as con:
        rows = con.execute(sql, [] if strategy is None else [strategy]).fetchall()
    return [_entry(r) for r in rows]


def find_bundles(*, bundle_id: str | None = None, path: str | os.PathLike | None = None, db: Db = None,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> list[dict]:
    """Registered entries with this ``bundle_id`` or this folder (``path``, compared resolved), as registered.

    Their ``files`` are the sha256 each file had when the bundle was trained: deploying checks them.
    """
    if bundle_id is None and path is None:
        return []
    resolved = None if path is None else str(Path(path).resolve())
    with connect(db, read_only=True, lock_timeout=lock_timeout, parts=("ml",)) as con:
        rows = con.execute(_SELECT_ENTRY + " WHERE bundle_id = ? OR path = ? ORDER BY registered_seq",
                           [bundle_id, resolved]).fetchall()
    return [_entry(r) for r in rows]


def record_deployment(strategy: str, bundle_id: str, *, deployed_at: str | None = None, db: Db = None,
                      lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> int:
    """Append that ``strategy`` now serves ``bundle_id``; ``deployed_at`` is stored as given. Returns its sequence."""
    parquet = parquet_store(db)
    if parquet is not None:
        return parquet.record_deployment(strategy, bundle_id, None if deployed_at is None else str(deployed_at))
    with connect(db, lock_timeout=lock_timeout) as con:
        with transaction(con):
            seq = con.execute("SELECT coalesce(max(sequence), 0) + 1 FROM model_deployments").fetchall()[0][0]
            con.execute("INSERT INTO model_deployments VALUES (?, ?, ?, ?)",
                        [seq, strategy, bundle_id, None if deployed_at is None else str(deployed_at)])
    return int(seq)


def deployments(strategy: str | None = None, *, db: Db = None, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> list[dict]:
    """The deployment history (all, or one strategy's), oldest first."""
    sql = ("SELECT sequence, strategy, bundle_id, deployed_at FROM model_deployments"
           + ("" if strategy is None else " WHERE strategy = ?") + " ORDER BY sequence")
    with connect(db, read_only=True, lock_timeout=lock_timeout, parts=("ml",)) as con:
        rows = con.execute(sql, [] if strategy is None else [strategy]).fetchall()
    return [{"sequence": int(r[0]), "strategy": r[1], "bundle_id": r[2], "deployed_at": r[3]} for r in rows]


def deployed_entry(strategy: str, *, db: Db = None, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> dict | None:
    """The entry of the bundle ``strategy`` deployed last (``{"bundle_id"}`` if unregistered), or ``None``."""
    with connect(db, read_only=True, lock_timeout=lock_timeout, parts=("ml",)) as con:
        last = con.execute("SELECT bundle_id FROM model_deployments WHERE strategy = ? ORDER BY sequence DESC LIMIT 1",
                           [strategy]).fetchall()
        if not last:
            return None
        rows = con.execute(_SELECT_ENTRY + " WHERE bundle_id = ?", [last[0][0]]).fetchall()
    return _entry(rows[0]) if rows else {"bundle_id": last[0][0]}


def import_json_registry(json_path: str | os.PathLike, *, db: Db = None,
                         lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> int:
    """Import a registry JSON file (``storage/ml_registry.json``, before the store had these tables) into
    a store whose registry is still empty; a store that has any entry or deployment is left as it is.
    Returns the number of bundles imported. The JSON file is left in place."""
    path = Path(json_path)
    if not path.is_file():
        return 0
    parquet = parquet_store(db)
    if parquet is not None:
        if parquet.has_registry():
            return 0
        bundles, deps = _read_json_registry(path)
        for b in bundles:
            parquet.register(dict(zip(_REGISTRY_COLUMNS, _registry_row(b))))
        for d in deps:
            parquet.record_deployment(d["strategy"], d["bundle_id"], d.get("deployed_at"))
        return len(bundles)
    with connect(db, lock_timeout=lock_timeout) as con:
        with transaction(con):
            used = con.execute("SELECT (SELECT count(*) FROM model_registry) + (SELECT count(*) FROM model_deployments)"
                               ).fetchall()[0][0]
            if used:  # imported before, or the store was used since: the JSON is history, not read again
                return 0
            bundles, deps = _read_json_registry(path)
            _insert_entries(con, bundles)
            for i, d in enumerate(deps, start=1):
                con.execute("INSERT INTO model_deployments VALUES (?, ?, ?, ?)",
                            [int(d.get("sequence", i)), d["strategy"], d["bundle_id"], d.get("deployed_at")])
    return len(bundles)


def _read_json_registry(path: Path) -> tuple[list[dict], list[dict]]:
    try:
        state = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: the model registry is not valid JSON ({exc})") from None
    bundles, deps = state.get("bundles", []) if isinstance(state, dict) else None, \
        state.get("deployments", []) if isinstance(state, dict) else None
    if not isinstance(bundles, list) or not isinstance(deps, list):
        raise ValueError(f"{path}: expected {{'bundles': [...], 'deployments': [...]}}")
    for i, b in enumerate(bundles):
        if not isinstance(b, dict) or not b.get("bundle_id"):
            raise ValueError(f"{path}: bundles[{i}] has no bundle_id")
    for i, d in enumerate(deps):
        if not isinstance(d, dict) or not d.get("strategy") or not d.get("bundle_id"):
            raise ValueError(f"{path}: deployments[{i}] needs a strategy and a bundle_id")
    return bundles, deps


# ── lineage ─────────────────────────────────────────────────────────────────────────────────────────────


def candle_blocks(gather_lineage: dict | None) -> list[dict]:
    """The candle blocks a gather read (``market, role, rows, first_timestamp, last_timestamp, sha256``)."""
    out = []
    for role, key in (("trading", "candles"), ("warmup", "warmup_candles")):
        for market, block in sorted(((gather_lineage or {}).get(key) or {}).items()):
            out.append({"market": market, "role": role, **{k: block.get(k) for k in
                        ("rows", "first_timestamp", "last_timestamp", "sha256")}})
    return out


def list_bundles(db: Db = None, strategy: str | None = None, *,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> list[dict]:
    """Registered bundles with what they were trained on and whether each is deployed.

    Each row: ``bundle_id, strategy, version, task, estimator, path, dataset_id, n_samples, samples_stored``
    (the data set is in ``ml_samples``), ``deployed`` (the strategy's last deployment is this bundle).

    Example:
        >>> [b["bundle_id"] for b in list_bundles("storage/jesse_dag.duckdb")]  # doctest: +SKIP
        ['MyStrategy/v0001', 'MyStrategy/v0002']
    """
    sql = """
        WITH last AS (SELECT strategy, arg_max(bundle_id, sequence) AS bundle_id FROM model_deployments GROUP BY strategy)
        SELECT r.bundle_id, r.strategy, r.version, r.task, r.estimator, r.path, r.data_fingerprint,
               CAST(json_extract(r.data, '$.n_samples') AS BIGINT), d.dataset_id IS NOT NULL, l.bundle_id IS NOT NULL
        FROM model_registry r
        LEFT JOIN ml_datasets d ON d.dataset_id = r.data_fingerprint
        LEFT JOIN last l ON l.strategy = r.strategy AND l.bundle_id = r.bundle_id
    """ + ("" if strategy is None else " WHERE r.strategy = ?") + " ORDER BY r.registered_seq"
    with connect(db, read_only=True, lock_timeout=lock_timeout, parts=("ml",)) as con:
        rows = con.execute(sql, [] if strategy is None else [strategy]).fetchall()
    keys = ("bundle_id", "strategy", "version", "task", "estimator", "path", "dataset_id", "n_samples",
            "samples_stored", "deployed")
    return [dict(zip(keys, r)) for r in rows]


def bundle_lineage(db: Db, bundle_id: str, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> dict:
    """Where a registered bundle came from: ``{"candles": [...], "samples": {...}, "bundle": {...}}``.

    ``samples``: ``dataset_id, count, csv, routes, first_time, last_time, stored`` (``stored`` False when the
    data set is not in ``ml_samples``: then count and csv come from the bundle's own record). ``candles``:
    each block the gather read (market, trading/warm-up, rows, range in ms, sha256), from the stored data
    set's gather lineage, else from the bundle's recorded lineage. ``bundle``: the registry entry plus
    ``deployed``. Raises ``KeyError`` for a bundle that is not registered.

    Example:
        >>> lin = bundle_lineage("storage/jesse_dag.duckdb", "MyStrategy/v0001")  # doctest: +SKIP
        >>> lin["candles"][0]["sha256"], lin["samples"]["count"]  # doctest: +SKIP
    """
    with connect(db, read_only=True, lock_timeout=lock_timeout, parts=("ml",)) as con:
        rows = con.execute(_SELECT_ENTRY + " WHERE bundle_id = ?", [bundle_id]).fetchall()
        if not rows:
            known = [r[0] for r in con.execute("SELECT bundle_id FROM model_registry ORDER BY registered_seq").fetchall()]
            raise KeyError(f"bundle {bundle_id!r} is not in the model registry; registered: {', '.join(known) or 'none'}")
        entry = _entry(rows[0])
        data, own = entry.get("data") or {}, entry.get("lineage") or {}
        candidates = [c for c in (data.get("fingerprint"), own.get("samples_fingerprint")) if c]
        ds = None
        for c in candidates:
            got = con.execute("SELECT dataset_id, strategy, n_samples, routes, first_time, last_time, csv_path, lineage "
                              "FROM ml_datasets WHERE dataset_id = ?", [c]).fetchall()
            if got:
                ds = got[0]
                break
        last = con.execute("SELECT bundle_id FROM model_deployments WHERE strategy = ? ORDER BY sequence DESC LIMIT 1",
                           [entry.get("strategy")]).fetchall()
    if ds is not None:
        samples = {"dataset_id": ds[0], "strategy": ds[1], "count": int(ds[2]), "routes": _loads(ds[3]),
                   "first_time": ds[4], "last_time": ds[5], "csv": ds[6], "stored": True}
        gather = _loads(ds[7]) or {}
    else:
        samples = {"dataset_id": candidates[0] if candidates else None, "strategy": entry.get("strategy"),
                   "count": data.get("n_samples"), "routes": data.get("routes"),
                   "first_time": (entry.get("training_window") or {}).get("first_time"),
                   "last_time": (entry.get("training_window") or {}).get("last_time"),
                   "csv": own.get("samples_csv"), "stored": False}
        gather = own
    return {"candles": candle_blocks(gather), "gather_routes": gather.get("routes", []), "samples": samples,
            "bundle": {**entry, "deployed": bool(last) and last[0][0] == bundle_id}}
