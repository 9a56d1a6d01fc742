"""Resources, chosen by environment (``JESSE_DAG_ENV``: ``local`` by default, ``test`` for pytest) and by the
project's ``storage:`` setting.

- ``local``: the project's store (``storage/jesse_dag.duckdb``, or the Parquet store's URI with
  ``storage: {kind: parquet, uri: ...}``) and the project directory it belongs to; ``JESSE_DAG_STORE`` overrides
  the store (a path or a store URI).
- ``test``: paths from ``JESSE_DAG_STORE`` / ``JESSE_DAG_PROJECT_DIR`` (a test's tmp_path).

With a Parquet store the values steps pass each other go under the same URI too (:class:`StoreIOManager`),
so steps on other machines can read them; with the DuckDB file Dagster's default IO manager keeps them in
the instance's local folder.
"""
from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from assets.io_manager import StoreIOManager
from jesse_dag.project import Storage
from jesse_dag.store.location import is_store_uri

PROJECT_DIR = Path(os.environ.get("JESSE_DAG_PROJECT_DIR", Path(__file__).resolve().parents[1]))
# Every step that touches the DuckDB file runs in this pool, whose limit is 1 (see dagster.yaml):
# DuckDB allows one writer process at a time.
DUCKDB_POOL = "duckdb"


class ResearchStore(dg.ConfigurableResource):
    """Where the store (``db_path``: the DuckDB file, or a Parquet store's URI) and the project (strategies/,
    storage/) live."""

    db_path: str
    project_dir: str

    @property
    def reports_dir(self) -> Path:
        return Path(self.project_dir) / "storage" / "reports"

    @property
    def exists(self) -> bool:
        """Whether the store holds anything yet (a missing DuckDB file, an empty folder or prefix: no)."""
        from jesse_dag.store.location import store_exists

        return store_exists(self.db_path)


def store_resources(db_path: str | os.PathLike, project_dir: str | os.PathLike) -> dict[str, object]:
    """``store`` for ``db_path`` and, when it is a Parquet store's URI, the ``io_manager`` writing under it.

    Example:
        >>> sorted(store_resources("s3://research/jd", "."))
        ['io_manager', 'store']
    """
    out: dict[str, object] = {"store": ResearchStore(db_path=str(db_path), project_dir=str(project_dir))}
    if is_store_uri(str(db_path)):
        out["io_manager"] = StoreIOManager(uri=str(db_path), reports_dir=str(out["store"].reports_dir))
    return out


def resources_for_env(env: str | None = None, storage: Storage | None = None) -> dict[str, object]:
    """The resources of ``env`` (default ``$JESSE_DAG_ENV``) for a project whose ``storage:`` is ``storage``."""
    env = env or os.environ.get("JESSE_DAG_ENV", "local")
    if env == "local":
        project_dir = PROJECT_DIR
        db_path = os.environ.get("JESSE_DAG_STORE") or (storage or Storage()).store(project_dir)
    elif env == "test":
        project_dir = Path(os.environ["JESSE_DAG_PROJECT_DIR"])
        db_path = os.environ["JESSE_DAG_STORE"]
    else:
        raise ValueError(f"JESSE_DAG_ENV={env!r}: expected 'local' or 'test'")
    return store_resources(db_path, project_dir)
