"""Re-training on a schedule that moves with time: windows anchored at the tick, no copy of an unchanged
model, champion against challenger, and markets whose data ends (a CSV file, the synthetic source)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import dagster as dg
import numpy as np
import pytest

from jesse_dag.ml.datapoints import fingerprint as points_fingerprint
from jesse_dag.ml.datapoints import label_is_positive
from jesse_dag.ml.registry import ModelRegistry
from jesse_dag.project import load_project
from jesse_dag.research import pipeline as steps
from tests.test_assets_pipeline import MARKET, STRATEGY, definitions, latest_meta, make_project, pipeline

UTC = dt.timezone.utc
# 45 days of synthetic candles, 2024-01-01 .. 2024-02-14 23:59
ROLLING = {"training": {"length": "21d"}, "evaluation": {"length": "7d"}, "embargo": "1d"}
TICK_1 = dt.datetime(2024, 2, 5, 3, 0, tzinfo=UTC)
TICK_2 = dt.datetime(2024, 2, 12, 3, 0, tzinfo=UTC)


@pytest.fixture
def instance():
    """An instance with a reference (the schedule reads the run history from it, as the daemon's does); the
    context manager unsets it afterwards, so later definitions in the session do not reach a dead one."""
    with dg.instance_for_test() as inst:
        yield inst


def tick_request(defs: dg.Definitions, name: str, tick: dt.datetime, instance: dg.DagsterInstance):
    # one instance for the whole test: the definitions keep the first one they were resolved with
    schedule = defs.get_repository_def().get_schedule_def(f"{name}__schedule")
    # as the daemon does, in a `with`: the instance the context opens from its reference is closed after
    # (left open, a later test's definitions reach it through Dagster's context variable after it is gone)
    with dg.build_schedule_context(instance=instance, scheduled_execution_time=tick,
                                   repository_def=defs.get_repository_def()) as ctx:
        return schedule.evaluate_tick(ctx)


def import_all_months(defs: dg.Definitions, instance: dg.DagsterInstance) -> list[str]:
    graph = defs.resolve_asset_graph()
    key = dg.AssetKey(["market", "synth", "candles"])
    months = graph.get(key).partitions_def.get_partition_keys()
    for month in months:
        assert dg.materialize(list(defs.assets), instance=instance, resources=defs.resources, selection=[key],
                              partition_key=month).success
    return months


def pipeline_keys(defs: dg.Definitions, name: str) -> list[dg.AssetKey]:
    return [k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[0] == name]


def run_request(defs: dg.Definitions, instance: dg.DagsterInstance, name: str, request: dg.RunRequest):
    return dg.materialize(list(defs.assets), instance=instance, resources=defs.resources,
                          selection=pipeline_keys(defs, name), tags=request.tags, raise_on_error=False)


def run_tick(defs: dg.Definitions, instance: dg.DagsterInstance, name: str, tick: dt.datetime):
    (request,) = tick_request(defs, name, tick, instance).run_requests
    return request, run_request(defs, instance, name, request)


def deployed_files(strategy_dir: Path) -> str:
    return hashlib.sha256(b"".join((strategy_dir / f).read_bytes() for f in ("model.pkl", "scaler.pkl"))).hexdigest()


@pytest.fixture(scope="module")
def ticks(tmp_path_factory):
    """Two weekly ticks of a pipeline with moving windows, then the second tick again (skipped: no new
    data) and its run again (a re-execution from the UI)."""
    tmp = tmp_path_factory.mktemp("rolling")
    project_file = make_project(tmp, {"p1": pipeline(**ROLLING)})
    defs = definitions(project_file)
    with dg.instance_for_test() as instance:
        import_all_months(defs, instance)
        runs = []
        for tick in (TICK_1, TICK_2, TICK_2):
            if len(runs) == 2:  # the second tick again
                outcome = tick_request(defs, "p1", tick, instance)
                assert not outcome.run_requests and outcome.skip_message.startswith("no new complete data")
                request = runs[-1]["request"]
                result = run_request(defs, instance, "p1", request)
            else:
                request, result = run_tick(defs, instance, "p1", tick)
            assert result.success
            runs.append({"request": request, "result": result,
                         "training": latest_meta(instance, "p1", "training_trading_candles"),
                         "evaluation": latest_meta(instance, "p1", "evaluation_trading_candles"),
                         "bundle": latest_meta(instance, "p1", "model_bundle"),
                         "deployed": latest_meta(instance, "p1", "deployed_model")})
        yield tmp, defs, instance, runs


@pytest.mark.slow
def test_two_ticks_a_week_apart_train_on_windows_a_week_apart(ticks):
    tmp, _defs, _instance, (first, second, _again) = ticks
    assert first["request"].tags[steps.ANCHOR_TAG] == TICK_1.isoformat()
    # what the tick trains on is visible before the run, and recorded after it
    assert first["request"].tags["jesse_dag/training_window"] == "2024-01-07..2024-01-28"
    assert first["request"].tags["jesse_dag/evaluation_window"] == "2024-01-29..2024-02-05"
    assert (first["training"]["window_start"], first["training"]["window_end"]) == ("2024-01-07", "2024-01-28")
    assert (second["training"]["window_start"], second["training"]["window_end"]) == ("2024-01-14", "2024-02-04")
    assert (second["evaluation"]["window_start"], second["evaluation"]["window_end"]) == ("2024-02-05", "2024-02-12")
    trading_1 = first["result"].output_for_node("p1__training_window", "trading_candles")
    trading_2 = second["result"].output_for_node("p1__training_window", "trading_candles")
    week_ms = 7 * 86_400_000
    assert trading_2[0, 0] - trading_1[0, 0] == week_ms and trading_2[-1, 0] - trading_1[-1, 0] == week_ms
    samples_1 = first["result"].output_for_node("p1__ml_samples")
    samples_2 = second["result"].output_for_node("p1__ml_samples")
    assert samples_1["window"] == ["2024-01-07", "2024-01-28"] and samples_2["window"] == ["2024-01-14", "2024-02-04"]
    assert samples_1["fingerprint"] != samples_2["fingerprint"]
    # different data, different bundles
    assert (first["bundle"]["version"], second["bundle"]["version"]) == ("v0001", "v0002")
    assert first["bundle"]["unchanged"] is False and second["bundle"]["unchanged"] is False
    # the second bundle met the first, deployed, one on the second evaluation window: both scores recorded
    decision = second["deployed"]["decision"]
    assert decision["champion"] == f"{STRATEGY}/v0001" and decision["challenger"] == f"{STRATEGY}/v0002"
    assert decision["window"] == ["2024-02-05", "2024-02-12"]
    assert second["deployed"]["challenger_score"] == decision["challenger_score"]
    assert second["deployed"]["champion_score"] == decision["champion_score"]
    comparison = second["result"].output_for_node("p1__comparison_report")
    assert json.loads(Path(comparison["json"]).read_text())["deploy_decision"] == decision


@pytest.mark.slow
def test_the_same_tick_twice_registers_one_bundle(ticks):
    tmp, _defs, _instance, (_first, second, again) = ticks
    assert again["bundle"]["unchanged"] is True and again["bundle"]["version"] == second["bundle"]["version"]
    registered = [e["version"] for e in ModelRegistry(tmp / "storage" / "test.duckdb").entries(STRATEGY)]
    assert registered == ["v0001", "v0002"]
    assert sorted(p.name for p in (tmp / "strategies" / STRATEGY / "models").iterdir()
                  if not p.name.startswith(".")) == ["v0001", "v0002"]
    # the same anchor reproduces the same bytes
    a = second["result"].output_for_node("p1__training_window", "trading_candles")
    b = again["result"].output_for_node("p1__training_window", "trading_candles")
    assert a.tobytes() == b.tobytes()
    # the second tick's challenger was judged once; the re-run reaches the same decision and records no other
    assert again["deployed"]["decision"] == second["deployed"]["decision"]
    (entry,) = ModelRegistry(tmp / "storage" / "test.duckdb").find(bundle_id=f"{STRATEGY}/v0002")
    assert len(entry.get("challenges", [])) == 1


@pytest.mark.slow
def test_a_challenger_worse_than_the_champion_is_not_deployed(ticks):
    tmp, defs, _instance, runs = ticks
    project = load_project(tmp / "project.yaml")
    p, market = project.pipelines["p1"], project.markets["synth"]
    db = tmp / "storage" / "test.duckdb"
    registry = ModelRegistry(db)
    champion = registry.deployed(STRATEGY)
    strategy_dir = tmp / "strategies" / STRATEGY
    before = deployed_files(strategy_dir)
    resolved, _ = steps.resolve_pipeline(p, market, TICK_2.isoformat(), db_path=db)
    assert champion["version"] == runs[0]["bundle"]["version"]
    samples = dict(runs[0]["result"].output_for_node("p1__ml_samples"))
    # the champion's samples with every label flipped: a model that ranks the evaluation window backwards
    flipped = [{**pt, "label": {**pt["label"], "value": not label_is_positive(pt["label"]["value"])}}
               for pt in samples["data_points"]]
    samples.update(data_points=flipped, fingerprint=points_fingerprint(flipped))
    challenger = steps.train_bundle(resolved, samples, db_path=db, project_dir=tmp)
    assert challenger["version"] == "v0003" and challenger["unchanged"] is False
    w = steps.load_window(resolved, market, resolved.evaluation, db_path=db)
    res = steps.deploy_if_better(resolved, market, challenger, w["warmup"], w["trading"], project_dir=tmp)
    decision = res["decision"]
    assert decision["deploy"] is False and decision["champion"] == champion["bundle_id"]
    assert decision["challenger_score"] < decision["champion_score"] and "more than the margin" in decision["reason"]
    assert decision["window"] == ["2024-02-05", "2024-02-12"] and decision["samples"] > 0
    assert res["bundle_id"] == champion["bundle_id"]
    assert registry.deployed(STRATEGY)["bundle_id"] == champion["bundle_id"]
    assert deployed_files(strategy_dir) == before
    (entry,) = registry.find(bundle_id=challenger["bundle_id"])
    assert entry["challenges"][-1]["champion_score"] == decision["champion_score"]


def test_schedule_skips_a_tick_past_the_end_of_the_data(tmp_path, instance):
    defs = definitions(make_project(tmp_path, {"p1": pipeline(**ROLLING)}))
    outcome = tick_request(defs, "p1", dt.datetime(2026, 12, 7, 3, 0, tzinfo=UTC), instance)
    assert not outcome.run_requests
    assert "no new complete data" in outcome.skip_message and "2024-02-14 23:59" in outcome.skip_message
    (request,) = tick_request(defs, "p1", TICK_2, instance).run_requests
    assert request.partition_key == "2024-02-01"
    # every step that reads the store for a moving window's dates waits for the DuckDB pool
    graph = defs.resolve_asset_graph()
    for step in ("training_trading_candles", "ml_samples", "model_bundle", "deployed_model", "comparison_report"):
        assert graph.get(dg.AssetKey(["p1", step])).assets_def.node_def.pool == "duckdb", step
    # a file for a month past the end is left in the inbox, not requested (it has no partition)
    inbox = tmp_path / "storage" / "inbox" / "synth"
    inbox.mkdir(parents=True)
    for name in ("2024-02-extra.csv", "2024-05-late.csv"):
        (inbox / name).write_text("timestamp,open,close,high,low,volume\n")
    sensor = defs.get_repository_def().get_sensor_def("synth__inbox")
    data = sensor.evaluate_tick(dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(),
                                                          repository_def=defs.get_repository_def()))
    assert [r.partition_key for r in data.run_requests] == ["2024-02-01"]


def write_csv_market(folder: Path, days: int, series_days: int | None = None) -> dict:
    """``data/btc.csv`` with the first ``days`` of a synthetic series of ``series_days`` (default ``days``):
    the same ``series_days`` with more ``days`` is the file after new rows were appended to it."""
    from jesse_dag.candles.synthetic import synthetic_market

    start = int(dt.datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000)
    candles = synthetic_market(days=series_days or days, seed=7, start_timestamp=start, plant_signal=True,
                               signal_strength=0.15)[: days * 1440]
    folder.mkdir(parents=True, exist_ok=True)
    np.savetxt(folder / "btc.csv", candles, delimiter=",", fmt=["%d"] + ["%.10g"] * 5,
               header="timestamp,open,close,high,low,volume", comments="")
    return {**MARKET, "source": {"kind": "csv", "path": "data/btc.csv"}}


@pytest.mark.slow
def test_a_csv_market_that_ends_runs_and_backfills_cleanly(tmp_path, instance):
    market = write_csv_market(tmp_path / "data", days=40)  # 2024-01-01 .. 2024-02-09
    rolling = {**ROLLING, "anchor": "latest_candle"}
    defs = definitions(make_project(tmp_path, {"p1": pipeline(**rolling)}, market=market))
    assert import_all_months(defs, instance) == ["2024-01-01", "2024-02-01"]  # no empty month after the file
    result = dg.materialize(list(defs.assets), instance=instance, resources=defs.resources,
                            selection=pipeline_keys(defs, "p1"))
    assert result.success
    # no tag (outside a schedule): anchored at the end of the last whole day stored
    meta = latest_meta(instance, "p1", "evaluation_trading_candles")
    assert (meta["window_start"], meta["window_end"]) == ("2024-02-03", "2024-02-10")
    assert meta["resolved_anchor_from"] == "latest stored complete candle"
    outcome = tick_request(defs, "p1", dt.datetime(2024, 3, 4, 3, 0, tzinfo=UTC), instance)
    assert not outcome.run_requests and "the last row of data/btc.csv" in outcome.skip_message


def test_a_month_without_data_fails_once_naming_the_month_and_the_end(tmp_path, instance):
    market = write_csv_market(tmp_path / "data", days=40)
    market["end"] = "2024-03-31"  # says more than the file holds
    defs = definitions(make_project(tmp_path, {"p1": pipeline()}, market=market))
    key = dg.AssetKey(["market", "synth", "candles"])
    assert defs.resolve_asset_graph().get(key).partitions_def.get_partition_keys()[-1] == "2024-03-01"
    result = dg.materialize(list(defs.assets), instance=instance, resources=defs.resources, selection=[key],
                            partition_key="2024-03-01", raise_on_error=False)
    assert not result.success
    kinds = [e.event_type_value for e in result.all_events]
    assert "STEP_UP_FOR_RETRY" not in kinds  # a deterministic error is not retried
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    text = failure.event_specific_data.error_display_string
    assert "month 2024-03" in text and "2024-02-09 23:59" in text


def test_a_csv_market_whose_file_is_missing_still_loads_and_its_schedule_says_why(tmp_path, instance):
    market = {**MARKET, "source": {"kind": "csv", "path": "data/not-yet.csv"}}
    defs = definitions(make_project(tmp_path, {"p1": pipeline()}, market=market))
    months = defs.resolve_asset_graph().get(dg.AssetKey(["market", "synth", "candles"])).partitions_def
    assert months.get_partition_keys()[0] == "2024-01-01"
    outcome = tick_request(defs, "p1", TICK_2, instance)
    assert not outcome.run_requests and "source file is missing" in outcome.skip_message
    assert "not-yet.csv" in outcome.skip_message


# ── a growing source: a tick with no new complete day since the last run is skipped ──────────────────────


def record_run_through(instance: dg.DagsterInstance, name: str, window_end: str, tags: dict | None = None) -> str:
    """Stand-ins for a run that went through pipeline ``name`` (its comparison report materialised) with the
    evaluation window ending at ``window_end``: what the schedule reads back, without training a model."""

    @dg.asset(key=dg.AssetKey([name, "evaluation_trading_candles"]))
    def window():
        return dg.MaterializeResult(metadata={"window_end": window_end, "resolved_anchor": f"{window_end} 00:00",
                                              "resolved_anchor_from": "latest stored complete candle"})

    @dg.asset(key=dg.AssetKey([name, "comparison_report"]), deps=[window])
    def report():
        return dg.MaterializeResult()

    result = dg.materialize([window, report], instance=instance, tags=tags or {})
    assert result.success
    return result.run_id


def test_growing_csv_tick_skips_without_a_new_complete_day_and_runs_when_one_arrives(tmp_path, instance):
    market = write_csv_market(tmp_path / "data", days=40, series_days=42)  # no `end:`; ends 2024-02-09 23:59
    defs = definitions(make_project(tmp_path, {"p1": pipeline(**ROLLING, anchor="latest_candle")}, market=market))
    tick = dt.datetime(2024, 2, 12, 3, 0, tzinfo=UTC)
    (request,) = tick_request(defs, "p1", tick, instance).run_requests  # never ran: runs
    assert request.partition_key == "2024-02-01" and request.tags["jesse_dag/data_through"] == "2024-02-10"
    run_id = record_run_through(instance, "p1", "2024-02-10", request.tags)
    # the next tick: the file has not grown, nothing new to train on
    outcome = tick_request(defs, "p1", tick + dt.timedelta(days=1), instance)
    assert not outcome.run_requests
    text = outcome.skip_message
    assert text.startswith("no new complete data") and "market synth" in text
    assert "2024-02-09 23:59 UTC (the last row of data/btc.csv)" in text
    assert f"run {run_id[:8]}, anchor 2024-02-10 00:00 (latest stored complete candle)" in text
    assert "through 2024-02-09 23:59 UTC" in text and "once 2024-02-10 is complete" in text
    # two more days are appended to the file: the same tick runs, for the data through 2024-02-11
    write_csv_market(tmp_path / "data", days=42)
    (request,) = tick_request(defs, "p1", tick + dt.timedelta(days=1), instance).run_requests
    assert request.partition_key == "2024-02-01" and request.tags["jesse_dag/data_through"] == "2024-02-12"


def test_growing_binance_tick_runs_once_per_complete_day(tmp_path, instance):
    market = {"exchange": "Binance Spot", "symbol": "BTC-USDT", "start": "2024-01-01", "source": {"kind": "binance"}}
    defs = definitions(make_project(tmp_path, {"p1": pipeline(**ROLLING, schedule="0 */6 * * *")}, market=market))
    first = dt.datetime(2024, 3, 1, 3, 0, tzinfo=UTC)
    (request,) = tick_request(defs, "p1", first, instance).run_requests
    # the newest complete day is 2024-02-29: its month is imported, the windows end at the tick's day
    assert request.partition_key == "2024-02-01" and request.tags["jesse_dag/data_through"] == "2024-03-01"
    assert request.tags["jesse_dag/evaluation_window"] == "2024-02-23..2024-03-01"
    # while that run is going on, a later tick the same day does not ask for the same data again
    from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus

    started = instance.add_run(DagsterRun(job_name="p1__refresh", run_id="0" * 8 + "-started", tags=request.tags,
                                          status=DagsterRunStatus.STARTED))
    outcome = tick_request(defs, "p1", first + dt.timedelta(hours=6), instance)
    assert not outcome.run_requests and f"run {started.run_id[:8]} of pipeline p1 is already" in outcome.skip_message
    instance.delete_run(started.run_id)
    record_run_through(instance, "p1", "2024-03-01", request.tags)
    outcome = tick_request(defs, "p1", first + dt.timedelta(hours=6), instance)
    assert not outcome.run_requests
    assert "market synth is 2024-02-29 23:59 UTC (a growing Binance archive" in outcome.skip_message
    # the next day is complete at midnight: the next tick imports March
    (request,) = tick_request(defs, "p1", first + dt.timedelta(days=1), instance).run_requests
    assert request.partition_key == "2024-03-01" and request.tags["jesse_dag/data_through"] == "2024-03-02"


def test_missed_ticks_import_the_months_the_last_run_lacked_first(tmp_path, instance):
    market = {"exchange": "Binance Spot", "symbol": "BTC-USDT", "start": "2024-01-01", "source": {"kind": "binance"}}
    defs = definitions(make_project(tmp_path, {"p1": pipeline(**ROLLING)}, market=market))
    record_run_through(instance, "p1", "2024-01-28")  # had January through the 27th
    requests = tick_request(defs, "p1", dt.datetime(2024, 3, 4, 3, 0, tzinfo=UTC), instance).run_requests
    assert [(r.partition_key, r.asset_selection) for r in requests] == [
        ("2024-01-01", [dg.AssetKey(["market", "synth", "candles"])]),
        ("2024-02-01", [dg.AssetKey(["market", "synth", "candles"])]),
        ("2024-03-01", None)]
    assert "jesse_dag/data_through" not in requests[0].tags  # an import-only run is not a run of the pipeline


def test_a_file_that_grew_into_a_month_the_code_location_lacks_asks_for_a_reload(tmp_path, instance):
    market = write_csv_market(tmp_path / "data", days=40)  # months 2024-01, 2024-02 when loaded
    defs = definitions(make_project(tmp_path, {"p1": pipeline(**ROLLING, anchor="latest_candle")}, market=market))
    write_csv_market(tmp_path / "data", days=70)  # now through 2024-03-10
    outcome = tick_request(defs, "p1", dt.datetime(2024, 3, 5, 3, 0, tzinfo=UTC), instance)
    assert not outcome.run_requests
    assert "2024-03-05 02:59" in outcome.skip_message and "month 2024-03" in outcome.skip_message
    assert "loaded when the data ended in 2024-02" in outcome.skip_message and "reload" in outcome.skip_message
    # the inbox sensor asks only for months the loaded code location has
    inbox = tmp_path / "storage" / "inbox" / "synth"
    inbox.mkdir(parents=True)
    for name in ("2024-02-more.csv", "2024-03-new.csv"):
        (inbox / name).write_text("timestamp,open,close,high,low,volume\n")
    sensor = defs.get_repository_def().get_sensor_def("synth__inbox")
    data = sensor.evaluate_tick(dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(),
                                                          repository_def=defs.get_repository_def()))
    assert [r.partition_key for r in data.run_requests] == ["2024-02-01"]


def test_fixed_windows_run_once_past_the_end_then_skip(tmp_path, instance):
    defs = definitions(make_project(tmp_path, {"p1": pipeline()}))  # evaluation 2024-02-01 .. 2024-02-14
    tick = dt.datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    (request,) = tick_request(defs, "p1", tick, instance).run_requests  # never ran: runs on the data there is
    assert request.partition_key == "2024-02-01" and request.tags["jesse_dag/data_through"] == "2024-02-15"
    record_run_through(instance, "p1", "2024-02-14")  # e.g. `make demo` (no tags): its evaluation window's end
    outcome = tick_request(defs, "p1", tick + dt.timedelta(days=7), instance)
    assert not outcome.run_requests
    text = outcome.skip_message
    assert text.startswith("nothing new to train on: pipeline p1 has fixed windows")
    assert "evaluation 2024-02-01 .. 2024-02-14" in text
    assert "2024-02-14 23:59 UTC (the synthetic source has 45 days)" in text and "`length`" in text


@pytest.mark.slow
def test_scheduled_runs_on_a_growing_csv_skip_until_a_new_day_is_appended(tmp_path, instance):
    """The refresh job really run for each request: the run's own record is what the next tick reads."""
    market = write_csv_market(tmp_path / "data", days=40, series_days=42)  # no `end:`; ends 2024-02-09 23:59
    defs = definitions(make_project(tmp_path, {"p1": pipeline(**ROLLING, anchor="latest_candle")}, market=market))
    import_all_months(defs, instance)  # the backfill a new market starts with
    job = defs.resolve_job_def("p1__refresh")

    def run(request: dg.RunRequest) -> dict:
        assert job.execute_in_process(instance=instance, partition_key=request.partition_key,
                                      tags=request.tags).success
        return latest_meta(instance, "p1", "evaluation_trading_candles")

    tick = dt.datetime(2024, 2, 12, 3, 0, tzinfo=UTC)
    (request,) = tick_request(defs, "p1", tick, instance).run_requests
    assert run(request)["window_end"] == "2024-02-10"
    outcome = tick_request(defs, "p1", tick + dt.timedelta(days=1), instance)
    assert not outcome.run_requests and "through 2024-02-09 23:59 UTC" in outcome.skip_message
    write_csv_market(tmp_path / "data", days=42)  # two more days are appended to the file
    (request,) = tick_request(defs, "p1", tick + dt.timedelta(days=1), instance).run_requests
    assert run(request)["window_end"] == "2024-02-12"
    bundle = latest_meta(instance, "p1", "model_bundle")
    assert bundle["version"] == "v0002" and bundle["training_window"] == ["2024-01-14", "2024-02-04"]
    outcome = tick_request(defs, "p1", tick + dt.timedelta(days=2), instance)
    assert not outcome.run_requests and "through 2024-02-11 23:59 UTC" in outcome.skip_message
