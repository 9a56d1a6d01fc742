"""The steps of one research pipeline, each a plain function (the Dagster assets call one each).

candles of a market month -> warm-up / trading window -> ML samples (gather mode) -> model bundle
(train_model with purged validation) -> evaluation report -> deploy (after the quality gate) ->
baseline and deployed backtests on the later evaluation window -> comparison report.

Everything here is usable without Dagster:

    >>> from jesse_dag.project import load_project  # doctest: +SKIP
    >>> from jesse_dag.research import pipeline as steps  # doctest: +SKIP
    >>> project = load_project("project.yaml")  # doctest: +SKIP
    >>> p = project.pipelines["demo"]; m = project.markets[p.market]  # doctest: +SKIP
    >>> steps.import_market_month(m, "2024-01-01", db_path="storage/jesse_dag.duckdb", project_dir=".")  # doctest: +SKIP
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import json
import math
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from jesse_dag.candles.columns import ONE_DAY_MS, ONE_MINUTE_MS, TIMESTAMP
from jesse_dag.candles.timeframes import timeframe_to_ms
from jesse_dag.paths import path_inside
from jesse_dag.project import LOWER_IS_BETTER, Market, Pipeline, Window

DEFAULT_CONFIG = {
    "starting_balance": 10_000,
    "fee": 0.0,
    "type": "futures",
    "futures_leverage": 1,
    "futures_leverage_mode": "cross",
}
# The run tag that carries the anchor time of moving windows (ISO 8601 UTC, or "latest_candle").
ANCHOR_TAG = "jesse_dag/anchor"
LATEST_CANDLE = "latest_candle"
# Metrics the comparison report puts side by side.
COMPARED_METRICS = ("total", "net_profit_percentage", "win_rate", "sharpe_ratio", "max_drawdown", "fee",
                    "expectancy", "annual_return")


def _sha(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
    return h.hexdigest()[:16]


def _iso(ts_ms: float) -> str:
    return dt.datetime.fromtimestamp(int(ts_ms) / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


def _month_bounds(month: str) -> tuple[int, int]:
    first = dt.datetime.strptime(month[:7], "%Y-%m").replace(tzinfo=dt.timezone.utc)
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return int(first.timestamp() * 1000), int(nxt.timestamp() * 1000)


# ── candles ───────────────────────────────────────────────────────────────────────────────────────────────


def source_fingerprint(market: Market) -> str:
    """A hash of the market's source settings (part of the candle asset's code version)."""
    return _sha(json.dumps(market.source, sort_keys=True, default=str), market.exchange, market.symbol)


@functools.lru_cache(maxsize=4)
def _synthetic(days: int, seed: int, start_ms: int, plant_signal: bool, extra: str) -> np.ndarray:
    from jesse_dag.candles.synthetic import synthetic_market

    return synthetic_market(days=days, seed=seed, start_timestamp=start_ms, plant_signal=plant_signal,
                            **json.loads(extra))


@functools.lru_cache(maxsize=4)
def _file_candles(path: str, mtime_ns: int, size: int) -> np.ndarray:
    from jesse_dag.candles.importers import read_candles_file

    candles, _info = read_candles_file(Path(path))
    candles.setflags(write=False)  # shared between callers
    return candles


def market_source_candles(market: Market, project_dir: str | Path) -> np.ndarray:
    """Every 1m candle the market's source holds (Jesse's column order)."""
    src = dict(market.source)
    kind = src.pop("kind")
    start_ms = int(dt.datetime.strptime(market.start, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc).timestamp() * 1000)
    if kind == "synthetic":
        days = int(src.pop("days", 90))
        seed = int(src.pop("seed", 0))
        plant = bool(src.pop("planted_signal", False))
        return _synthetic(days, seed, start_ms, plant, json.dumps(src, sort_keys=True))
    if kind in ("csv", "parquet"):
        path = Path(project_dir) / src["path"]
        stat = path.stat()  # a file that changes is read again
        return _file_candles(str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    raise ValueError(f"market {market.name}: source kind {kind!r} has no in-process reader; "
                     "use `jesse-dag download-candles` for Binance archives")


def market_data_end(market: Market, project_dir: str | Path) -> tuple[int, str] | None:
    """The last 1m candle time (ms) the market can have and where that end comes from, or ``None`` when the
    source grows (Binance without ``end:``). ``end:`` in the project file wins; a synthetic market ends after
    its ``days``; a CSV or Parquet file ends at its last row.

    Example:
        >>> from jesse_dag.project import Market
        >>> m = Market("m", "E", "A-B", "2024-01-01", {"kind": "synthetic", "days": 31})
        >>> end, why = market_data_end(m, "."); _iso(end), why
        ('2024-01-31 23:59', 'the synthetic source has 31 days')
    """
    if market.end is not None:
        ms = int(dt.datetime.strptime(market.end, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc).timestamp() * 1000)
        return ms + ONE_DAY_MS - ONE_MINUTE_MS, f"end: {market.end} in project.yaml"
    kind = market.source["kind"]
    if kind == "synthetic":
        start = dt.datetime.strptime(market.start, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
        days = int(market.source.get("days", 90))
        return int(start.timestamp() * 1000) + days * ONE_DAY_MS - ONE_MINUTE_MS, f"the synthetic source has {days} days"
    if kind in ("csv", "parquet"):
        rows = market_source_candles(market, project_dir)
        if not len(rows):
            raise ValueError(f"market {market.name}: the {kind} file {market.source['path']} holds no candles")
        return int(rows[:, TIMESTAMP].max()), f"the last row of {market.source['path']}"
    return None


def market_last_month(market: Market, project_dir: str | Path) -> str | None:
    """The first day of the market's last month with data, for a finite source (None when it grows)."""
    end = market_data_end(market, project_dir)
    return None if end is None else _iso(end[0])[:7] + "-01"


def import_market_month(market: Market, month: str, *, db_path: str | Path, project_dir: str | Path) -> dict:
    """Store the market's candles of ``month`` (``YYYY-MM-DD``, first day) and report what happened."""
    from jesse_dag.candles.validate import find_gaps
    from jesse_dag.store.candles import load_candles, store_candles

    lo, hi = _month_bounds(month)
    if market.source["kind"] == "binance":
        from jesse_dag.store.importing import import_binance_archive

        src = market.source
        kwargs = {"base_url": src["base_url"]} if src.get("base_url") else {}
        report = import_binance_archive(market.exchange, market.symbol, _iso(lo)[:10], _iso(hi)[:10], db=db_path,
                                        market=src.get("market", "spot"), **kwargs)
    else:
        allrows = market_source_candles(market, project_dir)
        ts = allrows[:, TIMESTAMP]
        rows = allrows[(ts >= lo) & (ts < hi)]
        if not len(rows):
            span = (f"its data runs {_iso(ts.min())} .. {_iso(ts.max())}" if len(ts) else "its source holds no candles")
            raise ValueError(f"market {market.name}, month {month[:7]}: the {market.source['kind']} source has no "
                             f"candles in this month; {span} (import only months inside that range)")
        report = store_candles(rows, market.exchange, market.symbol, db=db_path,
                               source=f"{market.source['kind']}:{market.name}")
    stored = load_candles(market.exchange, market.symbol, lo, hi - ONE_MINUTE_MS, db=db_path)
    gaps = find_gaps(stored[:, TIMESTAMP]) if len(stored) else []
    problems = [f"missing {_iso(a)} .. {_iso(b)}" for a, b in gaps]
    if report.rows_conflicting:
        problems.append(f"{report.rows_conflicting} incoming rows conflict with stored values (kept as stored)")
    return {
        "rows": int(len(stored)),
        "rows_added": int(report.rows_added),
        "rows_present": int(report.rows_present),
        "first": _iso(stored[0, TIMESTAMP]) if len(stored) else "",
        "last": _iso(stored[-1, TIMESTAMP]) if len(stored) else "",
        "gaps": [[_iso(a), _iso(b)] for a, b in gaps],
        "problems": problems,
        "integrity_ok": not problems,
        "content_hash": _sha(np.ascontiguousarray(stored).tobytes()),
    }


def latest_complete_day(market: Market, *, db_path: str | Path) -> tuple[int, int]:
    """``(anchor_ms, last_candle_ms)``: the end (exclusive, UTC midnight) of the last whole day of stored
    candles of ``market``, and its last stored candle. Raises when nothing is stored."""
    from jesse_dag.store.candles import list_markets

    stored = [m for m in list_markets(db_path) if (m.exchange, m.symbol) == (market.exchange, market.symbol)]
    if not stored:
        raise ValueError(f"market {market.name}: no candles of {market.exchange} {market.symbol} in the store "
                         f"{db_path}; import its months first (the market/{market.name}/candles partitions)")
    last = stored[0].last_timestamp
    return (last + ONE_MINUTE_MS) // ONE_DAY_MS * ONE_DAY_MS, last


def resolve_pipeline(pipeline: Pipeline, market: Market, anchor: str | None, *, db_path: str | Path) -> tuple[Pipeline, dict]:
    """``pipeline`` with dated windows for the run's ``anchor`` (ISO time from the run's tag; ``None`` or
    ``"latest_candle"``: the end of the last whole day of stored candles), and what was resolved.

    Fixed windows come back unchanged. The evaluation window must end inside the stored candles: the error
    names where they end.
    """
    if not pipeline.rolling:
        return pipeline, {"anchor": "fixed windows"}
    if anchor and anchor != LATEST_CANDLE:
        try:
            when = dt.datetime.fromisoformat(anchor)
        except ValueError:
            raise ValueError(f"pipeline {pipeline.name}: run tag {ANCHOR_TAG}={anchor!r} is not an ISO time such "
                             f"as 2024-06-03T03:00:00+00:00 (or {LATEST_CANDLE!r})") from None
        when = when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
        anchor_ms, how = int(when.timestamp() * 1000), "run tag"
    else:
        anchor_ms, _last = latest_complete_day(market, db_path=db_path)
        how = "latest stored complete candle"
    resolved = pipeline.resolve_windows(anchor_ms)
    if resolved.training.start < market.start:
        raise ValueError(f"pipeline {pipeline.name}: anchor {_iso(anchor_ms)} ({how}) puts the training window at "
                         f"{resolved.training.start} .. {resolved.training.end}, before the market {market.name} "
                         f"starts ({market.start}); anchor later or shorten training.length")
    _anchor_day, last = latest_complete_day(market, db_path=db_path)
    if resolved.evaluation.end_ms - ONE_MINUTE_MS > last:
        raise ValueError(f"pipeline {pipeline.name}: anchor {_iso(anchor_ms)} ({how}) puts the evaluation window at "
                         f"{resolved.evaluation.start} .. {resolved.evaluation.end}, but the stored candles of "
                         f"{market.name} end at {_iso(last)} (month {_iso(last)[:7]}); import the missing months or "
                         f"use anchor: {LATEST_CANDLE}")
    return resolved, {"anchor": _iso(anchor_ms), "anchor_from": how,
                      "training": [resolved.training.start, resolved.training.end],
                      "evaluation": [resolved.evaluation.start, resolved.evaluation.end]}


def resolve_universe(pipeline: Pipeline, markets: Sequence[Market], anchor: str | None, *,
                     db_path: str | Path) -> tuple[Pipeline, dict]:
    """:func:`resolve_pipeline` for the markets of a universe: one set of dated windows for all of them (the
    pooled samples are one period). ``latest_candle`` anchors at the earliest of the markets' last complete
    days, so every market has the candles of the evaluation window."""
    if not pipeline.rolling:
        return pipeline, {"anchor": "fixed windows"}
    if not anchor or anchor == LATEST_CANDLE:
        day = min(latest_complete_day(m, db_path=db_path)[0] for m in markets)
        anchor = dt.datetime.fromtimestamp(day / 1000, tz=dt.timezone.utc).isoformat()
        how = "latest complete candle stored in every market"
    else:
        how = "run tag"
    resolved, info = pipeline, {}
    for m in markets:  # each market checks that it holds the windows
        resolved, info = resolve_pipeline(pipeline, m, anchor, db_path=db_path)
    return resolved, {**info, "anchor_from": how}


def load_window(pipeline: Pipeline, market: Market, window: Window, *, db_path: str | Path) -> dict:
    """Warm-up and trading 1m candles of ``window``, split as Jesse splits them (warm-up bars of the route)."""
    from jesse_dag.candles.validate import find_gaps
    from jesse_dag.store.candles import get_candles

    warmup, trading = get_candles(market.exchange, market.symbol, pipeline.timeframe, window.start_ms,
                                  window.end_ms, warmup_candles_num=pipeline.warmup_bars, is_for_jesse=True,
                                  db=db_path, allow_gaps=True)
    warmup = np.empty((0, 6)) if warmup is None else warmup
    gaps = find_gaps(trading[:, TIMESTAMP]) if len(trading) else []
    return {
        "warmup": warmup,
        "trading": trading,
        "warmup_rows": int(len(warmup)),
        "trading_rows": int(len(trading)),
        "first": _iso(trading[0, TIMESTAMP]) if len(trading) else "",
        "last": _iso(trading[-1, TIMESTAMP]) if len(trading) else "",
        "gaps": [[_iso(a), _iso(b)] for a, b in gaps],
        "warmup_fingerprint": _sha(np.ascontiguousarray(warmup).tobytes()),
        "trading_fingerprint": _sha(np.ascontiguousarray(trading).tobytes()),
    }


# ── strategy runs ─────────────────────────────────────────────────────────────────────────────────────────


def strategy_dir(pipeline: Pipeline, project_dir: str | Path) -> Path:
    """``<project>/strategies/<strategy>``; a strategy name that is not one folder name (``../x``) is refused."""
    return path_inside(Path(project_dir) / "strategies", pipeline.strategy, what="strategy name",
                       where=f"project.yaml pipelines.{pipeline.name}.strategy")


def _strategy_class(pipeline: Pipeline, project_dir: str | Path, mode: str, deployed_dir: str | None = None):
    from jesse_dag.engine.run import load_strategy_class

    base = load_strategy_class(strategy_dir(pipeline, project_dir).name, project_dir)  # a checked name
    # A subclass in the same module, so the strategy still finds its folder (models, ml_data).
    attrs = {"ml_mode": "deploy" if mode == "deployed" else "gather",
             "ml_threshold": pipeline.deploy_threshold, "__module__": base.__module__}
    if hasattr(base, "threshold"):  # the examples' deploy strategies name it `threshold`
        attrs["threshold"] = pipeline.deploy_threshold
    return type(base.__name__, (base,), attrs)


def _backtest_inputs(pipeline: Pipeline, market: Market, warmup: np.ndarray, trading: np.ndarray, cls) -> tuple:
    config = {**DEFAULT_CONFIG, **pipeline.config, "exchange": market.exchange,
              "warm_up_candles": pipeline.warmup_bars}
    routes = [{"exchange": market.exchange, "strategy": cls, "symbol": market.symbol,
               "timeframe": pipeline.timeframe}]
    data_routes = [{"exchange": market.exchange, "symbol": market.symbol, "timeframe": tf}
                   for tf in pipeline.data_routes]
    key = f"{market.exchange}-{market.symbol}"
    candles = {key: {"exchange": market.exchange, "symbol": market.symbol, "candles": trading}}
    warm = {key: {"exchange": market.exchange, "symbol": market.symbol, "candles": warmup}} if len(warmup) else None
    return config, routes, data_routes, candles, warm


def gather_samples(pipeline: Pipeline, market: Market, warmup: np.ndarray, trading: np.ndarray, *,
                   db_path: str | Path, project_dir: str | Path) -> dict:
    """Run the strategy in gather mode over the training window; write Jesse's CSV (+ sidecar)."""
    from jesse_dag.ml.gather import gather_ml_data
    from jesse_dag.ml.datapoints import fingerprint

    cls = _strategy_class(pipeline, project_dir, "gather")
    config, routes, data_routes, candles, warm = _backtest_inputs(pipeline, market, warmup, trading, cls)
    csv_path = strategy_dir(pipeline, project_dir) / "ml_data" / f"{pipeline.strategy}_data.csv"
    res = gather_ml_data(config, routes, data_routes, candles, warm, csv_path=str(csv_path), verbose=False, db=db_path)
    points = res["data_points"]
    counts: dict[str, int] = {}
    for p in points:
        k = str(p["label"]["value"])
        counts[k] = counts.get(k, 0) + 1
    return {
        "data_points": points,
        "count": len(points),
        "label_counts": counts,
        "csv_path": str(csv_path),
        "backtest_metrics": res.get("backtest_metrics", {}),
        "timeframe_ms": timeframe_to_ms(pipeline.timeframe),
        "window": [pipeline.training.start, pipeline.training.end],
        "fingerprint": fingerprint(points) if points else _sha("no-points"),
    }


def gather_market_samples(pipeline: Pipeline, market: Market, warmup: np.ndarray, trading: np.ndarray, *,
                          project_dir: str | Path) -> dict:
    """One market's share of a universe's samples, gathered over the training window, in memory: each point's
    route names its market. Markets are gathered side by side (one Dagster partition each), so this touches
    neither the store nor the strategy's CSV: :func:`pool_samples` stores each market's data set and the pool."""
    from jesse_dag.ml.datapoints import fingerprint
    from jesse_dag.ml.gather import gather_ml_data

    cls = _strategy_class(pipeline, project_dir, "gather")
    config, routes, data_routes, candles, warm = _backtest_inputs(pipeline, market, warmup, trading, cls)
    res = gather_ml_data(config, routes, data_routes, candles, warm, csv_path=None, verbose=False)
    points = res["data_points"]
    return {
        "market": market.name,
        "route": f"{market.exchange}-{market.symbol}-{pipeline.timeframe}",
        "data_points": points,
        "count": len(points),
        "label_counts": _label_counts(points),
        "backtest_metrics": res.get("backtest_metrics", {}),
        "lineage": res.get("lineage", {}),
        "window": [pipeline.training.start, pipeline.training.end],
        "fingerprint": fingerprint(points) if points else _sha("no-points", market.name),
    }


def pool_samples(pipeline: Pipeline, per_market: Mapping[str, Mapping[str, Any]], *, db_path: str | Path,
                 project_dir: str | Path) -> dict:
    """The samples of every market of a universe as one data set, for one model.

    The market stays with each sample as its route (``<exchange>-<symbol>-<timeframe>``): in the CSV's sidecar
    and in the store, never as a CSV column (Jesse's ``load_ml_data_csv`` reads every column but time and
    label as a feature). Each market's samples are stored as a data set of their own too. Markets are taken
    in the pipeline's order, so the pool is the same whichever market was gathered first. Returns what
    :func:`gather_samples` returns, plus ``dataset_id`` and ``markets`` (per market: count, labels, route,
    stored data set).
    """
    from jesse_dag.ml.csv_io import write_ml_data_csv
    from jesse_dag.ml.datapoints import fingerprint
    from jesse_dag.ml.gather import lineage_path
    from jesse_dag.store.ml import store_samples

    missing = [m for m in pipeline.universe if m not in per_market]
    if missing:
        raise ValueError(f"pipeline {pipeline.name}: no samples of market(s) {', '.join(missing)}; gather them first "
                         f"(the {pipeline.name}/market_samples partitions)")
    windows = {tuple(per_market[m]["window"]) for m in pipeline.universe}
    if len(windows) > 1:
        raise ValueError(f"pipeline {pipeline.name}: the markets were gathered over different training windows "
                         f"{sorted(windows)}; gather every market again for one window")
    points = [p for m in pipeline.universe for p in per_market[m]["data_points"]]
    csv_path = strategy_dir(pipeline, project_dir) / "ml_data" / f"{pipeline.strategy}_data.csv"
    ids = {m: store_samples(per_market[m]["data_points"], strategy=pipeline.strategy, csv_path=None,
                            lineage=per_market[m].get("lineage", {}), db=db_path).dataset_id
           if per_market[m]["data_points"] else None for m in pipeline.universe}
    lineage = {"pipeline": pipeline.name,
               "markets": {m: {"route": per_market[m]["route"], "samples": per_market[m]["count"],
                               "dataset_id": ids[m], **per_market[m].get("lineage", {})}
                           for m in pipeline.universe}}
    dataset_id = None
    if points:
        write_ml_data_csv(points, csv_path)
        lineage_path(csv_path).write_text(json.dumps(lineage, indent=1, sort_keys=True, default=str))
        dataset_id = store_samples(points, strategy=pipeline.strategy, csv_path=csv_path, lineage=lineage,
                                   db=db_path).dataset_id
    return {
        "data_points": points,
        "count": len(points),
        "label_counts": _label_counts(points),
        "csv_path": str(csv_path),
        "dataset_id": dataset_id,
        "markets": {m: {"samples": per_market[m]["count"], "label_counts": per_market[m]["label_counts"],
                        "route": per_market[m]["route"], "dataset_id": ids[m]}
                    for m in pipeline.universe},
        "backtest_metrics": pool_metrics({m: per_market[m].get("backtest_metrics", {}) for m in pipeline.universe}),
        "timeframe_ms": timeframe_to_ms(pipeline.timeframe),
        "window": list(next(iter(windows))),
        "fingerprint": fingerprint(points) if points else _sha("no-points"),
    }


def _label_counts(points: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in points:
        k = str(p["label"]["value"])
        counts[k] = counts.get(k, 0) + 1
    return counts


# How backtest metrics of several markets (one account each, the same window) pool into one figure.
POOLED_SUMS = ("total", "total_winning_trades", "total_losing_trades", "starting_balance", "finishing_balance",
               "net_profit", "fee", "gross_profit", "gross_loss", "longs_count", "shorts_count")
POOLED_COUNTS = ("total", "total_winning_trades", "total_losing_trades", "longs_count", "shorts_count")
POOLING_NOTE = ("pooled: one account per market side by side; trades, net profit, fees, balances summed; win rate = "
                "winning / all trades; net profit % = summed net profit / summed starting balance; ratios and "
                "drawdowns of one account's equity (Sharpe, max drawdown, ...) are per market only")


def pool_metrics(per_market: Mapping[str, Mapping[str, Any]]) -> dict[str, float | int]:
    """Backtest metrics of several markets as one figure each (see :data:`POOLING_NOTE`).

    Example:
        >>> pool_metrics({"a": {"total": 3, "total_winning_trades": 2, "net_profit": 50.0, "starting_balance": 1000},
        ...               "b": {"total": 1, "total_winning_trades": 0, "net_profit": -10.0, "starting_balance": 1000}})
        ... # doctest: +NORMALIZE_WHITESPACE
        {'total': 4, 'total_winning_trades': 2, 'starting_balance': 2000.0, 'net_profit': 40.0, 'win_rate': 0.5,
         'net_profit_percentage': 2.0}
    """
    out: dict[str, float] = {}
    for k in POOLED_SUMS:
        values = [m[k] for m in per_market.values()
                  if isinstance(m.get(k), (int, float)) and not isinstance(m.get(k), bool)]
        if values:  # counts stay whole numbers
            out[k] = int(sum(values)) if k in POOLED_COUNTS else float(sum(values))
    if "total" in out:
        out["win_rate"] = out.get("total_winning_trades", 0.0) / out["total"] if out["total"] else 0.0
    if out.get("starting_balance") and "net_profit" in out:
        out["net_profit_percentage"] = out["net_profit"] / out["starting_balance"] * 100
    return out


def check_samples(pipeline: Pipeline, points: Sequence[Mapping[str, Any]]) -> dict[str, tuple[bool, str]]:
    """The blocking checks on gathered samples: enough of them, more than one class, no look-ahead."""
    n = len(points)
    checks: dict[str, tuple[bool, str]] = {
        "enough_samples": (n >= pipeline.min_samples, f"{n} samples, at least {pipeline.min_samples} required"),
    }
    labels = {str(p["label"]["value"]) for p in points}
    if pipeline.task == "regression":
        checks["not_single_class"] = (len(labels) > 1, f"{len(labels)} distinct label values")
    else:
        checks["not_single_class"] = (len(labels) > 1, f"classes: {sorted(labels)}")
    tf_s = timeframe_to_ms(pipeline.timeframe) // 1000
    lo, hi = pipeline.training.start_ms // 1000, pipeline.training.end_ms // 1000
    bad = []
    for i, p in enumerate(points):
        info = int(p["time"]) + tf_s
        label_time = p.get("label_time")
        if label_time is None or info > int(label_time) or int(p["time"]) < lo or int(label_time) > hi:
            bad.append(i)
    checks["no_look_ahead"] = (
        not bad,
        "every sample's information time (time + timeframe) is at or before its label time, all inside the "
        "training window" if not bad else f"{len(bad)} samples break it, first at index {bad[0]}: {points[bad[0]]}",
    )
    return checks


def _estimator(pipeline: Pipeline):
    """The pipeline's estimator; only estimator classes from sklearn/lightgbm/xgboost are built from settings."""
    from jesse_dag.ml.estimators import make_estimator

    return make_estimator(pipeline.estimator["class"], pipeline.estimator.get("params", {}), task=pipeline.task,
                          where=f"project.yaml: pipelines.{pipeline.name}.estimator")


def training_key(pipeline: Pipeline, samples: Mapping[str, Any], code_version: str = "") -> str:
    """What decides the trained model: the samples' data version, the code version and the settings that
    training reads (not the schedule, the gate, the deploy rule or the evaluation window)."""
    settings = {k: getattr(pipeline, k) for k in ("name", "strategy", "timeframe", "task", "estimator", "validation",
                                                  "training")}
    return _sha(samples["fingerprint"], code_version, json.dumps(settings, sort_keys=True, default=str))


def _training_record(pipeline: Pipeline, project_dir: str | Path, version: str) -> Path:
    # the train_model report of a bundle, kept beside the store so an unchanged re-train can return it
    folder = path_inside(Path(project_dir) / "storage" / "training", pipeline.name, what="pipeline name",
                         where="project.yaml pipelines")
    return folder / f"{version}.json"


def registered_bundle(pipeline: Pipeline, key: str, *, db_path: str | Path, project_dir: str | Path) -> dict | None:
    """The bundle already registered for ``key`` (see :func:`training_key`) whose files still verify, or None."""
    from jesse_dag.ml.bundle import BundleError, verify_bundle
    from jesse_dag.ml.registry import ModelRegistry

    for entry in reversed(ModelRegistry(db_path).entries(pipeline.strategy)):
        if (entry.get("lineage") or {}).get("training_key") != key:
            continue
        record = _training_record(pipeline, project_dir, entry["version"])
        try:
            verify_bundle(entry["path"])
            out = json.loads(record.read_text())
        except (BundleError, OSError, ValueError):
            continue  # edited or removed: train again
        return {**out, "unchanged": True}
    return None


def train_bundle(pipeline: Pipeline, samples: Mapping[str, Any], *, db_path: str | Path, project_dir: str | Path,
                 lineage: Mapping[str, Any] | None = None, code_version: str = "") -> dict:
    """train_model with purged walk-forward validation; saves a new versioned bundle (never deploys).

    The same samples, ``code_version`` and training settings return the bundle already registered
    (``unchanged: True``) instead of registering a copy.
    """
    from jesse_dag.ml.registry import ModelRegistry
    from jesse_dag.ml.training import IMPORTANCE_MAX_SAMPLES, train_model

    key = training_key(pipeline, samples, code_version)
    known = registered_bundle(pipeline, key, db_path=db_path, project_dir=project_dir)
    if known is not None:
        return known
    lineage = {**dict(lineage or {}), "training_key": key, "code_version": code_version}
    validation = pipeline.validation
    strategy_folder = strategy_dir(pipeline, project_dir)
    result = train_model(
        samples["data_points"], _estimator(pipeline), task=pipeline.task,
        test_ratio=float(validation.get("test_ratio", 0.2)), save_to=None, verbose=False, name=pipeline.name,
        validation="purged", n_splits=int(validation.get("n_splits", 5)),
        embargo=validation.get("embargo", float(validation.get("embargo_days", 1)) * 86_400),
        importance=validation.get("importance", "auto"),
        importance_max_samples=int(validation.get("importance_max_samples", IMPORTANCE_MAX_SAMPLES)),
        lineage={"pipeline": pipeline.name, "samples_fingerprint": samples["fingerprint"],
                 "samples_csv": samples["csv_path"], "db_path": str(db_path), **dict(lineage or {})},
    )
    from jesse_dag.ml.bundle import save_bundle

    bundle = save_bundle(result, strategy_folder, samples["data_points"], _estimator(pipeline),
                         lineage={"pipeline": pipeline.name, "samples_fingerprint": samples["fingerprint"],
                                  "training_window": [pipeline.training.start, pipeline.training.end],
                                  **dict(lineage or {})},
                         registry=ModelRegistry(db_path))
    oos = result.get("validation", {}).get("mean", {})
    out = {
        "db_path": str(db_path),
        "bundle_dir": str(bundle["path"]),
        "version": bundle["version"],
        "bundle_id": bundle["bundle_id"],
        "metrics": _flat_numbers(result["metrics"]),
        "oos_metrics": _flat_numbers(oos),
        "folds": result.get("validation", {}).get("folds", []),
        "report": _jsonable(result),
        "training_key": key,
        "fingerprint": _sha(key, bundle["version"]),
    }
    record = _training_record(pipeline, project_dir, bundle["version"])
    record.parent.mkdir(parents=True, exist_ok=True)
    tmp = record.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, default=_default))
    tmp.replace(record)
    return {**out, "unchanged": False}


def _flat_numbers(d: Mapping[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in d.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _jsonable(result: Mapping[str, Any]) -> dict:
    skip = {"model", "scaler"}
    return json.loads(json.dumps({k: v for k, v in result.items() if k not in skip}, default=_default))


def _default(o: Any):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def quality_gate(pipeline: Pipeline, bundle: Mapping[str, Any]) -> tuple[bool, str]:
    """Out-of-sample (purged walk-forward) metrics against the pipeline's thresholds."""
    if not pipeline.gate:
        return True, "no gate configured"
    lines, ok = [], True
    for metric, minimum in pipeline.gate.items():
        value = bundle["oos_metrics"].get(metric, float("nan"))
        passed = value == value and value >= minimum
        ok &= passed
        lines.append(f"{metric}: {value:.4f} {'>=' if passed else '<'} {minimum}")
    return ok, "; ".join(lines)


def gather_points(pipeline: Pipeline, market: Market, warmup: np.ndarray, trading: np.ndarray, *,
                  project_dir: str | Path) -> list:
    """The strategy's labelled samples over a window, in memory only (no CSV, not stored): what the
    champion and the challenger are scored on."""
    from jesse_dag.ml.gather import gather_ml_data

    cls = _strategy_class(pipeline, project_dir, "gather")
    config, routes, data_routes, candles, warm = _backtest_inputs(pipeline, market, warmup, trading, cls)
    return gather_ml_data(config, routes, data_routes, candles, warm, csv_path=None, verbose=False)["data_points"]


def score_bundle(bundle_dir: str | Path, points: Sequence[Mapping[str, Any]], task: str) -> dict[str, float]:
    """The bundle's metrics (those the gate reads) on labelled ``points`` it did not train on."""
    import warnings

    from jesse_dag.ml.bundle import load_ml_model
    from jesse_dag.ml.training import binary_metrics, build_arrays, multiclass_metrics, regression_metrics

    if not points:
        return {}
    _ordered, names, X, y = build_arrays(list(points), task)
    art = load_ml_model(bundle_dir, feature_names=names)
    Xs = art["scaler"].transform(X)
    model = art["model"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one class in a short window: NaN, compared as such below
        if task == "regression":
            return _flat_numbers(regression_metrics(y, model.predict(Xs)))
        prob = model.predict_proba(Xs)
        if task == "binary":
            classes = list(model.classes_)
            p1 = prob[:, classes.index(1)] if 1 in classes else np.zeros(len(y))
            return _flat_numbers(binary_metrics(y, model.predict(Xs), p1))
        out = _flat_numbers(multiclass_metrics(y, model.predict(Xs), prob, np.asarray(model.classes_)))
        out["roc_auc"] = out.get("roc_auc_macro", float("nan"))
        return out


def challenge(pipeline: Pipeline, challenger: Mapping[str, Any], champion: Mapping[str, Any] | None,
              points: Sequence[Mapping[str, Any]], window: Window) -> dict:
    """Champion and challenger scored on the same out-of-sample ``points`` (the evaluation window, after the
    embargo); the challenger wins if it passes the gate and its metric is not worse than the champion's by
    more than the pipeline's ``deploy.margin``. Returns the decision with both scores."""
    metric, margin = pipeline.deploy.get("metric", "roc_auc"), float(pipeline.deploy.get("margin", 0.0))
    passed, gate = quality_gate(pipeline, challenger)
    decision = {"metric": metric, "margin": margin, "window": [window.start, window.end], "samples": len(points),
                "challenger": challenger["bundle_id"], "champion": (champion or {}).get("bundle_id"), "gate": gate}
    new = score_bundle(challenger["bundle_dir"], points, pipeline.task).get(metric, float("nan"))
    decision["challenger_score"] = new
    if champion is None:
        decision.update(champion_score=None, deploy=passed,
                        reason="no deployed model yet" if passed else f"the challenger fails the gate ({gate})")
        return decision
    if champion["bundle_id"] == challenger["bundle_id"]:
        decision.update(champion_score=new, deploy=False, reason="the challenger is the deployed bundle (unchanged)")
        return decision
    try:
        old = score_bundle(champion["path"], points, pipeline.task).get(metric, float("nan"))
    except (OSError, ValueError) as exc:  # the champion's files are gone or no longer fit the features
        old = float("nan")
        decision["champion_error"] = str(exc)
    decision["champion_score"] = old
    lower = metric in LOWER_IS_BETTER
    if not passed:
        decision.update(deploy=False, reason=f"the challenger fails the gate ({gate})")
    elif new != new:
        decision.update(deploy=False, reason=f"the challenger's {metric} is undefined on {len(points)} samples")
    elif old != old:
        decision.update(deploy=True, reason=f"the champion's {metric} is undefined on this window")
    else:
        worse_by = (new - old) if lower else (old - new)
        ok = worse_by <= margin
        decision.update(deploy=ok, reason=(f"{metric} {new:.4f} vs champion {old:.4f}: "
                                           + ("not worse" if worse_by <= 0 else f"worse by {worse_by:.4f}")
                                           + (f", within the margin {margin}" if ok and worse_by > 0 else "")
                                           + ("" if ok else f", more than the margin {margin}")))
    return decision


def deploy_if_better(pipeline: Pipeline, market: Market, bundle: Mapping[str, Any], warmup: np.ndarray,
                     trading: np.ndarray, *, project_dir: str | Path) -> dict:
    """Deploy ``bundle`` only if it beats (within the margin) the deployed one on the evaluation window; the
    decision and both scores go into the registry (the challenger's entry) and the result. A challenger that
    loses leaves the champion deployed (the result then names the champion)."""
    points = gather_points(pipeline, market, warmup, trading, project_dir=project_dir)
    return deploy_if_better_on(pipeline, bundle, points, project_dir=project_dir)


def deploy_pooled(pipeline: Pipeline, markets: Sequence[Market], bundle: Mapping[str, Any],
                  windows: Mapping[str, tuple[np.ndarray, np.ndarray]], *, project_dir: str | Path) -> dict:
    """:func:`deploy_if_better` for a universe: champion and challenger scored on the evaluation samples of
    every market (``windows``: market name -> (warm-up, trading) candles), pooled in the pipeline's order."""
    points = [p for m in markets
              for p in gather_points(pipeline, m, *windows[m.name], project_dir=project_dir)]
    return deploy_if_better_on(pipeline, bundle, points, project_dir=project_dir)


def deploy_if_better_on(pipeline: Pipeline, bundle: Mapping[str, Any], points: Sequence[Mapping[str, Any]], *,
                        project_dir: str | Path) -> dict:
    """The champion/challenger decision on labelled evaluation ``points``, recorded, and the deploy if won."""
    from jesse_dag.ml.registry import ModelRegistry

    registry = ModelRegistry(bundle.get("db_path") or Path(project_dir) / "storage" / "jesse_dag.duckdb")
    registry.restore(bundle["bundle_dir"], bundle["bundle_id"])  # trained on another machine: from the store
    champion = registry.deployed(pipeline.strategy)
    decision = challenge(pipeline, bundle, champion, points, pipeline.evaluation)
    entry = next((e for e in registry.find(bundle_id=bundle["bundle_id"])), None)
    # an unchanged re-run (the same bundle, or the same decision again) writes nothing
    if entry is not None and decision["champion"] != decision["challenger"] \
            and decision not in entry.get("challenges", []):
        entry["challenges"] = [*entry.get("challenges", []), decision]
        registry.register(entry)
    if decision["deploy"]:
        res = deploy(pipeline, bundle, project_dir=project_dir)
    else:
        served = champion if champion is not None and champion["bundle_id"] != bundle["bundle_id"] else None
        if served is None and champion is not None:  # the same bundle: already deployed
            served = {"bundle_id": bundle["bundle_id"], "version": bundle["version"]}
        if served is None:
            raise ValueError(f"pipeline {pipeline.name}: nothing to deploy: {decision['reason']}")
        res = {"deployed_dir": str(strategy_dir(pipeline, project_dir)), "version": served.get("version"),
               "bundle_id": served["bundle_id"]}
    return {**res, "decision": decision}


def deploy(pipeline: Pipeline, bundle: Mapping[str, Any], *, project_dir: str | Path) -> dict:
    """Deploy the bundle atomically into ``strategies/<Name>/``."""
    from jesse_dag.ml.bundle import deploy_bundle
    from jesse_dag.ml.registry import ModelRegistry

    target = deploy_bundle(bundle["bundle_dir"], strategy_dir(pipeline, project_dir),
                           registry=ModelRegistry(bundle.get("db_path") or Path(project_dir) / "storage" / "jesse_dag.duckdb"))
    return {"deployed_dir": str(target), "version": bundle["version"], "bundle_id": bundle["bundle_id"]}


def backtest_window(pipeline: Pipeline, market: Market, warmup: np.ndarray, trading: np.ndarray, *, mode: str,
                    project_dir: str | Path, deployed: Mapping[str, Any] | None = None) -> dict:
    """Backtest the strategy on the evaluation window: ``baseline`` (no model) or ``deployed`` (filtered)."""
    from jesse_dag.research import backtest

    cls = _strategy_class(pipeline, project_dir, mode)
    config, routes, data_routes, candles, warm = _backtest_inputs(pipeline, market, warmup, trading, cls)
    res = backtest(config, routes, data_routes, candles, warm, generate_equity_curve=True, fast_mode=True)
    trades = [{k: t[k] for k in ("type", "entry_price", "exit_price", "qty", "opened_at", "closed_at", "fee", "PNL")}
              for t in res["trades"]]
    equity = res.get("equity_curve") or []
    points = equity[0]["data"] if equity else []
    return {
        "mode": mode,
        "metrics": {k: v for k, v in res["metrics"].items() if isinstance(v, (int, float, str))},
        "trades": trades,
        "equity": [[p["time"], p["value"]] for p in points],
        "model_version": (deployed or {}).get("version"),
        "decision": (deployed or {}).get("decision"),
        "fingerprint": _sha(json.dumps(trades, default=_default), mode, str((deployed or {}).get("version"))),
        # the comparison report's price chart reads the baseline's; the window is the same for both runs
        "bars": _route_bars(trading, pipeline.timeframe) if mode == "baseline" else None,
    }


def _route_bars(trading: np.ndarray, timeframe: str) -> np.ndarray:
    from jesse_dag.reports._data import bars_from_1m

    return bars_from_1m(trading, timeframe)


def optimize_pipeline(pipeline: Pipeline, market: Market, *, db_path: str | Path, project_dir: str | Path) -> dict:
    """Hyperparameter search on the training window, reported on the evaluation window (Optuna study kept
    under ``storage/optuna/``, so a re-run resumes)."""
    from jesse_dag.engine.run import load_strategy_class
    from jesse_dag.optimize import run_pipeline_optimization
    from jesse_dag.store.candles import load_candles

    settings = dict(pipeline.optimize or {})
    warm_ms = pipeline.warmup_bars * timeframe_to_ms(pipeline.timeframe)
    candles = load_candles(market.exchange, market.symbol, pipeline.training.start_ms - warm_ms,
                           pipeline.evaluation.end_ms - ONE_MINUTE_MS, db=db_path)
    storage = path_inside(Path(project_dir) / "storage" / "optuna", f"{pipeline.name}.db", what="pipeline name",
                          where="project.yaml pipelines")
    storage.parent.mkdir(parents=True, exist_ok=True)
    summary = run_pipeline_optimization(
        {market.key: candles}, strategy=load_strategy_class(strategy_dir(pipeline, project_dir).name, project_dir),
        timeframe=pipeline.timeframe, warmup_bars=pipeline.warmup_bars,
        training=(pipeline.training.start_ms, pipeline.training.end_ms),
        testing=(pipeline.evaluation.start_ms, pipeline.evaluation.end_ms),
        config={**DEFAULT_CONFIG, **pipeline.config, "exchange": market.exchange},
        trials=int(settings.get("trials", 50)), objective_function=settings.get("objective_function", "sharpe"),
        seed=int(settings.get("seed", 0)), storage=f"sqlite:///{storage}",
        study_name=f"{pipeline.name}-{pipeline.fingerprint()}")
    summary["fingerprint"] = _sha(json.dumps(summary, sort_keys=True, default=_default))
    return summary


# ── reports ───────────────────────────────────────────────────────────────────────────────────────────────


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "nan" if math.isnan(v) else f"{v:,.4f}"
    return str(v)


def _write(out_dir: Path, stem: str, payload: dict, html_text: str | None) -> tuple[str, str | None]:
    """Write ``<stem>.json`` (and ``<stem>.html`` when given) atomically: a crash never leaves half a file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / f"{stem}.json", out_dir / f"{stem}.html"
    files = [(json_path, json.dumps(payload, indent=1, default=_default))]
    if html_text is not None:
        files.append((html_path, html_text))
    for path, text in files:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text)
        tmp.replace(path)
    return str(json_path), str(html_path) if html_text is not None else None


def _html_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_evaluation_report(pipeline: Pipeline, bundle: Mapping[str, Any], *, out_dir: str | Path) -> dict:
    """The training report of the bundle as JSON and HTML, plus a markdown summary for the UI."""
    try:
        from jesse_dag.reports.ml_report import write_ml_report
    except ImportError:  # the plotly report lands with the reports issue
        write_ml_report = None
    out = path_inside(out_dir, pipeline.name, what="pipeline name", where="project.yaml pipelines")
    stem = f"evaluation_{bundle['version']}"
    if write_ml_report is not None:
        html_path = str(write_ml_report(bundle["report"], out / f"{stem}.html", title=f"{pipeline.name} {bundle['version']}"))
        json_path, _ = _write(out, stem, bundle["report"], None)
    else:
        rows = [[k, v] for k, v in bundle["metrics"].items()]
        folds = [[f["fold"], f["train_size"], f["test_size"], *[f["metrics"].get(k) for k in bundle["oos_metrics"]]]
                 for f in bundle["folds"]]
        page = (f"<html><head><meta charset='utf-8'><title>{html.escape(pipeline.name)}</title></head><body>"
                f"<h1>{html.escape(pipeline.name)} model {html.escape(bundle['version'])}</h1>"
                f"<h2>Test-set metrics</h2>{_html_table(rows, ['metric', 'value'])}"
                f"<h2>Purged walk-forward folds</h2>"
                f"{_html_table(folds, ['fold', 'train', 'test', *bundle['oos_metrics']])}</body></html>")
        json_path, html_path = _write(out, stem, bundle["report"], page)
    md = "| metric | test | out-of-sample (purged) |\n|---|---|---|\n" + "\n".join(
        f"| {k} | {_fmt(bundle['metrics'].get(k, float('nan')))} | {_fmt(bundle['oos_metrics'].get(k, float('nan')))} |"
        for k in sorted(set(bundle["metrics"]) | set(bundle["oos_metrics"])))
    return {"json": json_path, "html": html_path, "markdown": md}


def compare_backtests(pipeline: Pipeline, baseline: Mapping[str, Any], deployed: Mapping[str, Any], *,
                      out_dir: str | Path, market: str | None = None) -> dict:
    """Baseline against model-filtered backtest on the same out-of-sample window (``market``: one market of a
    universe, written as ``comparison_<market>``)."""
    rows, deltas = [], {}
    for k in COMPARED_METRICS:
        a, b = baseline["metrics"].get(k, float("nan")), deployed["metrics"].get(k, float("nan"))
        rows.append([k, a, b])
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            deltas[k] = float(b) - float(a)
    stem = "comparison" if market is None else f"comparison_{market}"
    name = pipeline.name if market is None else f"{pipeline.name} {market}"
    payload = {"pipeline": pipeline.name, "window": [pipeline.evaluation.start, pipeline.evaluation.end],
               "model_version": deployed.get("model_version"), "deploy_decision": deployed.get("decision"),
               "rows": rows, "deltas": deltas,
               "baseline_equity": baseline.get("equity", []), "deployed_equity": deployed.get("equity", [])}
    try:
        from jesse_dag.reports.comparison import write_comparison_report
    except ImportError:
        write_comparison_report = None
    out = path_inside(out_dir, pipeline.name, what="pipeline name", where="project.yaml pipelines")
    if write_comparison_report is not None:
        html_path = str(write_comparison_report(baseline, deployed, out / f"{stem}.html",
                                                title=f"{name}: baseline vs model",
                                                bars=baseline.get("bars"), timeframe=pipeline.timeframe))
        json_path, _ = _write(out, stem, payload, None)
    else:
        page = (f"<html><head><meta charset='utf-8'><title>{html.escape(name)} comparison</title></head>"
                f"<body><h1>{html.escape(name)}: baseline vs model (out of sample "
                f"{pipeline.evaluation.start} .. {pipeline.evaluation.end})</h1>"
                f"{_html_table(rows, ['metric', 'baseline', 'deployed'])}</body></html>")
        json_path, html_path = _write(out, stem, payload, page)
    md = "| metric | baseline | with model |\n|---|---|---|\n" + "\n".join(
        f"| {k} | {_fmt(a)} | {_fmt(b)} |" for k, a, b in rows)
    return {"json": json_path, "html": html_path, "markdown": md, "deltas": deltas}


# metrics of the pooled comparison (those that pool; see POOLING_NOTE)
POOLED_COMPARED = ("total", "net_profit", "net_profit_percentage", "win_rate", "fee")


def compare_pooled(pipeline: Pipeline, baselines: Mapping[str, Mapping[str, Any]],
                   deployeds: Mapping[str, Mapping[str, Any]], *, out_dir: str | Path) -> dict:
    """A universe's comparison: one report per market (``comparison_<market>``, as :func:`compare_backtests`)
    and ``comparison.json``/``.html`` with every market's row and the pooled one (see :data:`POOLING_NOTE`).

    Returns ``markets`` (per market: its report's ``html`` and ``json``, and deltas), ``pooled`` (baseline and
    deployed metrics), ``deltas`` (pooled, deployed minus baseline), ``html``, ``json`` and a ``markdown`` summary."""
    markets = [m for m in pipeline.universe if m in baselines]
    per_market = {m: compare_backtests(pipeline, baselines[m], deployeds[m], out_dir=out_dir, market=m)
                  for m in markets}
    pooled = {"baseline": pool_metrics({m: baselines[m]["metrics"] for m in markets}),
              "deployed": pool_metrics({m: deployeds[m]["metrics"] for m in markets})}
    deltas = {k: pooled["deployed"][k] - pooled["baseline"][k] for k in POOLED_COMPARED
              if k in pooled["deployed"] and k in pooled["baseline"]}
    rows = [[m, mode, *[r["metrics"].get(k, float("nan")) for k in POOLED_COMPARED]]
            for m in markets for mode, r in (("baseline", baselines[m]), ("deployed", deployeds[m]))]
    rows += [["pooled", mode, *[pooled[mode].get(k, float("nan")) for k in POOLED_COMPARED]]
             for mode in ("baseline", "deployed")]
    headers = ["market", "run", *POOLED_COMPARED]
    payload = {"pipeline": pipeline.name, "markets": markets,
               "window": [pipeline.evaluation.start, pipeline.evaluation.end],
               "model_version": next(iter(deployeds.values()), {}).get("model_version"),
               "per_market": {m: {"baseline": baselines[m]["metrics"], "deployed": deployeds[m]["metrics"],
                                  "report": per_market[m]["html"]} for m in markets},
               "pooled": pooled, "deltas": deltas, "pooling": POOLING_NOTE}
    out = path_inside(out_dir, pipeline.name, what="pipeline name", where="project.yaml pipelines")
    links = "".join(f"<li><a href='{html.escape(Path(per_market[m]['html']).name)}'>{html.escape(m)}</a></li>"
                    for m in markets)
    page = (f"<html><head><meta charset='utf-8'><title>{html.escape(pipeline.name)} comparison</title></head>"
            f"<body><h1>{html.escape(pipeline.name)}: baseline vs model over {len(markets)} markets (out of sample "
            f"{pipeline.evaluation.start} .. {pipeline.evaluation.end})</h1>{_html_table(rows, headers)}"
            f"<p>{html.escape(POOLING_NOTE)}</p><h2>Per market</h2><ul>{links}</ul></body></html>")
    json_path, html_path = _write(out, "comparison", payload, page)
    md = ("| market | run | " + " | ".join(POOLED_COMPARED) + " |\n|" + "---|" * len(headers) + "\n"
          + "\n".join("| " + " | ".join(_fmt(c) for c in r) + " |" for r in rows) + f"\n\n{POOLING_NOTE}")
    return {"json": json_path, "html": html_path, "markdown": md, "deltas": deltas, "pooled": pooled,
            "markets": {m: {k: per_market[m][k] for k in ("html", "json", "deltas")} for m in markets}}
