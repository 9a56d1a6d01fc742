#!/usr/bin/env python
"""The minute engine's own speed, no comparison. Run by hand: ``.venv/bin/python bench/bench_engine.py [CASE ...]``.

- each parity case: best wall and CPU time;
- the skip kernel's scan rate, and a year held on a daily route with far stops;
- cold start: a fresh ``python -c`` importing the package and running EmaCrossSLTP, with peak RSS;
- one year of synthetic 1m candles with EmaCrossSLTP.

Against Jesse 3.5.3, run live in the same run (warm and cold, every case): ``bench/bench_vs_jesse.py``.
Each measurement is warmed once (numba's cache, imports), then the best of ``--repeat`` is reported.
Needs ``../shared`` (the parity kit and the real candles). The machine is shared: quote ``uptime`` with it.
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


def _timed(fn, repeat: int) -> tuple[float, float, object]:
    """Best wall and best CPU seconds of ``repeat`` calls (after one warm-up call), and the last result."""
    out = fn()
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu, out


def bench_cases(names: list[str], repeat: int) -> None:
    """Each parity case: our best wall / CPU time (Jesse beside us: ``bench_vs_jesse.py``)."""
    from jesse_dag.engine import run_backtest

    cases = json.loads((SHARED / "parity" / "cases.json").read_text())
    print(f"{'case':22s} {'trades':>6s} {'wall s':>8s} {'cpu s':>8s}")
    for case in cases:
        if names and case["name"] not in names:
            continue
        args = case_inputs(case)
        wall, cpu, run = _timed(lambda: run_backtest(*args), repeat)
        print(f"{case['name']:22s} {len(run.result['trades']):6d} {wall:8.3f} {cpu:8.3f}", flush=True)


def bench_scan(repeat: int) -> None:
    """The skip kernel alone on one year of 1m blocks (far-away orders, nothing fills), and a whole
    backtest that holds one position for a year with far stops on a daily route."""
    from jesse_dag.candles.synthetic import synthetic_market
    from jesse_dag.engine import run_backtest
    from jesse_dag.engine.kernels import first_reached_block
    from jesse_dag.strategies import Strategy

    candles = synthetic_market(days=365, seed=1)
    n = len(candles)
    high, low, close = candles[:, 3].copy(), candles[:, 4].copy(), candles[:, 2]
    prev = np.concatenate([[np.nan], close[:-1]])
    lo_any, hi_any = np.fmin(low, prev), np.fmax(high, prev)
    prices = np.array([close[0] * 10, close[0] / 10])  # a take-profit far above, a stop far below
    kinds = np.array([1, -1])
    first_reached_block(lo_any[:10], hi_any[:10], low[:10], high[:10], prices, kinds, np.nan, 0, 10)
    wall, cpu, hit = _timed(lambda: first_reached_block(lo_any, hi_any, low, high, prices, kinds, np.nan, 0, n),
                            max(repeat, 5))
    print(f"kernel scan: {n:,} 1m candles in {wall * 1e3:.2f} ms = {n / wall / 1e6:.0f} M candles/s "
          f"(hit={hit}, nothing filled)")

    class HoldWithFarStops(Strategy):
        def should_long(self):
            return self.index == 0

        def go_long(self):
            self.buy = 0.1, self.price
            self.stop_loss = 0.1, self.price / 10
            self.take_profit = 0.1, self.price * 10

    config = {"starting_balance": 10_000, "fee": 0.0004, "type": "futures", "futures_leverage": 1,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0}
    routes = [{"exchange": "Sandbox", "strategy": HoldWithFarStops, "symbol": "BTC-USDT", "timeframe": "1D"}]
    data = {"Sandbox-BTC-USDT": {"candles": candles}}
    wall, cpu, run = _timed(lambda: run_backtest(config, routes, [], data), repeat)
    print(f"daily route, position held a year, far stops: {n:,} 1m candles in {wall * 1e3:.1f} ms wall / "
          f"{cpu * 1e3:.1f} ms cpu (whole backtest: checks, aggregation, loop) = {n / wall / 1e6:.0f} M candles/s")


COLD_START = """
import resource, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {bench!r})
from bench_engine import case_inputs, SHARED
import json
from jesse_dag.engine import run_backtest
case = [c for c in json.loads((SHARED / "parity" / "cases.json").read_text()) if c["name"] == "EmaCrossSLTP"][0]
run = run_backtest(*case_inputs(case))
dt = time.perf_counter() - t0
print(len(run.result["trades"]), dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def bench_cold(repeat: int) -> None:
    """A fresh interpreter importing the package and running the 91-day EmaCrossSLTP case (numba cache warm)."""
    import subprocess

    code = COLD_START.format(bench=str(ROOT / "bench"))
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)  # warm numba's disk cache
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
        total = time.perf_counter() - t0
        trades, inside, peak_mb = out.stdout.split()
        if best is None or total < best[0]:
            best = (total, float(inside), float(peak_mb), int(trades))
    print(f"cold start: {best[0]:.2f} s for a fresh `python -c` (imports + data load + backtest {best[1]:.2f} s "
          f"inside), {best[3]} trades, peak RSS {best[2]:.0f} MB")


def bench_year(repeat: int) -> None:
    """One year of synthetic 1m candles, the 15m EMA cross with SL/TP (EmaCrossSLTP); Jesse on the same
    candles, run beside us: ``bench_vs_jesse.py``."""
    from jesse_dag.candles.synthetic import synthetic_market
    from jesse_dag.engine import run_backtest

    candles = synthetic_market(days=365, seed=7)
    warm_bars = 210
    split = warm_bars * 15
    config = {"starting_balance": 10_000, "fee": 0.0004, "type": "futures", "futures_leverage": 2,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": warm_bars}
    routes = [{"exchange": "Sandbox", "strategy": load_case_strategy("EmaCrossSLTP"), "symbol": "BTC-USDT",
               "timeframe": "15m"}]
    key = "Sandbox-BTC-USDT"
    args = (config, routes, [], {key: {"candles": candles[split:]}}, {key: {"candles": candles[:split]}})
    wall, cpu, run = _timed(lambda: run_backtest(*args), repeat)
    print(f"1 year synthetic ({len(candles) - split:,} traded 1m candles), EmaCrossSLTP: "
          f"{len(run.result['trades'])} trades, ours {wall:.3f} s wall / {cpu:.3f} s cpu", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", nargs="*")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-cases", action="store_true")
    ap.add_argument("--no-scan", action="store_true")
    ap.add_argument("--no-cold", action="store_true")
    ap.add_argument("--no-year", action="store_true")
    a = ap.parse_args()
    if not a.no_cases:
        bench_cases(a.cases, a.repeat)
    if not a.no_scan:
        bench_scan(a.repeat)
    if not a.no_cold:
        bench_cold(a.repeat)
    if not a.no_year:
        bench_year(a.repeat)


if __name__ == "__main__":
    main()
