"""The project's definitions on dagster-celery with a real broker: Debian's redis-server on loopback and two
worker processes. A two-market project (a pipeline on each) materialised there gives the same data versions and
bundle files as in one process, every step ran on a worker (both took some), and the ``duckdb`` pool's one
slot held: no two steps of the pool overlapped."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pytest
import yaml

from tests.celery_cluster import celery_workers, redis_server

pytestmark = pytest.mark.slow
pytest.importorskip("dagster_celery", reason="dagster-celery is not installed: pip install -e '.[distributed]'")
if shutil.which("redis-server") is None:
    pytest.skip("redis-server is absent (Debian: apt-get install -y redis-server; .ci/run installs it)",
                allow_module_level=True)

PROJECT_DIR = Path(__file__).resolve().parents[1]
STRATEGY = "MLFilteredEntries"
MONTH = "2024-01-01"


def market(seed: int, symbol: str) -> dict:
    return {"exchange": "Synthetic", "symbol": symbol, "start": MONTH,
            "source": {"kind": "synthetic", "seed": seed, "days": 30, "planted_signal": True,
                       "signal_strength": 0.15}}


def pipeline(market_name: str, strategy: str) -> dict:
    return {"market": market_name, "strategy": strategy, "timeframe": "15m", "warmup_bars": 48,
            "config": {"fee": 0.0, "type": "futures", "futures_leverage": 1},
            "training": {"start": "2024-01-02", "end": "2024-01-18"},
            "evaluation": {"start": "2024-01-20", "end": "2024-01-29"}, "embargo": "1d", "task": "binary",
            "estimator": {"class": "sklearn.linear_model.LogisticRegression", "params": {"max_iter": 500}},
            "validation": {"n_splits": 3, "embargo": "1h"}, "gate": {"roc_auc": 0.0}, "deploy_threshold": 0.5,
            "min_samples": 20, "schedule": "0 3 * * 1"}


def make_project(folder: Path) -> Path:
    """Two synthetic markets and a pipeline on each; each pipeline has its own strategy folder (a strategy's
    samples CSV, bundles and deployed model live there)."""
    source = PROJECT_DIR / "strategies" / STRATEGY
    shutil.copytree(source, folder / "strategies" / STRATEGY,
                    ignore=shutil.ignore_patterns("models", "ml_data", "*.pkl", "bundle.json", "__pycache__"))
    twin = folder / "strategies" / f"{STRATEGY}Eth"
    twin.mkdir()
    code = (source / "__init__.py").read_text()
    (twin / "__init__.py").write_text(code.replace(f"class {STRATEGY}(", f"class {STRATEGY}Eth("))
    project = {"markets": {"synth-btc": market(7, "BTC-USDT"), "synth-eth": market(11, "ETH-USDT")},
               "pipelines": {"btc": pipeline("synth-btc", STRATEGY), "eth": pipeline("synth-eth", f"{STRATEGY}Eth")}}
    path = folder / "project.yaml"
    path.write_text(yaml.safe_dump(project))
    return path


def run_project(project_file: Path, home: Path, monkeypatch, executor: str) -> dict:
    """Imports the month of both markets, then every pipeline asset, on ``executor``; what the instance recorded."""
    from tests.dagster_jobs import every_market_import_job, every_pipeline_job

    monkeypatch.setenv("JESSE_DAG_TEST_PROJECT", str(project_file))
    monkeypatch.setenv("JESSE_DAG_EXECUTOR", executor)
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home),
                              overrides={"concurrency": {"pools": {"default_limit": 1}}}) as instance:
        run_ids = []
        with dg.execute_job(dg.reconstructable(every_market_import_job), instance=instance,
                            tags={"dagster/partition": MONTH}) as result:
            assert result.success, _failure(instance, result.run_id)
            run_ids.append(result.run_id)
        with dg.execute_job(dg.reconstructable(every_pipeline_job), instance=instance) as result:
            assert result.success, _failure(instance, result.run_id)
            run_ids.append(result.run_id)
        keys = sorted(instance.get_asset_keys(), key=lambda k: k.to_user_string())
        versions, bundles = {}, {}
        for key in keys:
            event = instance.get_latest_materialization_event(key)
            versions[key.to_user_string()] = event.asset_materialization.tags["dagster/data_version"]
            if key.path[-1] == "model_bundle":
                folder = Path(event.asset_materialization.metadata["bundle"].value)
                files = json.loads((folder / "bundle.json").read_text())["files"]
                # a skops archive differs byte for byte between two saves of one model; the pickles do not
                bundles[key.to_user_string()] = {k: v for k, v in files.items() if not k.endswith(".skops")}
        logs = [e for run_id in run_ids for e in instance.all_logs(run_id)]
        return {"versions": versions, "bundles": bundles, "logs": logs}


def _failure(instance: dg.DagsterInstance, run_id: str) -> str:
    return "\n".join(str(e.message) for e in instance.all_logs(run_id) if e.is_dagster_event
                     and e.dagster_event.event_type_value in ("STEP_FAILURE", "RUN_FAILURE", "ENGINE_EVENT"))[-4000:]


def pool_intervals(logs: list, pooled_steps: set[str]) -> list[tuple[float, float, str]]:
    """(start, end, step) of every step of the ``duckdb`` pool, from its STEP_START and STEP_SUCCESS events."""
    starts, intervals = {}, []
    for e in logs:
        if not e.is_dagster_event or e.step_key not in pooled_steps:
            continue
        kind = e.dagster_event.event_type_value
        if kind == "STEP_START":
            starts[(e.run_id, e.step_key)] = e.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            intervals.append((starts.pop((e.run_id, e.step_key)), e.timestamp, e.step_key))
    return sorted(intervals)


def test_two_markets_on_celery_workers_match_the_in_process_run(tmp_path, monkeypatch):
    local = make_project(tmp_path / "local")
    in_process = run_project(local, tmp_path / "home-local", monkeypatch, "in_process")
    assert len(in_process["versions"]) == 2 + 2 * 11  # two candle assets, eleven assets per pipeline
    assert set(in_process["bundles"]) == {"btc/model_bundle", "eth/model_bundle"}
    assert all("model.pkl" in files for files in in_process["bundles"].values())

    distributed = make_project(tmp_path / "celery")
    with redis_server(tmp_path) as broker:
        monkeypatch.setenv("JESSE_DAG_CELERY_BROKER", broker)
        with celery_workers(broker, tmp_path, count=2, env={"JESSE_DAG_TEST_PROJECT": str(distributed)}) as workers:
            on_celery = run_project(distributed, tmp_path / "home-celery", monkeypatch, "celery")
            tail = workers.logs_tail()

    assert on_celery["versions"] == in_process["versions"]
    assert on_celery["bundles"] == in_process["bundles"]
    # every step ran in a worker, and both workers took steps
    ran_on = {}
    for e in on_celery["logs"]:
        if e.is_dagster_event and e.dagster_event.event_type_value == "ENGINE_EVENT" and \
                "in celery worker" in (e.message or ""):
            ran_on[e.step_key] = e.dagster_event.engine_event_data.metadata["Celery worker"].value
    steps = {e.step_key for e in on_celery["logs"] if e.is_dagster_event
             and e.dagster_event.event_type_value == "STEP_SUCCESS"}
    assert set(ran_on) == steps, tail
    assert set(ran_on.values()) == set(workers.names), tail
    # the duckdb pool's one slot held across workers: its steps ran one after another
    from tests.dagster_jobs import every_market_import_job, every_pipeline_job

    monkeypatch.setenv("JESSE_DAG_EXECUTOR", "in_process")
    pooled = {node.name for job in (every_market_import_job(), every_pipeline_job()) for node in job.nodes
              if node.definition.pool == "duckdb"}
    intervals = pool_intervals(on_celery["logs"], pooled)
    assert len(intervals) >= 2 + 2 * 5  # two imports, and two windows, samples, bundle, deploy, comparison each
    for (_, end, first), (start, _, second) in zip(intervals, intervals[1:]):
        assert start >= end, f"{first} and {second} held the duckdb pool at once"

