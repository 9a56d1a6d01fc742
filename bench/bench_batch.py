#!/usr/bin/env python3
"""Batch backtests: serial, joblib on 2 cores, and Jesse 3.5.3 running them one after another, in one run.

The case: EmaCrossSLTP of the parity cases (91 days of Binance BTC-USDT 1m, 15m bars, 210 warm-up bars,
futures, leverage 2, fee 0.0004, config as ``parity/jesse_oracle.py`` builds it), with its stop and target ATR
multipliers as hyperparameters (``tests/optimize_strategies/strategies.py::EmaCrossHP``), on a 16 × 16 grid.

* serial: ``run_batch(n_jobs=1)`` in this process, after one warm-up backtest (numba compiled, cached).
* joblib: ``run_batch(n_jobs=2, backend='loky')``, worker start-up included (fresh workers).
* Jesse: ``$JESSE_VENV/bin/python`` (default ``../.jesse-venv``) running ``jesse.research.backtest`` in a loop
  in one process on the first ``--jesse-subset`` variations, after one untimed warm-up backtest as ours; its
  per-backtest time is extrapolated linearly to all variations.
* per core: Jesse's loop runs on one core; ours serial on one, joblib on ``n_jobs`` (its time x n_jobs a core).

Usage: .venv/bin/python bench/bench_batch.py [--variations 256] [--jesse-subset 16] [--jesse PYTHON] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import DATA_DIR, PARITY_DIR  # noqa: E402

EX, SYM = "Sandbox", "BTC-USDT"
KEY = f"{EX}-{SYM}"
CONFIG = {"starting_balance": 10_000, "fee": 0.0004, "type": "futures", "futures_leverage": 2,
          "futures_leverage_mode": "cross", "exchange": EX, "warm_up_candles": 210}

JESSE_LOOP = r'''
import importlib.util, json, os, sys, tempfile, time
import numpy as np
strategy_path, candles_path, variations_path, out_path = sys.argv[1:5]
os.chdir(tempfile.mkdtemp(prefix="jesse-bench-"))
from jesse.research import backtest
spec = importlib.util.spec_from_file_location("bench_strategy", strategy_path)
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
c = np.load(candles_path)
warm, trade = c[:210 * 15], c[210 * 15:]
config = json.loads(sys.argv[5])
key = "Sandbox-BTC-USDT"
variations = json.load(open(variations_path))
routes = [{"exchange": "Sandbox", "strategy": mod.EmaCrossHP, "symbol": "BTC-USDT", "timeframe": "15m"}]
backtest(config, routes, [], {key: {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": trade}},
         {key: {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": warm}}, fast_mode=True)  # warm-up, untimed
t0 = time.perf_counter()
nets = []
for hp in variations:
    r = backtest(config, routes, [], {key: {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": trade}},
                 {key: {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": warm}}, hyperparameters=hp,
                 fast_mode=True)
    nets.append(r["metrics"].get("net_profit"))
json.dump({"seconds": time.perf_counter() - t0, "net_profit": nets}, open(out_path, "w"))
'''


def load_candles() -> np.ndarray:
    raw = np.loadtxt(DATA_DIR / "binance_BTCUSDT_1m.csv", delimiter=",", skiprows=1, dtype=np.float64)
    return raw[:, [0, 1, 4, 2, 3, 5]].copy()


def grid(n: int) -> list[dict]:
    side = int(np.ceil(np.sqrt(n)))
    out = [{"sl_atr": round(1.0 + 0.2 * i, 2), "tp_atr": round(1.5 + 0.25 * j, 2)}
           for i in range(side) for j in range(side)]
    return out[:n]


def jesse_strategy_source() -> str:
    src = (ROOT / "tests" / "optimize_strategies" / "strategies.py").read_text()
    start = src.index("class EmaCrossHP")
    end = src.index("class Exploding")
    header = "from jesse.strategies import Strategy\nimport jesse.indicators as ta\nfrom jesse import utils\n\n\n"
    return header + src[start:end]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--variations", type=int, default=256)
    ap.add_argument("--jesse-subset", type=int, default=16)
    ap.add_argument("--jesse", default=str(Path(os.environ.get("JESSE_VENV") or ROOT.parent / ".jesse-venv")
                                           / "bin" / "python"))
    ap.add_argument("--quick", action="store_true", help="16 variations, Jesse on 4")
    a = ap.parse_args()
    if a.quick:
        a.variations, a.jesse_subset = 16, 4
    print(f"start: load average {os.getloadavg()}", flush=True)

    from jesse_dag import research
    from jesse_dag.optimize import Variation, run_batch
    from tests.optimize_strategies.strategies import EmaCrossHP

    c = load_candles()
    split = 210 * 15
    candles = {KEY: {"exchange": EX, "symbol": SYM, "candles": c[split:]}}
    warm = {KEY: {"exchange": EX, "symbol": SYM, "candles": c[:split]}}
    routes = [{"exchange": EX, "strategy": EmaCrossHP, "symbol": SYM, "timeframe": "15m"}]
    hps = grid(a.variations)
    variations = [Variation(hp) for hp in hps]

    # parity check of the default (2, 3) against Jesse's stored answer for EmaCrossSLTP
    ref = json.load(open(PARITY_DIR / "reference" / "EmaCrossSLTP.json"))
    check = research.backtest(CONFIG, routes, [], candles, warm, hyperparameters={"sl_atr": 2.0, "tp_atr": 3.0},
                              fast_mode=True)
    print(f"default hp: {check['metrics']['total']} trades (Jesse reference {len(ref['trades'])}), "
          f"net profit {check['metrics']['net_profit']:.4f} (Jesse {ref['metrics']['net_profit']:.4f})")

    t0 = time.perf_counter()
    serial = run_batch(CONFIG, routes, [], candles, warm, variations, n_jobs=1)
    t_serial = time.perf_counter() - t0
    t0 = time.perf_counter()
    par = run_batch(CONFIG, routes, [], candles, warm, variations, n_jobs=2, backend="loky")
    t_par = time.perf_counter() - t0
    same = all(x["metrics"] == y["metrics"] for x, y in zip(serial, par))
    t0 = time.perf_counter()
    forked = run_batch(CONFIG, routes, [], candles, warm, variations, n_jobs=2, backend="fork")
    t_fork = time.perf_counter() - t0
    same_fork = all(x["metrics"] == y["metrics"] for x, y in zip(serial, forked))
    errors = sum(r["error"] is not None for r in serial)
    print(f"ours serial  : {len(hps)} backtests in {t_serial:8.2f} s ({t_serial / len(hps):.3f} s each), "
          f"{errors} errors")
    print(f"ours joblib 2: {len(hps)} backtests in {t_par:8.2f} s (worker start-up included); "
          f"speed-up {t_serial / t_par:.2f}x; results equal serial: {same}")
    print(f"ours fork 2  : {len(hps)} backtests in {t_fork:8.2f} s (forked workers, start-up included); "
          f"speed-up {t_serial / t_fork:.2f}x; results equal serial: {same_fork}")

    if a.jesse_subset and Path(a.jesse).exists():
        n = min(a.jesse_subset, len(hps))
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            (tmp / "strategy.py").write_text(jesse_strategy_source())
            (tmp / "loop.py").write_text(JESSE_LOOP)
            np.save(tmp / "candles.npy", c)
            json.dump(hps[:n], open(tmp / "variations.json", "w"))
            proc = subprocess.run([a.jesse, str(tmp / "loop.py"), str(tmp / "strategy.py"), str(tmp / "candles.npy"),
                                   str(tmp / "variations.json"), str(tmp / "out.json"), json.dumps(CONFIG)],
                                  capture_output=True, text=True)
            if proc.returncode:
                print("Jesse failed:", proc.stderr[-2000:])
                return
            j = json.load(open(tmp / "out.json"))
        per = j["seconds"] / n
        agree = sum(abs((x or 0) - (r["metrics"].get("net_profit") or 0)) < 1e-6
                    for x, r in zip(j["net_profit"], serial[:n]))
        total = per * len(hps)
        print(f"Jesse loop   : {n} backtests in {j['seconds']:8.2f} s ({per:.3f} s each) -> "
              f"{total:.1f} s for {len(hps)} (extrapolated linearly); net profit equal on {agree}/{n}")
        print(f"ratios       : Jesse / ours serial {total / t_serial:.2f}x, Jesse / ours joblib-2 "
              f"{total / t_par:.2f}x (2 cores against Jesse's 1)")
        print(f"per core     : Jesse {per:.3f} s a variation; ours serial {t_serial / len(hps):.3f} s -> "
              f"{per / (t_serial / len(hps)):.1f}x, ours joblib-2 {2 * t_par / len(hps):.3f} core-s -> "
              f"{per / (2 * t_par / len(hps)):.1f}x, fork-2 {2 * t_fork / len(hps):.3f} core-s -> "
              f"{per / (2 * t_fork / len(hps)):.1f}x (target 20x)")
    elif a.jesse_subset:
        print(f"Jesse's interpreter {a.jesse} is absent: set JESSE_VENV or pass --jesse")
    print(f"end: {os.cpu_count()} cores, load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
