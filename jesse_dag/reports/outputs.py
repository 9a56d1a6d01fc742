"""The files behind ``backtest(..., generate_*=True)``: each writer takes the result and returns its path.

- ``csv``: the trades, one row each (orders left out), and ``<stem>-metrics.csv`` beside it;
- ``json``: ``{"trades", "metrics", "considering_timeframes"}`` (Jesse's trades JSON plus the metrics);
- ``logs``: one line per executed order and per closed trade, in time order;
- ``equity_curve_csv``: the daily balance as ``time,date,balance,drawdown_percent``;
- ``tradingview``: a Pine Script v5 indicator that draws each trade from entry to exit;
- ``quantstats``: QuantStats' HTML tearsheet of the daily returns (no benchmark: nothing is fetched);
- ``charts``: the HTML backtest report (:mod:`jesse_dag.reports.backtest_report`).

Example:
    >>> from jesse_dag.reports.outputs import attach_outputs  # doctest: +SKIP
    >>> attach_outputs(result, {"generate_csv": True}, candles=candles, routes=routes,
    ...                strategies=run.strategies, out_dir="storage")["csv"]  # doctest: +SKIP
    'storage/csv/EmaCrossSLTP-....csv'
"""
from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import math
import os
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from jesse_dag.paths import file_name_part
from jesse_dag.reports import _data

FLAG_OUTPUTS = {
    "generate_csv": "csv",
    "generate_json": "json",
    "generate_logs": "logs",
    "generate_equity_curve": "equity_curve_csv",
    "generate_tradingview": "tradingview",
    "generate_quantstats": "quantstats",
    "generate_charts": "charts",
}


def _json_default(o: Any):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, set):
        return sorted(o)
    return str(o)


def run_title(result: Mapping[str, Any], routes: Sequence[Mapping[str, Any]] | None = None) -> str:
    """What the run is called in reports: ``<strategy>-<symbol>-<tf>`` of the first route (as given: escape
    it where it is shown), else the first trade's strategy name."""
    if routes:
        r = routes[0]
        s = r["strategy"] if isinstance(r["strategy"], str) else getattr(r["strategy"], "__name__", "strategy")
        return f"{s}-{r['symbol']}-{r['timeframe']}"
    trades = result.get("trades") or []
    return str(trades[0].get("strategy_name", "backtest")) if trades else "backtest"


def run_stem(result: Mapping[str, Any], routes: Sequence[Mapping[str, Any]] | None = None) -> str:
    """A file name stem that is the same for the same trades: ``<strategy>-<symbol>-<tf>-<hash>``.

    Route names come from the user: characters other than letters, digits, ``_``, ``-``, ``.`` become ``_``
    and leading dots go (:func:`jesse_dag.paths.file_name_part`), so ``symbol="../../x"`` writes inside
    the output folder.

    Example:
        >>> run_stem({"trades": []}, [{"strategy": "S", "symbol": "../../etc/x", "timeframe": "1h"}])
        'S-.._.._etc_x-1h-4f53cda18c'
    """
    trades = result.get("trades") or []
    h = hashlib.sha256(json.dumps([_data.flat_trade(t) for t in trades], default=_json_default,
                                  sort_keys=True).encode()).hexdigest()[:10]
    return f"{file_name_part(run_title(result, routes), max_chars=160)}-{h}"


def write_trades_csv(result: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """The trades as CSV (one row per trade, scalar fields) and the metrics as ``<stem>-metrics.csv``."""
    path = Path(path)
    rows = [_data.flat_trade(t) for t in result.get("trades") or []]
    cols: list[str] = []
    for r in rows:
        cols += [k for k in r if k not in cols]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols or list(_data.TRADE_COLUMNS), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: _data.exact_value(v) if v is not None else "" for k, v in r.items()})
    _data.write_atomic(path, buf.getvalue())
    mbuf = io.StringIO()
    mw = csv.writer(mbuf, lineterminator="\n")
    mw.writerow(["metric", "value"])
    for k, v in _data.metric_items(result.get("metrics")):
        mw.writerow([k, _data.exact_value(v)])
    _data.write_atomic(path.with_name(path.stem + "-metrics.csv"), mbuf.getvalue())
    return path


def write_trades_json(result: Mapping[str, Any], path: str | os.PathLike,
                      considering_timeframes: Sequence[str] = ()) -> Path:
    """Trades (with their orders), metrics and timeframes as one JSON file (inf/nan written as strings)."""
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return str(v)
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v
    payload = {"trades": clean(list(result.get("trades") or [])), "metrics": clean(dict(result.get("metrics") or {})),
               "considering_timeframes": list(considering_timeframes)}
    return _data.write_atomic(path, json.dumps(payload, indent=1, default=_json_default))


def write_logs(result: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """A plain-text log: every executed or cancelled order and every closed trade, in time order."""
    events: list[tuple[float, int, str]] = []
    for i, t in enumerate(result.get("trades") or [], start=1):
        for o in t.get("orders") or []:
            when = o.get("executed_at") or o.get("canceled_at") or o.get("created_at")
            if when is None:
                continue
            via = f" ({o['submitted_via']})" if o.get("submitted_via") else ""
            events.append((float(when), 0, f"{o.get('status', '')} {o.get('type', '')} {o.get('side', '')} order{via}: "
                                           f"qty {o.get('qty')} @ {o.get('price')} {o.get('symbol', '')} trade #{i}"))
        events.append((float(t["closed_at"]), 1,
                       f"CLOSED {t['type']} trade #{i} {t.get('symbol', '')}: entry {t['entry_price']} exit "
                       f"{t['exit_price']} qty {t['qty']} PNL {float(t.get('PNL', 0)):.4f} "
                       f"({float(t.get('PNL_percentage', 0)):.2f}%) fee {float(t.get('fee', 0)):.4f}"))
    events.sort(key=lambda e: (e[0], e[1]))
    lines = [f"[{_data.iso(ts)}] {text}" for ts, _, text in events]
    m = result.get("metrics") or {}
    if m:
        lines.append(f"finished: {m.get('total', 0)} trades, net profit {m.get('net_profit', 0)} "
                     f"({m.get('net_profit_percentage', 0)}%), finishing balance {m.get('finishing_balance')}")
    return _data.write_atomic(path, "\n".join(lines) + "\n")


def write_equity_curve_csv(result: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """The daily balance: ``time`` (epoch seconds), ``date`` (UTC), ``balance``, ``drawdown_percent``."""
    t, v = _data.daily_equity(result)
    dd = _data.drawdown_percent(v)
    lines = ["time,date,balance,drawdown_percent"]
    lines += [f"{int(a)},{_data.iso(a * 1000)},{b!r},{c!r}" for a, b, c in zip(t, v.tolist(), dd.tolist())]
    return _data.write_atomic(path, "\n".join(lines) + "\n")


def pine_script(result: Mapping[str, Any], *, title: str = "jesse-dag trades", max_trades: int = 500) -> str:
    """A Pine Script v5 indicator that draws each trade (a line entry -> exit, coloured by PNL, and a label).

    TradingView keeps at most 500 lines and labels per script, so past ``max_trades`` the latest trades are
    drawn (a comment in the script says how many were left out).
    """
    trades = list(result.get("trades") or [])
    skipped = max(0, len(trades) - max_trades)
    trades = trades[skipped:]

    def arr(kind: str, values: list) -> str:
        if not values:
            return f"array.new_{kind}(0)"
        chunks = [", ".join(values[i:i + 40]) for i in range(0, len(values), 40)]
        return "array.from(" + ",\n     ".join(chunks) + ")"

    opened = [str(int(t["opened_at"])) for t in trades]
    closed = [str(int(t["closed_at"])) for t in trades]
    entry = [repr(float(t["entry_price"])) for t in trades]
    exit_ = [repr(float(t["exit_price"])) for t in trades]
    is_long = ["true" if t["type"] == "long" else "false" for t in trades]
    pnl = [repr(round(float(t.get("PNL", 0.0)), 6)) for t in trades]
    # The title sits in a Pine string literal: a quote, backslash or line break would end it and let the
    # rest of a hostile route name become script lines.
    safe_title = re.sub(r'["\\\x00-\x1f\x7f\u2028\u2029]', "_", title)
    return f"""//@version=5
// Generated by jesse-dag: {len(trades)} trades{f' (the first {skipped} left out: 500 drawings at most)' if skipped else ''}.
// Add to a chart of the same market; times are UTC epoch milliseconds.
indicator("{safe_title}", overlay=true, max_lines_count=500, max_labels_count=500)
var int[] openedAt = {arr("int", opened)}
var int[] closedAt = {arr("int", closed)}
var float[] entryPrice = {arr("float", entry)}
var float[] exitPrice = {arr("float", exit_)}
var bool[] isLong = {arr("bool", is_long)}
var float[] pnl = {arr("float", pnl)}
if barstate.islast
    for i = 0 to array.size(openedAt) - 1
        win = array.get(pnl, i) >= 0
        line.new(array.get(openedAt, i), array.get(entryPrice, i), array.get(closedAt, i), array.get(exitPrice, i), xloc=xloc.bar_time, color=win ? color.teal : color.red, width=2)
        label.new(array.get(openedAt, i), array.get(entryPrice, i), array.get(isLong, i) ? "L" : "S", xloc=xloc.bar_time, style=array.get(isLong, i) ? label.style_label_up : label.style_label_down, color=array.get(isLong, i) ? color.blue : color.orange, textcolor=color.white, size=size.tiny)
"""


def write_tradingview(result: Mapping[str, Any], path: str | os.PathLike, *, title: str = "jesse-dag trades") -> Path:
    """Write :func:`pine_script` to ``path`` (``.pine``)."""
    return _data.write_atomic(path, pine_script(result, title=title))


def write_quantstats(result: Mapping[str, Any], path: str | os.PathLike, *, title: str = "Backtest") -> Path:
    """QuantStats' HTML tearsheet of the daily returns; no benchmark, so nothing is downloaded."""
    t, v = _data.daily_equity(result)  # first: a missing curve is refused before the slow import
    returns = _data.daily_returns(t, v)
    if len(returns) < 2:
        raise ValueError(f"QuantStats needs at least 2 daily returns, the equity curve gives {len(returns)}")
    import logging
    import warnings

    import matplotlib

    matplotlib.use("Agg", force=True)
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # "Arial not found" x100

    import quantstats as qs

    returns.name = "Strategy"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # QuantStats pastes the title into its HTML template as is: escape it here. Crypto trades every day:
        # 365 periods a year, as Jesse's metrics annualise (QuantStats assumes 252).
        qs.reports.html(returns, benchmark=None, output=str(tmp), title=html.escape(title),
                        download_filename=str(tmp), periods_per_year=CRYPTO_PERIODS_PER_YEAR)
    tmp.write_text(_offline_quantstats_page(tmp.read_text(encoding="utf-8")), encoding="utf-8")
    os.replace(tmp, path)
    return path


CRYPTO_PERIODS_PER_YEAR = 365


def _offline_quantstats_page(text: str) -> str:
    """QuantStats' page without its outside favicon and its ``onload="save()"`` (no such function: a
    console error on every open)."""
    text = re.sub(r'<link rel="shortcut icon" href="https?://[^"]*"[^>]*>', '<link rel="icon" href="data:,">', text)
    return text.replace(' onload="save()"', "")


def attach_outputs(result: dict, flags: Mapping[str, bool], *, candles: Mapping[str, Any] | np.ndarray,
                   routes: Sequence[Mapping[str, Any]], strategies: Sequence[Any] = (),
                   out_dir: str | os.PathLike = "storage") -> dict:
    """Write the outputs the ``generate_*`` flags ask for and put their paths into ``result``.

    Needs ``result["equity_curve"]`` for ``equity_curve_csv``, ``quantstats`` and ``charts``: run the engine
    with ``generate_equity_curve=True`` whenever one of them is asked; when ``generate_equity_curve`` itself
    is False the curve is removed from the result afterwards (Jesse's result keys stay as asked).
    Files go to ``<out_dir>/{csv,json,logs,equity-curves,tradingview,quantstats,charts}/<stem>.<ext>``.
    A backtest without trades writes nothing: its paths are None, as in Jesse.
    """
    out = Path(out_dir)
    stem = run_stem(result, routes)
    route = routes[0] if routes else None
    has_trades = bool(result.get("trades"))
    title = run_title(result, routes)
    tfs = sorted({r["timeframe"] for r in routes}) if routes else []

    def want(flag: str) -> bool:
        return bool(flags.get(flag))

    if want("generate_csv"):
        result["csv"] = str(write_trades_csv(result, out / "csv" / f"{stem}.csv")) if has_trades else None
    if want("generate_json"):
        result["json"] = str(write_trades_json(result, out / "json" / f"{stem}.json", tfs)) if has_trades else None
    if want("generate_logs"):
        result["logs"] = str(write_logs(result, out / "logs" / f"{stem}.txt"))
    if want("generate_equity_curve"):
        result["equity_curve_csv"] = (str(write_equity_curve_csv(result, out / "equity-curves" / f"{stem}.csv"))
                                      if result.get("equity_curve") else None)
    if want("generate_tradingview"):
        result["tradingview"] = (str(write_tradingview(result, out / "tradingview" / f"{stem}.pine", title=title))
                                 if has_trades else None)
    if want("generate_quantstats"):
        result["quantstats"] = (str(write_quantstats(result, out / "quantstats" / f"{stem}.html", title=title))
                                if has_trades and result.get("equity_curve") else None)
    if want("generate_charts"):
        if has_trades and result.get("equity_curve"):
            from jesse_dag.reports.backtest_report import write_backtest_report
            from jesse_dag.reports.chart_series import collect_chart_series

            one_minute = _data.route_candles(candles, route)
            path = write_backtest_report(result, one_minute, out / "charts" / f"{stem}.html",
                                         timeframe=route["timeframe"] if route else "1m",
                                         chart_series=collect_chart_series(strategies), title=title,
                                         subtitle=f"{route['exchange']} {route['symbol']} {route['timeframe']} ·"
                                         if route else "")
            result["charts"] = str(path)
            result["charts_folder"] = str(path.parent)
        else:
            result["charts"] = None
            result["charts_folder"] = None
    if not want("generate_equity_curve"):
        result.pop("equity_curve", None)
    return result
