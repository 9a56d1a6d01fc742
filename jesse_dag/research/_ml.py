"""Jesse's ML research functions: ``gather_ml_data``, ``train_model``, ``load_ml_data_csv``, ``load_ml_model``.

Example:
    >>> from jesse_dag.research import load_ml_data_csv, train_model  # doctest: +SKIP
    >>> r = train_model(load_ml_data_csv("MyStrategy"), LogisticRegression(), validation="purged")  # doctest: +SKIP
"""
from __future__ import annotations

from jesse_dag.ml.bundle import load_ml_model
from jesse_dag.ml.csv_io import load_ml_data_csv
from jesse_dag.ml.gather import gather_ml_data
from jesse_dag.ml.training import train_model

__all__ = ["gather_ml_data", "train_model", "load_ml_data_csv", "load_ml_model"]
