"""Reconstructable jobs for tests that run Dagster's multiprocess executor (each step in a subprocess)."""
import os
from pathlib import Path

import dagster as dg

from assets.definitions import build_definitions
from assets.resources import ResearchStore
from jesse_dag.project import load_project


def both_pipelines_job() -> dg.JobDefinition:
    project = load_project(os.environ["JESSE_DAG_TEST_PROJECT"])
    store = ResearchStore(db_path=str(Path(project.directory) / "storage" / "test.duckdb"),
                          project_dir=str(project.directory))
    defs = build_definitions(project, resources={"store": store})
    job = dg.define_asset_job("both_pipelines", selection=dg.AssetSelection.groups(*project.pipelines),
                              executor_def=dg.multiprocess_executor.configured({"max_concurrent": 2}))
    return dg.Definitions(assets=list(defs.assets), jobs=[job], resources=defs.resources).get_job_def("both_pipelines")
