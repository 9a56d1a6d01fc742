#!/usr/bin/env python
"""jesse-dag against Jesse 3.5.3 run live, in one run, like with like (issue 16).

Sections, each printed as a table:

- warm: one long-lived worker per side (``bench/vs_jesse_worker.py`` under Jesse's venv and under ours),
  each case loaded in both, one warm-up call each, then alternate calls (Jesse, ours, Jesse, ...), best of
  ``--repeat``: every case of ``../shared/parity/cases.json`` (gather cases apart), the extra parity cases
  of ``tests/parity_cases/cases.json`` (short runs), a year of synthetic 1m candles (EmaCrossSLTP,
  TripleBarrierGather) and the peer's strategy (``bench/strategies/EmaCrossFixed.py``) on that year. Runs
  where Jesse takes under 0.2 s are reported apart; cases that stop with an error on either side are listed
  and not counted;
- cold: fresh processes (numba's disk cache warm), the import and the first backtest timed apart;
- peer: backtesting.py (its own venv, ``bench/requirements-bench.txt``) on the same synthetic year
  aggregated to 15m, against ours on the 1m candles;
- memory: peak resident memory (VmHWM) of one backtest of one and of four years of 1m candles, above the
  resident memory before it (candles already loaded), against the size of the candle arrays;
- batch: hyperparameter variations of EmaCrossSLTP, Jesse's loop against our ``run_batch(n_jobs=1)``, per core.

The load average is printed at the start and the end: on a loaded machine the ratios move, quote it.
Times are the backtest call alone (``research.backtest``), measured inside each worker.

Usage: .venv/bin/python bench/bench_vs_jesse.py [--quick] [--repeat 5] [--jesse PYTHON] [--peer PYTHON]
       [--only NAME ...] [--json OUT.json]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("JESSE_DAG_SHARED") or ROOT.parent / "shared")
BENCH = ROOT / "bench"
WORKER = BENCH / "vs_jesse_worker.py"
SHORT_RUN_S = 0.2  # Jesse under this: the fixed cost per run dominates, reported apart
TARGETS = {"trading": 20.0, "year": 20.0, "gather": 10.0, "short": 10.0, "extra": None, "peer": None}
EXCHANGE = "Sandbox"
YEAR_SEED = 7
WARMUP_BARS_15M = 210
MEMORY_BALANCE = 10_000_000  # the memory runs' starting balance: four years of losses never round qty to 0
# results that differ from Jesse's on purpose (tests/test_parity_trading.py says why)
KNOWN_DIFFERENCES = {"FlipOnCross": "Jesse's net profit leaves out the trades a flip opens (entry NaN, qty 0); "
                                     "deliberate, tests/test_parity_trading.py"}


def default_jesse_python() -> str:
    return str(Path(os.environ.get("JESSE_VENV") or ROOT.parent / ".jesse-venv") / "bin" / "python")


def load_avg() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


# ---------------------------------------------------------------------------------------------------
# case specs: everything a worker needs, candles as .npy in Jesse's column order


class Specs:
    """Writes candle arrays once into ``tmp`` and builds worker specs from parity-case dicts."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self._csv: dict[str, np.ndarray] = {}
        self._npy: dict[str, str] = {}

    def csv(self, name: str) -> np.ndarray:
        if name not in self._csv:
            raw = np.loadtxt(SHARED / "data" / name, delimiter=",", skiprows=1, dtype=np.float64)
            self._csv[name] = raw[:, [0, 1, 4, 2, 3, 5]].copy()  # CSV t,o,h,l,c,v -> Jesse's t,o,c,h,l,v
        return self._csv[name]

    def save(self, key: str, candles: np.ndarray) -> str:
        if key not in self._npy:
            path = self.tmp / f"candles_{len(self._npy)}.npy"
            np.save(path, np.ascontiguousarray(candles))
            self._npy[key] = str(path)
        return self._npy[key]

    def file_candles(self, name: str, minutes: int | None, removed: list | None) -> str:
        key = json.dumps([name, minutes, removed])
        if key not in self._npy:
            c = self.csv(name)
            c = c[:minutes] if minutes else c
            if removed:
                keep = np.ones(len(c), dtype=bool)
                for start, stop in removed:
                    keep[start:stop] = False
                c = c[keep]
            self.save(key, c)
        return self._npy[key]

    def from_case(self, case: dict, strategies_dir: Path, group: str) -> dict:
        """A worker spec from a case of ``cases.json`` (the shared or the extra format)."""
        from jesse_dag.candles.timeframes import timeframe_to_minutes

        split = case["warmup_bars"] * timeframe_to_minutes(case["timeframe"])
        main = {"strategy": case.get("strategy", case["name"]), "data": case["data"], "symbol": case["symbol"],
                "timeframe": case["timeframe"], "removed_rows": case.get("removed_rows")}
        routes = [{"strategy_file": str(strategies_dir / f"{r['strategy']}.py"), "symbol": r["symbol"],
                   "timeframe": r["timeframe"], "split": split,
                   "candles": self.file_candles(r["data"], case.get("minutes"), r.get("removed_rows"))}
                  for r in [main] + case.get("routes", [])]
        data_routes = [{"symbol": case["symbol"], "timeframe": tf} for tf in case.get("data_routes", [])]
        data_routes += list(case.get("extra_data_routes", []))
        # symbols only data routes read (no route trades them): their candles are passed all the same
        data_candles = [{"symbol": d["symbol"], "split": split,
                         "candles": self.file_candles(d["data"], case.get("minutes"), None)}
                        for d in case.get("data_candles", [])]
        return {"name": case["name"], "group": group, "config": case_config(case), "routes": routes,
                "data_routes": data_routes, "data_candles": data_candles, "hp": case.get("hp"),
                "fast_mode": case.get("fast_mode", True)}

    def synthetic(self, name: str, strategy_file: Path, days: int, seed: int = YEAR_SEED, group: str = "year",
                  leverage: float = 2, fee: float = 0.0004, balance: float = 10_000) -> dict:
        """EmaCross-style 15m route on ``days`` of synthetic 1m candles, 210 warm-up bars."""
        path = self.save(f"synthetic-{days}-{seed}", synthetic_candles(days, seed))
        case = {"fee": fee, "type": "futures", "leverage": leverage, "warmup_bars": WARMUP_BARS_15M,
                "balance": balance}
        return {"name": name, "group": group, "config": case_config(case), "data_routes": [], "hp": None,
                "fast_mode": True,
                "routes": [{"strategy_file": str(strategy_file), "symbol": "BTC-USDT", "timeframe": "15m",
                            "split": WARMUP_BARS_15M * 15, "candles": path}]}


def synthetic_candles(days: int, seed: int = YEAR_SEED) -> np.ndarray:
    from jesse_dag.candles.synthetic import synthetic_market

    return synthetic_market(days=days, seed=seed)


def case_config(case: dict) -> dict:
    """The config ``jesse_oracle.py`` builds for a case."""
    return {"starting_balance": case.get("balance", 10_000), "fee": case["fee"], "type": case["type"],
            "futures_leverage": case["leverage"], "futures_leverage_mode": case.get("leverage_mode", "cross"),
            "exchange": EXCHANGE, "warm_up_candles": case["warmup_bars"]}


def write_spec(tmp: Path, spec: dict) -> str:
    path = tmp / f"spec_{spec['name']}.json"
    path.write_text(json.dumps(spec))
    return str(path)


# ---------------------------------------------------------------------------------------------------
# workers


def worker_env(engine: str) -> dict:
    env = dict(os.environ)
    if engine == "ours":
        env["PYTHONPATH"] = str(ROOT)  # this checkout's jesse_dag
    else:
        env.pop("PYTHONPATH", None)
    return env


class Worker:
    """A long-lived ``vs_jesse_worker.py --serve`` process: one JSON request, one JSON answer."""

    def __init__(self, engine: str, python: str):
        self.engine = engine
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([python, str(WORKER), "--engine", engine, "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=worker_env(engine))
        self._answer()

    def _answer(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self.stderr.seek(0)
            tail = self.stderr.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"the {self.engine} worker exited (code {self.proc.poll()}):\n{tail}")
        return json.loads(line)

    def call(self, **request) -> dict:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return self._answer()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write(json.dumps({"op": "exit"}) + "\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=60)


def time_case(jesse: Worker, ours: Worker, spec: dict, repeat: int) -> dict:
    """Load ``spec`` in both workers, one warm-up call each, then ``repeat`` alternate calls; best of each."""
    row = {"name": spec["name"], "group": spec["group"]}
    for w in (jesse, ours):
        answer = w.call(op="load", id=spec["name"], spec=spec)
        if answer["error"]:
            row[f"{w.engine}_error"] = answer["error"]
    runs: dict[str, list[dict]] = {"jesse": [], "ours": []}
    for i in range(1 + repeat):
        for w in (jesse, ours):
            if any(key.endswith("_error") for key in row):
                break  # a case that stops with an error on either side is not counted: no need to time it
            answer = w.call(op="run", id=spec["name"])
            if answer["error"]:
                row[f"{w.engine}_error"] = answer["error"]
            elif i:  # the first call of each side is its warm-up
                runs[w.engine].append(answer)
            else:
                row[f"{w.engine}_first_s"] = answer["seconds"]
    for w in (jesse, ours):
        w.call(op="drop", id=spec["name"])
        if runs[w.engine]:
            row[f"{w.engine}_s"] = min(r["seconds"] for r in runs[w.engine])
            row[f"{w.engine}_trades"] = runs[w.engine][-1]["trades"]
            row[f"{w.engine}_net_profit"] = runs[w.engine][-1]["net_profit"]
            row[f"{w.engine}_wallet_change"] = runs[w.engine][-1].get("wallet_change")
    if "jesse_s" in row and "ours_s" in row:
        row["ratio"] = row["jesse_s"] / row["ours_s"]
        if row["group"] in ("trading", "extra") and row["jesse_s"] < SHORT_RUN_S:
            row["group"] = "short"
    return row


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def print_warm(rows: list[dict]) -> None:
    order = ["trading", "year", "gather", "short", "extra", "peer"]
    titles = {"trading": "parity trading cases", "year": "one year of synthetic 1m candles",
              "gather": "gather cases (features every bar)", "short": f"short runs (Jesse < {SHORT_RUN_S} s)",
              "extra": "extra parity cases (tests/parity_cases, 14-62 days; no target)",
              "peer": "the peer's strategy (EmaCrossFixed) on the synthetic year"}
    print("\n== warm: best of the alternate calls (backtest call alone) ==")
    print(f"{'case':<26} {'Jesse s':>8} {'ours s':>8} {'ratio':>7} {'trades J/ours':>14}  target")
    for group in order:
        members = [r for r in rows if r["group"] == group and "ratio" in r]
        if not members:
            continue
        print(f"-- {titles[group]}")
        target = TARGETS[group]
        for r in members:
            same = "" if r["jesse_trades"] == r["ours_trades"] else "  (trade counts differ)"
            jp, op = r["jesse_net_profit"], r["ours_net_profit"]
            if jp is not None and op is not None and abs(jp - op) > 1e-6 * max(1.0, abs(jp)):
                why = KNOWN_DIFFERENCES.get(r["name"], "")
                jw, ow = r.get("jesse_wallet_change"), r.get("ours_wallet_change")
                if jw is not None and ow is not None and abs(jw - ow) <= 1e-6 * max(1.0, abs(jw)):
                    why = f"wallet change equal ({jw:.4f}){'; ' + why if why else ''}"
                same += f"  (net profit differs: {jp:.4f} / {op:.4f}{'; ' + why if why else ''})"
            verdict = "" if target is None else ("met" if r["ratio"] >= target else f"NOT met (>= {target:.0f}x)")
            print(f"{r['name']:<26} {r['jesse_s']:8.3f} {r['ours_s']:8.3f} {r['ratio']:6.1f}x "
                  f"{r['jesse_trades']:>6}/{r['ours_trades']:<7}  {verdict}{same}")
        ratios = [r["ratio"] for r in members]
        print(f"   {len(members)} cases: min {min(ratios):.1f}x, geometric mean {geomean(ratios):.1f}x")
    failed = [r for r in rows if "ratio" not in r]
    if failed:
        print("-- not counted (stopped with an error)")
        for r in failed:
            err = r.get("jesse_error") and f"Jesse: {r['jesse_error']}" or f"ours: {r.get('ours_error')}"
            print(f"{r['name']:<26} {err[:110]}")


# ---------------------------------------------------------------------------------------------------
# cold, peer, memory, batch


def run_once(cmd: list[str], env: dict) -> tuple[float, dict]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed:\n{proc.stderr[-2000:]}")
    return wall, json.loads(proc.stdout.strip().splitlines()[-1])


def bench_cold(pythons: dict[str, str], spec_path: str, repeat: int) -> dict:
    """Fresh processes, interleaved, best of ``repeat`` each after one untimed run (disk and numba caches)."""
    best: dict[str, dict] = {}
    for i in range(1 + repeat):
        for engine, python in pythons.items():
            wall, out = run_once([python, str(WORKER), "--engine", engine, "--cold", spec_path], worker_env(engine))
            if out.get("error"):
                raise RuntimeError(f"cold {engine}: {out['error']}")
            out["process_s"] = wall
            if i and (engine not in best or wall < best[engine]["process_s"]):
                best[engine] = out
    print("\n== cold: a fresh process, numba cache warm (best of {} by process wall) ==".format(repeat))
    print(f"{'side':<6} {'import s':>9} {'first backtest s':>17} {'import+first s':>15} {'process s':>10}")
    for engine, out in best.items():
        print(f"{engine:<6} {out['import_s']:9.3f} {out['seconds']:17.3f} {out['import_s'] + out['seconds']:15.3f} "
              f"{out['process_s']:10.3f}")
    if len(best) == 2:
        j, o = best["jesse"], best["ours"]
        first = j["seconds"] / o["seconds"]
        both = (j["import_s"] + j["seconds"]) / (o["import_s"] + o["seconds"])
        print(f"ratio Jesse/ours: first backtest {first:.1f}x ({'met' if first >= 3 else 'NOT met'}, target 3x), "
              f"import+first {both:.1f}x ({'met' if both >= 3 else 'NOT met'}, target 3x), "
              f"process {j['process_s'] / o['process_s']:.1f}x")
    return best


def bench_peer(peer_python: str | None, year_1m: np.ndarray, tmp: Path, repeat: int, ours_row: dict | None) -> dict:
    """backtesting.py on the synthetic year aggregated to 15m, against ours (warm section) on the 1m candles."""
    from jesse_dag.candles.aggregate import group_by_count

    print("\n== peer: backtesting.py, bar-level fills on 15m bars, against ours simulating every minute ==")
    if not peer_python or not Path(peer_python).exists():
        print(f"skipped: no peer interpreter ({peer_python}); see bench/requirements-bench.txt")
        return {}
    bars = group_by_count(year_1m, 15)  # the synthetic year starts at midnight: count = clock alignment
    path = tmp / "year_15m.npy"
    np.save(path, bars)
    wall, out = run_once([peer_python, str(BENCH / "peer_backtesting.py"), str(path), "--repeat", str(repeat)],
                         dict(os.environ))
    print(f"backtesting.py {out['version']}: {out['bars']:,} 15m bars, best {out['seconds']:.3f} s "
          f"(first run {out['first_s']:.3f} s), {out['trades']} trades")
    if ours_row and "ours_s" in ours_row:
        ratio = out["seconds"] / ours_row["ours_s"]
        print(f"ours EmaCrossFixed: {len(year_1m):,} 1m candles, best {ours_row['ours_s']:.3f} s, "
              f"{ours_row['ours_trades']} trades -> backtesting.py / ours {ratio:.2f}x "
              f"({'faster' if ratio > 1 else 'NOT faster'}); Jesse {ours_row.get('jesse_s', float('nan')):.3f} s")
        out["ours_s"], out["ratio"] = ours_row["ours_s"], ratio
    return out


def bench_memory(pythons: dict[str, str], specs: Specs, tmp: Path, quick: bool) -> list[dict]:
    """Peak RSS of one backtest of 1 and 4 years of synthetic 1m candles, each in a fresh process."""
    strategy = SHARED / "parity" / "strategies" / "EmaCrossSLTP.py"
    warm_spec = write_spec(tmp, specs.synthetic("mem_warm", strategy, days=10, seed=3))
    rows = []
    print("\n== memory: one backtest in a fresh process (after a 10-day warm-up run), VmHWM ==")
    print(f"{'side':<6} {'years':>5} {'1m rows':>10} {'candles MiB':>12} {'RSS before':>11} {'peak':>8} "
          f"{'peak-before':>12} {'(peak-before)/candles':>22} {'run s':>7}")
    for years in (1, 4):
        # EmaCrossSLTP loses most of 10,000 within a year, and its qty rounds to 0 in the fourth (both sides
        # stop there): 10 million keeps it trading to the last candle (the same trades, the memory unchanged)
        spec = specs.synthetic(f"mem_{years}y", strategy, days=365 * years + (1 if years == 4 else 0),
                               balance=MEMORY_BALANCE)
        path = write_spec(tmp, spec)
        rows_1m = len(np.load(spec["routes"][0]["candles"], mmap_mode="r"))
        for engine, python in pythons.items():
            if engine == "jesse" and quick and years == 4:
                continue
            _, out = run_once([python, str(WORKER), "--engine", engine, "--memory", path, "--warm-spec", warm_spec],
                              worker_env(engine))
            extra = out["hwm_mib"] - out["rss_before_mib"]
            out.update(engine=engine, years=years, rows=rows_1m, extra_mib=extra)
            rows.append(out)
            note = "" if out["hwm_reset"] else " (VmHWM not reset: includes the warm-up)"
            print(f"{engine:<6} {years:>5} {rows_1m:>10,} {out['candle_mib']:12.1f} {out['rss_before_mib']:11.1f} "
                  f"{out['hwm_mib']:8.1f} {extra:12.1f} {extra / out['candle_mib']:21.2f}x {out['seconds']:7.2f}{note}")
    print("(RSS before = interpreter, libraries, kernels and the candles already loaded once)")
    for engine in pythons:
        one, four = ([r for r in rows if r["engine"] == engine and r["years"] == y] for y in (1, 4))
        if one and four:
            # what each further MiB of candles costs at the peak: the candles themselves (1) + the run's extra
            slope = 1 + (four[0]["extra_mib"] - one[0]["extra_mib"]) / (four[0]["candle_mib"] - one[0]["candle_mib"])
            const = one[0]["hwm_mib"] - slope * one[0]["candle_mib"]
            print(f"{engine}: peak ~ {slope:.2f} x candles + {const:.0f} MiB "
                  f"({'met' if slope <= 2 else 'NOT met'}, target at most 2x the candle arrays plus a constant)")
    return rows


def bench_batch_per_core(jesse: Worker, ours: Worker, specs: Specs, tmp: Path, n: int) -> dict:
    """``n`` hyperparameter variations of EmaCrossSLTP (91 days), one core each side, warm workers."""
    sys.path.insert(0, str(BENCH))
    from bench_batch import grid, jesse_strategy_source

    strategy = tmp / "EmaCrossHP.py"
    strategy.write_text(jesse_strategy_source())
    case = next(c for c in json.loads((SHARED / "parity" / "cases.json").read_text()) if c["name"] == "EmaCrossSLTP")
    spec = specs.from_case({**case, "strategy": "EmaCrossHP", "name": "EmaCrossHP"}, tmp, "batch")
    variations = grid(n)
    out = {}
    for w in (jesse, ours):
        w.call(op="load", id="batch", spec=spec)
        w.call(op="run", id="batch")  # warm-up
    for w in (jesse, ours):
        out[w.engine] = w.call(op="batch", id="batch", variations=variations)
        w.call(op="drop", id="batch")
    j, o = out["jesse"], out["ours"]
    agree = sum(x is not None and y is not None and abs(x - y) <= 1e-6 * max(1.0, abs(x))
                for x, y in zip(j["net_profit"], o["net_profit"]))
    ratio = j["seconds"] / o["seconds"]
    print(f"\n== batch: {n} hyperparameter variations of EmaCrossSLTP (91 days), one core each ==")
    print(f"Jesse loop {j['seconds']:.2f} s ({j['seconds'] / n:.3f} s each), ours run_batch(n_jobs=1) "
          f"{o['seconds']:.2f} s ({o['seconds'] / n:.3f} s each) -> per core {ratio:.1f}x "
          f"({'met' if ratio >= 20 else 'NOT met'}, target 20x); net profit equal on {agree}/{n}")
    return {"jesse_s": j["seconds"], "ours_s": o["seconds"], "n": n, "ratio": ratio, "agree": agree}


# ---------------------------------------------------------------------------------------------------


def warm_specs(specs: Specs, only: list[str], extra: bool, quick: bool = False) -> list[dict]:
    out = []
    for case in json.loads((SHARED / "parity" / "cases.json").read_text()):
        out.append(specs.from_case(case, SHARED / "parity" / "strategies", "gather" if case.get("gather") else "trading"))
    if extra:
        cases_dir = ROOT / "tests" / "parity_cases"
        for case in json.loads((cases_dir / "cases.json").read_text()):
            if case["source"] == "extra" and (not quick or case.get("minutes", 0) <= 20_000):
                out.append(specs.from_case(case, cases_dir / "strategies", "extra"))
    strategies = SHARED / "parity" / "strategies"
    out.append(specs.synthetic("EmaCrossSLTP 1y synthetic", strategies / "EmaCrossSLTP.py", 365))
    out.append(specs.synthetic("TripleBarrierGather 1y syn", strategies / "TripleBarrierGather.py", 365,
                               group="gather", leverage=1, fee=0.0))
    out.append(specs.synthetic("EmaCrossFixed 1y synthetic", BENCH / "strategies" / "EmaCrossFixed.py", 365,
                               group="peer"))
    return [s for s in out if not only or any(o in s["name"] for o in only)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 alternate call a case, 1 cold run, 4 variations, only "
                                                          "the shortest extra cases, no Jesse 4-year memory run")
    ap.add_argument("--repeat", type=int, help="alternate calls a case after the warm-up (default 5, quick 1)")
    ap.add_argument("--cold-repeat", type=int, help="fresh processes a side (default 3, quick 1)")
    ap.add_argument("--variations", type=int, help="batch variations (default 16, quick 4)")
    ap.add_argument("--jesse", default=default_jesse_python(), help="Jesse 3.5.3's interpreter ($JESSE_VENV)")
    ap.add_argument("--peer", default=str(BENCH / ".venv-peer" / "bin" / "python"),
                    help="the interpreter with backtesting.py (bench/requirements-bench.txt)")
    ap.add_argument("--only", nargs="*", default=[], help="warm cases whose name contains one of these")
    ap.add_argument("--no-extra", action="store_true", help="leave out tests/parity_cases' extra cases")
    ap.add_argument("--skip", nargs="*", default=[], choices=["warm", "cold", "peer", "memory", "batch"])
    ap.add_argument("--json", help="also write every measurement here")
    a = ap.parse_args()
    repeat = a.repeat or (1 if a.quick else 5)
    cold_repeat = a.cold_repeat or (1 if a.quick else 3)
    variations = a.variations or (4 if a.quick else 16)
    if not Path(a.jesse).exists():
        sys.exit(f"Jesse's interpreter {a.jesse} is absent: set JESSE_VENV or pass --jesse")
    pythons = {"jesse": a.jesse, "ours": sys.executable}
    report: dict = {"load_start": load_avg(), "repeat": repeat, "quick": a.quick}
    print(f"start: {report['load_start']}  ({os.cpu_count()} cores; repeat {repeat}, cold {cold_repeat}, "
          f"variations {variations})", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-vs-jesse-") as tmp_name:
        tmp = Path(tmp_name)
        specs = Specs(tmp)
        jesse, ours = Worker("jesse", a.jesse), Worker("ours", sys.executable)
        try:
            rows = []
            if "warm" not in a.skip:
                for spec in warm_specs(specs, a.only, extra=not a.no_extra, quick=a.quick):
                    rows.append(time_case(jesse, ours, spec, repeat))
                    r = rows[-1]
                    status = f"{r['ratio']:.1f}x" if "ratio" in r else "error"
                    print(f"  {r['name']:<26} {r.get('jesse_s', float('nan')):.3f} / {r.get('ours_s', float('nan')):.3f}"
                          f" s  {status}", flush=True)
                print_warm(rows)
            report["warm"] = rows
            if "batch" not in a.skip:
                report["batch"] = bench_batch_per_core(jesse, ours, specs, tmp, variations)
        finally:
            jesse.close()
            ours.close()
        if "cold" not in a.skip:
            case = next(c for c in json.loads((SHARED / "parity" / "cases.json").read_text())
                        if c["name"] == "EmaCrossSLTP")
            spec_path = write_spec(tmp, specs.from_case(case, SHARED / "parity" / "strategies", "cold"))
            report["cold"] = bench_cold(pythons, spec_path, cold_repeat)
        if "peer" not in a.skip:
            peer_row = next((r for r in rows if r["group"] == "peer"), None)
            report["peer"] = bench_peer(a.peer, synthetic_candles(365), tmp, repeat, peer_row)
        if "memory" not in a.skip:
            report["memory"] = bench_memory(pythons, specs, tmp, a.quick)
    report["load_end"] = load_avg()
    print(f"\nend: {report['load_end']}")
    if a.json:
        Path(a.json).write_text(json.dumps(report, indent=1, default=float))


if __name__ == "__main__":
    main()
