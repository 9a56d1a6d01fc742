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


def parquet_store_job() -> dg.JobDefinition:
    """The store-heavy steps of the project's pipelines, each in its own process (the multiprocess executor),
    over the Parquet store ``JESSE_DAG_TEST_STORE`` names: steps read each other's values from its URI."""
    from assets.resources import store_resources

    project = load_project(os.environ["JESSE_DAG_TEST_PROJECT"])
    defs = build_definitions(project, resources=store_resources(os.environ["JESSE_DAG_TEST_STORE"], project.directory))
    job = dg.define_asset_job("parquet_store", selection=store_heavy_selection(list(project.pipelines)),
                              executor_def=dg.multiprocess_executor.configured({"max_concurrent": 2}))
    return dg.Definitions(assets=list(defs.assets), jobs=[job], resources=defs.resources).resolve_job_def("parquet_store")


def universe_markets_job() -> dg.JobDefinition:
    """The per-market steps of the project's universe pipeline (its windows and market samples), partitioned
    by market, on the multiprocess executor: one run per market, launched side by side."""
    project = load_project(os.environ["JESSE_DAG_TEST_PROJECT"])
    store = ResearchStore(db_path=str(Path(project.directory) / "storage" / "test.duckdb"),
                          project_dir=str(project.directory))
    defs = build_definitions(project, resources={"store": store})
    (name,) = [p.name for p in project.pipelines.values() if p.pooled]
    selection = (dg.AssetSelection.assets(dg.AssetKey([name, "market_samples"])).upstream()
                 - dg.AssetSelection.groups("markets"))
    job = dg.define_asset_job("universe_markets", selection=selection,
                              executor_def=dg.multiprocess_executor.configured({"max_concurrent": 2}))
    return dg.Definitions(assets=list(defs.assets), jobs=[job], resources=defs.resources).get_job_def("universe_markets")
