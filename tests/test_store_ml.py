"""The store's ML tables: samples stored once, the model registry and deployments in DuckDB, the old JSON
registry imported once, lineage from a bundle back to its samples and candle hashes, several processes."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.ml.csv_io import load_ml_data_csv
from jesse_dag.ml.datapoints import dataset_fingerprint
from jesse_dag.ml.gather import gather_ml_data
from jesse_dag.ml.registry import ModelRegistry
from jesse_dag.ml.training import train_model
from jesse_dag.store import StoreLockedError, connect
from jesse_dag.store.migrations import file_version, latest_version
from jesse_dag.store.ml import (bundle_entries, bundle_lineage, list_bundles, list_datasets, load_samples,
                                register_bundle, store_samples)

REPO = Path(__file__).resolve().parents[1]


def _points(n=40, seed=0, route="Sandbox-BTC-USDT-15m"):
    rng = np.random.default_rng(seed)
    return [{"time": 1_700_000_000 + 900 * i, "features": {"b": float(rng.normal()), "a": float(rng.normal())},
             "label": {"name": "up", "value": bool(rng.random() > 0.5)}, "label_time": 1_700_000_000 + 900 * (i + 3),
             "route": route} for i in range(n)]


def _count(db, table, where="true", params=()):
    with connect(db, read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM {table} WHERE {where}", list(params)).fetchall()[0][0]


# ── samples ─────────────────────────────────────────────────────────────────────────────────────────────


def test_samples_are_stored_once_and_come_back_as_given(tmp_path):
    db = tmp_path / "s.duckdb"
    btc, eth = _points(seed=1), _points(seed=2, route="Sandbox-ETH-USDT-15m")
    pts = btc + eth  # gathered route by route; the data set is kept in time order, as its CSV
    first = store_samples(pts, strategy="S", csv_path=tmp_path / "S_data.csv", db=db)
    assert (first.added, first.present) == (80, 0) and first.dataset_id == dataset_fingerprint(pts)
    again = store_samples(pts, strategy="S", db=db)
    assert (again.dataset_id, again.added, again.present) == (first.dataset_id, 0, 80)
    assert _count(db, "ml_samples") == 80 and _count(db, "ml_datasets") == 1
    back = load_samples(first.dataset_id, db=db)
    assert back == sorted(pts, key=lambda p: p["time"])
    assert dataset_fingerprint(back) == first.dataset_id
    with connect(db, read_only=True) as con:
        info, label, feats = con.execute(
            "SELECT info_time, label_time, features FROM ml_samples WHERE route = 'Sandbox-ETH-USDT-15m' AND time = ?",
            [eth[5]["time"]]).fetchall()[0]
    assert info == eth[5]["time"] + 900 and label == eth[5]["label_time"] and feats == eth[5]["features"]
    (ds,) = list_datasets(db=db)
    assert ds["count"] == 80 and ds["routes"] == ["Sandbox-BTC-USDT-15m", "Sandbox-ETH-USDT-15m"]
    assert ds["csv"] == str((tmp_path / "S_data.csv").resolve())

    changed = [dict(p) for p in pts]
    changed[3] = {**changed[3], "label": {"name": "up", "value": not changed[3]["label"]["value"]}}
    other = store_samples(changed, strategy="S", db=db)
    assert other.dataset_id != first.dataset_id and other.added == 80 and _count(db, "ml_samples") == 160


def test_labels_keep_their_type_and_missing_label_times_stay_missing(tmp_path):
    db = tmp_path / "s.duckdb"
    values = [True, 3, -1, 0.1 + 0.2, "flat"]
    pts = [{"time": 60 * i, "features": {"x": float(i)}, "label": {"name": "y", "value": v}} for i, v in enumerate(values)]
    rep = store_samples(pts, db=db)
    back = load_samples(rep.dataset_id, db=db)
    assert back == pts and [type(p["label"]["value"]) for p in back] == [bool, int, int, float, str]
    assert all("label_time" not in p and "route" not in p for p in back)


def test_bad_samples_are_refused_and_nothing_is_written(tmp_path):
    db = tmp_path / "s.duckdb"
    with pytest.raises(ValueError, match="no data points"):
        store_samples([], db=db)
    bad = _points(5) + [{"time": 1, "features": {"a": 1.0}, "label": {"name": "up"}}]
    with pytest.raises(ValueError, match=r"point #5 \(time 1\) has no label value"):
        store_samples(bad, db=db)
    with pytest.raises(KeyError, match="no data set 'nope'"):
        load_samples("nope", db=db)
    assert _count(db, "ml_samples") == 0 and _count(db, "ml_datasets") == 0


# ── registry ────────────────────────────────────────────────────────────────────────────────────────────


def _entry(version, strategy="S", fp="f" * 64, **kw):
    return {"bundle_id": f"{strategy}/{version}", "strategy": strategy, "version": version,
            "path": f"/p/{strategy}/models/{version}", "task": "binary", "feature_names": ["a", "b"],
            "estimator": "sklearn.linear_model._logistic.LogisticRegression",
            "training_window": {"train_size": 32, "first_time": 1}, "data": {"fingerprint": fp, "n_samples": 40},
            "lineage": {"candles": {"Sandbox-BTC-USDT": {"sha256": "abc"}}},
            "metrics": {"accuracy": 0.75, "confusion_matrix": [[1, 2], [3, 4]]},
            "files": {"model.pkl": "1" * 64}, **kw}


def test_registry_round_trip_in_duckdb(tmp_path):
    db = tmp_path / "storage" / "jesse_dag.duckdb"
    reg = ModelRegistry(db)
    assert reg.path == db and reg.entries() == [] and reg.deployed("S") is None
    e1, e2 = _entry("v0001"), _entry("v0002", note="kept")
    other = {"bundle_id": "/abs/folder", "strategy": None, "version": "folder", "path": "/abs/folder"}
    for e in (e1, e2, other):
        reg.register(e)
    assert reg.entries() == [e1, e2, other] and reg.entries("S") == [e1, e2]
    reg.register({**e1, "metrics": {"accuracy": float("nan")}})  # replaced and moved last; NaN is stored as null
    assert [e["bundle_id"] for e in reg.entries()] == ["S/v0002", "/abs/folder", "S/v0001"]
    assert reg.entries("S")[-1]["metrics"] == {"accuracy": None}
    reg.mark_deployed("S", "S/v0002", deployed_at="2024-03-01T00:00:00Z")
    reg.mark_deployed("S", "S/v0001")
    assert reg.deployed("S")["version"] == "v0001"
    assert reg.deployments() == [
        {"sequence": 1, "strategy": "S", "bundle_id": "S/v0002", "deployed_at": "2024-03-01T00:00:00Z"},
        {"sequence": 2, "strategy": "S", "bundle_id": "S/v0001", "deployed_at": None}]
    with connect(db, read_only=True) as con:
        assert file_version(con) == latest_version()
        row = con.execute("SELECT data_fingerprint, json_extract(files_sha256, '$.\"model.pkl\"') FROM model_registry "
                          "WHERE bundle_id = 'S/v0002'").fetchall()[0]
    assert row == ("f" * 64, json.dumps("1" * 64))
    # a second registry object on the same file sees the same state (nothing is cached in the object)
    assert ModelRegistry(db).entries() == reg.entries()
    with pytest.raises(ValueError, match="needs a bundle_id"):
        register_bundle({"strategy": "S"}, db=db)


def test_json_registry_is_imported_once(tmp_path, monkeypatch):
    monkeypatch.delenv("JESSE_DAG_DB", raising=False)
    storage = tmp_path / "storage"
    storage.mkdir()
    legacy = storage / "ml_registry.json"
    e1 = _entry("v0001")
    legacy.write_text(json.dumps({"schema": 1, "bundles": [e1], "deployments": [
        {"strategy": "S", "bundle_id": "S/v0001", "sequence": 1}]}))
    reg = ModelRegistry(legacy)  # the old path still works: the store is jesse_dag.duckdb beside it
    assert reg.db == storage / "jesse_dag.duckdb"
    assert reg.entries() == [e1] and reg.deployed("S")["bundle_id"] == "S/v0001"
    # the JSON stays readable, and is never imported again once the store has entries
    legacy.write_text(json.dumps({"schema": 1, "bundles": [e1, _entry("v0002")], "deployments": []}))
    assert [e["version"] for e in ModelRegistry(storage / "jesse_dag.duckdb").entries()] == ["v0001"]
    assert len(ModelRegistry(storage / "jesse_dag.duckdb").deployments()) == 1

    broken = tmp_path / "other" / "ml_registry.json"
    broken.parent.mkdir()
    broken.write_text("{not json")
    with pytest.raises(ValueError, match=r"ml_registry.json: the model registry is not valid JSON"):
        ModelRegistry(broken).entries()


# ── lineage ─────────────────────────────────────────────────────────────────────────────────────────────

CONFIG = {"starting_balance": 10_000, "fee": 0.0, "type": "futures", "futures_leverage": 1,
          "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 96}


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JESSE_DAG_DB", raising=False)
    monkeypatch.delenv("JESSE_DAG_ML_REGISTRY", raising=False)
    (tmp_path / "strategies" / "MLTripleBarrier").mkdir(parents=True)
    shutil.copy(REPO / "strategies" / "MLTripleBarrier" / "__init__.py", tmp_path / "strategies" / "MLTripleBarrier")
    return tmp_path


def test_lineage_from_a_bundle_back_to_samples_and_candle_hashes(project):
    db = project / "storage" / "jesse_dag.duckdb"
    candles, warm = {}, {}
    for seed, symbol in ((1, "BTC-USDT"), (2, "ETH-USDT")):
        m = synthetic_market(days=8, seed=seed)
        candles[f"Sandbox-{symbol}"] = {"exchange": "Sandbox", "symbol": symbol, "candles": m[1440:]}
        warm[f"Sandbox-{symbol}"] = {"exchange": "Sandbox", "symbol": symbol, "candles": m[:1440]}
    routes = [{"exchange": "Sandbox", "symbol": s, "timeframe": "15m", "strategy": "MLTripleBarrier"}
              for s in ("BTC-USDT", "ETH-USDT")]
    out = gather_ml_data(CONFIG, routes, [], candles, warm, verbose=False, db=db)
    (ds,) = out["datasets"]
    n = len(out["data_points"])
    assert ds["added"] == n > 100 and _count(db, "ml_samples") == n
    again = gather_ml_data(CONFIG, routes, [], candles, warm, verbose=False, db=db)
    assert again["datasets"][0]["added"] == 0 and again["datasets"][0]["dataset_id"] == ds["dataset_id"]
    assert _count(db, "ml_samples") == n

    # trained from the CSV, as a user would: the bundle still finds the stored samples by their content
    r = train_model(load_ml_data_csv("MLTripleBarrier"), LogisticRegression(), save_to="strategies/MLTripleBarrier",
                    verbose=False, n_jobs=1, deploy=False)  # (deployed below, a separate step)
    bundle_id = r["bundle"]["bundle_id"]
    assert bundle_id == "MLTripleBarrier/v0001"
    lin = bundle_lineage(db, bundle_id)
    assert lin["samples"]["stored"] and lin["samples"]["dataset_id"] == ds["dataset_id"]
    assert lin["samples"]["count"] == n and lin["samples"]["csv"].endswith("MLTripleBarrier_data.csv")
    trading = {c["market"]: c for c in lin["candles"] if c["role"] == "trading"}
    for key, block in candles.items():
        arr = np.ascontiguousarray(block["candles"], dtype=np.float64)
        assert trading[key]["sha256"] == hashlib.sha256(arr.tobytes()).hexdigest()
        assert (trading[key]["first_timestamp"], trading[key]["rows"]) == (int(arr[0, 0]), len(arr))
    assert {c["market"] for c in lin["candles"] if c["role"] == "warmup"} == set(warm)
    assert lin["bundle"]["path"] == str(Path(r["bundle"]["path"]).resolve()) and not lin["bundle"]["deployed"]
    assert load_samples(lin["samples"]["dataset_id"], db=db)[0]["label_time"] >= r["bundle"]["manifest"][
        "training_window"]["first_time"]

    from jesse_dag.ml.bundle import deploy_bundle

    deploy_bundle(r["bundle"]["path"])
    (row,) = list_bundles(db)
    assert row["bundle_id"] == bundle_id and row["deployed"] and row["samples_stored"] and row["n_samples"] == n
    with pytest.raises(KeyError, match="not in the model registry; registered: MLTripleBarrier/v0001"):
        bundle_lineage(db, "Nope/v0001")


# ── several processes ───────────────────────────────────────────────────────────────────────────────────


def _child(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(REPO))


@pytest.mark.slow  # ~10 s on an idle machine: each store operation opens the file (~30 ms) in both processes
def test_processes_writing_at_once_all_land_and_a_held_lock_times_out_clearly(tmp_path):
    db = tmp_path / "s.duckdb"
    ModelRegistry(db).entries()  # create the file first
    writers = [_child(f"""
        from jesse_dag.ml.registry import ModelRegistry
        from jesse_dag.store.ml import store_samples
        reg = ModelRegistry({str(db)!r})
        for i in range(4):
            reg.register({{"bundle_id": f"P{w}/v{{i:04d}}", "strategy": "P{w}", "version": f"v{{i:04d}}", "path": "/p"}})
            store_samples([{{"time": 60 * t, "features": {{"x": float(t * i)}}, "label": {{"name": "y", "value": t % 2}},
                            "route": "Sandbox-BTC-USDT-1m"}} for t in range(10)], strategy="P{w}", db={str(db)!r})
            reg.mark_deployed("P{w}", f"P{w}/v{{i:04d}}")
        print("ok", flush=True)
    """) for w in range(2)]
    for p in writers:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and out.strip() == "ok", err[-2000:]
    entries = bundle_entries(db=db)
    assert sorted(e["bundle_id"] for e in entries) == sorted(f"P{w}/v{i:04d}" for w in range(2) for i in range(4))
    # the two processes store the same four data sets: each once
    assert _count(db, "ml_datasets") == 4 and _count(db, "ml_samples") == 4 * 10
    assert _count(db, "model_deployments") == 8
    assert [e["version"] for e in bundle_entries("P1", db=db)] == [f"v{i:04d}" for i in range(4)]
    assert ModelRegistry(db).deployed("P0")["version"] == "v0003"

    holder = _child(f"""
        import duckdb, time
        con = duckdb.connect({str(db)!r})
        print("holding", flush=True)
        time.sleep(1.5)
    """)
    assert holder.stdout.readline().strip() == "holding"
    try:
        with pytest.raises(StoreLockedError, match="locked by another process"):
            ModelRegistry(db, lock_timeout=0.3).register(_entry("v9999"))
        ModelRegistry(db, lock_timeout=30).register(_entry("v9999"))  # waits for the holder, then writes
    finally:
        holder.wait(timeout=30)
    assert "S/v9999" in [e["bundle_id"] for e in bundle_entries(db=db)]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM model_registry").fetchall()[0][0] == 9
