"""Model registry: every saved bundle with its lineage, and which one each strategy has deployed.

Kept as one JSON file under ``storage/`` (written atomically) behind this small interface, until the
DuckDB store offers a ``model_registry`` table; the interface (``register``, ``entries``, ``mark_deployed``,
``deployed``) stays the same when it moves there.

Example:
    >>> import tempfile, os
    >>> reg = ModelRegistry(os.path.join(tempfile.mkdtemp(), "ml_registry.json"))
    >>> reg.register({"bundle_id": "X/v0001", "strategy": "X", "version": "v0001", "path": "/x"})
    >>> reg.mark_deployed("X", "X/v0001")
    >>> reg.deployed("X")["version"]
    'v0001'
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path("storage") / "ml_registry.json"


class ModelRegistry:
    """Bundles (``bundle_id`` = ``<strategy>/<version>`` or the bundle's path) and deployments."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else Path(os.environ.get("JESSE_DAG_ML_REGISTRY", DEFAULT_PATH))

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"schema": 1, "bundles": [], "deployments": []}
        try:
            with open(self.path) as fh:
                return json.load(fh)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{self.path}: the model registry is not valid JSON ({exc})") from None

    def _write(self, state: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".ml_registry.", dir=self.path.parent)
        with os.fdopen(fd, "w") as fh:
            json.dump(state, fh, indent=1, sort_keys=True, default=str)
        os.replace(tmp, self.path)

    def register(self, entry: dict[str, Any]) -> None:
        """Add (or replace, same ``bundle_id``) one bundle's entry."""
        state = self._read()
        state["bundles"] = [b for b in state["bundles"] if b["bundle_id"] != entry["bundle_id"]] + [entry]
        self._write(state)

    def entries(self, strategy: str | None = None) -> list[dict[str, Any]]:
        """All bundles, or one strategy's, in registration order."""
        return [b for b in self._read()["bundles"] if strategy is None or b.get("strategy") == strategy]

    def mark_deployed(self, strategy: str, bundle_id: str) -> None:
        """Record that ``strategy`` now serves ``bundle_id`` (appended: the history is kept)."""
        state = self._read()
        state["deployments"].append({"strategy": strategy, "bundle_id": bundle_id,
                                     "sequence": len(state["deployments"]) + 1})
        self._write(state)

    def deployed(self, strategy: str) -> dict[str, Any] | None:
        """The entry of the bundle ``strategy`` deployed last, or ``None``."""
        state = self._read()
        dep = [d for d in state["deployments"] if d["strategy"] == strategy]
        if not dep:
            return None
        by_id = {b["bundle_id"]: b for b in state["bundles"]}
        return by_id.get(dep[-1]["bundle_id"], {"bundle_id": dep[-1]["bundle_id"]})
