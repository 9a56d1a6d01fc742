"""Data-layer benchmark (run by hand, not a test): import rate and get_candles time for a year of 1m candles.

    .venv/bin/python bench/bench_data.py [--days 365]

Targets (issue #2): import >= 1,000,000 rows/s; reading a year back <= 0.2 s.

Wall times are best-of-N. The process CPU time of the best run is printed too (all threads summed): on a
shared, loaded machine it says what the work costs when wall time mostly says how long we waited for a core.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.store import get_candles, load_candles
from jesse_dag.store.importing import import_file


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    t0 = time.perf_counter()
    m = synthetic_market(days=args.days, seed=0)
    print(f"synthetic market: {len(m):,} rows in {time.perf_counter() - t0:.2f} s")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        table = pa.table({"timestamp": m[:, 0].astype(np.int64), "open": m[:, 1], "high": m[:, 3],
                          "low": m[:, 4], "close": m[:, 2], "volume": m[:, 5]})
        pacsv.write_csv(table, d / "year.csv")
        pq.write_table(table, d / "year.parquet")
        for fmt in ("csv", "parquet"):
            best, best_cpu = float("inf"), float("inf")
            for i in range(args.repeat):
                db = d / f"{fmt}{i}.duckdb"
                t, c = time.perf_counter(), time.process_time()
                report = import_file(d / f"year.{fmt}", "Sandbox", "BTC-USDT", db=db)
                wall, cpu = time.perf_counter() - t, time.process_time() - c
                if wall < best:
                    best, best_cpu = wall, cpu
                assert report.rows_added == len(m)
            print(f"import {fmt:8s}: {len(m) / best:12,.0f} rows/s  ({best:.3f} s, best of {args.repeat}; "
                  f"cpu {best_cpu:.3f} s = {len(m) / best_cpu:,.0f} rows per cpu-s)")
        db = d / "csv0.duckdb"
        assert np.array_equal(load_candles("Sandbox", "BTC-USDT", db=db), m)
        start, finish = int(m[0, 0]), int(m[-1, 0]) + 60_000
        for tf in ("1m", "1h"):
            times, cpus = [], []
            for _ in range(args.repeat + 2):
                t, c = time.perf_counter(), time.process_time()
                _, trading = get_candles("Sandbox", "BTC-USDT", tf, start, finish, db=db)
                times.append(time.perf_counter() - t)
                cpus.append(time.process_time() - c)
            print(f"get_candles {tf}: {len(trading):,} candles in {min(times):.3f} s (best), "
                  f"median {np.median(times):.3f} s; cpu best {min(cpus):.3f} s")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
