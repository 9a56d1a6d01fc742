"""The HTML report of one backtest (plotly, works offline: plotly.js shared beside it or inlined).

Sections: candlesticks of the route timeframe with every entry and exit marked, volume, the series the
strategy drew (``add_line_to_candle_chart`` & co., see :mod:`jesse_dag.reports.chart_series`), equity
and drawdown, monthly returns, the metrics and the trades. Past ``max_bars`` candles the chart shows a
coarser timeframe (whole groups of route bars), so large backtests stay responsive; trade markers and
the equity curve are never downsampled.

Example:
    >>> from jesse_dag.reports.backtest_report import write_backtest_report  # doctest: +SKIP
    >>> write_backtest_report(result, candles_1m, "report.html", timeframe="15m", title="EmaCrossSLTP")  # doctest: +SKIP
"""
from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from jesse_dag.candles.timeframes import timeframe_to_minutes
from jesse_dag.reports import _data
from jesse_dag.reports._page import CSS, plot_text, script_json
from jesse_dag.reports._plotlyjs import PLACEHOLDER, finish
from jesse_dag.reports.chart_series import collect_chart_series

DEFAULT_MAX_BARS = 4000
LONG_COLOR, SHORT_COLOR, UP_COLOR, DOWN_COLOR = "#2962FF", "#FF6D00", "#26A69A", "#EF5350"
PLOTLY_CONFIG = {"displaylogo": False, "scrollZoom": True, "responsive": True}



def _dt(seconds: Sequence[float] | np.ndarray) -> list[str]:
    """ISO strings (UTC) that plotly reads as dates, as plain JSON lists (readable from the page)."""
    s = pd.to_datetime(np.asarray(seconds, dtype=float), unit="s")
    return [x.strftime("%Y-%m-%d %H:%M:%S") for x in s]


def _resample_series(times_s: Sequence[int], values: Sequence[float], bucket_s: int) -> tuple[list, list]:
    """The last value of each display bucket: what a coarser bar would show at its close."""
    t = np.asarray(times_s, dtype=np.int64)
    v = np.asarray(values, dtype=float)
    if len(t) == 0:
        return [], []
    b = t // bucket_s
    last = np.flatnonzero(np.r_[b[1:] != b[:-1], True])
    return (b[last] * bucket_s).tolist(), v[last].tolist()


def _trade_markers(trades: Sequence[Mapping[str, Any]]) -> tuple[go.Scatter, go.Scatter]:
    ent_x, ent_y, ent_sym, ent_col, ent_txt = [], [], [], [], []
    ex_x, ex_y, ex_col, ex_txt = [], [], [], []
    for i, t in enumerate(trades, start=1):
        long = t["type"] == "long"
        ent_x.append(t["opened_at"] / 1000)
        ent_y.append(float(t["entry_price"]))
        ent_sym.append("triangle-up" if long else "triangle-down")
        ent_col.append(LONG_COLOR if long else SHORT_COLOR)
        ent_txt.append(f"#{i} {plot_text(t['type'])} entry {float(t['entry_price']):,.2f} qty {float(t['qty']):g}")
        ex_x.append(t["closed_at"] / 1000)
        ex_y.append(float(t["exit_price"]))
        pnl = float(t.get("PNL", 0.0))
        ex_col.append(UP_COLOR if pnl >= 0 else DOWN_COLOR)
        ex_txt.append(f"#{i} {plot_text(t['type'])} exit {float(t['exit_price']):,.2f} PNL {pnl:,.2f} "
                      f"({float(t.get('PNL_percentage', 0.0)):.2f}%)")
    entries = go.Scatter(x=_dt(ent_x), y=ent_y, mode="markers", name="entries", hovertext=ent_txt,
                         hoverinfo="text", marker=dict(symbol=ent_sym, color=ent_col, size=9,
                                                       line=dict(width=1, color="#000")))
    exits = go.Scatter(x=_dt(ex_x), y=ex_y, mode="markers", name="exits", hovertext=ex_txt, hoverinfo="text",
                       marker=dict(symbol="x", color=ex_col, size=8, line=dict(width=1, color="#000")))
    return entries, exits


def _series_trace(title: str, s: Mapping[str, Any], bucket_s: int | None, showlegend: bool = True):
    t, v = s["time"], s["value"]
    if bucket_s:
        t, v = _resample_series(t, v, bucket_s)
    v = [None if (x is None or x != x) else x for x in v]  # NaN -> gap
    if s["type"] == "histogram":
        return go.Bar(x=_dt(t), y=v, name=plot_text(title), marker_color=s["color"], showlegend=showlegend)
    return go.Scatter(x=_dt(t), y=v, name=plot_text(title), mode="lines", line=dict(color=s["color"], width=1.5),
                      showlegend=showlegend)


def price_figure(result: Mapping[str, Any], bars: np.ndarray, timeframe: str, series: Mapping[str, Any], *,
                 max_bars: int = DEFAULT_MAX_BARS) -> tuple[go.Figure, str]:
    """The linked chart: price + markers + strategy lines, volume, extra panes, equity, drawdown."""
    shown_tf = _data.display_timeframe(timeframe, len(bars), max_bars)
    shown = _data.bars_from_1m_like(bars, timeframe, shown_tf) if shown_tf != timeframe else bars
    bucket_s = timeframe_to_minutes(shown_tf) * 60 if shown_tf != timeframe else None
    panes = list(series.get("extra", {}))
    rows = 4 + len(panes)
    heights = [0.5, 0.1] + [0.12] * len(panes) + [0.18, 0.1]
    total = sum(heights)
    titles = [f"price ({shown_tf})", "volume", *map(plot_text, panes), "equity (daily balance)", "drawdown %"]
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.025,
                        row_heights=[h / total for h in heights], subplot_titles=titles)
    x = _dt(shown[:, 0] / 1000)
    fig.add_trace(go.Candlestick(x=x, open=shown[:, 1], high=shown[:, 3], low=shown[:, 4], close=shown[:, 2],
                                 name="candles", increasing_line_color=UP_COLOR,
                                 decreasing_line_color=DOWN_COLOR, showlegend=False), row=1, col=1)
    for title, s in series.get("candle", {}).items():
        fig.add_trace(_series_trace(title, s, bucket_s), row=1, col=1)
    for title, h in series.get("candle_hlines", {}).items():
        fig.add_hline(y=h["value"], line_color=h["color"], line_width=h["width"], line_dash=h["style"],
                      annotation_text=plot_text(title), row=1, col=1)
    entries, exits = _trade_markers(result.get("trades") or [])
    fig.add_trace(entries, row=1, col=1)
    fig.add_trace(exits, row=1, col=1)
    vol_colors = np.where(shown[:, 2] >= shown[:, 1], UP_COLOR, DOWN_COLOR).tolist()
    fig.add_trace(go.Bar(x=x, y=shown[:, 5], name="volume", marker_color=vol_colors, showlegend=False), row=2, col=1)
    for i, pane in enumerate(panes):
        for title, s in series["extra"][pane].items():
            fig.add_trace(_series_trace(title, s, bucket_s), row=3 + i, col=1)
        for title, h in series.get("extra_hlines", {}).get(pane, {}).items():
            fig.add_hline(y=h["value"], line_color=h["color"], line_width=h["width"], line_dash=h["style"],
                          annotation_text=plot_text(title), row=3 + i, col=1)
    et, ev = _data.daily_equity(result)
    fig.add_trace(go.Scatter(x=_dt(et), y=ev.tolist(), name="equity", mode="lines", line=dict(color="#818CF8"),
                             showlegend=False), row=rows - 1, col=1)
    fig.add_trace(go.Scatter(x=_dt(et), y=_data.drawdown_percent(ev).tolist(), name="drawdown", mode="lines",
                             fill="tozeroy", line=dict(color=DOWN_COLOR), showlegend=False), row=rows, col=1)
    fig.update_layout(height=560 + 170 * (rows - 2), margin=dict(l=60, r=20, t=40, b=30), hovermode="x",
                      xaxis_rangeslider_visible=False, legend=dict(orientation="h", y=1.02, x=0),
                      template="plotly_white", uirevision="keep")
    return fig, shown_tf


def monthly_figure(result: Mapping[str, Any]) -> tuple[go.Figure, pd.DataFrame]:
    et, ev = _data.daily_equity(result)
    table = _data.monthly_returns(et, ev)
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    z = table.to_numpy(dtype=float)
    text = [[("" if np.isnan(v) else f"{v:.2f}%") for v in row] for row in z]
    zmax = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    fig = go.Figure(go.Heatmap(z=[[None if np.isnan(v) else float(v) for v in row] for row in z], x=months,
                               y=[str(y) for y in table.index], text=text, texttemplate="%{text}",
                               colorscale=[[0, DOWN_COLOR], [0.5, "#ffffff"], [1, UP_COLOR]], zmin=-zmax,
                               zmax=zmax, name="monthly returns", colorbar=dict(title="%")))
    fig.update_layout(height=120 + 40 * len(table), margin=dict(l=60, r=20, t=20, b=30), template="plotly_white")
    return fig, table


def _metrics_table(metrics: Mapping[str, Any] | None) -> str:
    rows = "".join(
        f'<tr data-key="{html.escape(k)}" data-value="{html.escape(_data.exact_value(v))}">'
        f"<td>{html.escape(k)}</td><td>{html.escape(_data.format_value(v))}</td></tr>"
        for k, v in _data.metric_items(metrics))
    return f'<div class="metrics"><table id="metrics-table"><tbody>{rows}</tbody></table></div>'


def _trades_table(trades: Sequence[Mapping[str, Any]]) -> str:
    cols = ["#", "type", "opened_at", "closed_at", "entry_price", "exit_price", "qty", "fee", "PNL",
            "PNL_percentage", "holding_period"]
    head = "".join(f"<th>{c}</th>" for c in cols)
    body = []
    for i, t in enumerate(trades, start=1):
        pnl = float(t.get("PNL", 0.0))
        cells = [str(i), html.escape(str(t["type"])), _data.iso(t["opened_at"]), _data.iso(t["closed_at"])]
        cells += [html.escape(_data.format_value(t.get(k))) for k in cols[4:]]
        cls = "pos" if pnl >= 0 else "neg"
        body.append(f'<tr class="{cls}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (f'<div class="scroll"><table id="trades-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _monthly_table(table: pd.DataFrame) -> str:
    head = "<th>year</th>" + "".join(f"<th>{m}</th>" for m in table.columns) + "<th>year</th>"
    rows = []
    for year, row in table.iterrows():
        vals = row.to_numpy(dtype=float)
        compounded = (np.prod(1 + vals[~np.isnan(vals)] / 100) - 1) * 100
        cells = "".join(f"<td>{'' if np.isnan(v) else f'{v:.2f}%'}</td>" for v in vals)
        rows.append(f"<tr><td>{year}</td>{cells}<td>{compounded:.2f}%</td></tr>")
    return f'<table id="monthly-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def render_backtest_report(result: Mapping[str, Any], candles_1m: np.ndarray, *, timeframe: str,
                           chart_series: Mapping[str, Any] | None = None, title: str = "Backtest",
                           subtitle: str = "", max_bars: int = DEFAULT_MAX_BARS) -> str:
    """The report as one HTML string (see :func:`write_backtest_report`)."""
    trades = result.get("trades") or []
    series = chart_series or collect_chart_series(())
    bars = _data.bars_from_1m(candles_1m, timeframe)
    fig, shown_tf = price_figure(result, bars, timeframe, series, max_bars=max_bars)
    mfig, mtable = monthly_figure(result)
    note = (f"{len(bars):,} {timeframe} bars shown as {shown_tf} candles (trade markers and equity exact)"
            if shown_tf != timeframe else f"{len(bars):,} {timeframe} bars")
    first = _data.iso(candles_1m[0, 0]) if len(candles_1m) else ""
    last = _data.iso(candles_1m[-1, 0]) if len(candles_1m) else ""
    main_div = fig.to_html(full_html=False, include_plotlyjs=False, div_id="price-chart", config=PLOTLY_CONFIG)
    month_div = mfig.to_html(full_html=False, include_plotlyjs=False, div_id="monthly-chart", config=PLOTLY_CONFIG)
    summary = {"title": title, "timeframe": timeframe, "display_timeframe": shown_tf, "bars": int(len(bars)),
               "trades": len(trades), "first_candle": first, "last_candle": last}
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>{CSS}</style>{PLACEHOLDER}</head>
<body>
<h1>{html.escape(title)}</h1>
<div class="sub">{html.escape(subtitle)} {html.escape(first)} .. {html.escape(last)} UTC · {len(trades):,} trades ·
{html.escape(note)}</div>
<script type="application/json" id="report-summary">{script_json(summary)}</script>
<h2>Chart</h2>
{main_div}
<h2>Monthly returns</h2>
{month_div}
{_monthly_table(mtable)}
<h2>Metrics</h2>
{_metrics_table(result.get("metrics"))}
<h2>Trades</h2>
{_trades_table(trades)}
</body></html>
"""


def write_backtest_report(result: Mapping[str, Any], candles_1m: np.ndarray, path: str | os.PathLike, *,
                          timeframe: str, chart_series: Mapping[str, Any] | None = None, title: str = "Backtest",
                          subtitle: str = "", max_bars: int = DEFAULT_MAX_BARS, plotlyjs: str = "shared") -> Path:
    """Write the backtest report of ``result`` (with its ``equity_curve``) to ``path``; return the path.

    ``candles_1m``: the traded 1-minute candles (Jesse's columns); the chart shows them at ``timeframe``.
    ``chart_series``: what the strategy drew (``strategy.chart_series()``), optional.
    ``plotlyjs``: ``"shared"`` (one plotly.js beside the page) or ``"inline"`` (one file to send).

    Example:
        >>> write_backtest_report(result, candles, "out/report.html", timeframe="15m")  # doctest: +SKIP
        PosixPath('out/report.html')
    """
    text = render_backtest_report(result, np.asarray(candles_1m, dtype=float), timeframe=timeframe,
                                  chart_series=chart_series, title=title, subtitle=subtitle, max_bars=max_bars)
    return _data.write_atomic(path, finish(text, path, plotlyjs))
