"""train_model on data it cannot train on: refused up front, saying what is wrong and what to do."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from jesse_dag.ml.training import train_model


def _points(labels, n_features: int = 2, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [{"time": 1_600_000_000 + 3600 * i, "features": {f"f{j}": float(rng.normal()) for j in range(n_features)},
             "label": {"name": "up", "value": v}} for i, v in enumerate(labels)]


def _train(points, task="binary", **kw):
    est = LinearRegression() if task == "regression" else LogisticRegression()
    return train_model(points, est, task=task, verbose=False, n_jobs=1, **kw)


@pytest.mark.parametrize("labels, task", [([True, False, True], "binary"), ([1.0, 2.0, 3.0], "regression"),
                                          ([True, False] * 3, "binary")])
def test_too_few_samples_for_the_importance_report(labels, task):
    with pytest.raises(ValueError, match=r"at least 6 samples in the training part .* got \d+; gather more data "
                                         r"points \(a longer period\) or lower test_ratio"):
        _train(_points(labels), task)


def test_one_feature_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"at least 2 features, got 1 \(f0\).*add a feature"):
        _train(_points([True, False] * 20, n_features=1))


@pytest.mark.parametrize("labels, where", [
    ([True] * 40, "the whole training part holds only the class 1"),
    ([True] * 32 + [True, False] * 4, "the whole training part holds only the class 1"),
    ([False] * 8 + [True, False] * 16, r"the first \d+ training samples \(fold 1 of the importance report's"),
])
def test_one_class_in_the_training_part_or_a_fold_is_refused(labels, where):
    with pytest.raises(ValueError, match=where + r".*a classifier needs two; gather a longer period"):
        _train(_points(labels))


def test_one_class_in_the_test_part_trains_and_warns_what_to_do():
    with pytest.warns(UserWarning, match=r"test set holds only one class \(1\): ROC AUC is undefined.*test_ratio"):
        out = _train(_points([True, False] * 16 + [True] * 8))
    assert np.isnan(out["metrics"]["roc_auc"]) and out["metrics"]["accuracy"] >= 0


def test_a_purged_fold_with_one_class_is_refused_naming_the_fold():
    pts = _points([False] * 10 + [True, False] * 35)
    for p in pts:
        p["label_time"] = p["time"] + 60
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=r"purged validation: fold 1's training set .* holds only the class 0"):
            _train(pts, validation="purged", n_splits=9)
