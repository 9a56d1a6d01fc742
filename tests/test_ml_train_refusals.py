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


@pytest.mark.parametrize("labels", [[True] * 40, [True] * 32 + [True, False] * 4])
def test_one_class_in_the_training_part_is_refused(labels):
    with pytest.raises(ValueError, match=r"the training part \(32 samples, up to .*\) holds only the class 1 "
                                         r"\(binary task\): a classifier needs two; gather a longer period"):
        _train(_points(labels))


def test_an_importance_fold_with_one_class_is_scored_nan_with_a_warning_as_in_jesse():
    # Jesse's cross_val_score (error_score=nan) scores a fold it cannot fit NaN, warns, and goes on
    with pytest.warns(UserWarning, match=r"could not fit fold 1 \(its 7 training samples hold only the class 0\); "
                                         r"those scores are NaN \(as in Jesse\)"):
        out = _train(_points([False] * 8 + [True, False] * 16))
    fi = out["feature_importance"]
    assert np.isnan(fi["cv_baseline"]) and all(np.isnan(v) for v in fi["cv_impacts"].values())
    assert out["metrics"]["accuracy"] >= 0 and out["model"] is not None


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
