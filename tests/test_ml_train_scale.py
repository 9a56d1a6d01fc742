"""train_model at research scale: Jesse's exact importance up to a sample count, a time-stratified subsample
above it (said in the result and both reports), the user's choice of method, and HistGradientBoosting /
LightGBM through bundles, deploy and the strategy's predictions. Thresholds are lowered so the data stays small."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from jesse_dag.ml.training import importance_plan, time_stratified_sample, train_model
from tests.test_ml_bundle import _points, project  # noqa: F401  (the fixture)


def _train(points, **kw):
    return train_model(points, LogisticRegression(), verbose=False, n_jobs=1, **kw)


def test_the_subsample_is_deterministic_one_row_per_time_block_and_seeded():
    rows = time_stratified_sample(1000, 100, seed=7)
    assert rows.tolist() == time_stratified_sample(1000, 100, seed=7).tolist()
    # one row from each block of 10 consecutive rows: the whole window is covered evenly, in time order
    assert (rows // 10).tolist() == list(range(100))
    assert rows[0] < 10 and rows[-1] >= 990
    assert rows.tolist() != time_stratified_sample(1000, 100, seed=8).tolist()
    uneven = time_stratified_sample(1001, 7, seed=0)  # blocks of 143 rows: the last row can be drawn
    assert np.all(np.diff(uneven) > 0) and uneven[-1] >= 858
    assert time_stratified_sample(50, 80).tolist() == list(range(50))


def test_below_the_threshold_the_report_is_the_exact_one():
    pts = _points(400)
    auto = _train(pts, importance_max_samples=320)  # 320 training samples: not above the threshold
    exact = _train(pts, importance="exact")
    assert auto["importance_method"] == {"method": "exact", "mode": "auto", "samples": 320, "train_samples": 320,
                                         "max_samples": 320}
    assert auto["feature_importance"] == exact["feature_importance"]
    assert auto["feature_impact"] == exact["feature_impact"]


def test_above_the_threshold_the_proxies_run_on_the_subsample_and_the_model_on_all(capsys):
    pts = _points(600)  # 480 training samples
    exact = _train(pts, importance="exact")
    fast = _train(pts, importance_max_samples=300, importance_sample_size=200)
    m = fast["importance_method"]
    assert (m["method"], m["mode"], m["samples"], m["train_samples"], m["seed"]) == ("subsample", "auto", 200, 480, 0)
    assert m["on_subsample"] == ["rfe_ranking", "cv_impacts", "feature_impact"]
    # the model, its test metrics, ANOVA F and the correlations use every training sample
    np.testing.assert_array_equal(fast["model"].coef_, exact["model"].coef_)
    assert fast["metrics"] == exact["metrics"]
    for key in ("anova_f_values", "correlations"):
        assert fast["feature_importance"][key] == exact["feature_importance"][key]
    # the CV impacts come from the subsample: other numbers, still the strong feature first
    assert fast["feature_importance"]["cv_baseline"] != exact["feature_importance"]["cv_baseline"]
    assert fast["feature_importance"]["feature_names"][fast["feature_importance"]["_order"][0]] == "a"
    # each impact is measured against the estimator refitted on the same 200 rows with every feature
    rows = time_stratified_sample(480, 200, seed=0)
    Xtr = fast["scaler"].transform([[p["features"][f] for f in ("a", "b", "noise")] for p in pts[:480]])
    Xte = fast["scaler"].transform([[p["features"][f] for f in ("a", "b", "noise")] for p in pts[480:]])
    ytr = np.array([int(p["label"]["value"]) for p in pts[:480]])
    yte = np.array([int(p["label"]["value"]) for p in pts[480:]])
    base = float((LogisticRegression().fit(Xtr[rows], ytr[rows]).predict(Xte) == yte).mean())
    assert m["impact_baseline"] == pytest.approx(base)
    assert all(d["delta"] == pytest.approx(d["metric"] - base) for d in fast["feature_impact"])
    # the same rows on every run: the same report
    again = _train(pts, importance_max_samples=300, importance_sample_size=200)
    assert again["feature_importance"] == fast["feature_importance"] and again["feature_impact"] == fast["feature_impact"]

    from jesse_dag.ml.report import print_training_report
    from jesse_dag.reports.ml_report import render_ml_report

    print_training_report(fast, ytr, yte)
    out = " ".join(capsys.readouterr().out.split())  # the printed lines wrap at the report's width
    assert "Method: subsample, RFE, CV impacts and feature impact on 200 of 480 training samples" in out
    assert (f"Refits on the 200-sample subsample: Change is against the estimator refitted on it with every "
            f"feature ({base:.1%})") in out
    assert "Method: subsample, RFE, CV impacts and feature impact on 200 of 480 training samples" in render_ml_report(fast)
    assert "Method: exact (Jesse&#x27;s), on all 480 training samples" in render_ml_report(exact)


def test_the_user_chooses_exact_or_fast_at_any_size():
    pts = _points(300)  # 240 training samples
    fast = _train(pts, importance="fast", importance_sample_size=100)
    assert fast["importance_method"]["method"] == "subsample" and fast["importance_method"]["samples"] == 100
    exact = _train(pts, importance="exact", importance_max_samples=100)
    assert exact["importance_method"]["method"] == "exact" and exact["importance_method"]["samples"] == 240
    assert importance_plan(10_000)["method"] == "exact" and importance_plan(10_001)["method"] == "subsample"
    assert importance_plan(10_001)["samples"] == 2_000 and importance_plan(1_000, "fast")["samples"] == 1_000


@pytest.mark.parametrize("kwargs,message", [
    ({"importance": "quick"}, "importance must be one of 'auto', 'exact', 'fast', got 'quick'"),
    ({"importance_sample_size": 10}, "importance_sample_size must be an integer of at least 50, got 10"),
    ({"importance_max_samples": 1.5}, "importance_max_samples must be an integer of at least 0, got 1.5"),
])
def test_bad_importance_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _train(_points(200), **kwargs)


def _through_bundle_and_strategy(folder, Demo, estimator):  # noqa: N803
    from jesse_dag.ml.bundle import deploy_bundle, load_ml_model
    from jesse_dag.reports.ml_report import render_ml_report

    r = train_model(_points(), estimator, save_to=str(folder), verbose=False, n_jobs=2, deploy=False)
    deploy_bundle(r["bundle"]["path"])
    loaded = load_ml_model(folder, feature_names=["a", "b", "noise"])
    assert type(loaded["model"]) is type(estimator)
    s = Demo()
    s.values = {"a": 2.0, "b": -1.0, "noise": 0.0}
    expected = r["model"].predict_proba(r["scaler"].transform([[2.0, -1.0, 0.0]]))[0]
    assert s.ml_predict_proba() == {0: pytest.approx(expected[0]), 1: pytest.approx(expected[1])}
    assert s.ml_predict_proba()[1] > 0.5
    assert "Feature importance and impact" in render_ml_report(r)
    assert loaded["manifest"]["importance_method"]["method"] == "exact"
    return loaded


def test_hist_gradient_boosting_trains_saves_deploys_and_predicts_in_the_strategy(project):  # noqa: F811
    from sklearn.ensemble import HistGradientBoostingClassifier

    folder, Demo = project
    loaded = _through_bundle_and_strategy(folder, Demo, HistGradientBoostingClassifier())
    assert loaded["manifest"]["model_format"] == "skops"  # loaded through the allowlist, never unpickled


def test_lightgbm_trains_saves_deploys_and_predicts_in_the_strategy(project):  # noqa: F811
    lightgbm = pytest.importorskip("lightgbm")
    folder, Demo = project
    with pytest.warns(UserWarning):  # a model skops cannot hold: its checked pickle, with a warning
        loaded = _through_bundle_and_strategy(folder, Demo, lightgbm.LGBMClassifier(n_estimators=20, verbose=-1))
    assert loaded["manifest"]["model_format"] == "pickle"
    from jesse_dag.ml.estimators import make_estimator  # by name, as project.yaml and `train --estimator` do

    assert type(make_estimator("lightgbm.LGBMClassifier", {"n_estimators": 5}, task="binary")).__name__ == \
        "LGBMClassifier"


class _RecordsOpenMPThreads(LogisticRegression):
    """A classifier that records how many OpenMP threads a fit of it may use."""
    seen: list = []

    def fit(self, X, y):  # noqa: N803
        from threadpoolctl import threadpool_info

        type(self).seen.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"})
        return super().fit(X, y)


def test_refits_on_parallel_threads_give_openmp_estimators_one_thread_each():
    """OpenMP teams on top of the joblib threads oversubscribe the cores (HistGradientBoosting: 17x slower
    on a loaded 2-core machine); sequential training leaves OpenMP as it is."""
    from threadpoolctl import threadpool_info

    openmp = {i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"}
    if not openmp:
        pytest.skip("no OpenMP runtime loaded")
    _RecordsOpenMPThreads.seen = []
    train_model(_points(200), _RecordsOpenMPThreads(), verbose=False, n_jobs=2, validation="purged")
    assert len(_RecordsOpenMPThreads.seen) == 1 + 3 + 5 and all(s == {1} for s in _RecordsOpenMPThreads.seen)
    _RecordsOpenMPThreads.seen = []
    train_model(_points(200), _RecordsOpenMPThreads(), verbose=False, n_jobs=1)
    assert _RecordsOpenMPThreads.seen and all(s == openmp for s in _RecordsOpenMPThreads.seen)
