#!/usr/bin/env python
"""Wall time of each parity case on our engine against Jesse's (the ``seconds`` in the reference files),
plus the kernel's pure-scan rate. Run by hand: ``.venv/bin/python bench/bench_engine.py [CASE ...]``.

Each case runs once to warm numba's cache and imports, then ``--repeat`` times; the best time is reported.
Needs ``../shared`` (the parity kit and the real candles).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))


def load_case_strategy(name: str):
    src = (SHARED / "parity" / "strategies" / f"{name}.py").read_text()
    src = re.sub(r"^(\s*(?:from|import)\s+)jesse\b", r"\1jesse_dag", src, flags=re.M)
    module = types.ModuleType(f"bench_{name}")
    exec(compile(src, f"{name}.py", "exec"), module.__dict__)
    return getattr(module, name)


def case_inputs(case: dict):
    from jesse_dag.candles.timeframes import timeframe_to_minutes

    raw = np.loadtxt(SHARED / "data" / case["data"], delimiter=",", skiprows=1)
    candles = raw[:, [0, 1, 4, 2, 3, 5]].copy()
    split = case["warmup_bars"] * timeframe_to_minutes(case["timeframe"])
    key = f"Sandbox-{case['symbol']}"
    config = {"starting_balance": 10_000, "fee": case["fee"], "type": case["type"],
              "futures_leverage": case["leverage"], "futures_leverage_mode": "cross", "exchange": "Sandbox",
              "warm_up_candles": case["warmup_bars"]}
    routes = [{"exchange": "Sandbox", "strategy": load_case_strategy(case["name"]), "symbol": case["symbol"],
               "timeframe": case["timeframe"]}]
    data_routes = [{"exchange": "Sandbox", "symbol": case["symbol"], "timeframe": tf}
                   for tf in case.get("data_routes", [])]
    return (config, routes, data_routes, {key: {"candles": candles[split:]}},
            {key: {"candles": candles[:split]}})


def bench_cases(names: list[str], repeat: int) -> None:
    from jesse_dag.engine import run_backtest

    cases = json.loads((SHARED / "parity" / "cases.json").read_text())
    print(f"{'case':22s} {'trades':>6s} {'ours s':>8s} {'jesse s':>8s} {'speed-up':>8s}")
    for case in cases:
        if names and case["name"] not in names:
            continue
        args = case_inputs(case)
        run_backtest(*args)  # warm-up
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            run = run_backtest(*args)
            best = min(best, time.perf_counter() - t0)
        ref = json.loads((SHARED / "parity" / "reference" / f"{case['name']}.json").read_text())
        print(f"{case['name']:22s} {len(run.result['trades']):6d} {best:8.3f} {ref['seconds']:8.3f} "
              f"{ref['seconds'] / best:7.1f}x")


def bench_scan() -> None:
    """The kernel alone: one year of 1m blocks, far-away orders, nothing fills."""
    from jesse_dag.engine.kernels import first_touched_block

    n = 50_000_000
    rng = np.random.default_rng(0)
    close = 100 + np.cumsum(rng.normal(0, 0.01, n))
    high, low = close + 0.05, close - 0.05
    prev = np.concatenate([[np.nan], close[:-1]])
    prices = np.array([1e9, -1e9])
    kinds = np.array([1, -1])
    first_touched_block(close[:10], high[:10], low[:10], prev[:10], prices, kinds, np.nan, 0, 10)
    t0 = time.perf_counter()
    hit = first_touched_block(close, high, low, prev, prices, kinds, np.nan, 0, n)
    dt = time.perf_counter() - t0
    print(f"kernel scan: {n:,} 1m candles in {dt:.3f} s = {n / dt / 1e6:.0f} M candles/s (hit={hit})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", nargs="*")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-scan", action="store_true")
    a = ap.parse_args()
    bench_cases(a.cases, a.repeat)
    if not a.no_scan:
        bench_scan()


if __name__ == "__main__":
    main()
