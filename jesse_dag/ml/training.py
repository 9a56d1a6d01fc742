"""``train_model``: Jesse's training and report, its refits spread over all cores, plus purged validation.

The numbers equal Jesse 3.5.3's for the same data and estimator (same split, same scaler, same proxy models
for the importance, same metrics); the independent refits (RFE, the CV of the importance with each feature
dropped, fold by fold, and the feature-impact refits) run as one batch of joblib tasks on threads: the
fits happen in libsvm/liblinear/the tree builders, which release the GIL, so threads use every core without
starting processes or copying the data, and the long RFE runs beside the rest instead of before it.

Example:
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> pts = [{"time": 60 * i, "features": {"a": float(a), "b": float(b)},
    ...         "label": {"name": "up", "value": bool(a + 0.3 * rng.normal() > 0)}}
    ...        for i, (a, b) in enumerate(rng.normal(size=(200, 2)))]
    >>> r = train_model(pts, LogisticRegression(), verbose=False, n_jobs=1)
    >>> r["metrics"]["accuracy"] > 0.8, r["feature_names"]
    (True, ['a', 'b'])
"""
from __future__ import annotations

import datetime
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import rankdata, spearmanr
from sklearn.base import clone
from sklearn.feature_selection import RFE, f_classif, f_regression
from sklearn.metrics import (accuracy_score, confusion_matrix, matthews_corrcoef, mean_absolute_error,
                             mean_squared_error, precision_recall_fscore_support, r2_score, roc_auc_score)
from sklearn.model_selection import TimeSeriesSplit
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR

from jesse_dag.ml.datapoints import DataPoint, label_is_positive, label_windows, validate_points

TASKS = ("binary", "multiclass", "regression")
SWEEP_THRESHOLDS = (0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80)
CALIBRATION_BINS = ((0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 1.01))
IMPORTANCE_CV_SPLITS = 5
IMPORTANCE_MODES = ("auto", "exact", "fast")
# Up to this many training samples the importance proxies run on all of them, exactly as Jesse's do; above it
# (importance="auto") they run on a time-stratified subsample, since their kernel-SVM fits cost the square of
# the samples or worse (77 fits at 12 features: 19 s at 10,000 samples, most of an hour at 100,000).
IMPORTANCE_MAX_SAMPLES = 10_000
# The subsample's size: the low end of the 2,000-5,000 samples Jesse's docs advise for training, where the
# 20 sequential linear-SVM fits of the RFE (20 features) take seconds, not minutes, on 2 loaded cores.
IMPORTANCE_SAMPLE_SIZE = 2_000
IMPORTANCE_SEED = 0


def ts_to_date(ts: int) -> str:
    """UTC ``YYYY-MM-DD`` of epoch seconds."""
    return datetime.datetime.fromtimestamp(int(ts), datetime.UTC).strftime("%Y-%m-%d")


# ── data -> arrays ───────────────────────────────────────────────────────────────────────────────────────


def build_arrays(points: Sequence[DataPoint], task: str) -> tuple[list[DataPoint], list[str], np.ndarray, np.ndarray]:
    """Jesse's step 2-3: sort by time (stable), feature names from the first point, X, y per task."""
    order = sorted(range(len(points)), key=lambda i: points[i]["time"])
    ordered = [points[i] for i in order]
    names = sorted(ordered[0]["features"].keys())
    first = set(names)
    for i, p in zip(order, ordered):
        if p["features"].keys() != first:
            # Jesse fills a missing feature with 0.0 and drops extra ones: a silent change of meaning
            have = set(p["features"])
            raise ValueError(
                f"data point #{i} (time {p['time']}) has features {sorted(have)} but the earliest point "
                f"#{order[0]} (time {ordered[0]['time']}) has {names}: missing {sorted(first - have)}, extra "
                f"{sorted(have - first)}; every point must have the same feature names (fix the strategy's "
                "features or drop these points)")
    try:
        X = np.array([[p["features"].get(f, 0.0) for f in names] for p in ordered], dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"a feature value is not a number: {exc}") from None
    if not np.all(np.isfinite(X)):
        r, c = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"data point at time {ordered[r]['time']}: feature {names[c]!r} is {X[r, c]} "
                         "(not finite); scikit-learn cannot train on it")
    values = [p["label"]["value"] for p in ordered]
    if task == "binary":
        y = np.array([1 if label_is_positive(v) else 0 for v in values], dtype=int)
    else:
        conv = int if task == "multiclass" else float
        out = []
        for p, v in zip(ordered, values):
            try:
                out.append(conv(v))
            except (TypeError, ValueError):
                raise ValueError(f"data point at time {p['time']}: label {v!r} is not "
                                 f"{'an integer class' if task == 'multiclass' else 'a number'} "
                                 f"for task {task!r}") from None
        y = np.array(out, dtype=int if task == "multiclass" else float)
    return ordered, names, X, y


# ── metrics ──────────────────────────────────────────────────────────────────────────────────────────────


def binary_metrics(y_test: np.ndarray, y_pred: np.ndarray, y_prob: np.ndarray) -> dict:
    """Jesse's binary metrics; ROC AUC is NaN (with a warning) when the test set has one class."""
    if len(np.unique(y_test)) < 2:
        warnings.warn(f"the test set holds only one class ({int(y_test[0])}): ROC AUC is undefined (NaN); for a "
                      "meaningful score use a larger test_ratio or a longer period", stacklevel=3)
        auc = float("nan")
    else:
        auc = float(roc_auc_score(y_test, y_prob))
    cm = confusion_matrix(y_test, y_pred, labels=[0, 1])
    tn, fp, fn, tp = cm.ravel()
    prec, rec, f1, sup = precision_recall_fscore_support(y_test, y_pred, labels=[0, 1], zero_division=0)
    return {"accuracy": float(accuracy_score(y_test, y_pred)), "roc_auc": auc,
            "mcc": float(matthews_corrcoef(y_test, y_pred)), "confusion_matrix": cm.tolist(),
            "precision": prec.tolist(), "recall": rec.tolist(), "f1": f1.tolist(), "support": sup.tolist(),
            "tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)}


def multiclass_metrics(y_test: np.ndarray, y_pred: np.ndarray, y_prob: np.ndarray, classes: np.ndarray) -> dict:
    """Jesse's multiclass metrics (ROC AUC macro one-vs-rest, NaN when it cannot be computed)."""
    cm = confusion_matrix(y_test, y_pred, labels=classes)
    prec, rec, f1, sup = precision_recall_fscore_support(y_test, y_pred, labels=classes, zero_division=0)
    try:
        auc = float(roc_auc_score(y_test, y_prob, multi_class="ovr", average="macro", labels=classes))
    except ValueError:
        auc = float("nan")
    return {"accuracy": float(accuracy_score(y_test, y_pred)), "roc_auc_macro": auc,
            "mcc": float(matthews_corrcoef(y_test, y_pred)), "confusion_matrix": cm.tolist(),
            "classes": classes.tolist(), "precision": prec.tolist(), "recall": rec.tolist(),
            "f1": f1.tolist(), "support": sup.tolist()}


def regression_metrics(y_test: np.ndarray, y_pred: np.ndarray) -> dict:
    """MAE, RMSE, R² and Spearman's rho."""
    sr = spearmanr(y_test, y_pred)
    return {"mae": float(mean_absolute_error(y_test, y_pred)),
            "rmse": float(np.sqrt(mean_squared_error(y_test, y_pred))),
            "r2": float(r2_score(y_test, y_pred)), "spearman": float(sr.statistic)}


def calibration_buckets(y_test: np.ndarray, y_prob: np.ndarray) -> list[dict]:
    """Jesse's calibration buckets (probabilities below 0.3 are not shown; empty bins are skipped)."""
    out = []
    for lo, hi in CALIBRATION_BINS:
        mask = (y_prob >= lo) & (y_prob < hi)
        n = int(mask.sum())
        if n == 0:
            continue
        actual = float(y_test[mask].mean())
        mid = (lo + min(hi, 1.0)) / 2.0
        out.append({"range": f"[{lo:.1f}–{min(hi, 1.0):.1f})", "n": n, "actual_rate": actual,
                    "expected": mid, "diff": actual - mid})
    return out


def threshold_sweep(y_test: np.ndarray, y_prob: np.ndarray) -> dict:
    """For each threshold t: how many test samples have p >= t, their positive rate, and the coverage."""
    rows = []
    for t in SWEEP_THRESHOLDS:
        mask = y_prob >= t
        n = int(mask.sum())
        rows.append({"threshold": t, "allowed": n,
                     "precision": float(y_test[mask].mean()) if n else None,
                     "coverage": n / len(y_test)})
    return {"base_rate": float(y_test.sum()) / len(y_test), "rows": rows}


# ── the importance at scale: a time-stratified subsample ────────────────────────────────────────────────


def time_stratified_sample(n: int, size: int, seed: int = IMPORTANCE_SEED) -> np.ndarray:
    """Sorted indices of ``size`` of ``n`` time-ordered rows: the rows are cut into ``size`` consecutive blocks
    of (almost) equal length and one row is drawn from each with ``numpy.random.default_rng(seed)``, so the
    sample covers the whole window evenly (every stretch of ``n / size`` rows gives one) and is the same on
    every run. All rows when ``size >= n``.

    Example:
        >>> time_stratified_sample(10, 3, seed=0).tolist()
        [2, 4, 8]
        >>> time_stratified_sample(4, 10).tolist()
        [0, 1, 2, 3]
    """
    if size <= 0:
        raise ValueError(f"a subsample needs at least one row, got size={size}")
    if size >= n:
        return np.arange(n)
    edges = (np.arange(size + 1, dtype=np.int64) * n) // size  # block i is rows edges[i] .. edges[i+1]-1
    return edges[:-1] + np.random.default_rng(seed).integers(0, np.diff(edges))


def _count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer of at least {minimum}, got {value!r}")
    return int(value)


def importance_plan(n_train: int, importance: str = "auto", max_samples: int = IMPORTANCE_MAX_SAMPLES,
                    sample_size: int = IMPORTANCE_SAMPLE_SIZE, seed: int = IMPORTANCE_SEED) -> dict:
    """Which importance method runs on how many of ``n_train`` training samples (``train_model``'s
    ``importance_method`` field).

    - ``"exact"``: Jesse's proxies (RFE with a linear SVM, CV impacts with an RBF SVM) and the feature-impact
      refits on all training samples: Jesse's report, at a cost that grows with the square of the samples.
    - ``"fast"``: the RFE, the CV impacts and the feature-impact refits of the estimator on a
      :func:`time_stratified_sample` of ``sample_size`` training samples (all of them when there are fewer);
      ANOVA F, the correlations and the model itself always use every sample. Constant cost for the proxies,
      linear for the rest.
    - ``"auto"`` (default): ``"exact"`` up to ``max_samples`` training samples, ``"fast"`` above.

    Example:
        >>> importance_plan(8_000)["method"], importance_plan(80_000)["samples"]
        ('exact', 2000)
    """
    if importance not in IMPORTANCE_MODES:
        raise ValueError(f"importance must be one of {', '.join(map(repr, IMPORTANCE_MODES))}, got {importance!r}")
    max_samples = _count(max_samples, "importance_max_samples", 0)
    # the CV of the importance needs IMPORTANCE_CV_SPLITS folds with rows of both classes
    sample_size = _count(sample_size, "importance_sample_size", 50)
    fast = importance == "fast" or (importance == "auto" and n_train > max_samples)
    used = min(n_train, sample_size) if fast else n_train
    plan = {"method": "subsample" if fast else "exact", "mode": importance, "samples": used,
            "train_samples": n_train, "max_samples": max_samples}
    if fast:
        plan.update(seed=seed, sampling="time-stratified: one row at random from each of `samples` consecutive "
                                        "equal blocks of the time-ordered training set",
                    on_subsample=["rfe_ranking", "cv_impacts", "feature_impact"])
    return plan


# ── the refit tasks (module-level so joblib can send them to worker processes) ─────────────────────────────


def _fit_score_fold(est: Any, Xd: np.ndarray, y: np.ndarray, tr: np.ndarray, te: np.ndarray,
                    scoring: str) -> float | str:
    """One fold of the importance CV: its score, or (as ``cross_val_score``'s ``error_score=nan`` makes it
    in Jesse) the reason its fit failed, which counts as NaN."""
    try:
        m = clone(est).fit(Xd[tr], y[tr])
        p = m.predict(Xd[te])
    except Exception as exc:  # noqa: BLE001 - Jesse's cross_val_score scores a failed fit NaN and goes on
        return f"{type(exc).__name__}: {exc}"
    return float(r2_score(y[te], p) if scoring == "r2" else accuracy_score(y[te], p))


def _rfe_ranking(est: Any, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return RFE(est, n_features_to_select=1, step=1).fit(X, y).ranking_.astype(float)


def _impact(est: Any, Xtr_d: np.ndarray, Xte_d: np.ndarray, ytr: np.ndarray, yte: np.ndarray, task: str) -> float:
    m = clone(est).fit(Xtr_d, ytr)
    p = m.predict(Xte_d)
    return float(mean_absolute_error(yte, p) if task == "regression" else accuracy_score(yte, p))


def _parallel(n_jobs: int | None) -> Parallel:
    # Threads, one task at a time, all queued at once: the fits release the GIL, the data is shared (no
    # copies, no worker start-up), and single-task batches let the many short refits fill the other cores
    # while the long RFE runs.
    return Parallel(n_jobs=n_jobs, backend="threading", batch_size=1, pre_dispatch="all")


def _one_openmp_thread(fn: Any, *args: Any, **kwargs: Any) -> Any:
    from threadpoolctl import threadpool_limits

    # OpenMP's thread count is per calling thread: this caps only the fits of this joblib worker
    with threadpool_limits(limits=1, user_api="openmp"):
        return fn(*args, **kwargs)


def _run_parallel(jobs: list, n_jobs: int | None) -> list:
    """Run ``delayed`` tasks on :func:`_parallel`'s threads. When several run at once, each task's OpenMP
    estimators (HistGradientBoosting, LightGBM) get one thread: the joblib threads already fill the cores, and
    OpenMP teams on top of them spin at their barriers waiting for descheduled threads (a 240-row
    HistGradientBoosting fit took 1.9 s with 2 OpenMP threads on a loaded 2-core machine, 0.11 s with 1)."""
    from joblib import effective_n_jobs

    if effective_n_jobs(n_jobs) > 1 and len(jobs) > 1:
        jobs = [delayed(_one_openmp_thread)(fn, *args, **kwargs) for fn, args, kwargs in jobs]
    return _parallel(n_jobs)(jobs)


def _fit(est: Any, X: np.ndarray, y: np.ndarray) -> Any:
    return clone(est).fit(X, y)


def run_importance_and_fit(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray, yte: np.ndarray,
                           names: list[str], estimator: Any, task: str, n_jobs: int | None,
                           rows: np.ndarray | None = None) -> tuple[dict, Any, list[float], float | None]:
    """Feature importance (Jesse's four methods), the fitted model, and each feature-dropped test metric,
    computed as one parallel batch. Returns ``(feature_importance, fitted, impact_metrics, impact_baseline)``.

    ``rows`` (training-row indices in time order, e.g. a :func:`time_stratified_sample`): the RFE, the CV
    impacts and the feature-dropped refits run on those rows only, and ``impact_baseline`` is the test metric
    of the estimator refitted on them with every feature (the impacts compare like with like); ANOVA F, the
    correlations and the returned model use every row. ``rows=None``: all rows, Jesse's report, and
    ``impact_baseline`` is None (the model's own test metric is the baseline)."""
    k = len(names)
    regression = task == "regression"
    proxy_rfe = SVR(kernel="linear") if regression else SVC(kernel="linear")
    proxy_cv = SVR(kernel="rbf", C=1.0, gamma="scale") if regression else SVC(kernel="rbf", C=1.0, gamma="scale")
    scoring = "r2" if regression else "accuracy"
    Xs, ys = (Xtr, ytr) if rows is None else (Xtr[rows], ytr[rows])
    folds = list(TimeSeriesSplit(n_splits=IMPORTANCE_CV_SPLITS).split(Xs))

    # each feature-dropped copy is made once and shared by its impact refit and its CV folds
    dropped_tr = [Xs] + [np.delete(Xs, i, axis=1) for i in range(k)]
    dropped_te = [np.delete(Xte, i, axis=1) for i in range(k)]
    # the longest task (RFE: k sequential SVC fits) first, then the model, then shorter ones longest first
    jobs = [delayed(_rfe_ranking)(proxy_rfe, Xs, ys), delayed(_fit)(estimator, Xtr, ytr)]
    jobs += [delayed(_impact)(estimator, dropped_tr[i + 1], dropped_te[i], ys, yte, task) for i in range(k)]
    if rows is not None:
        jobs.append(delayed(_impact)(estimator, Xs, Xte, ys, yte, task))
    cv_tasks = sorted(((d, f) for d in range(-1, k) for f in range(len(folds))), key=lambda t: -folds[t[1]][0].size)
    jobs += [delayed(_fit_score_fold)(proxy_cv, dropped_tr[d + 1], ys, *folds[f], scoring) for d, f in cv_tasks]
    out = _run_parallel(jobs, n_jobs)
    rfe_ranking, fitted = out[0], out[1]
    impact_metrics = out[2:2 + k]
    n_impact = k + (rows is not None)
    impact_baseline = out[2 + k] if rows is not None else None
    cv = np.empty((k + 1, IMPORTANCE_CV_SPLITS))
    fit_failed = np.zeros(cv.shape, dtype=bool)
    failed: dict[int, str] = {}  # fold -> why its fit failed
    for (d, f), score in zip(cv_tasks, out[2 + n_impact:]):
        if isinstance(score, str):
            failed.setdefault(f, score)
            fit_failed[d + 1, f], score = True, float("nan")
        cv[d + 1, f] = score
    if failed:
        _warn_failed_folds(failed, folds, ys, task, all_failed=bool(fit_failed.all(axis=1).any()))
    cv_means = np.array([np.mean(row) for row in cv])  # np.mean over the folds, as cross_val_score(...).mean()
    baseline, without = float(cv_means[0]), cv_means[1:]

    f_values = (f_regression if regression else f_classif)(Xtr, ytr)[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        correlations = np.array([abs(np.corrcoef(Xtr[:, i], ytr)[0, 1]) for i in range(k)])
    impacts = baseline - without
    consensus = (rfe_ranking + rankdata(-f_values) + rankdata(-correlations) + rankdata(-impacts)) / 4.0
    fi = {
        "feature_names": list(names),
        "rfe_ranking": rfe_ranking.tolist(),
        "anova_f_values": f_values.tolist(),
        "correlations": correlations.tolist(),
        "cv_baseline": baseline,
        "cv_impacts": {names[i]: float(impacts[i]) for i in range(k)},
        "cv_scores_without_feature": {names[i]: float(without[i]) for i in range(k)},
        "consensus_ranks": {names[i]: float(consensus[i]) for i in range(k)},
        "_order": np.argsort(consensus, kind="stable").tolist(),
    }
    return fi, fitted, impact_metrics, impact_baseline


def _warn_failed_folds(failed: dict[int, str], folds: list, ytr: np.ndarray, task: str, all_failed: bool) -> None:
    """Say which importance-CV folds could not be fitted and why (their scores are NaN, as in Jesse); refuse
    when every fold of a run failed (Jesse's ``cross_val_score`` raises then)."""
    parts = []
    for f, why in sorted(failed.items()):
        tr = folds[f][0]
        classes = np.unique(ytr[tr])
        reason = (f"its {tr.size} training samples hold only the class {classes[0].item()!r}"
                  if task != "regression" and len(classes) < 2 else why.splitlines()[0][:160])
        parts.append(f"fold {f + 1} ({reason})")
    text = (f"feature importance: the cross-validation could not fit {', '.join(parts)}; ")
    if all_failed:
        raise ValueError(text + "every fold failed, so no importance can be computed: gather a longer period "
                                "or check the labels")
    warnings.warn(text + "those scores are NaN (as in Jesse), so cv_impacts and the consensus ranks are NaN; "
                         "gather a longer period, or check the labels (both outcomes should occur early on)",
                  stacklevel=4)


# ── purged walk-forward validation ───────────────────────────────────────────────────────────────────────


def _fold_metrics(est: Any, X: np.ndarray, y: np.ndarray, tr: np.ndarray, te: np.ndarray, task: str) -> dict:
    scaler = StandardScaler().fit(X[tr])
    m = clone(est).fit(scaler.transform(X[tr]), y[tr])
    Xte = scaler.transform(X[te])
    pred = m.predict(Xte)
    if task == "regression":
        return regression_metrics(y[te], pred)
    out = {"accuracy": float(accuracy_score(y[te], pred)), "mcc": float(matthews_corrcoef(y[te], pred))}
    proba = m.predict_proba(Xte)
    if len(np.unique(y[te])) < 2:
        out["roc_auc"] = float("nan")
    elif task == "binary":
        out["roc_auc"] = float(roc_auc_score(y[te], proba[:, 1]))
    else:
        try:
            out["roc_auc"] = float(roc_auc_score(y[te], proba, multi_class="ovr", average="macro",
                                                 labels=m.classes_))
        except ValueError:
            out["roc_auc"] = float("nan")
    return out


MIN_TEST_SAMPLES = 100
MIN_FOLD_SAMPLES = 50


class SmallSampleWarning(UserWarning):
    """A metric is measured on so few samples that it tells little (filter it with ``warnings`` if intended)."""


def warn_if_too_few(what: str, n: int, minimum: int) -> None:
    """Warn when ``n`` samples are too few for a metric to mean much: a rate measured on n samples moves by up
    to 0.5/sqrt(n) (one standard error), 0.05 at 100 samples, 0.15 at 11."""
    if n < minimum:
        warnings.warn(f"{what} holds only {n} samples (fewer than {minimum}): a rate such as accuracy measured on it "
                      f"is uncertain by up to ±{0.5 / np.sqrt(max(n, 1)):.2f} (one standard error). Gather more data "
                      "(a longer window, or a label on more bars) before trusting these numbers.",
                      SmallSampleWarning, stacklevel=3)


def purged_validation(ordered: list[DataPoint], X: np.ndarray, y: np.ndarray, estimator: Any, task: str,
                      n_splits: int, embargo: float | str, n_jobs: int | None) -> dict:
    """Out-of-sample metrics per purged walk-forward fold over all the data, and their mean."""
    from jesse_dag.ml.validation import PurgedWalkForward, embargo_seconds

    info, lab = label_windows(ordered)
    order = np.argsort(info, kind="stable")  # info time can differ from time order across timeframes
    if np.any(order != np.arange(len(order))):
        info, lab, X, y = info[order], lab[order], X[order], y[order]
        ordered = [ordered[i] for i in order]
    cv = PurgedWalkForward(n_splits=n_splits, embargo=embargo, info_times=info, label_times=lab)
    splits = list(cv.split(X))
    for i, (tr, _) in enumerate(splits, start=1):
        if task != "regression" and tr.size and len(np.unique(y[tr])) < 2:
            raise ValueError(f"purged validation: fold {i}'s training set ({tr.size} samples up to "
                             f"{ts_to_date(ordered[int(tr[-1])]['time'])}) holds only the class {y[tr][0].item()!r}: a "
                             "classifier needs two; use fewer n_splits, a longer period, or check the labels")
    if not splits:
        raise ValueError(f"purged validation: no fold has a training set left after the purge "
                         f"({len(X)} samples, n_splits={n_splits}, embargo={embargo!r})")
    smallest = min(int(te.size) for _, te in splits)
    warn_if_too_few(f"the smallest of {len(splits)} validation folds", smallest, MIN_FOLD_SAMPLES)
    results = _run_parallel([delayed(_fold_metrics)(estimator, X, y, tr, te, task) for tr, te in splits], n_jobs)
    folds = []
    for i, ((tr, te), m) in enumerate(zip(splits, results), start=1):
        first_test = int(te[0])
        folds.append({"fold": i, "train_size": int(tr.size), "test_size": int(te.size),
                      "purged": int(first_test - tr.size),
                      "train_start": ts_to_date(ordered[int(tr[0])]["time"]) if tr.size else None,
                      "train_end": ts_to_date(ordered[int(tr[-1])]["time"]) if tr.size else None,
                      "test_start": ts_to_date(ordered[first_test]["time"]),
                      "test_end": ts_to_date(ordered[int(te[-1])]["time"]), "metrics": m})
    keys = list(results[0])
    mean = {k: float(np.nanmean([f["metrics"][k] for f in folds])) if any(
        not np.isnan(f["metrics"][k]) for f in folds) else float("nan") for k in keys}
    return {"method": "purged_walk_forward", "n_splits": n_splits, "embargo": embargo,
            "embargo_seconds": embargo_seconds(embargo), "folds": folds, "mean": mean}


def check_trainable(names: Sequence[str], y_train: np.ndarray, train_times: Sequence[int], task: str) -> None:
    """Refuse, saying what to do, data on which Jesse's training and importance report cannot run.

    The report needs two features (recursive feature elimination keeps one), ``IMPORTANCE_CV_SPLITS + 1``
    training samples (its time-ordered cross-validation) and, to classify, two classes in the training part.
    (A cross-validation fold with one class is scored NaN with a warning, as Jesse's ``cross_val_score`` does.)

    Example:
        >>> check_trainable(["rsi"], np.array([0, 1] * 10), list(range(20)), "binary")
        Traceback (most recent call last):
        ...
        ValueError: train_model needs at least 2 features, got 1 (rsi): the feature-importance report ranks features against each other; add a feature to the data points
    """
    if len(names) < 2:
        raise ValueError(f"train_model needs at least 2 features, got {len(names)} ({', '.join(names) or 'none'}): "
                         "the feature-importance report ranks features against each other; add a feature to the "
                         "data points")
    need = IMPORTANCE_CV_SPLITS + 1
    if len(y_train) < need:
        raise ValueError(f"train_model needs at least {need} samples in the training part for the importance "
                         f"report's {IMPORTANCE_CV_SPLITS}-fold time-series cross-validation, got {len(y_train)}; "
                         "gather more data points (a longer period) or lower test_ratio")
    if task != "regression" and len(np.unique(y_train)) < 2:
        raise ValueError(f"the training part ({len(y_train)} samples, up to {ts_to_date(train_times[-1])}) holds "
                         f"only the class {y_train[0].item()!r} ({task} task): a classifier needs two; gather a "
                         "longer period, or check the labels")


# ── train_model ──────────────────────────────────────────────────────────────────────────────────────────


def train_model(data: Sequence[DataPoint], estimator: Any, task: str = "binary", test_ratio: float = 0.2,
                save_to: str | None = None, verbose: bool = True, name: str | None = None, *,
                validation: str | None = None, n_splits: int = 5, embargo: float | str = 0,
                n_jobs: int | None = -1, lineage: dict | None = None, deploy: bool | None = None,
                importance: str = "auto", importance_max_samples: int = IMPORTANCE_MAX_SAMPLES,
                importance_sample_size: int = IMPORTANCE_SAMPLE_SIZE, importance_seed: int = IMPORTANCE_SEED) -> dict:
    """Train ``estimator`` on gathered data points and report on it, as Jesse's ``train_model`` does.

    Returns Jesse's dict (``model, scaler, feature_names, metrics, feature_importance, feature_impact,
    train_test_info``; binary adds ``calibration`` and ``class_weights``) plus ``threshold_sweep`` (binary),
    ``task``, ``label_name``, ``validation`` (with ``validation="purged"``: out-of-sample metrics per
    purged walk-forward fold, ``n_splits`` folds, ``embargo`` seconds or a timeframe) and ``bundle`` (with
    ``save_to``: see :func:`jesse_dag.ml.bundle.save_bundle`). ``save_to`` a strategy folder
    (``"strategies/<Name>"``) does what Jesse's does, the next deploy-mode backtest uses this model, and keeps
    it as a bundle: a new version under ``models/`` with its lineage in the registry, then deployed into the
    folder (``bundle["deployed"]``). ``deploy=False`` keeps only the version (deploy it later with
    :func:`~jesse_dag.ml.bundle.deploy_bundle`, as the pipeline does after its quality gate).

    Importance at scale: Jesse's proxies fit kernel SVMs whose cost grows with the square of the samples or
    worse. Up to ``importance_max_samples`` training samples (default 10,000) the report is Jesse's; above it
    (``importance="auto"``) the RFE, the CV impacts and the feature-impact refits run on a time-stratified
    subsample of ``importance_sample_size`` training rows (default 2,000; one row at random from each of that
    many consecutive blocks, seeded with
    ``importance_seed``: the same rows every run, spread over the whole window), and each feature impact is
    measured against the estimator refitted on those rows with every feature. ``importance="exact"`` always
    uses every row, ``"fast"`` always the subsample. The model itself, ANOVA F and the correlations always use
    every training sample. ``result["importance_method"]`` says which method ran on how many samples (see
    :func:`importance_plan`), as do the printed and HTML reports.

    Example:
        >>> from sklearn.linear_model import LogisticRegression  # doctest: +SKIP
        >>> r = train_model(load_ml_data_csv("MyStrategy"), LogisticRegression(), validation="purged",
        ...                 embargo="1h")  # doctest: +SKIP
        >>> r["validation"]["mean"]["roc_auc"]  # doctest: +SKIP
    """
    if task not in TASKS:
        raise ValueError(f"task must be 'binary', 'multiclass', or 'regression'; got {task!r}")
    if not data:
        raise ValueError("data is empty — nothing to train on.")
    if validation not in (None, "purged"):
        raise ValueError(f"validation must be None or 'purged', got {validation!r}")
    if task != "regression" and not hasattr(estimator, "predict_proba"):
        raise TypeError(f"{type(estimator).__name__} has no predict_proba, which task {task!r} needs for ROC AUC, "
                        "calibration and ml_predict_proba; use a probabilistic classifier (for SVC set "
                        "probability=True, or wrap it in CalibratedClassifierCV)")
    if isinstance(test_ratio, bool) or not isinstance(test_ratio, (int, float)) or not 0 < test_ratio < 1:
        raise ValueError(f"test_ratio must be a fraction strictly between 0 and 1 (e.g. 0.2 tests on the last 20% "
                         f"of the points), got {test_ratio!r}")
    importance_plan(0, importance, importance_max_samples, importance_sample_size)  # refuse bad arguments early
    validate_points(data)
    ordered, names, X, y = build_arrays(data, task)
    times = [p["time"] for p in ordered]
    split = int(len(X) * (1.0 - test_ratio))
    if split == 0 or split >= len(X):
        raise ValueError(f"test_ratio={test_ratio} produces an empty train or test set for {len(X)} samples.")
    X_train, X_test, y_train, y_test = X[:split], X[split:], y[:split], y[split:]
    check_trainable(names, y_train, times[:split], task)
    warn_if_too_few("the test set", len(X_test), MIN_TEST_SAMPLES)
    info = {"train_size": len(X_train), "test_size": len(X_test), "train_start": ts_to_date(times[0]),
            "train_end": ts_to_date(times[split - 1]), "test_start": ts_to_date(times[split]),
            "test_end": ts_to_date(times[-1])}
    scaler = StandardScaler()
    Xtr = scaler.fit_transform(X_train)
    Xte = scaler.transform(X_test)
    label_name = ordered[0]["label"].get("name", "label")

    class_weights = None
    if task == "binary":
        counts = np.bincount(y_train, minlength=2)
        if counts[0] and counts[1]:
            class_weights = {0: 1.0, 1: float(counts[0]) / float(counts[1])}

    plan = importance_plan(len(X_train), importance, importance_max_samples, importance_sample_size, importance_seed)
    rows = (time_stratified_sample(len(X_train), plan["samples"], importance_seed)
            if plan["method"] == "subsample" else None)
    fi, fitted, impact_metrics, impact_baseline = run_importance_and_fit(
        Xtr, y_train, Xte, y_test, names, estimator, task, n_jobs, rows=rows)
    pred = fitted.predict(Xte)
    result: dict[str, Any] = {"model": fitted, "scaler": scaler, "feature_names": list(names)}
    extra: dict[str, Any] = {}
    if task == "binary":
        prob = fitted.predict_proba(Xte)[:, 1]
        metrics = binary_metrics(y_test, pred, prob)
        extra["calibration"] = calibration_buckets(y_test, prob)
        extra["class_weights"] = class_weights
        extra["threshold_sweep"] = threshold_sweep(y_test, prob)
        baseline = metrics["accuracy"]
    elif task == "multiclass":
        metrics = multiclass_metrics(y_test, pred, fitted.predict_proba(Xte), fitted.classes_)
        baseline = metrics["accuracy"]
    else:
        metrics = regression_metrics(y_test, pred)
        baseline = metrics["mae"]
    if impact_baseline is not None:  # the refits without a feature ran on the subsample: compare with its own fit
        baseline = impact_baseline
        plan["impact_baseline"] = float(impact_baseline)
    impact = [{"feature": f, "metric": m, "delta": float(m - baseline)} for f, m in zip(names, impact_metrics)]
    impact.sort(key=lambda d: d["delta"])  # stable: ties keep feature order, as Jesse's list.sort

    result.update({"metrics": metrics, "feature_importance": fi, "feature_impact": impact,
                   "train_test_info": info, "importance_method": plan})
    if task == "binary":
        result["calibration"] = extra["calibration"]
        result["class_weights"] = extra["class_weights"]
        result["threshold_sweep"] = extra["threshold_sweep"]
    result["task"] = task
    result["label_name"] = label_name
    if validation == "purged":
        result["validation"] = purged_validation(ordered, X, y, estimator, task, n_splits, embargo, n_jobs)

    if save_to:
        from jesse_dag.ml.bundle import deploy_bundle, is_strategy_folder, save_bundle

        bundle = save_bundle(result, save_to, ordered, estimator, lineage=lineage)
        if deploy is None:
            deploy = is_strategy_folder(Path(save_to))
        if deploy:
            # Jesse writes model.pkl & co. into strategies/<Name>/, where deploy mode reads them: the same
            # files, copied hash-checked from the version just saved
            deploy_bundle(bundle["path"], save_to if is_strategy_folder(Path(save_to)) else None)
            bundle["deployed"] = True
        result["bundle"] = bundle
    if verbose:
        from jesse_dag.ml.report import print_training_report

        print_training_report(result, y_train, y_test, name=name, estimator=estimator)
    return result
