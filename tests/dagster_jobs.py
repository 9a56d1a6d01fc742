"""Reconstructable jobs for tests that run Dagster's multiprocess executor (each step in a subprocess)."""
import functools
import os
from pathlib import Path

import dagster as dg

from assets.definitions import build_definitions
from assets.resources import ResearchStore
from jesse_dag.project import load_project


def store_heavy_selection(pipelines: list[str]) -> dg.AssetSelection:
    """The steps of each pipeline that read or write the DuckDB store (windows, samples, bundle) and a
    backtest; enough to show concurrent pipelines do not contend, at a fraction of the whole graph's cost."""
    keys = [dg.AssetKey([p, name]) for p in pipelines for name in ("ml_samples", "baseline_backtest")]
    return dg.AssetSelection.assets(*keys).upstream() - dg.AssetSelection.groups("markets")


def _test_store_definitions(project) -> dg.Definitions:
    """The project's definitions over the DuckDB file ``storage/test.duckdb`` of its folder."""
    store = ResearchStore(db_path=str(Path(project.directory) / "storage" / "test.duckdb"),
                          project_dir=str(project.directory))
    return build_definitions(project, resources={"store": store})


def _multiprocess_job(defs: dg.Definitions, name: str, selection: dg.AssetSelection) -> dg.JobDefinition:
    """``selection`` of ``defs`` as job ``name``, each step in its own process, two at a time."""
    job = dg.define_asset_job(name, selection=selection,
                              executor_def=dg.multiprocess_executor.configured({"max_concurrent": 2}))
    return dg.Definitions(assets=list(defs.assets), jobs=[job], resources=defs.resources).resolve_job_def(name)


def both_pipelines_job() -> dg.JobDefinition:
    project = load_project(os.environ["JESSE_DAG_TEST_PROJECT"])
    return _multiprocess_job(_test_store_definitions(project), "both_pipelines",
                             store_heavy_selection(list(project.pipelines)))


def parquet_store_job() -> dg.JobDefinition:
    """The store-heavy steps of the project's pipelines, each in its own process (the multiprocess executor),
    over the Parquet store ``JESSE_DAG_TEST_STORE`` names: steps read each other's values from its URI."""
    from assets.resources import store_resources

    project = load_project(os.environ["JESSE_DAG_TEST_PROJECT"])
    defs = build_definitions(project, resources=store_resources(os.environ["JESSE_DAG_TEST_STORE"], project.directory))
    return _multiprocess_job(defs, "parquet_store", store_heavy_selection(list(project.pipelines)))


def universe_markets_job() -> dg.JobDefinition:
    """The per-market steps of the project's universe pipeline (its windows and market samples), partitioned
    by market, on the multiprocess executor: one run per market, launched side by side."""
    project = load_project(os.environ["JESSE_DAG_TEST_PROJECT"])
    (name,) = [p.name for p in project.pipelines.values() if p.pooled]
    selection = (dg.AssetSelection.assets(dg.AssetKey([name, "market_samples"])).upstream()
                 - dg.AssetSelection.groups("markets"))
    return _multiprocess_job(_test_store_definitions(project), "universe_markets", selection)


def recon_job(name: str, **kwargs: str):
    """The job the function ``name`` of this module builds from ``kwargs``, as a Celery worker or a subprocess
    rebuilds it (the arguments travel in the job's pointer, so one worker serves any project)."""
    return dg.build_reconstructable_job("tests.dagster_jobs", name, reconstructable_kwargs=kwargs)


@functools.lru_cache(maxsize=16)
def _project_job(name: str, project_file: str, executor: str) -> dg.JobDefinition:
    """The job ``name`` (below) added to the project's own definitions, or one of their own jobs (their
    executor: ``JESSE_DAG_EXECUTOR``), resolved once per process: a Celery worker rebuilds the job for every
    step it runs, as it would import ``assets.definitions`` once (the first time) for the project's own jobs."""
    project = load_project(project_file)
    defs = _test_store_definitions(project)
    pipelines = dg.AssetSelection.all() - dg.AssetSelection.groups("markets")
    selection = {
        # one month (the run's partition) of every market's candles: the markets share their months
        "every_market_import": dg.AssetSelection.groups("markets"),
        # every asset of every pipeline over the candles already imported
        "every_pipeline": pipelines,
        # every pipeline's samples (the windows they read and the gather)
        "every_gather": dg.AssetSelection.assets(*[dg.AssetKey([p, "ml_samples"]) for p in project.pipelines])
        .upstream() - dg.AssetSelection.groups("markets"),
    }.get(name)
    if selection is None:  # one of the project's own jobs (a universe's stage job ``u__gather_markets``, ...)
        return defs.resolve_job_def(name)
    job = dg.define_asset_job(name, selection=selection)
    return dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def(name)


def _job(name: str, project_file: str | None) -> dg.JobDefinition:
    return _project_job(name, project_file or os.environ["JESSE_DAG_TEST_PROJECT"],
                        os.environ.get("JESSE_DAG_EXECUTOR", ""))


def every_market_import_job(project_file: str | None = None) -> dg.JobDefinition:
    return _job("every_market_import", project_file)


def every_pipeline_job(project_file: str | None = None) -> dg.JobDefinition:
    return _job("every_pipeline", project_file)


def every_gather_job(project_file: str | None = None) -> dg.JobDefinition:
    return _job("every_gather", project_file)


def project_job(job: str, project_file: str | None = None) -> dg.JobDefinition:
    """The project's own job ``job`` (e.g. a universe's stage job ``u__train_pooled``) as its definitions
    build it, executor included."""
    return _job(job, project_file)


def flaky_job(marker_dir: str) -> dg.JobDefinition:
    """One asset that fails on its first attempt (a marker file in ``marker_dir`` records it) and is retried by
    its retry policy; executor from ``JESSE_DAG_EXECUTOR`` as in the project's definitions."""
    from assets.executors import executor_for_env

    @dg.asset(retry_policy=dg.RetryPolicy(max_retries=1))
    def flaky() -> int:
        marker = Path(marker_dir) / "first_attempt"
        if not marker.exists():
            marker.write_text("failed once")
            raise RuntimeError("first attempt fails on purpose")
        return 1

    job = dg.define_asset_job("flaky")
    return dg.Definitions(assets=[flaky], jobs=[job], executor=executor_for_env()).resolve_job_def("flaky")

