"""A re-run with nothing new (``make demo`` twice) materialises nothing and registers no bundle; a change
re-runs only what it makes stale. Uses the demo's own ``refresh`` on a small synthetic market."""
from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import pytest

from assets.demo import refresh
from jesse_dag.ml.registry import ModelRegistry
from jesse_dag.project import load_project
from tests.test_assets_pipeline import STRATEGY, definitions, make_project, pipeline

MONTHS = ["2024-01-01", "2024-02-01"]  # the 45-day market of tests/test_assets_pipeline.py


def latest_runs(instance: dg.DagsterInstance, keys) -> dict[str, str]:
    return {k.to_user_string(): instance.get_latest_materialization_event(k).run_id for k in keys}


@pytest.fixture(scope="module")
def reruns(tmp_path_factory):
    """The demo's refresh of one pipeline, then the same again with nothing changed."""
    tmp = tmp_path_factory.mktemp("rerun")
    # importance forced to the subsampled method (issue 18): the model_bundle step passes it to train_model
    validation = {"n_splits": 3, "embargo": "1h", "importance": "fast", "importance_max_samples": 50}
    project_file = make_project(tmp, {"p1": pipeline(validation=validation)})
    defs, project = definitions(project_file), load_project(project_file)
    instance = dg.DagsterInstance.ephemeral()
    keys = [k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[0] == "p1"]
    first = refresh(defs, project, instance, say=lambda text: None)
    runs_after_first = latest_runs(instance, keys)
    said: list[str] = []
    second = refresh(defs, project, instance, say=said.append)
    return tmp, defs, project, instance, keys, first, runs_after_first, second, said


def test_first_run_materialises_everything(reruns):
    tmp, _defs, _project, _instance, keys, first, _runs, _second, _said = reruns
    assert first["success"]
    assert first["imported"] == [("market/synth/candles", m) for m in MONTHS]
    assert sorted(first["materialised"]["p1"]) == sorted(k.to_user_string() for k in keys)
    assert [e["version"] for e in ModelRegistry(tmp / "storage" / "test.duckdb").entries(STRATEGY)] == ["v0001"]


def test_the_pipeline_passes_its_importance_setting_to_train_model(reruns):
    tmp = reruns[0]
    report = json.loads((tmp / "storage" / "training" / "p1" / "v0001.json").read_text())["report"]
    method = report["importance_method"]
    assert method["mode"] == "fast" and method["method"] == "subsample" and method["max_samples"] == 50
    assert method["samples"] == min(method["train_samples"], 2_000)


def test_a_rerun_with_nothing_new_materialises_nothing_and_registers_nothing(reruns):
    tmp, _defs, _project, instance, keys, _first, runs_after_first, second, said = reruns
    assert second == {"imported": [], "materialised": {}, "up_to_date": len(keys), "months_up_to_date": 2,
                      "success": True}
    assert said == [f"nothing new: {len(keys)} assets up to date (and 2 months of candles)"]
    assert latest_runs(instance, keys) == runs_after_first  # no asset has a newer materialisation
    assert [e["version"] for e in ModelRegistry(tmp / "storage" / "test.duckdb").entries(STRATEGY)] == ["v0001"]


def test_a_strategy_change_reruns_only_what_reads_the_strategy(reruns):
    tmp, _defs, project, instance, keys, _first, runs_after_first, _second, _said = reruns
    init = tmp / "strategies" / STRATEGY / "__init__.py"
    original = init.read_text()
    try:
        init.write_text(original + "\n# a change to the strategy file\n")
        third = refresh(definitions(tmp / "project.yaml"), project, instance, say=lambda text: None)
    finally:
        init.write_text(original)
    assert third["success"] and third["imported"] == []
    rerun = set(third["materialised"]["p1"])
    windows = {f"p1/{w}_{part}_candles" for w in ("training", "evaluation") for part in ("warmup", "trading")}
    assert windows.isdisjoint(rerun)  # the windows do not read the strategy: still fresh
    assert {"p1/ml_samples", "p1/model_bundle", "p1/baseline_backtest"} <= rerun
    assert rerun == {k.to_user_string() for k in keys} - windows
    runs = latest_runs(instance, keys)
    assert {k for k in runs if runs[k] != runs_after_first[k]} == rerun


def test_a_month_imported_before_it_ended_is_imported_again():
    # a live source's current month grows after its import; a month imported after it ended is final
    from assets.staleness import imported_before_month_end

    instance = dg.DagsterInstance.ephemeral()
    key = dg.AssetKey(["market", "live", "candles"])
    today = dt.datetime.now(dt.timezone.utc).date()
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    for month in (this_month, last_month):
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key, partition=month.isoformat()))
    assert imported_before_month_end(instance, key, this_month.isoformat())
    assert not imported_before_month_end(instance, key, last_month.isoformat())
    assert not imported_before_month_end(instance, key, "2020-01-01")  # never imported: staleness says missing
