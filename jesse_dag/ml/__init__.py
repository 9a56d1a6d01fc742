"""Machine learning: data points, Jesse's CSV, training and its report, leak-free validation, model bundles.

Public names load their module on first use (``import jesse_dag.ml`` stays cheap, and the strategy base
class can import :mod:`jesse_dag.ml.recording` without scikit-learn).

Example:
    >>> from jesse_dag.ml import PurgedWalkForward, deploy_bundle  # doctest: +SKIP
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "MLMixin": "jesse_dag.ml.recording",
    "gather_ml_data": "jesse_dag.ml.gather",
    "read_lineage": "jesse_dag.ml.gather",
    "train_model": "jesse_dag.ml.training",
    "load_ml_data_csv": "jesse_dag.ml.csv_io",
    "write_ml_data_csv": "jesse_dag.ml.csv_io",
    "PurgedWalkForward": "jesse_dag.ml.validation",
    "load_ml_model": "jesse_dag.ml.bundle",
    "deploy_bundle": "jesse_dag.ml.bundle",
    "BundleError": "jesse_dag.ml.bundle",
    "make_estimator": "jesse_dag.ml.estimators",
    "EstimatorRefused": "jesse_dag.ml.estimators",
    "ModelRegistry": "jesse_dag.ml.registry",
    "list_bundles": "jesse_dag.store.ml",
    "bundle_lineage": "jesse_dag.store.ml",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'jesse_dag.ml' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
