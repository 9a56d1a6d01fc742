"""``gather_ml_data``: run a backtest in gather mode and collect every route's labelled data points.

Unlike Jesse 3.5.3 (which returns no points at all, reads only the first route, and fails on a strategy
class), this reads the strategy instances the engine hands back, for every route, and accepts a class or a
name. Points keep ``label_time`` and ``route``; they go to a sidecar beside the CSV, never into it.

Example:
    >>> out = gather_ml_data(config, routes, [], candles, warmup)  # doctest: +SKIP
    >>> out["data_points"][0]["label"], out["csv_paths"]  # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import numpy as np

from jesse_dag.ml.csv_io import sidecar_path, write_ml_data_csv
from jesse_dag.ml.datapoints import DataPoint
from jesse_dag.ml.report import WIDTH, table
from jesse_dag.ml.training import ts_to_date
from jesse_dag.paths import path_inside


def strategy_name(strategy: Any) -> str:
    """The name of a route's strategy, given as a class or a string."""
    if isinstance(strategy, str):
        return strategy
    if isinstance(strategy, type):
        return strategy.__name__
    raise TypeError(f"route strategy must be a Strategy class or its name, got {strategy!r}")


def candles_lineage(candles: dict, warmup_candles: dict | None) -> dict:
    """For each candle key: rows, first/last timestamp (ms) and sha256 of the array, trading and warm-up."""
    def describe(block: dict | None) -> dict:
        out = {}
        for key, item in (block or {}).items():
            arr = np.ascontiguousarray(item["candles"] if isinstance(item, dict) else item, dtype=np.float64)
            out[key] = {"rows": int(arr.shape[0]),
                        "first_timestamp": int(arr[0, 0]) if arr.size else None,
                        "last_timestamp": int(arr[-1, 0]) if arr.size else None,
                        "sha256": hashlib.sha256(arr.tobytes()).hexdigest()}
        return out
    return {"candles": describe(candles), "warmup_candles": describe(warmup_candles)}


def _simulated_days(candles: dict) -> float:
    """Days the trading candles span (the longest market), for the progress of a gather."""
    spans = [0.0]
    for item in candles.values():
        arr = item["candles"] if isinstance(item, dict) else item
        if len(arr):
            spans.append((float(arr[-1][0]) - float(arr[0][0]) + 60_000) / 86_400_000)
    return round(max(spans), 1)


def lineage_path(csv_path: str | os.PathLike) -> Path:
    """``X_data.csv`` -> ``X_data.lineage.json`` (which candles and routes produced the CSV)."""
    side = sidecar_path(csv_path)
    return side.with_name(side.name.replace(".label_times.csv", ".lineage.json"))


def read_lineage(csv_path: str | os.PathLike) -> dict | None:
    """The lineage written beside a gathered CSV, or ``None``."""
    p = lineage_path(csv_path)
    if not p.exists():
        return None
    try:
        out = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        why = f"{exc.msg} at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else "not UTF-8 text"
        raise ValueError(f"{p}: not valid JSON ({why}); gather it again, or delete this file to go on without "
                         "the candle lineage") from None
    if not isinstance(out, dict):
        raise ValueError(f"{p}: expected a JSON object (the gather lineage), got {type(out).__name__}; gather it "
                         "again, or delete this file to go on without the candle lineage")
    return out


def gather_ml_data(config: dict, routes: list[dict], data_routes: list[dict], candles: dict,
                   warmup_candles: dict | None = None, csv_path: str | None = "auto",
                   verbose: bool = True, *, db: str | os.PathLike | None = None,
                   hyperparameters: dict | None = None,
                   progress: bool | None | Callable[[str], Any] = None) -> dict:
    """Backtest (fast mode) and return ``{"data_points", "backtest_metrics", "csv_paths", "lineage", "datasets"}``.

    ``data_points`` holds the labelled points of every route, route by route, each in recording order.
    ``csv_path="auto"`` writes ``strategies/<Name>/ml_data/<Name>_data.csv`` per strategy name (routes
    sharing a strategy share its file); ``None`` writes nothing; a path is used as is (one strategy only).
    With ``db`` (a store file), each strategy's points also go to the store's ``ml_samples`` as one data
    set with its CSV path and this gather's lineage (idempotent: the same data set twice adds no rows);
    ``datasets`` lists them (``strategy, dataset_id, added, present``). ``hyperparameters`` are laid over
    each strategy's defaults, as ``research.backtest`` does. ``progress`` shows the simulated days done
    (None: when stderr is a terminal; a function gets plain lines; see :mod:`jesse_dag._progress`).
    """
    from jesse_dag._progress import progress as progress_bar
    from jesse_dag.engine import run_backtest

    names = [strategy_name(r["strategy"]) for r in routes]
    if csv_path not in (None, "auto") and len(set(names)) > 1:
        raise ValueError(f"csv_path={csv_path!r} names one file but the routes run {sorted(set(names))}: "
                         "use csv_path='auto' (one file per strategy) or None")
    days = _simulated_days(candles)
    with progress_bar(days, f"gather {', '.join(dict.fromkeys(names))}", progress, unit="days") as bar:
        run = run_backtest(config, routes, data_routes, candles, warmup_candles=warmup_candles, fast_mode=True,
                           hyperparameters=hyperparameters, merge_hyperparameters=True,
                           progress_callback=(lambda share: bar.set(round(share * days, 1))) if bar.enabled else None)
    metrics = run.result.get("metrics", {}) if isinstance(run.result, dict) else {}
    per_name: dict[str, list[DataPoint]] = {}
    points: list[DataPoint] = []
    for route, name, strat in zip(routes, names, run.strategies):
        got = [p for p in getattr(strat, "_ml_data_points", []) if p.get("label") is not None]
        for p in got:
            p.setdefault("route", f"{route['exchange']}-{route['symbol']}-{route['timeframe']}")
        per_name.setdefault(name, []).extend(got)
        points.extend(got)
    lineage = {"routes": [{**{k: v for k, v in r.items() if k != "strategy"}, "strategy": n}
                          for r, n in zip(routes, names)],
               "data_routes": [dict(d) for d in data_routes], **candles_lineage(candles, warmup_candles)}
    if not points:
        if verbose:
            print("\n  ⚠  No ML data points were collected. Does the strategy call record_features({...}) and "
                  "then record_label(name, value)?")
        return {"data_points": [], "backtest_metrics": metrics, "csv_paths": [], "lineage": lineage, "datasets": []}

    written: list[Path] = []
    datasets: list[dict] = []
    for name, pts in per_name.items():
        if not pts:
            continue
        path = None
        if csv_path is not None:
            path = (path_inside("strategies", name, what="strategy name") / "ml_data" / f"{name}_data.csv"
                    if csv_path == "auto" else Path(csv_path))
            write_ml_data_csv(pts, path)
            lineage_path(path).write_text(json.dumps(lineage, indent=1, sort_keys=True, default=str))
            written.append(path)
        if db is not None:
            from jesse_dag.store.ml import store_samples

            rep = store_samples(pts, strategy=name, csv_path=path, lineage=lineage, db=db)
            datasets.append({"strategy": name, "dataset_id": rep.dataset_id, "added": rep.added, "present": rep.present})
    if verbose:
        _print_gather_report(points, metrics, written, names)
    return {"data_points": points, "backtest_metrics": metrics, "csv_paths": written, "lineage": lineage,
            "datasets": datasets}


def _print_gather_report(points: list[DataPoint], metrics: dict, paths: list[Path], names: list[str]) -> None:
    print("\n" + "═" * WIDTH)
    print(f"ML DATA COLLECTION  ·  {', '.join(dict.fromkeys(names))}".center(WIDTH).rstrip())
    print("═" * WIDTH)
    if metrics and metrics.get("total", 0):
        print(f"  Backtest: {int(metrics['total']):,} trades, net profit {metrics.get('net_profit_percentage', 0):+.2f}%, "
              f"win rate {metrics.get('win_rate', 0):.1%}, max drawdown {metrics.get('max_drawdown', 0):+.2f}%")
    rows = []
    by_route: dict[str, list[DataPoint]] = {}
    for p in points:
        by_route.setdefault(p.get("route", "?"), []).append(p)
    for route, pts in by_route.items():
        times = [p["time"] for p in pts]
        counts = Counter(str(p["label"]["value"]) for p in pts)
        dist = ", ".join(f"{k}: {v / len(pts):.0%}" for k, v in counts.most_common(4))
        rows.append([route, len(pts), len({k for p in pts for k in p["features"]}),
                     f"{ts_to_date(min(times))} → {ts_to_date(max(times))}", f"{pts[0]['label']['name']} ({dist})"])
    print(table(["Route", "Points", "Features", "Dates", "Label"], rows, ["{}", "{:,}", "{}", "{}", "{}"],
                left=(0, 3, 4)))
    for p in paths:
        print(f"  Saved to {p}  (label times: {sidecar_path(p).name})")
    print("─" * WIDTH)
