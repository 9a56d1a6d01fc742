"""One suite of store behaviours run against each backend: the DuckDB file, Parquet in a local folder, and
Parquet in a bucket of a real S3-API server on loopback (moto's server mode).

Candles round-trip bit-exact, a second import changes nothing, conflicts are refused as the DuckDB backend
refuses them, a failed write leaves the previous state, samples and the registry behave alike, and bundle
versions and registrations stay unique when several processes register at once.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.store import StoreConflictError, get_candles, list_markets, load_candles, store_candles
from jesse_dag.store import ml as store_ml
from jesse_dag.store.candles import stored_minutes
from jesse_dag.store.location import folder_uri, parquet_location
from jesse_dag.store.parquet import parquet_store

# 40 days from 2021-01-20: two month partitions (January, February)
START_MS = 1_611_100_800_000


def _market(days: int = 40, seed: int = 3) -> np.ndarray:
    return synthetic_market(days=days, seed=seed, start_timestamp=START_MS)


@pytest.fixture(params=["duckdb", "folder", "s3"])
def db(request, tmp_path):
    if request.param == "duckdb":
        return str(tmp_path / "s.duckdb")
    if request.param == "folder":
        return folder_uri(tmp_path / "store")
    return request.getfixturevalue("s3_bucket")


def _files(db) -> dict[str, bytes]:
    """Every object of a Parquet store with its bytes (what a reader could see)."""
    store = parquet_store(db)
    return {p: store.fs.cat_file(p) for p in store.fs.find(store.loc.root)}


def test_candles_round_trip_bit_exact_and_the_partition_layout(db):
    m = _market()
    report = store_candles(m, "Binance Perpetual Futures", "BTC-USDT", db=db)
    assert (report.rows_added, report.rows_present, report.rows_conflicting) == (len(m), 0, 0)
    back = load_candles("Binance Perpetual Futures", "BTC-USDT", db=db)
    assert back.dtype == np.float64 and back.tobytes() == m.tobytes()
    [info] = list_markets(db)
    assert (info.exchange, info.symbol, info.rows, info.first_timestamp, info.last_timestamp) == \
        ("Binance Perpetual Futures", "BTC-USDT", len(m), int(m[0, 0]), int(m[-1, 0]))
    warm, trading = get_candles("Binance Perpetual Futures", "BTC-USDT", "15m", START_MS + 2 * 86_400_000,
                                START_MS + 35 * 86_400_000, 20, db=db)
    ref_warm, ref_trading = get_candles("Binance Perpetual Futures", "BTC-USDT", "15m", START_MS + 2 * 86_400_000,
                                        START_MS + 35 * 86_400_000, 20, db=_duck(m))
    assert warm.tobytes() == ref_warm.tobytes() and trading.tobytes() == ref_trading.tobytes()
    assert stored_minutes("Binance Perpetual Futures", "BTC-USDT", int(m[0, 0]), int(m[99, 0]), db=db) == 100
    if parquet_location(db) is not None:
        keys = sorted(k.split("/candles/", 1)[1] for k in _files(db) if "/candles/" in k)
        assert keys == ["exchange=Binance%20Perpetual%20Futures/symbol=BTC-USDT/month=2021-01/part.parquet",
                        "exchange=Binance%20Perpetual%20Futures/symbol=BTC-USDT/month=2021-02/part.parquet"]


_DUCK: dict = {}


def _duck(m: np.ndarray) -> str:
    """A DuckDB store holding ``m`` (the reference answers), made once per test session."""
    import tempfile

    key = m.tobytes()[:64] + bytes(str(len(m)), "ascii")
    if key not in _DUCK:
        path = os.path.join(tempfile.mkdtemp(), "ref.duckdb")
        store_candles(m, "Binance Perpetual Futures", "BTC-USDT", db=path)
        _DUCK[key] = path
    return _DUCK[key]


def test_the_same_candles_twice_change_nothing(db):
    m = _market()
    store_candles(m[:20_000], "Sandbox", "ETH-USDT", db=db)
    store_candles(m, "Sandbox", "ETH-USDT", db=db)
    before = _files(db) if parquet_location(db) is not None else None
    again = store_candles(m, "Sandbox", "ETH-USDT", db=db)
    assert (again.rows_added, again.rows_present, again.rows_conflicting) == (0, len(m), 0)
    assert load_candles("Sandbox", "ETH-USDT", db=db).tobytes() == m.tobytes()
    if before is not None:
        assert _files(db) == before  # not one object rewritten


def test_conflicts_are_kept_refused_or_replaced_as_asked(db):
    m = _market()
    store_candles(m, "Sandbox", "BTC-USDT", db=db)
    changed = np.concatenate([m, _market(days=41)[len(m):]])  # one more day (a new month partition: no)
    changed = changed.copy()
    changed[30_000, 2] *= 1.01  # a February close
    changed[30_000, 3] = max(changed[30_000, 3], changed[30_000, 2])
    with pytest.raises(StoreConflictError, match="1 incoming minute"):
        store_candles(changed, "Sandbox", "BTC-USDT", db=db, on_conflict="error")
    assert load_candles("Sandbox", "BTC-USDT", db=db).tobytes() == m.tobytes()  # nothing written, no new day
    kept = store_candles(changed, "Sandbox", "BTC-USDT", db=db)
    assert (kept.rows_added, kept.rows_conflicting, kept.rows_replaced) == (1440, 1, 0)
    assert kept.conflicts[0][0] == int(changed[30_000, 0])
    assert load_candles("Sandbox", "BTC-USDT", db=db)[30_000].tobytes() == m[30_000].tobytes()
    replaced = store_candles(changed, "Sandbox", "BTC-USDT", db=db, on_conflict="replace")
    assert (replaced.rows_added, replaced.rows_conflicting, replaced.rows_replaced) == (0, 1, 1)
    assert load_candles("Sandbox", "BTC-USDT", db=db).tobytes() == changed.tobytes()


def test_a_failed_write_leaves_the_previous_partition_intact(db, monkeypatch):
    m = _market()
    store_candles(m[:30_000], "Sandbox", "BTC-USDT", db=db)
    before = _files(db) if parquet_location(db) is not None else None

    class Crash(RuntimeError):
        pass

    def crash(*_a, **_k):
        raise Crash("the machine went away mid-write")

    loc = parquet_location(db)
    if loc is None:  # DuckDB: the rows are inserted, then the transaction fails before its commit
        import jesse_dag.store.candles as candles

        real = candles._write_chunk

        def write_then_crash(*a, **k):
            real(*a, **k)
            crash()

        monkeypatch.setattr(candles, "_write_chunk", write_then_crash)
    elif loc.protocol == "file":  # the new partition is written in full to a temporary file, never moved in
        monkeypatch.setattr("jesse_dag.store.parquet.os.replace", crash)
    else:  # the new partition is uploaded to a temporary key, never copied onto part.parquet
        monkeypatch.setattr(parquet_store(db).fs, "copy", crash)  # s3fs binds its sync methods per instance
    with pytest.raises(Crash):
        store_candles(m, "Sandbox", "BTC-USDT", db=db)
    monkeypatch.undo()
    assert load_candles("Sandbox", "BTC-USDT", db=db).tobytes() == m[:30_000].tobytes()
    if before is not None:
        assert _files(db) == before  # no temporary object left behind either
    assert store_candles(m, "Sandbox", "BTC-USDT", db=db).rows_added == len(m) - 30_000


def _points(n: int = 30, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [{"time": 1_600_000_000 + 900 * i, "features": {"a": float(rng.normal()), "b": float(i)},
             "label": {"name": "y", "value": bool(i % 3)}, "label_time": 1_600_000_000 + 900 * i + 1800,
             "route": "Sandbox-BTC-USDT-15m"} for i in range(n)]


def test_samples_and_the_registry_behave_alike(db, tmp_path):
    pts = _points()
    first = store_ml.store_samples(pts, strategy="S", db=db, lineage={"routes": ["r"]})
    again = store_ml.store_samples(pts, strategy="S", db=db, csv_path=tmp_path / "s.csv")
    assert (first.added, first.present, again.added, again.present) == (30, 0, 0, 30)
    assert store_ml.load_samples(first.dataset_id, db=db) == pts
    [ds] = store_ml.list_datasets(db=db)
    assert (ds["count"], ds["csv"], ds["routes"]) == (30, str((tmp_path / "s.csv").resolve()), ["Sandbox-BTC-USDT-15m"])

    bundle = tmp_path / "models" / "v0001"
    bundle.mkdir(parents=True)
    (bundle / "manifest.json").write_text("{}")
    e1 = {"bundle_id": "S/v0001", "strategy": "S", "version": "v0001", "path": str(bundle), "task": "binary",
          "data": {"fingerprint": first.dataset_id, "n_samples": 30}, "metrics": {"auc": float("nan")}}
    e2 = {"bundle_id": "S/v0002", "strategy": "S", "version": "v0002", "path": "/nowhere", "notes": "x"}
    store_ml.register_bundle(e1, db=db)
    store_ml.register_bundle(e2, db=db)
    store_ml.register_bundle({**e1, "challenges": [1]}, db=db)  # replaced, moved last
    assert [e["bundle_id"] for e in store_ml.bundle_entries("S", db=db)] == ["S/v0002", "S/v0001"]
    assert store_ml.find_bundles(bundle_id="S/v0001", db=db)[0]["challenges"] == [1]
    assert store_ml.record_deployment("S", "S/v0001", deployed_at="t1", db=db) == 1
    assert store_ml.record_deployment("S", "S/v0002", db=db) == 2
    assert store_ml.deployed_entry("S", db=db)["bundle_id"] == "S/v0002"
    assert [b["deployed"] for b in store_ml.list_bundles(db, "S")] == [True, False]
    lineage = store_ml.bundle_lineage(db, "S/v0001")
    assert lineage["samples"]["stored"] and lineage["samples"]["count"] == 30
    if parquet_location(db) is not None:  # the bundle's files live under the same URI
        store = parquet_store(db)
        assert store.fs.cat_file(store.loc.key("bundles", "S", "v0001", "manifest.json")) == b"{}"


_REGISTER = """
import sys
from jesse_dag.store import ml
db, worker = sys.argv[1], int(sys.argv[2])
for i in range(4):
    version = ml.claim_bundle_version("S", db=db)
    ml.register_bundle({{"bundle_id": f"S/{{version}}", "strategy": "S", "version": version,
                        "path": "/w{{worker}}", "worker": worker}}, db=db)
    print(version, flush=True)
"""


@pytest.mark.slow
def test_concurrent_registrations_from_several_processes_get_unique_versions(db):
    workers = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(_REGISTER.format()), db, str(w)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
               for w in range(4)]
    claimed = []
    for w in workers:
        out, err = w.communicate(timeout=300)
        assert w.returncode == 0, err
        claimed += out.split()
    assert sorted(claimed) == [f"v{i:04d}" for i in range(1, 17)]  # 16 versions, none given twice
    entries = store_ml.bundle_entries("S", db=db)
    assert sorted(e["version"] for e in entries) == sorted(claimed)  # every registration landed
    for w in range(4):  # each worker's own registrations in the order it made them
        mine = [e["version"] for e in entries if e["worker"] == w]
        assert mine == sorted(mine)
    assert store_ml.claim_bundle_version("S", db=db) == "v0017"


def test_a_store_uri_names_what_is_wrong():
    from jesse_dag.store.location import StoreURIError

    with pytest.raises(StoreURIError, match="unknown option.*secret"):
        parquet_location("s3://b/p?secret=x")
    with pytest.raises(StoreURIError, match="no bucket"):
        parquet_location("s3:///p")
    with pytest.raises(StoreURIError, match="absolute folder"):
        parquet_location("file://relative/p")
    assert json.loads(json.dumps(parquet_location(folder_uri("/tmp/x")).root)) == "/tmp/x"


def test_a_bundle_saved_on_two_machines_gets_two_versions(tmp_path, s3_bucket):
    """Two workers with their own strategy folders (two machines) save a bundle into one bucket: v0001, v0002."""
    from jesse_dag.ml.registry import ModelRegistry

    registry = ModelRegistry(s3_bucket)
    assert ModelRegistry(str(tmp_path / "s.duckdb")).claim_version("S", "v0001") == "v0001"  # one machine: as before
    assert [registry.claim_version("S", "v0001"), registry.claim_version("S", "v0001")] == ["v0001", "v0002"]
    registry.register({"bundle_id": "S/v0009", "strategy": "S", "version": "v0009", "path": "/elsewhere"})
    assert registry.claim_version("S", "v0001") == "v0010"


def test_jesse_dag_db_may_name_a_parquet_store(tmp_path, monkeypatch):
    """The store functions' default (``$JESSE_DAG_DB``) may be a store URI, as it may be a DuckDB path."""
    monkeypatch.setenv("JESSE_DAG_DB", folder_uri(tmp_path / "store"))
    m = _market(days=2)
    assert store_candles(m, "Sandbox", "BTC-USDT").rows_added == len(m)
    assert load_candles("Sandbox", "BTC-USDT", db=folder_uri(tmp_path / "store")).tobytes() == m.tobytes()
    assert store_ml.record_deployment("S", "S/v0001") == 1 and store_ml.deployments()[0]["bundle_id"] == "S/v0001"
    assert not list(tmp_path.glob("**/*.duckdb"))
    from jesse_dag.ml.registry import ModelRegistry

    assert ModelRegistry().deployed("S")["bundle_id"] == "S/v0001"


def test_a_missing_range_is_named_alike_on_every_backend(db):
    from jesse_dag.store import CandleNotFoundInDatabase

    m = _market()
    store_candles(m, "Sandbox", "BTC-USDT", db=db)
    messages = []
    for where in (db, _duck_sandbox(m)):
        with pytest.raises(CandleNotFoundInDatabase) as err:
            get_candles("Sandbox", "BTC-USDT", "1m", START_MS + 30 * 86_400_000, START_MS + 50 * 86_400_000, db=where)
        messages.append(str(err.value))
    assert messages[0] == messages[1] and "outside the stored data (2021-01-20 00:00 .. 2021-02-28 23:59)" in messages[0]
    with pytest.raises(CandleNotFoundInDatabase, match="no candles stored for ETH-USDT on Sandbox; stored markets: "
                                                        "Sandbox BTC-USDT"):
        load_candles("Sandbox", "ETH-USDT", db=db)


def _duck_sandbox(m: np.ndarray) -> str:
    import tempfile

    path = os.path.join(tempfile.mkdtemp(), "ref.duckdb")
    store_candles(m, "Sandbox", "BTC-USDT", db=path)
    return path


def test_a_bundle_trained_on_another_machine_is_fetched_from_the_store(tmp_path, s3_bucket):
    from jesse_dag.ml.registry import ModelRegistry

    trained = tmp_path / "machine_a" / "strategies" / "S" / "models" / "v0001"
    trained.mkdir(parents=True)
    (trained / "bundle.json").write_text('{"files": {}}')
    (trained / "model.pkl").write_bytes(b"\x80\x04model")
    registry = ModelRegistry(s3_bucket)
    registry.register({"bundle_id": "S/v0001", "strategy": "S", "version": "v0001", "path": str(trained)})
    here = tmp_path / "machine_b" / "strategies" / "S" / "models" / "v0001"
    assert registry.restore(here, "S/v0001") and not registry.restore(here, "S/v0001")  # once: then it is here
    assert sorted(p.name for p in here.iterdir()) == ["bundle.json", "model.pkl"]
    assert (here / "model.pkl").read_bytes() == b"\x80\x04model"
    with pytest.raises(KeyError, match="S/v0002"):
        store_ml.fetch_bundle("S/v0002", tmp_path / "x", db=s3_bucket)
    assert not ModelRegistry(str(tmp_path / "s.duckdb")).restore(tmp_path / "y", "S/v0001")  # one machine: no-op
