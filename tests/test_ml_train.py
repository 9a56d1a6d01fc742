"""train_model: Jesse's report on the reference cases (parity), the returned sweep, refusals, regression,
purged validation and the printed report."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.svm import SVC

from jesse_dag.ml.training import train_model

TRAIN_CASES = ["train_TripleBarrierGather_binary", "train_TripleBarrierGather_multiclass",
               "train_TradeOutcomeGather_binary"]
REPORT_KEYS = ("feature_names", "metrics", "feature_importance", "feature_impact", "train_test_info",
               "calibration", "class_weights")


def _plain(x):
    if hasattr(x, "tolist"):
        return x.tolist()
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def _differences(ref, ours, path=""):
    """Every place where ``ours`` differs from ``ref`` (numbers: rel 1e-6, abs 1e-9)."""
    if isinstance(ref, dict):
        if not isinstance(ours, dict) or set(ref) != set(ours):
            return [(path, ref, ours)]
        return [d for k in ref for d in _differences(ref[k], ours[k], f"{path}.{k}")]
    if isinstance(ref, list):
        if not isinstance(ours, list) or len(ref) != len(ours):
            return [(path, ref, ours)]
        return [d for i, (a, b) in enumerate(zip(ref, ours)) for d in _differences(a, b, f"{path}[{i}]")]
    if isinstance(ref, (int, float)) and not isinstance(ref, bool):
        if isinstance(ours, (int, float)) and (math.isclose(ref, ours, rel_tol=1e-6, abs_tol=1e-9)
                                               or (math.isnan(ref) and math.isnan(ours))):
            return []
        return [(path, ref, ours)]
    return [] if ref == ours else [(path, ref, ours)]


@pytest.mark.parametrize("case,n_jobs", [(c, 1) for c in TRAIN_CASES] + [(TRAIN_CASES[0], 2)])
def test_report_equals_jesses(parity_dir, case, n_jobs):
    """Sequential, and on two threads (the refits run concurrently, results land in their places)."""
    ref = json.loads((parity_dir / "reference" / f"{case}.json").read_text())
    points = json.loads((parity_dir / "reference" / f"{case.split('_')[1]}.json").read_text())["data_points"]
    assert ref["estimator"] == "logistic"
    r = train_model(points, LogisticRegression(max_iter=1000), task=ref["task"], test_ratio=ref["test_ratio"],
                    verbose=False, n_jobs=n_jobs)
    diffs = [d for k in REPORT_KEYS if k in ref for d in _differences(ref[k], _plain(r[k]), k)]
    # ranks may differ only where Jesse's own values tie within 1e-12 (none do in these cases)
    assert diffs == []
    assert r["importance_method"]["method"] == "exact"  # below the subsample threshold: Jesse's method
    assert set(REPORT_KEYS) - {"calibration", "class_weights"} <= set(r)
    assert ("calibration" in r) == (ref["task"] == "binary")


def _synthetic_points(n=400, seed=0, task="binary"):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    signal = X[:, 0] - 0.5 * X[:, 1] + 0.5 * rng.normal(size=n)
    pts = []
    for i in range(n):
        value = {"binary": bool(signal[i] > 0), "multiclass": int(np.sign(np.round(signal[i]))),
                 "regression": float(signal[i])}[task]
        pts.append({"time": 1_700_000_000 + 900 * i, "features": {"a": X[i, 0], "b": X[i, 1], "noise": X[i, 2]},
                    "label": {"name": "y", "value": value}, "label_time": 1_700_000_000 + 900 * (i + 4),
                    "route": "Sandbox-BTC-USDT-15m"})
    return pts


def test_threshold_sweep_is_returned_and_consistent():
    r = train_model(_synthetic_points(), LogisticRegression(), verbose=False, n_jobs=1)
    sweep = r["threshold_sweep"]
    prob = r["model"].predict_proba(r["scaler"].transform(
        [[p["features"][f] for f in r["feature_names"]] for p in _synthetic_points()[320:]]))[:, 1]
    assert [row["threshold"] for row in sweep["rows"]] == [0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8]
    for row in sweep["rows"]:
        assert row["allowed"] == int((prob >= row["threshold"]).sum())
        assert row["coverage"] == pytest.approx(row["allowed"] / 80)
    assert sweep["rows"][-1]["precision"] > sweep["base_rate"]  # a real signal: confident calls are better
    assert r["metrics"]["roc_auc"] > 0.85
    impact = {d["feature"]: d["delta"] for d in r["feature_impact"]}
    assert impact["a"] < -0.05 < impact["noise"] + 0.05  # dropping the signal hurts, dropping noise does not


def test_classifier_without_predict_proba_is_refused():
    with pytest.raises(TypeError, match="SVC has no predict_proba.*probability=True"):
        train_model(_synthetic_points(), SVC(), verbose=False)


@pytest.mark.parametrize("kwargs, message", [
    ({"task": "ranking"}, "task must be"),
    ({"test_ratio": 0.0}, r"test_ratio must be a fraction strictly between 0 and 1.*got 0.0"),
    ({"test_ratio": 1.5}, r"test_ratio must be a fraction strictly between 0 and 1.*got 1.5"),  # Jesse accepts it
    ({"test_ratio": 0.999}, "empty train or test set"),
    ({"validation": "kfold"}, "validation must be"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_model(_synthetic_points(50), LogisticRegression(), verbose=False, **kwargs)
    with pytest.raises(ValueError, match="empty"):
        train_model([], LogisticRegression(), verbose=False)


def test_points_whose_feature_names_differ_are_refused_naming_the_point_and_names():
    pts = _synthetic_points(50)
    pts[9]["features"] = {**pts[9]["features"], "c": 1.0}
    del pts[9]["features"]["b"]  # Jesse trains on b = 0.0 here
    with pytest.raises(ValueError, match=rf"data point #9 \(time {pts[9]['time']}\) has features \['a', 'c', 'noise'\] "
                                         r"but the earliest point #0 .* has \['a', 'b', 'noise'\]: missing \['b'\], "
                                         r"extra \['c'\]"):
        train_model(pts, LogisticRegression(), verbose=False)


def test_non_finite_feature_is_refused_naming_the_point():
    pts = _synthetic_points(50)
    pts[7]["features"]["b"] = float("nan")
    with pytest.raises(ValueError, match=f"time {pts[7]['time']}: feature 'b' is nan"):
        train_model(pts, LogisticRegression(), verbose=False)


def test_regression_and_multiclass_reports():
    r = train_model(_synthetic_points(task="regression"), RandomForestRegressor(n_estimators=20, random_state=0),
                    task="regression", verbose=False, n_jobs=1)
    assert set(r["metrics"]) == {"mae", "rmse", "r2", "spearman"} and r["metrics"]["r2"] > 0.5
    assert "calibration" not in r and "threshold_sweep" not in r
    # regression: a positive delta (MAE up without the feature) means the feature helps
    assert {d["feature"]: d["delta"] for d in r["feature_impact"]}["a"] > 0
    m = train_model(_synthetic_points(task="multiclass"), LogisticRegression(), task="multiclass", verbose=False,
                    n_jobs=1)
    assert m["metrics"]["classes"] == [-1, 0, 1] and np.array(m["metrics"]["confusion_matrix"]).shape == (3, 3)


def test_purged_validation_reports_each_fold():
    pts = _synthetic_points()
    r = train_model(pts, LogisticRegression(), verbose=False, validation="purged", n_splits=4, embargo="1h",
                    n_jobs=1)
    val = r["validation"]
    assert len(val["folds"]) == 4 and val["embargo_seconds"] == 3600
    for f in val["folds"]:
        # a label is decided 3 bars after its information time (time + 15m) and the embargo adds 4 bars:
        # the 7 samples before each test fold go
        assert f["purged"] == 7 and f["test_size"] == 80
        assert f["metrics"]["roc_auc"] > 0.8
    assert val["mean"]["accuracy"] == pytest.approx(np.mean([f["metrics"]["accuracy"] for f in val["folds"]]))
    del pts[10]["label_time"]
    with pytest.raises(ValueError, match="has no label_time"):
        train_model(pts, LogisticRegression(), verbose=False, validation="purged")


def test_printed_report_has_the_returned_numbers(capsys):
    r = train_model(_synthetic_points(), LogisticRegression(), name="Demo", validation="purged", n_jobs=1)
    out = capsys.readouterr().out
    assert "MODEL TRAINING  ·  Demo  [BINARY]" in out
    for section in ("DATASET", "FEATURE IMPORTANCE", "MODEL PERFORMANCE", "PROBABILITY CALIBRATION",
                    "FEATURE IMPACT", "PRECISION vs CONFIDENCE THRESHOLD", "PURGED WALK-FORWARD"):
        assert section in out
    assert f"ROC AUC {r['metrics']['roc_auc']:.3f}" in out
    table = out.split("FEATURE IMPORTANCE")[1].split("───\n")[0]
    lines = [l for l in out.split("Rank  Feature")[1].splitlines()[2:5]]
    # aligned: the numeric columns end at the same character in every row
    assert len({len(l) for l in lines}) == 1, lines
    first = r["feature_importance"]["feature_names"][r["feature_importance"]["_order"][0]]
    assert lines[0].split()[1] == first and table


def test_small_test_set_and_folds_warn_with_the_sample_counts():
    """71 samples, 15 in the test set, 11-sample folds: the report would pass silently; now it says how little
    the numbers mean. 1,000 samples give no warning."""
    import warnings as _w

    from sklearn.linear_model import LogisticRegression

    from jesse_dag.ml.training import SmallSampleWarning, train_model

    def points(n):
        rng = np.random.default_rng(1)
        x = rng.normal(size=(n, 2))
        return [{"time": 1_700_000_000 + 900 * i, "features": {"a": x[i, 0], "b": x[i, 1]},
                 "label": {"name": "y", "value": bool(x[i, 0] + 0.3 * rng.normal() > 0)},
                 "label_time": 1_700_000_000 + 900 * (i + 1)} for i in range(n)]

    with pytest.warns(SmallSampleWarning) as rec:
        train_model(points(71), LogisticRegression(), verbose=False, validation="purged", n_splits=5, n_jobs=1)
    texts = [str(r.message) for r in rec if r.category is SmallSampleWarning]
    assert any(t.startswith("the test set holds only 15 samples") for t in texts), texts
    assert any("validation folds holds only 11 samples" in t for t in texts), texts
    with _w.catch_warnings():
        _w.simplefilter("error", SmallSampleWarning)
        train_model(points(1000), LogisticRegression(), verbose=False, validation="purged", n_splits=4, n_jobs=1)
