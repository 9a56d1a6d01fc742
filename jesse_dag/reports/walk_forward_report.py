"""The walk-forward report: stitched equity of re-training every step against one fixed model and no model.

Example:
    >>> from jesse_dag.reports.walk_forward_report import write_walk_forward_report  # doctest: +SKIP
    >>> write_walk_forward_report(result, "storage/reports/demo/walk_forward.html")  # doctest: +SKIP
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

import plotly.graph_objects as go

from jesse_dag.reports import _data
from jesse_dag.reports._page import Page, grid_table, plot_text, small_layout
from jesse_dag.reports._plotlyjs import finish

LABELS = {"baseline": "baseline (no model)", "fixed": "fixed model (first step's)",
          "walk_forward": "walk-forward (re-trained each step)"}
COLORS = {"baseline": "#6E7781", "fixed": "#BF8700", "walk_forward": "#2962FF"}
SUMMARY_ROWS = (("net_profit", "net profit"), ("net_profit_percentage", "net profit %"), ("total", "trades"),
                ("win_rate", "win rate"), ("sharpe_ratio", "sharpe ratio"), ("max_drawdown", "max drawdown %"))


def _check(result: Mapping[str, Any]) -> None:
    missing = [k for k in ("pipeline", "span", "steps", "summary", "runs") if k not in result]
    if missing:
        raise ValueError(f"write_walk_forward_report: the result has no {missing} (expected what "
                         "jesse_dag.research.walk_forward.run_walk_forward returns)")


def render_walk_forward_report(result: Mapping[str, Any], title: str | None = None) -> str:
    """The page (plotly.js placeholder in its head) for a :func:`run_walk_forward` result."""
    _check(result)
    s = result["settings"]
    days = lambda sec: f"{sec / 86_400:g}d"  # noqa: E731
    page = Page(title or f"{result['pipeline']}: walk-forward",
                f"{result['market']} · {result['span'][0]} .. {result['span'][1]} · {len(result['steps'])} steps of "
                f"{days(s['step'])}, each trained on the {days(s['training'])} ending {days(s['embargo'])} "
                "before it")
    variants = list(result["summary"])
    page.heading("Stitched result")
    rows = [[label, *(result["summary"][v].get(key) for v in variants)] for key, label in SUMMARY_ROWS]
    page.raw(grid_table(["metric", *(LABELS.get(v, v) for v in variants)], rows, "walk-forward-summary"))
    page.note("Each step is a backtest of its own; the steps' equity is chained (a step starts from the balance "
              "the previous one ended with) and their trades concatenated. The fixed model is the first step's, "
              "kept for every step.")
    eq, dd = go.Figure(), go.Figure()
    for v in variants:
        curve = result["runs"][v]["equity"]
        if not curve:
            continue
        t, values = _data.daily_equity({"equity": curve})
        x = [_data.iso(sec * 1000) for sec in t]
        eq.add_trace(go.Scatter(x=x, y=values.tolist(), name=plot_text(LABELS.get(v, v)), mode="lines",
                                line=dict(color=COLORS.get(v))))
        dd.add_trace(go.Scatter(x=x, y=_data.drawdown_percent(values).tolist(), name=plot_text(LABELS.get(v, v)),
                                mode="lines", line=dict(color=COLORS.get(v))))
    for row in result["steps"][1:]:  # where a new model takes over
        eq.add_vline(x=row["trade_start"], line=dict(color="#d0d7de", width=1, dash="dot"))
    page.heading("Equity and drawdown")
    page.add_figure(small_layout(eq, "Stitched balance (dotted: a new model each step)", height=420,
                                 legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="right", x=1)),
                    "wf-equity")
    page.add_figure(small_layout(dd, "Drawdown %", height=300), "wf-drawdown")
    page.heading("Steps")
    head = ["step", "trades from", "to", "trained on from", "to (label times before)", "samples",
            *(f"{v} trades" for v in variants), *(f"{v} net %" for v in variants), "bundle"]
    body = [[r["step"], r["trade_start"], r["trade_end"], r["train_start"], r["train_end"], r["samples"],
             *(r.get(f"{v}_trades") for v in variants), *(r.get(f"{v}_net_profit_percentage") for v in variants),
             Path(r["bundle_dir"]).name] for r in result["steps"]]
    page.raw('<div class="scroll">' + grid_table(head, body, "walk-forward-steps") + "</div>")
    return page.html()


def write_walk_forward_report(result: Mapping[str, Any], path: str | os.PathLike, *, title: str | None = None,
                              plotlyjs: str = "shared") -> tuple[Path, Path]:
    """Write ``<path>`` (HTML) and the same name with ``.json`` (the result: settings, steps with their
    bundles and sample ranges, summary, stitched runs); return both paths."""
    path = Path(path)
    html_path = _data.write_atomic(path, finish(render_walk_forward_report(result, title), path, plotlyjs))
    json_path = _data.write_atomic(path.with_suffix(".json"), json.dumps(result, indent=1, sort_keys=True,
                                                                         default=_default))
    return html_path, json_path


def _default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
