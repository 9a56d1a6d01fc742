"""Reconstructable jobs for tests that run Dagster's multiprocess executor (each step in a subprocess)."""
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


def both_pipelines_job() -> dg.JobDefinition:
    project = load_project(os.environ["JESSE_DAG_TEST_PROJECT"])
    store = ResearchStore(db_path=str(Path(project.directory) / "storage" / "test.duckdb"),
                          project_dir=str(project.directory))
    defs = build_definitions(project, resources={"store": store})
    job = dg.define_asset_job("both_pipelines", selection=store_heavy_selection(list(project.pipelines)),
                              executor_def=dg.multiprocess_executor.configured({"max_concurrent": 2}))
    return dg.Definitions(assets=list(defs.assets), jobs=[job], resources=defs.resources).get_job_def("both_pipelines")


def _project_definitions(job) -> dg.JobDefinition:
    """``job`` added to the project's own definitions (their executor: ``JESSE_DAG_EXECUTOR``), resolved."""
    project = load_project(os.environ["JESSE_DAG_TEST_PROJECT"])
    store = ResearchStore(db_path=str(Path(project.directory) / "storage" / "test.duckdb"),
                          project_dir=str(project.directory))
    defs = build_definitions(project, resources={"store": store})
    return dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).get_job_def(job.name)


def every_market_import_job() -> dg.JobDefinition:
    """One month (the run's partition) of every market's candles: the markets share their months."""
    return _project_definitions(dg.define_asset_job("every_market_import", selection=dg.AssetSelection.groups("markets")))


def every_pipeline_job() -> dg.JobDefinition:
    """Every asset of every pipeline over the candles already imported."""
    return _project_definitions(dg.define_asset_job(
        "every_pipeline", selection=dg.AssetSelection.all() - dg.AssetSelection.groups("markets")))
