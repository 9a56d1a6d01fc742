"""Baseline against model-filtered backtest on the same window: does the model help out of sample?

Example:
    >>> from jesse_dag.reports.comparison import write_comparison_report  # doctest: +SKIP
    >>> write_comparison_report(baseline, deployed, "comparison.html", title="demo: baseline vs model")  # doctest: +SKIP
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import plotly.graph_objects as go

from jesse_dag.reports import _data
from jesse_dag.reports._plotlyjs import finish
from jesse_dag.reports._page import Page, grid_table, small_layout

COLORS = {"baseline": "#6E7781", "deployed": "#2962FF"}


def _check(run: Mapping[str, Any], which: str) -> None:
    for key in ("metrics", "trades", "equity"):
        if key not in run:
            raise ValueError(f"write_comparison_report: {which} has no {key!r} (expected a dict with mode, metrics, "
                             f"trades, equity [[time_seconds, value], ...], model_version); got keys {sorted(run)}")


def _delta(a: Any, b: Any) -> float | None:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        d = float(b) - float(a)
        return d if math.isfinite(d) else None
    return None


def _markers(run: Mapping[str, Any], name: str) -> list[go.Scatter]:
    """Entries (triangles by side) and exits of one run; the baseline hollow, the model's filled."""
    trades = run["trades"]
    color, hollow = COLORS[name], name == "baseline"
    sym = [("triangle-up" if t["type"] == "long" else "triangle-down") + ("-open" if hollow else "") for t in trades]
    entries = go.Scatter(x=[_data.iso(t["opened_at"]) for t in trades], y=[float(t["entry_price"]) for t in trades],
                         mode="markers", name=f"{name} entries", legendgroup=name,
                         hovertext=[f"{name} {t['type']} entry {float(t['entry_price']):,.2f}" for t in trades],
                         hoverinfo="text", marker=dict(symbol=sym, size=11 if hollow else 8, color=color,
                                                       line=dict(width=1.5 if hollow else 1, color=color if hollow else "#000")))
    exits = go.Scatter(x=[_data.iso(t["closed_at"]) for t in trades], y=[float(t["exit_price"]) for t in trades],
                       mode="markers", name=f"{name} exits", legendgroup=name,
                       hovertext=[f"{name} {t['type']} exit {float(t['exit_price']):,.2f} PNL {float(t.get('PNL', 0)):,.2f}"
                                  for t in trades], hoverinfo="text",
                       marker=dict(symbol="x-open" if hollow else "x", size=10 if hollow else 7, color=color))
    return [entries, exits]


def price_figure(bars: np.ndarray, timeframe: str, baseline: Mapping[str, Any], deployed: Mapping[str, Any], *,
                 max_bars: int = 4000) -> go.Figure:
    """Candles of the window (coarser past ``max_bars``) with both runs' entries and exits, told apart."""
    shown_tf = _data.display_timeframe(timeframe, len(bars), max_bars)
    shown = _data.bars_from_1m_like(bars, timeframe, shown_tf)
    fig = go.Figure(go.Candlestick(x=[_data.iso(t) for t in shown[:, 0]], open=shown[:, 1], high=shown[:, 3],
                                   low=shown[:, 4], close=shown[:, 2], name="candles", showlegend=False,
                                   increasing_line_color="#26A69A", decreasing_line_color="#EF5350"))
    for trace in _markers(baseline, "baseline") + _markers(deployed, "deployed"):
        fig.add_trace(trace)
    small_layout(fig, f"Price ({shown_tf}): baseline trades hollow, the model's filled", height=460,
                 xaxis_rangeslider_visible=False,
                 legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="right", x=1))
    return fig


def render_comparison_report(baseline: Mapping[str, Any], deployed: Mapping[str, Any],
                             title: str = "Baseline vs model", *, bars: np.ndarray | None = None,
                             timeframe: str | None = None) -> str:
    _check(baseline, "baseline")
    _check(deployed, "deployed")
    page = Page(title, f"model {deployed.get('model_version') or '-'} · baseline {len(baseline['trades'])} trades, "
                       f"with model {len(deployed['trades'])} trades")
    if bars is not None and len(bars):
        if timeframe is None:
            raise ValueError("write_comparison_report: bars were given without their timeframe")
        page.heading("Price and trades")
        page.add_figure(price_figure(np.asarray(bars, dtype=float), timeframe, baseline, deployed), "cmp-price")
    page.heading("Metrics")
    keys = [k for k, v in baseline["metrics"].items() if not isinstance(v, (list, dict))]
    keys += [k for k, v in deployed["metrics"].items() if k not in keys and not isinstance(v, (list, dict))]
    rows = [[k, baseline["metrics"].get(k), deployed["metrics"].get(k),
             _delta(baseline["metrics"].get(k), deployed["metrics"].get(k))] for k in keys]
    page.raw(grid_table(["metric", "baseline", "with model", "change"], rows, "comparison-table"))
    fig = go.Figure()
    dd = go.Figure()
    for name, run in (("baseline", baseline), ("deployed", deployed)):
        if run["equity"]:
            t, v = _data.daily_equity({"equity": run["equity"]})
            x = [_data.iso(s * 1000) for s in t]
            fig.add_trace(go.Scatter(x=x, y=v.tolist(), name=name, mode="lines", line=dict(color=COLORS[name])))
            dd.add_trace(go.Scatter(x=x, y=_data.drawdown_percent(v).tolist(), name=name, mode="lines",
                                    line=dict(color=COLORS[name])))
    page.heading("Equity and drawdown")
    page.add_grid([(small_layout(fig, "Daily balance"), "cmp-equity"), (small_layout(dd, "Drawdown %"), "cmp-drawdown")])
    hist = go.Figure()
    for name, run in (("baseline", baseline), ("deployed", deployed)):
        pnl = [float(t.get("PNL", 0.0)) for t in run["trades"]]
        hist.add_trace(go.Histogram(x=pnl, name=name, opacity=0.6, marker_color=COLORS[name], nbinsx=40))
    page.heading("Trade PNL distribution")
    page.add_figure(small_layout(hist, "PNL per trade", barmode="overlay"), "cmp-pnl")
    kept = _kept_trades(baseline["trades"], deployed["trades"])
    page.note(f"{kept} of the baseline's {len(baseline['trades'])} trades were also opened with the model "
              "(same side and opening time).")
    return page.html()


def _kept_trades(base: list, dep: list) -> int:
    opened = {(t.get("type"), t.get("opened_at")) for t in dep}
    return sum((t.get("type"), t.get("opened_at")) in opened for t in base)


def write_comparison_report(baseline: dict, deployed: dict, path: str | os.PathLike,
                            title: str = "Baseline vs model", *, bars: np.ndarray | None = None,
                            timeframe: str | None = None, plotlyjs: str = "shared") -> Path:
    """Write the comparison of two backtests of the same window to ``path``; return it.

    ``baseline`` / ``deployed``: ``{"mode", "metrics", "trades", "equity": [[time_seconds, value], ...],
    "model_version"}`` (what :func:`jesse_dag.research.pipeline.backtest_window` returns).
    ``bars``: the window's candles at the route ``timeframe`` (Jesse's columns); with them the report opens
    with the price chart and both runs' entries and exits.
    """
    page = render_comparison_report(baseline, deployed, title=title, bars=bars, timeframe=timeframe)
    return _data.write_atomic(path, finish(page, path, plotlyjs))
