"""PurgedWalkForward: no training label window touches a test fold (widened by the embargo), works in
GridSearchCV, and on overlapping labels without signal it scores chance where shuffled K-fold leaks."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

from jesse_dag.ml.validation import PurgedWalkForward, embargo_seconds


@st.composite
def label_windows(draw):
    n = draw(st.integers(min_value=8, max_value=120))
    gaps = draw(st.lists(st.integers(0, 5_000), min_size=n, max_size=n))
    info = np.cumsum(np.array(gaps, dtype=np.int64)) + 1_600_000_000
    spans = np.array(draw(st.lists(st.integers(0, 40_000), min_size=n, max_size=n)), dtype=np.int64)
    return info, info + spans


@settings(max_examples=200, deadline=None)
@given(windows=label_windows(), n_splits=st.integers(2, 6), embargo=st.integers(0, 20_000))
def test_no_training_window_touches_the_widened_test_fold(windows, n_splits, embargo):
    info, lab = windows
    if len(info) < n_splits + 1:
        return
    cv = PurgedWalkForward(n_splits=n_splits, embargo=embargo, info_times=info, label_times=lab)
    folds = list(cv.split(np.zeros((len(info), 1))))
    assert len(folds) <= n_splits
    for train, test in folds:
        assert len(test) > 0 and not set(train) & set(test)
        lo, hi = info[test].min() - embargo, lab[test].max() + embargo
        # closed intervals [info, label_time] and [lo, hi] must not share a single point
        assert not np.any((info[train] <= hi) & (lab[train] >= lo))
        assert train.size == 0 or train.max() < test.min()  # walk-forward: only the past trains


def test_purge_drops_exactly_the_overlapping_samples():
    info = np.arange(12) * 100
    lab = info + 250  # each label decided 2.5 bars later
    cv = PurgedWalkForward(n_splits=2, info_times=info, label_times=lab)
    (tr1, te1), (tr2, te2) = cv.split(np.zeros((12, 1)))
    assert te1.tolist() == [4, 5, 6, 7] and te2.tolist() == [8, 9, 10, 11]
    # fold 1 starts at info 400: samples whose label_time (info + 250) >= 400 overlap, i.e. 2 and 3
    assert tr1.tolist() == [0, 1]
    assert tr2.tolist() == [0, 1, 2, 3, 4, 5]
    wide = PurgedWalkForward(n_splits=2, embargo=100, info_times=info, label_times=lab)
    assert next(iter(wide.split(np.zeros((12, 1)))))[0].tolist() == [0]


def test_bad_inputs_are_refused_clearly():
    X = np.zeros((10, 1))
    with pytest.raises(ValueError, match="needs info_times and label_times"):
        list(PurgedWalkForward().split(X))
    with pytest.raises(ValueError, match="X has 10 samples"):
        list(PurgedWalkForward(info_times=np.arange(9), label_times=np.arange(9)).split(X))
    with pytest.raises(ValueError, match="label_time .* before info_time"):
        list(PurgedWalkForward(n_splits=2, info_times=np.arange(10), label_times=np.arange(10) - 1).split(X))
    with pytest.raises(ValueError, match="time order"):
        list(PurgedWalkForward(n_splits=2, info_times=np.arange(10)[::-1], label_times=np.arange(10) + 20).split(X))
    with pytest.raises(ValueError, match="at least 2"):
        list(PurgedWalkForward(n_splits=1, info_times=np.arange(10), label_times=np.arange(10)).split(X))
    with pytest.raises(ValueError, match="non-negative"):
        embargo_seconds(-5)
    assert embargo_seconds("1h") == 3600.0


def test_from_points_uses_information_time_and_needs_label_time():
    pts = [{"time": 900 * i, "features": {"a": 1.0}, "label": {"name": "y", "value": 1},
            "label_time": 900 * i + 1800, "route": "Sandbox-BTC-USDT-15m"} for i in range(10)]
    cv = PurgedWalkForward.from_points(pts, n_splits=2)
    assert cv.info_times.tolist() == [900 * i + 900 for i in range(10)]
    del pts[3]["label_time"]
    with pytest.raises(ValueError, match="#3 .* has no label_time"):
        PurgedWalkForward.from_points(pts)


def test_gridsearchcv_accepts_the_splitter():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=300) > 0).astype(int)
    info = np.arange(300) * 60
    cv = PurgedWalkForward(n_splits=4, embargo="5m", info_times=info, label_times=info + 600)
    gs = GridSearchCV(LogisticRegression(), {"C": [0.01, 1.0]}, cv=cv, scoring="roc_auc").fit(X, y)
    assert gs.n_splits_ == 4
    assert gs.best_score_ > 0.8  # the planted signal is found through purged folds
    assert cv.get_n_splits() == 4 and "embargo" in cv.get_params()


def _synthetic_triple_barrier(seed: int, n: int = 2000, horizon: int = 10, bar: int = 900):
    """A random walk (no signal), slow features, overlapping triple-barrier labels."""
    rng = np.random.default_rng(seed)
    logp = np.cumsum(rng.normal(0, 0.002, n + horizon + 60))
    X, y, info, lab = [], [], [], []
    for t in range(60, 60 + n):
        win = logp[t - 50:t + 1]
        vol = np.std(np.diff(win))
        width = vol * np.sqrt(horizon)
        path = logp[t + 1:t + horizon + 1] - logp[t]
        hit = np.flatnonzero(np.abs(path) >= width)
        end = t + 1 + hit[0] if hit.size else t + horizon
        X.append([logp[t] - win.mean(), logp[t] - logp[t - 30], vol])
        y.append(int(logp[end] > logp[t]))
        info.append((t + 1) * bar)
        lab.append((end + 1) * bar)
    return np.array(X), np.array(y), np.array(info), np.array(lab)


@pytest.mark.slow
def test_shuffled_kfold_leaks_and_purged_walk_forward_does_not():
    shuffled, purged = [], []
    for seed in range(5):
        X, y, info, lab = _synthetic_triple_barrier(seed)
        rf = RandomForestClassifier(n_estimators=50, random_state=seed, n_jobs=2)
        shuffled.append(cross_val_score(rf, X, y, scoring="roc_auc",
                                        cv=KFold(5, shuffle=True, random_state=seed)).mean())
        purged.append(cross_val_score(rf, X, y, scoring="roc_auc",
                                      cv=PurgedWalkForward(5, info_times=info, label_times=lab)).mean())
    assert np.mean(shuffled) >= 0.60, shuffled
    assert 0.45 <= np.mean(purged) <= 0.55, purged
