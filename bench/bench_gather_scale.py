"""Benchmark: gather at research scale (issue 18, item 3): a synthetic market of ``--days`` of 1m candles
(1461 days = four years, 2.1 M rows) gathered with features on every bar of a 15m route, then the points
written to Jesse's CSV and to the store's ``ml_samples`` (DuckDB).

Usage: .venv/bin/python bench/bench_gather_scale.py [--days 1461] [--timeframe 15m]
                                                    [--jesse-python /work/.jesse-venv/bin/python] [--jesse-days N]
Prints the seconds and rows per second of each stage (backtest + recording, CSV, store), the samples
written, the peak memory of the process (ru_maxrss) and the machine's load average (shared machine: the
timings mean little on a loaded one). Runs in a temporary project folder, removed afterwards.
With ``--jesse-python``, Jesse 3.5.3 runs the same strategy (its imports changed to ``jesse``) on the first
``--jesse-days`` of the same candles (default: all) through ``../shared/parity/jesse_oracle.py --gather``,
with a time limit (``--jesse-timeout``); the points and seconds are printed beside ours on that window.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

# features on every bar; the label (did the next bar close higher?) is recorded on the next bar, just
# before that bar's features, so every bar but the last gives one point
STRATEGY = textwrap.dedent('''
    import numpy as np

    import jesse_dag.indicators as ta
    from jesse_dag.strategies import Strategy


    class MLEveryBar(Strategy):
        def __init__(self):
            super().__init__()
            self._last_close = None

        def before(self):
            if self._last_close is not None:
                self.record_label("up", bool(self.close > self._last_close))
            closes = self.candles[-21:, 2]
            returns = np.diff(np.log(closes))
            vol = float(returns.std()) + 1e-12
            self.record_features({"ret_1": float(returns[-1]) / vol, "ret_4": float(np.log(closes[-1] / closes[-5])) / vol,
                                  "rsi_centered": (ta.rsi(self.candles) - 50) / 50, "vol": vol})
            self._last_close = self.close

        def should_long(self) -> bool:
            return False

        def go_long(self):
            pass
''')


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def compare_with_jesse(a: argparse.Namespace, market, warm: int, config: dict, routes: list, project: Path) -> None:
    """The same gather on the first ``--jesse-days`` by Jesse (a subprocess) and by us, seconds and points."""
    import numpy as np

    from jesse_dag.ml.gather import gather_ml_data

    minutes = warm + (a.jesse_days * 1440 if a.jesse_days else len(market) - warm)
    window = market[:minutes]
    csv = project / "candles.csv"  # the oracle reads timestamp,open,high,low,close,volume
    np.savetxt(csv, window[:, [0, 1, 3, 4, 2, 5]], delimiter=",", fmt="%.10g",
               header="timestamp,open,high,low,close,volume", comments="")
    strategy = project / "jesse_strategy.py"
    strategy.write_text(STRATEGY.replace("import jesse_dag.indicators", "import jesse.indicators")
                        .replace("from jesse_dag.strategies", "from jesse.strategies"))
    tf_minutes = {"5m": 5, "15m": 15, "30m": 30, "1h": 60, "4h": 240}[a.timeframe]
    out = project / "jesse.json"
    t = time.perf_counter()
    try:
        res = subprocess.run([a.jesse_python, a.oracle, str(strategy), str(csv), "--timeframe", a.timeframe,
                              "--warmup-bars", str(warm // tf_minutes), "--gather", "-o", str(out)],
                             capture_output=True, text=True, timeout=a.jesse_timeout)
    except subprocess.TimeoutExpired:
        print(f"  Jesse: did not finish {minutes - warm:,} candles within {a.jesse_timeout:.0f} s")
        return
    wall = time.perf_counter() - t
    if res.returncode != 0:
        print(f"  Jesse failed: {res.stderr[-800:]}")
        return
    jesse = json.loads(out.read_text())
    key = "Sandbox-BTC-USDT"
    candles = {key: {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": window[warm:]}}
    warmup = {key: {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": window[:warm]}}
    t = time.perf_counter()
    ours = gather_ml_data({**config, "warm_up_candles": warm // tf_minutes}, routes, [], candles, warmup,
                          csv_path=None, verbose=False)
    ours_s = time.perf_counter() - t
    n = minutes - warm
    print(f"  same gather, {n:,} candles ({n / 1440:.0f} days), one run each:")
    print(f"  {'engine':<8} {'seconds':>8} {'candles/s':>10} {'points':>8}")
    print(f"  {'Jesse':<8} {jesse['seconds']:>8.1f} {n / jesse['seconds']:>10,.0f} {len(jesse['data_points']):>8,}"
          f"  (its backtest call; {wall:.0f} s with start-up and the CSV read)")
    print(f"  {'ours':<8} {ours_s:>8.1f} {n / ours_s:>10,.0f} {len(ours['data_points']):>8,}"
          f"  (Jesse / ours: {jesse['seconds'] / ours_s:.0f}x)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=1461)
    ap.add_argument("--timeframe", default="15m")
    ap.add_argument("--jesse-python", default=None)
    ap.add_argument("--jesse-days", type=int, default=None)
    ap.add_argument("--jesse-timeout", type=float, default=1200)
    ap.add_argument("--oracle", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "parity" /
                                            "jesse_oracle.py"))
    a = ap.parse_args()
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    from jesse_dag.candles.synthetic import synthetic_market
    from jesse_dag.ml.csv_io import write_ml_data_csv
    from jesse_dag.ml.gather import gather_ml_data
    from jesse_dag.store.ml import store_samples

    project = Path(tempfile.mkdtemp(prefix="bench_gather_"))
    cwd = os.getcwd()
    try:
        os.chdir(project)
        (project / "strategies" / "MLEveryBar").mkdir(parents=True)
        (project / "strategies" / "MLEveryBar" / "__init__.py").write_text(STRATEGY)
        sys.path.insert(0, str(project))
        t = time.perf_counter()
        market = synthetic_market(days=a.days, seed=0)
        t_market = time.perf_counter() - t
        warm = 1440 * 2
        key = "Sandbox-BTC-USDT"
        candles = {key: {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": market[warm:]}}
        warmup = {key: {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": market[:warm]}}
        config = {"starting_balance": 10_000, "fee": 0.0, "type": "futures", "futures_leverage": 1,
                  "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 96}
        routes = [{"exchange": "Sandbox", "symbol": "BTC-USDT", "timeframe": a.timeframe, "strategy": "MLEveryBar"}]
        load = os.getloadavg()[0]
        t = time.perf_counter()
        out = gather_ml_data(config, routes, [], candles, warmup, csv_path=None, verbose=False)
        t_gather = time.perf_counter() - t
        points = out["data_points"]
        t = time.perf_counter()
        csv = write_ml_data_csv(points, project / "strategies" / "MLEveryBar" / "ml_data" / "MLEveryBar_data.csv")
        t_csv = time.perf_counter() - t
        t = time.perf_counter()
        rep = store_samples(points, strategy="MLEveryBar", csv_path=csv, lineage=out["lineage"],
                            db=project / "storage" / "bench.duckdb")
        t_store = time.perf_counter() - t
        rows_1m = len(market) - warm
        print(f"gather at scale: {a.days} days of 1m candles ({rows_1m:,} trading rows + {warm:,} warm-up), "
              f"features every {a.timeframe} bar, {os.cpu_count()} cores, load 1-min avg {load:.1f} -> "
              f"{os.getloadavg()[0]:.1f} (shared machine)")
        print(f"  {'stage':<28} {'seconds':>8} {'rows':>11} {'rows/s':>10}")
        print(f"  {'synthetic market':<28} {t_market:>8.1f} {len(market):>11,} {len(market) / t_market:>10,.0f}")
        print(f"  {'backtest + recording':<28} {t_gather:>8.1f} {rows_1m:>11,} {rows_1m / t_gather:>10,.0f}  "
              f"(1m candles; {len(points):,} points)")
        print(f"  {'Jesse CSV + sidecar':<28} {t_csv:>8.1f} {len(points):>11,} {len(points) / t_csv:>10,.0f}  "
              f"({csv.stat().st_size / 1e6:.1f} MB)")
        print(f"  {'store ml_samples (DuckDB)':<28} {t_store:>8.1f} {len(points):>11,} {len(points) / t_store:>10,.0f}  "
              f"({rep.added:,} rows added)")
        print(f"  peak memory (ru_maxrss) {_peak_mb():,.0f} MB")
        if a.jesse_python:
            compare_with_jesse(a, market, warm, config, routes, project)
    finally:
        os.chdir(cwd)
        shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    main()
