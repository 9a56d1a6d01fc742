#!/usr/bin/env python
"""A/B speed of two commits on the parity cases, interleaved. Run by hand:

    .venv/bin/python bench/bench_ab.py BASE_REV [CASE ...] [--rounds 3] [--repeat 5]

A case is a parity case's name, or ``EmaCrossSLTP_1y`` / ``TripleBarrierGather_1y``: that strategy on
bench_vs_jesse.py's synthetic year (365 days of 1m candles, seed 7, a 15m route after 210 warm-up bars, the
same config).

The shared machine has slow phases that move a single run by up to 2x; alternating the two trees in fresh
processes, round after round, and keeping each side's best makes the *ratio* trustworthy even when the
absolute times are not. ``BASE_REV`` is checked out into a temporary clone (its own numba cache); the
other side is this working tree. Needs ``../shared`` (the parity kit and the real candles).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CASES = ["EmaCrossSLTP", "BreakoutTrailing", "ScaleOutShort", "TrendFilter4h", "SpotRsiReversion"]

# One side's timing, in a fresh interpreter whose first path entry is that side's tree.
TIMER = """
import json, sys, time
root, repeat, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
sys.path[:0] = [root, root + "/bench"]
import jesse_dag
assert jesse_dag.__file__.startswith(root), jesse_dag.__file__
from bench_engine import SHARED, case_inputs
from jesse_dag import research
cases = {c["name"]: c for c in json.loads((SHARED / "parity" / "cases.json").read_text())}
# bench_vs_jesse.py's synthetic-year cases: (leverage, fee)
YEAR = {"EmaCrossSLTP_1y": (2, 0.0004), "TripleBarrierGather_1y": (1, 0.0)}


def year_inputs(name):
    from bench_engine import load_case_strategy
    from jesse_dag.candles.synthetic import synthetic_market
    leverage, fee = YEAR[name]
    c = synthetic_market(days=365, seed=7)
    split = 210 * 15
    key = "Sandbox-BTC-USDT"
    config = {"starting_balance": 10_000, "fee": fee, "type": "futures", "futures_leverage": leverage,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 210}
    routes = [{"exchange": "Sandbox", "strategy": load_case_strategy(name[:-3]), "symbol": "BTC-USDT",
               "timeframe": "15m"}]
    return config, routes, [], {key: {"candles": c[split:]}}, {key: {"candles": c[:split]}}


out = {}
for name in names:
    config, routes, data_routes, candles, warmup = year_inputs(name) if name in YEAR else case_inputs(cases[name])
    # fast_mode=True, as Jesse's stored seconds and bench_engine.py (research.backtest defaults to False)
    run = lambda: research.backtest(config, routes, data_routes, candles=candles, warmup_candles=warmup,
                                    fast_mode=True)
    run()  # imports, numba cache
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
    out[name] = best
print(json.dumps(out))
"""


def _time_side(tree: Path, repeat: int, cases: list[str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", TIMER, str(tree), str(repeat), *cases], check=True,
                         capture_output=True, text=True, cwd=tempfile.gettempdir())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", help="the commit to compare against (e.g. HEAD~3)")
    ap.add_argument("cases", nargs="*", default=DEFAULT_CASES)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base_tree = Path(tmp) / "base"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(base_tree)], check=True)
        subprocess.run(["git", "-C", str(base_tree), "checkout", "-q", a.base], check=True)
        (base_tree.parent / "shared").symlink_to(ROOT.parent / "shared")  # bench_engine reads ../shared
        best: dict[str, dict[str, float]] = {}
        for _ in range(a.rounds):
            for side, tree in (("base", base_tree), ("this", ROOT)):
                for name, seconds in _time_side(tree, a.repeat, a.cases).items():
                    best.setdefault(name, {})[side] = min(best.get(name, {}).get(side, float("inf")), seconds)
    print(f"{'case':22s} {'base ms':>9s} {'this ms':>9s} {'this/base':>10s}   (base = {a.base})")
    for name, d in best.items():
        print(f"{name:22s} {d['base'] * 1e3:9.1f} {d['this'] * 1e3:9.1f} {d['this'] / d['base']:10.3f}")


if __name__ == "__main__":
    main()
