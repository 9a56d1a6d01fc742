"""The Dagster asset graph on a small synthetic market: materialise it, check each asset's real output,
blocking checks, schedules and sensors, staleness, and a pipeline added by the project file alone."""
from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
import yaml

from assets.definitions import build_definitions
from assets.resources import ResearchStore
from jesse_dag.project import load_project

PROJECT_DIR = Path(__file__).resolve().parents[1]
STRATEGY = "MLFilteredEntries"

MARKET = {
    "exchange": "Synthetic",
    "symbol": "BTC-USDT",
    "start": "2024-01-01",
    "source": {"kind": "synthetic", "seed": 7, "days": 45, "planted_signal": True, "signal_strength": 0.15},
}


def pipeline(**overrides) -> dict:
    p = {
        "market": "synth",
        "strategy": STRATEGY,
        "timeframe": "15m",
        "warmup_bars": 48,
        "config": {"fee": 0.0, "type": "futures", "futures_leverage": 1},
        "training": {"start": "2024-01-02", "end": "2024-01-30"},
        "evaluation": {"start": "2024-02-01", "end": "2024-02-14"},
        "embargo": "1d",
        "task": "binary",
        "estimator": {"class": "sklearn.linear_model.LogisticRegression", "params": {"max_iter": 500}},
        "validation": {"n_splits": 3, "embargo": "1h"},
        "gate": {"roc_auc": 0.0},
        "deploy_threshold": 0.5,
        "min_samples": 100,
        "schedule": "0 3 * * 1",
    }
    p.update(overrides)
    return p


def make_project(tmp_path: Path, pipelines: dict, market: dict | None = None) -> Path:
    shutil.copytree(PROJECT_DIR / "strategies" / STRATEGY, tmp_path / "strategies" / STRATEGY,
                    ignore=shutil.ignore_patterns("models", "ml_data", "*.pkl", "bundle.json", "__pycache__"))
    path = tmp_path / "project.yaml"
    path.write_text(yaml.safe_dump({"markets": {"synth": market or MARKET}, "pipelines": pipelines}))
    return path


def definitions(project_file: Path) -> dg.Definitions:
    project = load_project(project_file)
    store = ResearchStore(db_path=str(project.directory / "storage" / "test.duckdb"),
                          project_dir=str(project.directory))
    return build_definitions(project, resources={"store": store})


def materialize_all(defs: dg.Definitions, instance: dg.DagsterInstance) -> dg.ExecuteInJobResult:
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    for key in keys:
        pdef = graph.get(key).partitions_def
        if pdef is not None:
            for part in pdef.get_partition_keys():
                assert dg.materialize(list(defs.assets), instance=instance, resources=defs.resources,
                                      selection=[key], partition_key=part).success
    unpartitioned = [k for k in keys if graph.get(k).partitions_def is None]
    return dg.materialize(list(defs.assets), instance=instance, resources=defs.resources,
                          selection=unpartitioned, raise_on_error=False)


def latest_meta(instance: dg.DagsterInstance, *path: str) -> dict:
    event = instance.get_latest_materialization_event(dg.AssetKey(list(path)))
    assert event is not None, f"{'/'.join(path)} was not materialised"
    return {k: getattr(v, "value", v) for k, v in event.asset_materialization.metadata.items()}


@pytest.fixture(scope="module")
def materialised(tmp_path_factory):
    """The whole graph of one pipeline, materialised once for the tests below."""
    tmp = tmp_path_factory.mktemp("project")
    project_file = make_project(tmp, {"p1": pipeline()})
    defs = definitions(project_file)
    instance = dg.DagsterInstance.ephemeral()
    result = materialize_all(defs, instance)
    return tmp, defs, instance, result


def test_whole_graph_materialises_with_real_outputs(materialised):
    tmp, defs, instance, result = materialised
    assert result.success
    candles = [latest_meta(instance, "market", "synth", "candles")]
    assert candles[0]["gaps"] == 0
    trading = result.output_for_node("p1__training_window", "trading_candles")
    warmup = result.output_for_node("p1__training_window", "warmup_candles")
    # 28 days of 1m candles in the training window, 48 bars of 15m before it
    assert trading.shape == (28 * 1440, 6) and warmup.shape == (48 * 15, 6)
    assert trading[0, 0] == 1704153600000 and warmup[-1, 0] == trading[0, 0] - 60_000
    samples = result.output_for_node("p1__ml_samples")
    assert samples["count"] == len(samples["data_points"]) >= 100
    assert Path(samples["csv_path"]).is_file()
    header = Path(samples["csv_path"]).read_text().splitlines()[0]
    assert header.startswith("time,label_name,label_value,") and "label_time" not in header
    bundle = result.output_for_node("p1__model_bundle")
    manifest = Path(bundle["bundle_dir"]) / "bundle.json"
    assert manifest.is_file() and bundle["version"] == "v0001"
    assert 0.0 <= bundle["oos_metrics"]["roc_auc"] <= 1.0 and len(bundle["folds"]) >= 1
    deployed = result.output_for_node("p1__deployed_model")
    assert (Path(deployed["deployed_dir"]) / "model.pkl").is_file()
    baseline = result.output_for_node("p1__baseline_backtest")
    filtered = result.output_for_node("p1__deployed_backtest")
    assert baseline["metrics"]["total"] > 0
    # the model filter can only remove entries of the same signal
    assert filtered["metrics"].get("total", 0) <= baseline["metrics"]["total"]
    assert all(t["opened_at"] >= 1706745600000 for t in baseline["trades"])  # evaluation window only
    comparison = result.output_for_node("p1__comparison_report")
    assert Path(comparison["html"]).is_file()
    assert comparison["deltas"]["total"] == filtered["metrics"].get("total", 0) - baseline["metrics"]["total"]
    meta = latest_meta(instance, "p1", "model_bundle")
    assert isinstance(meta["oos_roc_auc"], float)


def test_checks_pass_and_are_recorded(materialised):
    _, _, _, result = materialised
    evaluations = {
        (e.event_specific_data.asset_key.to_user_string(), e.event_specific_data.check_name):
            e.event_specific_data.passed
        for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    assert evaluations[("p1/ml_samples", "no_look_ahead")] is True
    assert evaluations[("p1/ml_samples", "enough_samples")] is True
    assert evaluations[("p1/model_bundle", "quality_gate")] is True


def test_failing_gate_blocks_deploy_and_keeps_deployed_model(materialised, tmp_path):
    """No planted signal and a strict gate: the bundle is saved but never deployed."""
    market = {**MARKET, "source": {**MARKET["source"], "planted_signal": False}}
    project_file = make_project(tmp_path, {"p1": pipeline(gate={"roc_auc": 0.7})}, market=market)
    strategy_dir = tmp_path / "strategies" / STRATEGY
    (strategy_dir / "model.pkl").write_bytes(b"previously deployed")
    defs = definitions(project_file)
    instance = dg.DagsterInstance.ephemeral()
    result = materialize_all(defs, instance)
    assert not result.success
    gate = [e.event_specific_data for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == "quality_gate"]
    assert gate and gate[0].passed is False
    assert instance.get_latest_materialization_event(dg.AssetKey(["p1", "model_bundle"])) is not None
    for downstream in ("deployed_model", "deployed_backtest", "comparison_report"):
        assert instance.get_latest_materialization_event(dg.AssetKey(["p1", downstream])) is None
    assert (strategy_dir / "model.pkl").read_bytes() == b"previously deployed"


def test_third_pipeline_from_project_file_only(tmp_path):
    pipelines = {"p1": pipeline(), "p2": pipeline(timeframe="5m"), "p3": pipeline(schedule="30 1 * * *")}
    defs = definitions(make_project(tmp_path, pipelines))
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    for p in ("p1", "p2", "p3"):
        assert {f"{p}/ml_samples", f"{p}/model_bundle", f"{p}/comparison_report", f"{p}/deployed_model"} <= keys
    checks = {k.to_user_string() for k in defs.resolve_asset_graph().asset_check_keys}
    assert "p3/model_bundle:quality_gate" in checks and "p3/ml_samples:no_look_ahead" in checks
    schedules = {s.name: s.cron_schedule for s in defs.schedules}
    assert schedules["p3__schedule"] == "30 1 * * *"


def test_schedule_and_sensor_run_requests(tmp_path):
    import datetime as dt

    defs = definitions(make_project(tmp_path, {"p1": pipeline()}))
    schedule = defs.get_repository_def().get_schedule_def("p1__schedule")
    tick = dt.datetime(2024, 2, 5, 3, 0, tzinfo=dt.timezone.utc)
    # in a `with`, as the daemon does: the instance the schedule opens from the reference is closed after
    with dg.instance_for_test() as instance, dg.build_schedule_context(
            instance=instance, scheduled_execution_time=tick, repository_def=defs.get_repository_def()) as ctx:
        requests = list(schedule.evaluate_tick(ctx).run_requests)
    assert len(requests) == 1 and requests[0].partition_key == "2024-02-01"
    assert requests[0].job_name in (None, "p1__refresh")

    sensor = defs.get_repository_def().get_sensor_def("synth__inbox")
    inbox = tmp_path / "storage" / "inbox" / "synth"
    inbox.mkdir(parents=True)
    (inbox / "2024-01-extra.csv").write_text("timestamp,open,high,low,close,volume\n")
    (inbox / "notes.txt").write_text("ignored")
    (inbox / "badname.csv").write_text("ignored: no month in the name")
    with dg.instance_for_test() as instance:
        data = sensor.evaluate_tick(dg.build_sensor_context(instance=instance,
                                                              repository_def=defs.get_repository_def()))
    assert [r.partition_key for r in data.run_requests] == ["2024-01-01"]


def test_strategy_change_makes_assets_stale(materialised):
    tmp, defs, instance, _ = materialised
    # Dagster's own staleness resolver, the one the UI uses (no public wrapper exists for tests).
    from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
    from dagster._core.loader import LoadingContextForTest

    def resolver_for(d: dg.Definitions) -> CachingStaleStatusResolver:
        return CachingStaleStatusResolver(instance, d.resolve_asset_graph(), LoadingContextForTest(instance))

    key = dg.AssetKey(["p1", "ml_samples"])
    fresh = resolver_for(defs)
    assert fresh.get_status(key) == StaleStatus.FRESH
    init = tmp / "strategies" / STRATEGY / "__init__.py"
    original = init.read_text()
    try:
        init.write_text(original + "\n# a change to the strategy file\n")
        changed = definitions(tmp / "project.yaml")
        resolver = resolver_for(changed)
        assert resolver.get_status(key) == StaleStatus.STALE
        causes = [c.category.name for c in resolver.get_stale_causes(key)]
        assert "CODE" in causes
        # the candle asset does not depend on the strategy
        assert resolver.get_status(dg.AssetKey(["market", "synth", "candles"]), "2024-01-01") == StaleStatus.FRESH
    finally:
        init.write_text(original)


@pytest.mark.slow
def test_two_pipelines_in_parallel_match_serial_runs(tmp_path, monkeypatch):
    """Two pipelines materialised at once by the multiprocess executor on a persistent instance finish
    with the same sample and trade counts as one by one, and no step meets a locked DuckDB file."""
    from tests.dagster_jobs import both_pipelines_job, store_heavy_selection

    small = {"training": {"start": "2024-01-02", "end": "2024-01-16"},
             "evaluation": {"start": "2024-01-18", "end": "2024-01-25"}, "min_samples": 20}
    pipelines = {"p1": pipeline(**small), "p2": pipeline(timeframe="5m", warmup_bars=144, **small)}
    project_file = make_project(tmp_path, pipelines)
    monkeypatch.setenv("JESSE_DAG_TEST_PROJECT", str(project_file))
    defs = definitions(project_file)

    def counts(instance) -> dict:
        return {p: (latest_meta(instance, p, "ml_samples")["samples"],
                    latest_meta(instance, p, "baseline_backtest")["trades"]) for p in pipelines}

    graph = defs.resolve_asset_graph()
    (candles,) = [k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def is not None]
    months = graph.get(candles).partitions_def.get_partition_keys()

    def import_candles(instance) -> None:
        for part in months:
            assert dg.materialize(list(defs.assets), instance=instance, resources=defs.resources,
                                  selection=[candles], partition_key=part).success

    with dg.instance_for_test() as instance:
        import_candles(instance)
        for p in pipelines:  # one by one
            assert dg.materialize(list(defs.assets), instance=instance, resources=defs.resources,
                                  selection=store_heavy_selection([p])).success
        serial = counts(instance)
    assert all(n > 0 for n, _ in serial.values())
    home = tmp_path / "dagster_home"
    home.mkdir()
    # A fresh store for the parallel run, so both runs start from nothing.
    (tmp_path / "storage" / "test.duckdb").unlink()
    with dg.instance_for_test(temp_dir=str(home),
                              overrides={"concurrency": {"pools": {"default_limit": 1}}}) as instance:
        import_candles(instance)
        with dg.execute_job(dg.reconstructable(both_pipelines_job), instance=instance) as result:
            assert result.success
            logs = " ".join(str(e.message) for e in instance.all_logs(result.run_id))
        assert counts(instance) == serial
    assert "Could not set lock" not in logs and "StoreLockedError" not in logs


def test_optimization_asset_when_the_project_file_asks(tmp_path):
    folder = tmp_path / "strategies" / "PeakHold"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("from tests.optimize_strategies.strategies import PeakHold  # noqa: F401\n")
    small = {"training": {"start": "2024-01-02", "end": "2024-01-12"},
             "evaluation": {"start": "2024-01-14", "end": "2024-01-20"}}
    project_file = make_project(tmp_path, {
        "plain": pipeline(**small),
        "tuned": pipeline(strategy="PeakHold", optimize={"trials": 4, "seed": 3, "objective_function": "sharpe"},
                          **small)})
    defs = definitions(project_file)
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert "tuned/optimization" in keys and "plain/optimization" not in keys
    instance = dg.DagsterInstance.ephemeral()
    candles = dg.AssetKey(["market", "synth", "candles"])
    assert dg.materialize(list(defs.assets), instance=instance, resources=defs.resources, selection=[candles],
                          partition_key="2024-01-01").success
    result = dg.materialize(list(defs.assets), instance=instance, resources=defs.resources,
                            selection=[dg.AssetKey(["tuned", "optimization"])])
    summary = result.output_for_node("tuned__optimization")
    # Jesse's count: `trials` per hyperparameter (PeakHold has two)
    assert summary["completed_trials"] == summary["total_trials"] == 8
    assert set(summary["best"]["params"]) == {"hold", "side"}
    assert (tmp_path / "storage" / "optuna" / "tuned.db").is_file()
