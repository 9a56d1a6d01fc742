"""The Dagster code location: every asset, check, job, schedule and sensor, built from ``project.yaml``.

Adding a pipeline to the project file (no Python) adds its assets, checks, job and schedule.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import dagster as dg

# `dagster dev -w workspace.yaml` loads this file by path; make `assets.*` importable from the project root.
_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from assets.automation import build_automation  # noqa: E402
from assets.candles import build_candles_asset  # noqa: E402
from assets.executors import executor_for_env  # noqa: E402
from assets.pipelines import build_pipeline_assets  # noqa: E402
from assets.resources import resources_for_env  # noqa: E402
from assets.walk_forward import build_walk_forward_assets  # noqa: E402
from jesse_dag.project import Project, load_project  # noqa: E402


def build_definitions(project: Project, resources: dict[str, object] | None = None) -> dg.Definitions:
    """All definitions for ``project``; ``resources`` default to those of ``JESSE_DAG_ENV``, the executor of
    every job to the one ``JESSE_DAG_EXECUTOR`` names (see ``assets.executors``)."""
    resources = resources or resources_for_env(storage=project.storage)
    project_dir = str(project.directory)
    assets: list = [build_candles_asset(m, project_dir) for m in project.markets.values()]
    for pipeline in project.pipelines.values():
        markets = [project.markets[m] for m in pipeline.universe]  # one, or a universe
        assets += build_pipeline_assets(pipeline, markets, project_dir)
        assets += build_walk_forward_assets(pipeline, markets, project_dir)
    jobs, schedules, sensors = build_automation(project)
    return dg.Definitions(assets=assets, jobs=jobs, schedules=schedules, sensors=sensors, resources=resources,
                          executor=executor_for_env())


def _project_file() -> Path:
    return Path(os.environ.get("JESSE_DAG_PROJECT_FILE", _ROOT / "project.yaml"))


project = load_project(_project_file())
defs = build_definitions(project)
