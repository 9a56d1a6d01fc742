"""The HTML report of one ``train_model`` result (plotly, offline, one file).

Sections: test-set metrics and the train/test split, confusion matrix, calibration curve, threshold
sweep (precision and coverage against the threshold), feature importance (consensus rank, ANOVA F,
correlation, CV impact) and feature impact (test metric change when a feature is dropped), and the purged
walk-forward folds with their mean.

Example:
    >>> from jesse_dag.reports.ml_report import write_ml_report  # doctest: +SKIP
    >>> write_ml_report(train_model(points, LogisticRegression(), validation="purged"), "ml.html")  # doctest: +SKIP
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Mapping

import plotly.graph_objects as go

from jesse_dag.ml.report import importance_method_text
from jesse_dag.reports import _data
from jesse_dag.reports._page import Page, grid_table, kv_table, plot_text, small_layout
from jesse_dag.reports._plotlyjs import finish


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _confusion(metrics: Mapping[str, Any], task: str) -> go.Figure | None:
    cm = metrics.get("confusion_matrix")
    if not cm:
        return None
    labels = [plot_text(c) for c in metrics.get("classes", [0, 1] if task == "binary" else range(len(cm)))]
    fig = go.Figure(go.Heatmap(z=cm, x=[f"pred {c}" for c in labels], y=[f"true {c}" for c in labels],
                               text=[[str(v) for v in row] for row in cm], texttemplate="%{text}",
                               colorscale="Blues", name="confusion matrix", showscale=False))
    return small_layout(fig, "Confusion matrix (test set)", yaxis=dict(autorange="reversed"))


def _calibration(rows: list) -> go.Figure | None:
    if not rows:
        return None
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect", line=dict(dash="dot", color="#999")))
    fig.add_trace(go.Scatter(x=[r["expected"] for r in rows], y=[r["actual_rate"] for r in rows],
                             mode="lines+markers+text", name="calibration", text=[f"n={r['n']}" for r in rows],
                             textposition="top center", marker=dict(size=9)))
    return small_layout(fig, "Calibration (bucket mid vs actual positive rate)",
                        xaxis=dict(title="predicted probability", range=[0, 1]),
                        yaxis=dict(title="actual positive rate", range=[0, 1.05]))


def _sweep(sweep: Mapping[str, Any] | None) -> go.Figure | None:
    if not sweep or not sweep.get("rows"):
        return None
    rows = sweep["rows"]
    x = [r["threshold"] for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=[_num(r["precision"]) for r in rows], name="precision", mode="lines+markers"))
    fig.add_trace(go.Scatter(x=x, y=[r["coverage"] for r in rows], name="coverage", mode="lines+markers"))
    if sweep.get("base_rate") is not None:
        fig.add_hline(y=sweep["base_rate"], line_dash="dot", annotation_text=f"base rate {sweep['base_rate']:.3f}")
    return small_layout(fig, "Threshold sweep (test samples with p >= threshold)",
                        xaxis=dict(title="threshold"), yaxis=dict(title="rate", range=[0, 1.05]))


def _importance(fi: Mapping[str, Any] | None) -> list[tuple[go.Figure, str]]:
    if not fi or not fi.get("feature_names"):
        return []
    names = list(fi["feature_names"])
    ranks = fi.get("consensus_ranks", {})
    order = sorted(names, key=lambda n: ranks.get(n, 0))
    shown = [plot_text(n) for n in order]
    figs = []
    fig = go.Figure(go.Bar(x=[ranks.get(n) for n in order], y=shown, orientation="h", name="consensus rank"))
    figs.append((small_layout(fig, "Consensus rank (lower = more important)", height=120 + 22 * len(names),
                              yaxis=dict(autorange="reversed")), "ml-importance"))
    by_name = {n: i for i, n in enumerate(names)}
    fig = go.Figure()
    for key, label in (("anova_f_values", "ANOVA F"), ("correlations", "|correlation|")):
        vals = fi.get(key)
        if vals:
            fig.add_trace(go.Bar(x=[_num(vals[by_name[n]]) for n in order], y=shown, orientation="h", name=label))
    cvi = fi.get("cv_impacts") or {}
    if cvi:
        fig.add_trace(go.Bar(x=[_num(cvi.get(n)) for n in order], y=shown, orientation="h", name="CV impact"))
    figs.append((small_layout(fig, "Importance measures", height=120 + 22 * len(names), barmode="group",
                              yaxis=dict(autorange="reversed")), "ml-importance-measures"))
    return figs


def _impact(impact: list | None) -> go.Figure | None:
    if not impact:
        return None
    fig = go.Figure(go.Bar(x=[d["delta"] for d in impact], y=[plot_text(d["feature"]) for d in impact], orientation="h",
                           name="impact", marker_color=["#EF5350" if d["delta"] < 0 else "#26A69A" for d in impact]))
    return small_layout(fig, "Feature impact (test metric without the feature minus with it)",
                        height=120 + 22 * len(impact), yaxis=dict(autorange="reversed"))


def _folds(validation: Mapping[str, Any] | None) -> tuple[go.Figure | None, str]:
    if not validation or not validation.get("folds"):
        return None, ""
    folds = validation["folds"]
    keys = list(folds[0]["metrics"])
    fig = go.Figure()
    for k in keys:
        fig.add_trace(go.Bar(x=[f"fold {plot_text(f['fold'])}" for f in folds],
                             y=[_num(f["metrics"].get(k)) for f in folds], name=plot_text(k)))
    small_layout(fig, plot_text(f"Purged walk-forward folds ({validation.get('method', '')}, embargo "
                                f"{validation.get('embargo')})"), barmode="group")
    headers = ["fold", "train", "test", "purged", "train from", "train to", "test from", "test to", *keys]
    rows = [[f["fold"], f["train_size"], f["test_size"], f.get("purged"), f.get("train_start"), f.get("train_end"),
             f.get("test_start"), f.get("test_end"), *[f["metrics"].get(k) for k in keys]] for f in folds]
    mean = validation.get("mean", {})
    rows.append(["mean", "", "", "", "", "", "", "", *[mean.get(k) for k in keys]])
    return fig, grid_table(headers, rows, "folds-table")


def render_ml_report(report: Mapping[str, Any], title: str = "Model report") -> str:
    """The ML report of a ``train_model`` result as one HTML string."""
    if not isinstance(report, Mapping) or "metrics" not in report:
        raise ValueError("write_ml_report needs a train_model result (a dict with 'metrics'); got "
                         f"{type(report).__name__} with keys {sorted(report) if isinstance(report, Mapping) else '-'}")
    task = report.get("task", "binary")
    metrics = report["metrics"]
    info = report.get("train_test_info", {})
    page = Page(title, f"task {task} · label {report.get('label_name', '?')} · "
                       f"{len(report.get('feature_names', []))} features · train {info.get('train_size', '?')} "
                       f"({info.get('train_start', '')} .. {info.get('train_end', '')}) · test "
                       f"{info.get('test_size', '?')} ({info.get('test_start', '')} .. {info.get('test_end', '')})")
    page.heading("Test-set metrics")
    scalars = [(k, v) for k, v in metrics.items() if not isinstance(v, (list, dict))]
    for k in ("precision", "recall", "f1", "support"):
        if isinstance(metrics.get(k), list):
            scalars += [(f"{k}[{c}]", v) for c, v in zip(metrics.get("classes", range(len(metrics[k]))), metrics[k])]
    page.raw(kv_table(scalars, "ml-metrics-table"))
    if report.get("class_weights"):
        page.note("class weights: " + ", ".join(f"{k}: {_data.format_value(v)}" for k, v in report["class_weights"].items()))
    figs = []
    cm = _confusion(metrics, task) if task != "regression" else None
    if cm is not None:
        figs.append((cm, "ml-confusion"))
    cal = _calibration(report.get("calibration") or [])
    if cal is not None:
        figs.append((cal, "ml-calibration"))
    if figs:
        page.heading("Confusion matrix and calibration")
        page.add_grid(figs)
    sweep = _sweep(report.get("threshold_sweep"))
    if sweep is not None:
        page.heading("Threshold sweep")
        page.add_figure(sweep, "ml-threshold-sweep")
        rows = [[r["threshold"], r["allowed"], r["precision"], r["coverage"]] for r in report["threshold_sweep"]["rows"]]
        page.raw(grid_table(["threshold", "allowed", "precision", "coverage"], rows, "sweep-table"))
    imp = _importance(report.get("feature_importance"))
    impact = _impact(report.get("feature_impact"))
    if imp or impact is not None:
        page.heading("Feature importance and impact")
        if report.get("importance_method"):
            page.note(importance_method_text(report["importance_method"]))
        page.add_grid(imp + ([(impact, "ml-impact")] if impact is not None else []))
    fold_fig, fold_table = _folds(report.get("validation"))
    if fold_fig is not None:
        page.heading("Validation folds (out of sample)")
        page.add_figure(fold_fig, "ml-folds")
        page.raw(fold_table)
    return page.html()


def write_ml_report(report: dict, path: str | os.PathLike, title: str = "Model report", *,
                    plotlyjs: str = "shared") -> Path:
    """Write the HTML report of a ``train_model`` result (or its JSON-able copy) to ``path``; return it.

    ``plotlyjs``: ``"shared"`` (one plotly.js beside the page) or ``"inline"`` (one file to send).

    Example:
        >>> write_ml_report(result, "storage/reports/model.html", title="TripleBarrier v3")  # doctest: +SKIP
        PosixPath('storage/reports/model.html')
    """
    return _data.write_atomic(path, finish(render_ml_report(report, title=title), path, plotlyjs))
