"""The asset graph with ``storage: {kind: parquet}`` on a bucket of a real S3-API server (moto, loopback):
the same data versions and the same bundle as with the DuckDB file, everything under the bucket's prefix
(candles by market and month, samples, registry, bundle files, the values steps pass each other)."""
from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from assets.definitions import build_definitions
from assets.resources import resources_for_env, store_resources
from jesse_dag.project import load_project
from jesse_dag.store.parquet import parquet_store
from tests.test_assets_pipeline import make_project, materialize_all, pipeline

# a 40-day synthetic market: two month partitions, a 22-day training window, a 13-day evaluation
MARKET = {"exchange": "Synthetic", "symbol": "BTC-USDT", "start": "2024-01-01",
          "source": {"kind": "synthetic", "seed": 7, "days": 40, "planted_signal": True, "signal_strength": 0.15}}
PIPELINE = pipeline(training={"start": "2024-01-02", "end": "2024-01-24"},
                    evaluation={"start": "2024-01-26", "end": "2024-02-08"})


def _run(tmp: Path, db: str) -> tuple[dict, dict, dg.Definitions, dg.DagsterInstance]:
    project = load_project(make_project(tmp, {"p1": PIPELINE}, market=MARKET))
    defs = build_definitions(project, resources=store_resources(db, project.directory))
    instance = dg.DagsterInstance.ephemeral()
    assert materialize_all(defs, instance).success
    versions = {}
    for key in defs.resolve_asset_graph().get_all_asset_keys():
        records = instance.fetch_materializations(key, limit=100).records
        versions[key.to_user_string()] = sorted(
            r.asset_materialization.tags.get("dagster/data_version") for r in records)
    bundle = json.loads(next((tmp / "strategies" / "MLFilteredEntries" / "models").glob("v*/bundle.json")).read_text())
    return versions, bundle, defs, instance


@pytest.mark.slow
def test_the_demo_pipeline_on_a_bucket_gives_the_duckdb_runs_data_versions_and_bundle(tmp_path, s3_bucket):
    from assets.demo import refresh

    duck_versions, duck_bundle, _, _ = _run(tmp_path / "duck", str(tmp_path / "duck" / "storage" / "test.duckdb"))
    s3_versions, s3_bundle, defs, instance = _run(tmp_path / "s3", s3_bucket)
    assert s3_versions == duck_versions
    assert len(duck_versions) > 10 and all(v and None not in v for v in duck_versions.values())
    # the same bundle: its data, and every file's hash but the skops archives' (a zip differs byte for byte
    # between two saves of one model; model.pkl, the same model, is compared)
    assert s3_bundle["data"] == duck_bundle["data"] and "model.pkl" in duck_bundle["files"]
    assert {k: v for k, v in s3_bundle["files"].items() if not k.endswith(".skops")} == \
        {k: v for k, v in duck_bundle["files"].items() if not k.endswith(".skops")}

    store = parquet_store(s3_bucket)
    keys = [k.split("/store/", 1)[1] for k in store.fs.find(store.loc.root)]
    assert sorted(k for k in keys if k.startswith("candles/")) == [
        f"candles/exchange=Synthetic/symbol=BTC-USDT/month=2024-0{m}/part.parquet" for m in (1, 2)]
    assert any(k.startswith("samples/") for k in keys) and any(k.startswith("registry/") for k in keys)
    assert "bundles/MLFilteredEntries/v0001/bundle.json" in keys
    assert "io/p1/training_trading_candles.pickle" in keys  # numpy arrays passed between steps
    assert {"reports/p1/comparison.html", "reports/p1/comparison.json"} <= set(keys)  # reports under the URI too
    assert not any(k.startswith("_tmp/") for k in keys)
    # the bucket's store counts as existing: a refresh finds everything up to date and runs nothing
    again = refresh(defs, load_project(tmp_path / "s3" / "project.yaml"), instance, say=lambda text: None)
    assert again["success"] and not again["imported"] and not again["materialised"]


def test_the_project_setting_chooses_the_store_and_its_io_manager(tmp_path, monkeypatch):
    monkeypatch.delenv("JESSE_DAG_STORE", raising=False)
    project_file = make_project(tmp_path, {"p1": PIPELINE}, market=MARKET)
    text = project_file.read_text() + "storage: {kind: parquet, uri: shared/store}\n"
    project_file.write_text(text)
    project = load_project(project_file)
    resources = resources_for_env("local", storage=project.storage)
    assert resources["store"].db_path.startswith("file://") and resources["store"].db_path.endswith("/shared/store")
    assert resources["io_manager"].uri == resources["store"].db_path
    assert "io_manager" not in resources_for_env("local")  # the DuckDB file: Dagster's default IO manager


@pytest.mark.slow
def test_steps_in_separate_processes_pass_values_through_the_bucket(tmp_path, s3_bucket, monkeypatch):
    """The multiprocess executor (each step its own process) on the moto bucket: the windows' candle arrays and
    the samples travel between processes through <uri>/io, with the in-process run's data versions."""
    from tests.dagster_jobs import parquet_store_job, store_heavy_selection

    project_file = make_project(tmp_path, {"p1": PIPELINE}, market=MARKET)
    monkeypatch.setenv("JESSE_DAG_TEST_PROJECT", str(project_file))
    monkeypatch.setenv("JESSE_DAG_TEST_STORE", s3_bucket)
    project = load_project(project_file)
    defs = build_definitions(project, resources=store_resources(s3_bucket, project.directory))
    candles = dg.AssetKey(["market", "synth", "candles"])
    selection = store_heavy_selection(["p1"])

    def versions(instance) -> dict:
        keys = selection.resolve(defs.resolve_asset_graph())
        return {k.to_user_string(): instance.get_latest_materialization_event(k).asset_materialization.tags[
            "dagster/data_version"] for k in keys}

    with dg.instance_for_test() as instance:
        for month in ("2024-01-01", "2024-02-01"):
            assert dg.materialize(list(defs.assets), instance=instance, resources=defs.resources,
                                  selection=[candles], partition_key=month).success
        assert dg.materialize(list(defs.assets), instance=instance, resources=defs.resources,
                              selection=selection).success
        in_process = versions(instance)
    store = parquet_store(s3_bucket)
    for key in store.fs.find(store.loc.key("io")):  # the next run must read what its own steps wrote
        store.fs.rm_file(key)
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        for month in ("2024-01-01", "2024-02-01"):
            assert dg.materialize(list(defs.assets), instance=instance, resources=defs.resources,
                                  selection=[candles], partition_key=month).success
        with dg.execute_job(dg.reconstructable(parquet_store_job), instance=instance) as result:
            assert result.success
            pids = {e.dagster_event.pid for e in instance.all_logs(result.run_id) if e.step_key and e.dagster_event}
        assert versions(instance) == in_process
    assert len(pids) > 2  # steps ran in processes of their own
    assert "io/p1/ml_samples.pickle" in [k.split("/store/", 1)[1] for k in store.fs.find(store.loc.root)]


def _run_universe(tmp: Path, db: str) -> tuple[dict, dict]:
    """A two-market universe (tests/test_market_universe.py's, with its walk-forward) materialised stage by stage
    on the store ``db``; the data version of every asset and market partition, and the bundle's manifest."""
    from assets.pipelines import UNIVERSE_STAGES
    from tests.test_market_universe import make_universe_project, materialise

    project = load_project(make_universe_project(tmp, markets=("btc", "eth")))
    defs = build_definitions(project, resources=store_resources(db, project.directory))
    instance = dg.DagsterInstance.ephemeral()
    for m in ("btc", "eth"):
        materialise(defs, instance, [f"market/{m}/candles"], "2024-01-01")
    for stage, names in UNIVERSE_STAGES.items():
        keys = [f"u/{name}" for name in names]
        for partition in ("btc", "eth") if stage.endswith("_markets") else (None,):
            materialise(defs, instance, keys, partition)
    versions = {}
    for key in defs.resolve_asset_graph().get_all_asset_keys():
        for record in instance.fetch_materializations(key, limit=100).records:
            mat = record.asset_materialization
            assert (key.to_user_string(), mat.partition) not in versions, "materialised twice"
            versions[(key.to_user_string(), mat.partition)] = mat.tags["dagster/data_version"]
    bundle = json.loads(next((tmp / "strategies" / "MLFilteredEntries" / "models").glob("v*/bundle.json")).read_text())
    return versions, bundle


@pytest.mark.slow
def test_a_two_market_universe_on_a_bucket_gives_the_duckdb_runs_data_versions(tmp_path, s3_bucket):
    """The pooled steps (the samples, the pooled walk-forward) read every market's upstream value, a dict by
    market partition, back from the bucket's ``io/`` folder; the data versions and bundle are the DuckDB run's."""
    duck_versions, duck_bundle = _run_universe(tmp_path / "duck", str(tmp_path / "duck" / "storage" / "test.duckdb"))
    s3_versions, s3_bundle = _run_universe(tmp_path / "s3", s3_bucket)
    assert s3_versions == duck_versions
    for name in ("market_samples", "baseline_backtest", "walk_forward"):
        assert {p for k, p in duck_versions if k == f"u/{name}"} == {"btc", "eth"}
    assert {("u/ml_samples", None), ("u/walk_forward_pooled", None)} <= set(duck_versions)
    assert s3_bundle["data"] == duck_bundle["data"] and "model.pkl" in duck_bundle["files"]
    assert {k: v for k, v in s3_bundle["files"].items() if not k.endswith(".skops")} == \
        {k: v for k, v in duck_bundle["files"].items() if not k.endswith(".skops")}
    store = parquet_store(s3_bucket)
    keys = [k.split("/store/", 1)[1] for k in store.fs.find(store.loc.root)]
    assert sorted(k for k in keys if k.startswith("candles/")) == [
        f"candles/exchange=Synthetic/symbol={s}-USDT/month=2024-01/part.parquet" for s in ("BTC", "ETH")]
    # one value per market partition, which the pooled steps loaded as a dict
    assert {"io/u/market_samples/btc.pickle", "io/u/market_samples/eth.pickle",
            "io/u/walk_forward/btc.pickle", "io/u/walk_forward/eth.pickle", "io/u/ml_samples.pickle"} <= set(keys)
    # every market's report and the pooled ones under the URI, as on the project's disk
    local = {p.relative_to(tmp_path / "s3" / "storage").as_posix()
             for p in (tmp_path / "s3" / "storage" / "reports").rglob("*") if p.is_file()}
    assert local and local <= set(keys), sorted(local - set(keys))
    assert not any(k.startswith("_tmp/") for k in keys)
