"""Terminal report of ``train_model``: aligned tables of what its returned dict holds.

Example:
    >>> print(table(["a", "b"], [["x", 1.5], ["yy", 10.25]], ["{}", "{:.2f}"]))
      a       b
      ──  ─────
      x    1.50
      yy  10.25
"""
from __future__ import annotations

import math
import textwrap
from collections import Counter
from typing import Any, Sequence

import numpy as np

WIDTH = 72


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], formats: Sequence[str],
          left: Sequence[int] = (0,)) -> str:
    """A table whose columns are as wide as their widest cell; column indexes in ``left`` align left."""
    cells = [[fmt.format(v) if v is not None and not (isinstance(v, float) and math.isnan(v)) else "—"
              for fmt, v in zip(formats, row)] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(items: Sequence[str]) -> str:
        return "  " + "  ".join(s.ljust(w) if i in left else s.rjust(w)
                                for i, (s, w) in enumerate(zip(items, widths))).rstrip()

    out = [line(headers), line(["─" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def _header(title: str) -> None:
    print("\n" + "═" * WIDTH)
    print(title.center(WIDTH).rstrip())
    print("═" * WIDTH)


def _section(title: str) -> None:
    print(f"\n─── {title} " + "─" * max(0, WIDTH - len(title) - 5))


def _kv(rows: Sequence[tuple[str, str]]) -> None:
    w = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k.ljust(w)}  {v}")


def importance_method_text(method: dict) -> str:
    """One line saying which importance method ran on how many samples (``train_model``'s
    ``importance_method``).

    Example:
        >>> importance_method_text({"method": "exact", "samples": 800, "train_samples": 800, "max_samples": 10000})
        "Method: exact (Jesse's), on all 800 training samples"
    """
    if method.get("method") != "subsample":
        return f"Method: exact (Jesse's), on all {method['train_samples']:,} training samples"
    return (f"Method: subsample, RFE, CV impacts and feature impact on {method['samples']:,} of "
            f"{method['train_samples']:,} training samples (time-stratified, seed {method.get('seed')}); "
            "ANOVA F, |Corr| and the model on all")


def print_training_report(result: dict, y_train: np.ndarray, y_test: np.ndarray, name: str | None = None,
                          estimator: Any = None) -> None:
    """Print every section of a ``train_model`` result."""
    task, label = result["task"], result["label_name"]
    info, metrics = result["train_test_info"], result["metrics"]
    title = f"MODEL TRAINING  ·  {name}" if name else "MODEL TRAINING"
    _header(f"{title}  [{task.upper()}]")

    _section("DATASET")
    y_all = np.concatenate([y_train, y_test])
    rows = [("Samples", f"{len(y_all):,}  ({len(result['feature_names'])} features)"),
            ("Train set", f"{info['train_size']:,}  {info['train_start']} → {info['train_end']}"),
            ("Test set", f"{info['test_size']:,}  {info['test_start']} → {info['test_end']}")]
    if task == "binary":
        pos = int((y_all == 1).sum())
        rows += [(f"{label} = positive", f"{pos:,}  ({pos / len(y_all):.1%})"),
                 (f"{label} = negative", f"{len(y_all) - pos:,}  ({(len(y_all) - pos) / len(y_all):.1%})")]
        cw = result.get("class_weights")
        rows.append(("Suggested class weights",
                     f"0: {cw[0]:.2f} / 1: {cw[1]:.2f}  (not applied; set class_weight on the estimator)"
                     if cw else "n/a (one class in the train set)"))
    elif task == "multiclass":
        for cls, n in sorted(Counter(int(v) for v in y_all).items(), key=lambda x: -x[1]):
            rows.append((f"{label} = {cls}", f"{n:,}  ({n / len(y_all):.1%})"))
    else:
        rows += [("Label mean / std", f"{y_all.mean():.6g} / {y_all.std():.6g}"),
                 ("Label min / max", f"{y_all.min():.6g} / {y_all.max():.6g}")]
    _kv(rows)

    fi = result["feature_importance"]
    _section("FEATURE IMPORTANCE  (proxy models on the scaled train set)")
    method = result.get("importance_method")
    if method:
        print(textwrap.fill(importance_method_text(method), WIDTH, initial_indent="  ", subsequent_indent="  ") + "\n")
    f_label = "F-reg" if task == "regression" else "F-val"
    rows = [[pos, fi["feature_names"][i], int(fi["rfe_ranking"][i]), fi["anova_f_values"][i],
             fi["correlations"][i], fi["cv_impacts"][fi["feature_names"][i]],
             fi["consensus_ranks"][fi["feature_names"][i]]] for pos, i in enumerate(fi["_order"], start=1)]
    print(table(["Rank", "Feature", "RFE", f_label, "|Corr|", "CV-Impact", "Consensus"], rows,
                ["{}", "{}", "{}", "{:.2f}", "{:.3f}", "{:+.4f}", "{:.2f}"], left=(0, 1)))
    print(f"  RFE: 1 = kept longest. CV-Impact: CV score ({'R²' if task == 'regression' else 'accuracy'}, "
          f"baseline {fi['cv_baseline']:.4f}) minus the score without the feature; positive = helps.")

    _section("MODEL PERFORMANCE  (chronological test set)")
    est_name = type(estimator).__name__ if estimator is not None else type(result["model"]).__name__
    print(f"  {est_name} fitted on {info['train_size']:,} samples")
    if task == "binary":
        print(f"  Accuracy {metrics['accuracy']:.1%}   ROC AUC {metrics['roc_auc']:.3f}   MCC {metrics['mcc']:+.3f}\n")
        print(table(["", "Predicted 0", "Predicted 1"],
                    [[f"Actual 0 ({label}=neg)", metrics["tn"], metrics["fp"]],
                     [f"Actual 1 ({label}=pos)", metrics["fn"], metrics["tp"]]], ["{}", "{:,}", "{:,}"]))
        print()
        classes = ["Negative (0)", "Positive (1)"]
    elif task == "multiclass":
        print(f"  Accuracy {metrics['accuracy']:.1%}   ROC AUC (macro OVR) {metrics['roc_auc_macro']:.3f}   "
              f"MCC {metrics['mcc']:+.3f}\n")
        cls = metrics["classes"]
        print(table([""] + [f"Pred {c}" for c in cls],
                    [[f"Actual {c}"] + list(r) for c, r in zip(cls, metrics["confusion_matrix"])],
                    ["{}"] + ["{:,}"] * len(cls)))
        print()
        classes = [str(c) for c in cls]
    else:
        _kv([("MAE", f"{metrics['mae']:.6f}"), ("RMSE", f"{metrics['rmse']:.6f}"), ("R²", f"{metrics['r2']:.4f}"),
             ("Spearman ρ", f"{metrics['spearman']:.4f}")])
        classes = []
    if classes:
        print(table(["Class", "Precision", "Recall", "F1", "Support"],
                    [[c, metrics["precision"][i], metrics["recall"][i], metrics["f1"][i], metrics["support"][i]]
                     for i, c in enumerate(classes)], ["{}", "{:.3f}", "{:.3f}", "{:.3f}", "{:,}"]))

    if task == "binary":
        _section("PROBABILITY CALIBRATION")
        if result["calibration"]:
            print(table(["Confidence", "Count", "Actual rate", "Expected", "Diff"],
                        [[b["range"], b["n"], b["actual_rate"], b["expected"], b["diff"]] for b in result["calibration"]],
                        ["{}", "{:,}", "{:.1%}", "{:.1%}", "{:+.1%}"]))
        else:
            print("  No prediction reached a bucket (all probabilities below 0.3).")

    _section("FEATURE IMPACT  (refit without each feature, test set "
             f"{'MAE' if task == 'regression' else 'accuracy'})")
    rows = []
    for item in result["feature_impact"]:
        d = item["delta"]
        if task == "regression":
            verdict = "important — keep" if d > 0 else ("noisy — consider dropping" if d < 0 else "neutral")
        else:
            verdict = "important — keep" if d < -0.015 else ("noisy — consider dropping" if d > 0.015 else "neutral")
        rows.append([item["feature"], item["metric"], d, verdict])
    fmt = ["{}", "{:.6f}", "{:+.6f}", "{}"] if task == "regression" else ["{}", "{:.1%}", "{:+.1%}", "{}"]
    print(table(["Feature", "MAE" if task == "regression" else "Accuracy", "Change", "Verdict"], rows, fmt,
                left=(0, 3)))
    if method and method.get("impact_baseline") is not None:
        base = fmt[1].format(method["impact_baseline"])
        print(textwrap.fill(f"Refits on the {method['samples']:,}-sample subsample: Change is against the estimator "
                            f"refitted on it with every feature ({base}).", WIDTH, initial_indent="  ",
                            subsequent_indent="  "))

    if task == "binary":
        sweep = result["threshold_sweep"]
        _section("PRECISION vs CONFIDENCE THRESHOLD  (class 1)")
        print(table(["Threshold", "Allowed", "Precision", "Coverage"],
                    [[r["threshold"], r["allowed"], r["precision"], r["coverage"]] for r in sweep["rows"]],
                    ["{:.2f}", "{:,}", "{:.1%}", "{:.1%}"]))
        print(f"  Base rate (no filter): {sweep['base_rate']:.1%}")

    val = result.get("validation")
    if val:
        _section(f"PURGED WALK-FORWARD  ({val['n_splits']} folds, embargo {val['embargo']!r})")
        keys = list(val["mean"])
        rows = [[f["fold"], f"{f['test_start']} → {f['test_end']}", f["train_size"], f["purged"], f["test_size"]]
                + [f["metrics"][k] for k in keys] for f in val["folds"]]
        rows.append(["mean", "", None, None, None] + [val["mean"][k] for k in keys])
        print(table(["Fold", "Test window", "Train", "Purged", "Test"] + keys, rows,
                    ["{}", "{}", "{:,}", "{:,}", "{:,}"] + ["{:.4f}"] * len(keys), left=(0, 1)))

    b = result.get("bundle")
    if b:
        _section("BUNDLE")
        _kv([("Saved to", str(b["path"])), ("Version", str(b["version"])),
             ("Deployed", "no — deploy with jesse_dag.ml.deploy_bundle(path)" if not b.get("deployed") else "yes")])
    print("─" * WIDTH)
