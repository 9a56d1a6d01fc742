"""Resources, chosen by environment (``JESSE_DAG_ENV``: ``local`` by default, ``test`` for pytest).

- ``local``: the project's own ``storage/jesse_dag.duckdb`` and the project directory it sits in.
- ``test``: paths from ``JESSE_DAG_STORE`` / ``JESSE_DAG_PROJECT_DIR`` (a test's tmp_path).
"""
from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

PROJECT_DIR = Path(os.environ.get("JESSE_DAG_PROJECT_DIR", Path(__file__).resolve().parents[1]))
# Every step that touches the DuckDB file runs in this pool, whose limit is 1 (see dagster.yaml):
# DuckDB allows one writer process at a time.
DUCKDB_POOL = "duckdb"


class ResearchStore(dg.ConfigurableResource):
    """Where the DuckDB store and the project (strategies/, storage/) live."""

    db_path: str
    project_dir: str

    @property
    def reports_dir(self) -> Path:
        return Path(self.project_dir) / "storage" / "reports"


def resources_for_env(env: str | None = None) -> dict[str, object]:
    env = env or os.environ.get("JESSE_DAG_ENV", "local")
    if env == "local":
        project_dir = PROJECT_DIR
        db_path = Path(os.environ.get("JESSE_DAG_STORE", project_dir / "storage" / "jesse_dag.duckdb"))
    elif env == "test":
        project_dir = Path(os.environ["JESSE_DAG_PROJECT_DIR"])
        db_path = Path(os.environ["JESSE_DAG_STORE"])
    else:
        raise ValueError(f"JESSE_DAG_ENV={env!r}: expected 'local' or 'test'")
    return {"store": ResearchStore(db_path=str(db_path), project_dir=str(project_dir))}
