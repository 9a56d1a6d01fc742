"""Model registry: every saved bundle with its lineage, and which one each strategy has deployed.

Kept in the DuckDB store (tables ``model_registry`` and ``model_deployments``, see
:mod:`jesse_dag.store.ml`) behind this small interface: ``register``, ``entries``, ``mark_deployed``,
``deployed``. A registry JSON file written before the store had these tables (``storage/ml_registry.json``)
is imported once, the first time the registry is used while the store's registry is still empty.

``ModelRegistry(path)``: ``path`` is the store file; a path ending in ``.json`` names the old registry
file instead, and the store is ``$JESSE_DAG_DB`` or ``jesse_dag.duckdb`` beside it. Without a path:
``$JESSE_DAG_ML_REGISTRY`` read the same way, else the project's store (``$JESSE_DAG_DB`` or
``storage/jesse_dag.duckdb``).

Example:
    >>> import tempfile, os
    >>> reg = ModelRegistry(os.path.join(tempfile.mkdtemp(), "jesse_dag.duckdb"))
    >>> reg.register({"bundle_id": "X/v0001", "strategy": "X", "version": "v0001", "path": "/x"})
    >>> reg.mark_deployed("X", "X/v0001")
    >>> reg.deployed("X")["version"]
    'v0001'
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from jesse_dag.store import ml as store_ml
from jesse_dag.store.connection import DEFAULT_LOCK_TIMEOUT, default_db_path
from jesse_dag.store.location import is_store_uri

LEGACY_NAME = "ml_registry.json"
STORE_NAME = "jesse_dag.duckdb"


class ModelRegistry:
    """Bundles (``bundle_id`` = ``<strategy>/<version>`` or the bundle's path) and deployments, in the store."""

    def __init__(self, path: str | os.PathLike | None = None, *, legacy_json: str | os.PathLike | None = None,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT):
        raw = path if path is not None else os.environ.get("JESSE_DAG_ML_REGISTRY")
        if raw is None:
            db, legacy = default_db_path(), Path.cwd() / "storage" / LEGACY_NAME
            if is_store_uri(None):  # $JESSE_DAG_DB names a Parquet store
                db = os.environ["JESSE_DAG_DB"]
        elif str(raw).endswith(".json"):
            legacy = Path(raw)
            db = Path(os.environ["JESSE_DAG_DB"]) if os.environ.get("JESSE_DAG_DB") else legacy.parent / STORE_NAME
            if is_store_uri(None):
                db = os.environ["JESSE_DAG_DB"]
        elif is_store_uri(str(raw)):  # a Parquet store (file:// or s3://): no JSON file from before it
            db, legacy = str(raw), None
        else:
            db = Path(raw)
            legacy = db.parent / LEGACY_NAME
        self.db: Path | str = db
        self.legacy_json: Path | None = Path(legacy_json) if legacy_json is not None else legacy
        self.lock_timeout = lock_timeout
        self._imported = False

    @property
    def path(self) -> Path | str:
        """The store holding the registry (its file, or a Parquet store's URI)."""
        return self.db

    def _ready(self) -> None:
        # the old JSON is imported at most once per instance, and only into a store with an empty registry
        if not self._imported:
            if self.legacy_json is not None and self.legacy_json.is_file():
                store_ml.import_json_registry(self.legacy_json, db=self.db, lock_timeout=self.lock_timeout)
            self._imported = True

    def register(self, entry: dict[str, Any]) -> None:
        """Add (or replace, same ``bundle_id``) one bundle's entry."""
        self._ready()
        store_ml.register_bundle(entry, db=self.db, lock_timeout=self.lock_timeout)

    def claim_version(self, strategy: str, proposed: str) -> str:
        """The version a new bundle of ``strategy`` gets: ``proposed`` (the next in the local models folder) with
        the DuckDB file; with a Parquet store, which workers on several machines share, the first version from
        ``proposed`` on that no other worker has claimed (see :func:`jesse_dag.store.ml.claim_bundle_version`)."""
        if not is_store_uri(str(self.db)):
            return proposed
        return store_ml.claim_bundle_version(strategy, db=self.db, at_least=int(proposed.lstrip("v")),
                                             lock_timeout=self.lock_timeout)

    def restore(self, bundle_dir: str | os.PathLike, bundle_id: str) -> bool:
        """Bring a registered bundle's folder onto this machine from a Parquet store when it is missing here
        (trained on another machine); ``True`` if it was fetched. Its files are checked when deployed."""
        if Path(bundle_dir).exists() or not is_store_uri(str(self.db)):
            return False
        self._ready()
        store_ml.fetch_bundle(bundle_id, bundle_dir, db=self.db, lock_timeout=self.lock_timeout)
        return True

    def entries(self, strategy: str | None = None) -> list[dict[str, Any]]:
        """All bundles, or one strategy's, in registration order."""
        self._ready()
        return store_ml.bundle_entries(strategy, db=self.db, lock_timeout=self.lock_timeout)

    def find(self, *, bundle_id: str | None = None, path: str | os.PathLike | None = None) -> list[dict[str, Any]]:
        """Entries registered under ``bundle_id`` or for the folder ``path``: what deploying checks against."""
        self._ready()
        return store_ml.find_bundles(bundle_id=bundle_id, path=path, db=self.db, lock_timeout=self.lock_timeout)

    def mark_deployed(self, strategy: str, bundle_id: str, deployed_at: str | None = None) -> None:
        """Record that ``strategy`` now serves ``bundle_id`` (appended: the history is kept). ``deployed_at``
        is stored as given (the registry never reads the clock)."""
        self._ready()
        store_ml.record_deployment(strategy, bundle_id, deployed_at=deployed_at, db=self.db,
                                   lock_timeout=self.lock_timeout)

    def deployed(self, strategy: str) -> dict[str, Any] | None:
        """The entry of the bundle ``strategy`` deployed last, or ``None``."""
        self._ready()
        return store_ml.deployed_entry(strategy, db=self.db, lock_timeout=self.lock_timeout)

    def deployments(self, strategy: str | None = None) -> list[dict[str, Any]]:
        """The deployment history, oldest first."""
        self._ready()
        return store_ml.deployments(strategy, db=self.db, lock_timeout=self.lock_timeout)

    def lineage(self, bundle_id: str) -> dict[str, Any]:
        """Candles -> samples -> bundle for a registered bundle (see :func:`jesse_dag.store.ml.bundle_lineage`)."""
        self._ready()
        return store_ml.bundle_lineage(self.db, bundle_id, lock_timeout=self.lock_timeout)
