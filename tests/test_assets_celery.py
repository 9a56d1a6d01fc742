"""The project's definitions on dagster-celery with a real broker: Debian's redis-server on loopback and two
worker processes. A universe of two markets (one pipeline, ``markets: [...]``) materialised there stage by stage
gives the same data versions (of every asset and market partition) and bundle files as in one process, every
step ran on a worker (both took some), and the ``duckdb`` pool's one slot held: no two steps of the pool
overlapped. A step that fails once is retried by its retry policy, and
``JESSE_DAG_EXECUTOR`` picks the executor of the project's jobs."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from assets.executors import executor_for_env, executor_name
from tests.celery_cluster import celery_workers, market_project, redis_server, universe_project
from tests.dagster_jobs import recon_job

MONTH = "2024-01-01"


def _needs_cluster():
    pytest.importorskip("dagster_celery", reason="dagster-celery is not installed: pip install -e '.[distributed]'")
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is absent (Debian: apt-get install -y redis-server; .ci/run installs it)")


# the universe's runs in the order its schedule takes them: each market's month, then the four stages, the
# per-market ones once per market partition
STAGES = ("gather_markets", "train_pooled", "backtest_markets", "report_pooled")


def universe_runs(markets: list[str]) -> list[tuple[str, str | None]]:
    """(job, partition) of every run that materialises the universe ``u`` over ``markets`` from nothing."""
    runs = [("every_market_import", MONTH)]
    for stage in STAGES:
        runs += [(f"u__{stage}", m) for m in markets] if stage.endswith("_markets") else [(f"u__{stage}", None)]
    return runs


def run_universe(project_file: Path, home: Path, monkeypatch, executor: str) -> dict:
    """Every run of :func:`universe_runs` on ``executor``, one after another; the data version of every asset
    (of each partition), the bundle's files, the events of the runs and the duckdb-pool steps of their jobs."""
    from jesse_dag.project import load_project
    from tests.dagster_jobs import project_job

    monkeypatch.setenv("JESSE_DAG_EXECUTOR", executor)
    markets = list(load_project(project_file).pipelines["u"].universe)
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home),
                              overrides={"concurrency": {"pools": {"default_limit": 1}}}) as instance:
        run_ids, pooled = [], set()
        for job, partition in universe_runs(markets):
            pooled |= {node.name for node in project_job(job, str(project_file)).nodes
                       if node.definition.pool == "duckdb"}
            tags = {"dagster/partition": partition} if partition else {}
            with dg.execute_job(recon_job("project_job", job=job, project_file=str(project_file)),
                                instance=instance, tags=tags) as result:
                assert result.success, f"{job} [{partition}]: " + _failure(instance, result.run_id)
                run_ids.append(result.run_id)
        versions, bundles = {}, {}
        for key in instance.get_asset_keys():
            for record in instance.fetch_materializations(key, limit=100).records:  # newest first
                mat = record.asset_materialization
                versions.setdefault((key.to_user_string(), mat.partition), mat.tags["dagster/data_version"])
                if key.path[-1] == "model_bundle" and key.to_user_string() not in bundles:
                    folder = Path(mat.metadata["bundle"].value)
                    files = json.loads((folder / "bundle.json").read_text())["files"]
                    # a skops archive differs byte for byte between two saves of one model; the pickles do not
                    bundles[key.to_user_string()] = {k: v for k, v in files.items() if not k.endswith(".skops")}
        logs = [e for run_id in run_ids for e in instance.all_logs(run_id)]
        return {"versions": versions, "bundles": bundles, "logs": logs, "pooled": pooled}


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


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """redis-server on loopback and two worker processes, for the tests below."""
    _needs_cluster()
    tmp = tmp_path_factory.mktemp("cluster")
    with redis_server(tmp) as broker:
        with celery_workers(broker, tmp, count=2) as workers:
            yield {"broker": broker, "workers": workers}


@pytest.mark.slow
def test_a_two_market_universe_on_celery_workers_matches_the_in_process_run(cluster, tmp_path, monkeypatch):
    """One pipeline over two markets, stage by stage (each market's month; per market its windows and samples;
    the pooled model; per market its backtests; the pooled report): on the workers, the in-process data
    versions of every asset and partition and the same bundle; every step ran on a worker, both took some,
    and the duckdb pool's one slot held across them."""
    in_process = run_universe(universe_project(tmp_path / "local"), tmp_path / "home-local", monkeypatch,
                              "in_process")
    markets = ["synth-btc", "synth-eth"]
    per_market = {"u/" + n for n in ("training_warmup_candles", "training_trading_candles", "market_samples",
                                     "evaluation_warmup_candles", "evaluation_trading_candles",
                                     "baseline_backtest", "deployed_backtest")}
    pooled = {"u/" + n for n in ("ml_samples", "model_bundle", "evaluation_report", "deployed_model",
                                 "comparison_report")}
    assert set(in_process["versions"]) == {(f"market/{m}/candles", MONTH) for m in markets} | \
        {(k, m) for k in per_market for m in markets} | {(k, None) for k in pooled}
    assert set(in_process["bundles"]) == {"u/model_bundle"} and "model.pkl" in in_process["bundles"]["u/model_bundle"]

    workers = cluster["workers"]
    monkeypatch.setenv("JESSE_DAG_CELERY_BROKER", cluster["broker"])
    on_celery = run_universe(universe_project(tmp_path / "celery"), tmp_path / "home-celery", monkeypatch, "celery")
    tail = workers.logs_tail()

    assert on_celery["versions"] == in_process["versions"]
    assert on_celery["bundles"] == in_process["bundles"]
    # every step ran in a worker, and both workers took steps
    ran_on = {}
    for e in on_celery["logs"]:
        if e.is_dagster_event and e.dagster_event.event_type_value == "ENGINE_EVENT" and \
                "in celery worker" in (e.message or ""):
            ran_on[(e.run_id, e.step_key)] = e.dagster_event.engine_event_data.metadata["Celery worker"].value
    steps = {(e.run_id, e.step_key) for e in on_celery["logs"] if e.is_dagster_event
             and e.dagster_event.event_type_value == "STEP_SUCCESS"}
    assert set(ran_on) == steps, tail
    assert set(ran_on.values()) == set(workers.names), tail
    # the duckdb pool's one slot held across workers: its steps ran one after another
    intervals = pool_intervals(on_celery["logs"], on_celery["pooled"])
    # the imports; each market's two windows (training and evaluation steps, which could run side by side);
    # the pooled samples, bundle and deployment; the comparison
    assert len(intervals) == 2 + 2 * 2 + 3 + 1, [step for *_, step in intervals]
    for (_, end, first), (start, _, second) in zip(intervals, intervals[1:]):
        assert start >= end, f"{first} and {second} held the duckdb pool at once"


@pytest.mark.slow
def test_a_step_that_fails_once_is_retried_by_its_policy_on_celery(cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("JESSE_DAG_EXECUTOR", "celery")
    monkeypatch.setenv("JESSE_DAG_CELERY_BROKER", cluster["broker"])
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        with dg.execute_job(recon_job("flaky_job", marker_dir=str(tmp_path)), instance=instance) as result:
            assert result.success, _failure(instance, result.run_id)
            events = [e for e in instance.all_logs(result.run_id) if e.is_dagster_event and e.step_key == "flaky"]
    kinds = [e.dagster_event.event_type_value for e in events]
    on_workers = [e for e in events if "in celery worker" in (e.message or "")]
    assert (tmp_path / "first_attempt").read_text() == "failed once"
    # the first attempt failed, the executor queued the step again, a worker ran it and it succeeded
    assert kinds.count("STEP_UP_FOR_RETRY") == 1 and kinds.count("STEP_RESTARTED") == 1, kinds
    assert kinds.count("STEP_SUCCESS") == 1 and kinds.index("STEP_SUCCESS") > kinds.index("STEP_RESTARTED"), kinds
    assert len(on_workers) == 2, kinds


def test_the_executor_is_chosen_by_the_environment(tmp_path, monkeypatch):
    from assets.definitions import build_definitions
    from assets.resources import ResearchStore
    from jesse_dag.project import load_project

    project = load_project(market_project(tmp_path))
    store = ResearchStore(db_path=str(tmp_path / "storage" / "test.duckdb"), project_dir=str(tmp_path))

    def refresh_executor():
        defs = build_definitions(project, resources={"store": store})
        return defs.resolve_job_def("btc__refresh").executor_def

    monkeypatch.delenv("JESSE_DAG_EXECUTOR", raising=False)
    assert refresh_executor().name == "multi_or_in_process_executor"  # Dagster's default, unchanged
    monkeypatch.setenv("JESSE_DAG_EXECUTOR", "in_process")
    assert refresh_executor().name == "in_process"
    assert executor_name({"JESSE_DAG_EXECUTOR": "Celery"}) == "celery"
    pytest.importorskip("dagster_celery", reason="dagster-celery is not installed: pip install -e '.[distributed]'")
    monkeypatch.setenv("JESSE_DAG_EXECUTOR", "celery")
    monkeypatch.setenv("JESSE_DAG_CELERY_BROKER", "redis://10.0.0.5:6379/0")
    executor = refresh_executor()
    # the broker from the environment, results through it too, retries on (the assets' retry policies hold)
    assert executor.name == "celery"
    config = executor.apply_config_mapping({}).value["config"]
    assert (config["broker"], config["backend"]) == ("redis://10.0.0.5:6379/0",) * 2
    assert config["retries"] == {"enabled": {}}
    # a step may run a day before Redis gives it to another worker (Celery's default: an hour)
    assert config["config_source"]["broker_transport_options"]["visibility_timeout"] == 86_400
    monkeypatch.setenv("JESSE_DAG_CELERY_VISIBILITY_TIMEOUT", "7200")
    config = refresh_executor().apply_config_mapping({}).value["config"]
    assert config["config_source"]["broker_transport_options"]["visibility_timeout"] == 7200


def test_a_wrong_executor_setting_says_what_to_set():
    with pytest.raises(ValueError, match="JESSE_DAG_EXECUTOR='dask': expected one of multiprocess, in_process, celery"):
        executor_for_env({"JESSE_DAG_EXECUTOR": "dask"})
    pytest.importorskip("dagster_celery", reason="dagster-celery is not installed: pip install -e '.[distributed]'")
    with pytest.raises(ValueError, match="needs the broker's URL in JESSE_DAG_CELERY_BROKER"):
        executor_for_env({"JESSE_DAG_EXECUTOR": "celery"})
    with pytest.raises(ValueError, match="JESSE_DAG_CELERY_VISIBILITY_TIMEOUT='1h': expected a whole number"):
        executor_for_env({"JESSE_DAG_EXECUTOR": "celery", "JESSE_DAG_CELERY_BROKER": "redis://h:6379/0",
                          "JESSE_DAG_CELERY_VISIBILITY_TIMEOUT": "1h"})

