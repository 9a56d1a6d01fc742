#!/usr/bin/env python3
"""Run one case of tests/parity_cases/cases.json through the reference Jesse engine; write its JSON.

A modified copy of ../shared/parity/jesse_oracle.py (same candle loading, warm-up split, config and
output shape). What it adds: the case is read from cases.json, so one case may have several routes
(``routes``: more symbols, each from its own candle file with the same timestamps) and data routes of
other symbols (``extra_data_routes``), isolated margin (``leverage_mode``), a shorter span
(``minutes``), ``fast_mode``, candles of a symbol only data routes use (``data_candles``:
``[{"data", "symbol"}]``), a strategy expected to stop with an error (``expect_error``: the reference
then records the error's type and message instead of trades), gapped input (``removed_rows``:
``[start, stop]`` row ranges dropped from the loaded rows before the warm-up split, per route) and a
candle pipeline (``pipeline``: ``{"class", "kwargs"}``, the class defined in the case's strategy file,
passed as ``candles_pipeline_class`` / ``candles_pipeline_kwargs``; the cases are in
``pipeline_cases.json``). Each trade also records its ``symbol``.

Usage (with the interpreter of a virtual environment where ``pip install jesse==3.5.3`` ran):
  jesse_oracle_case.py NAME [--cases cases.json] [--data ../../../shared/data] -o OUT.json
  jesse_oracle_case.py PipelineClassFast --cases pipeline_cases.json -o reference/PipelineClassFast.json
"""
import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def remove_rows(candles, ranges):
    """The candles without the rows ``start..stop-1`` of each ``[start, stop]`` in ``ranges`` (gapped input)."""
    keep = np.ones(len(candles), dtype=bool)
    for start, stop in ranges or []:
        keep[start:stop] = False
    return candles[keep]


def load_candles(path, minutes=None, removed=None):
    raw = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    if minutes:
        raw = raw[:minutes]
    raw = remove_rows(raw, removed)
    # CSV order: timestamp, open, high, low, close, volume -> Jesse order: timestamp, open, close, high, low, volume
    return raw[:, [0, 1, 4, 2, 3, 5]].copy()


def load_strategy(path):
    spec = importlib.util.spec_from_file_location("oracle_strategy_" + os.path.basename(path)[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from jesse.strategies import Strategy
    classes = [v for v in vars(mod).values()
               if isinstance(v, type) and issubclass(v, Strategy) and v is not Strategy]
    if len(classes) != 1:
        sys.exit(f"{path}: expected exactly one Strategy subclass, found {len(classes)}")
    return classes[0], mod


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("--cases", default=os.path.join(HERE, "cases.json"))
    ap.add_argument("--strategies", default=os.path.join(HERE, "strategies"))
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data"))
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args()
    cases = {c["name"]: c for c in json.load(open(a.cases))}
    case = cases[a.name]
    data_dir, strat_dir, out_path = (os.path.abspath(p) for p in (a.data, a.strategies, a.out))
    os.chdir(tempfile.mkdtemp(prefix="jesse-oracle-"))

    import jesse.helpers as jh
    from jesse.research import backtest

    ex = "Sandbox"
    main_route = {"strategy": case.get("strategy", case["name"]), "data": case["data"], "symbol": case["symbol"],
                  "timeframe": case["timeframe"], "removed_rows": case.get("removed_rows")}
    all_routes = [main_route] + case.get("routes", [])
    split = case["warmup_bars"] * jh.timeframe_to_one_minutes(case["timeframe"])
    candles, warmup = {}, {}
    n_trade = n_warm = 0
    for r in all_routes:
        c = load_candles(os.path.join(data_dir, r["data"]), case.get("minutes"), r.get("removed_rows"))
        key = jh.key(ex, r["symbol"])
        candles[key] = {"exchange": ex, "symbol": r["symbol"], "candles": c[split:]}
        warmup[key] = {"exchange": ex, "symbol": r["symbol"], "candles": c[:split]}
        n_trade, n_warm = max(n_trade, len(c) - split), max(n_warm, split)
    for d in case.get("data_candles", []):
        # a symbol only data routes use (no route trades it): its candles are passed all the same
        c = load_candles(os.path.join(data_dir, d["data"]), case.get("minutes"))
        key = jh.key(ex, d["symbol"])
        candles[key] = {"exchange": ex, "symbol": d["symbol"], "candles": c[split:]}
        warmup[key] = {"exchange": ex, "symbol": d["symbol"], "candles": c[:split]}
    config = {
        "starting_balance": case.get("balance", 10_000), "fee": case["fee"], "type": case["type"],
        "futures_leverage": case["leverage"], "futures_leverage_mode": case.get("leverage_mode", "cross"),
        "exchange": ex, "warm_up_candles": case["warmup_bars"],
    }
    modules = [load_strategy(os.path.join(strat_dir, r["strategy"] + ".py")) for r in all_routes]
    routes = [{"exchange": ex, "strategy": cls, "symbol": r["symbol"], "timeframe": r["timeframe"]}
              for r, (cls, _) in zip(all_routes, modules)]
    pipeline = case.get("pipeline") or {}
    pipeline_class = getattr(modules[0][1], pipeline["class"]) if pipeline else None
    data_routes = [{"exchange": ex, "symbol": case["symbol"], "timeframe": tf} for tf in case.get("data_routes", [])]
    data_routes += [{"exchange": ex, **d} for d in case.get("extra_data_routes", [])]
    t0 = time.perf_counter()
    try:
        result = backtest(config, routes, data_routes, candles, warmup if split else None,
                          hyperparameters=case.get("hp"), fast_mode=case.get("fast_mode", True),
                          candles_pipeline_class=pipeline_class, candles_pipeline_kwargs=pipeline.get("kwargs"))
    except Exception as exc:
        if not case.get("expect_error"):
            raise
        # a strategy that stops with an error: the reference is the error (type, message), no trades
        out = {"engine": "jesse", "case": case, "error": {"type": type(exc).__name__, "message": str(exc)},
               "trades": [], "metrics": {}}
        with open(out_path, "w") as fh:
            json.dump(out, fh, indent=1, default=float)
        print(f"{a.name}: {type(exc).__name__}: {exc} -> {out_path}")
        return
    seconds = time.perf_counter() - t0
    keep = ("type", "entry_price", "exit_price", "qty", "opened_at", "closed_at", "fee", "PNL", "PNL_percentage",
            "symbol")
    trades = [{k: t[k] for k in keep} for t in result["trades"]]
    out = {"engine": "jesse", "case": case, "seconds": seconds, "candles": int(n_trade), "warmup": int(n_warm),
           "trades": trades, "metrics": result["metrics"]}
    with open(out_path, "w") as fh:
        json.dump(out, fh, indent=1, default=float)
    print(f"{a.name}: {len(trades)} trades, {seconds:.3f} s -> {out_path}")


if __name__ == "__main__":
    main()
