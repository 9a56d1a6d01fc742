#!/usr/bin/env python3
"""Benchmark (issue 20, item 4): the asset graph in one process against dagster-celery on this machine.

Cases, each on a fresh project and store (synthetic markets of ``--days`` days, a pipeline per market):

* ``pipeline``: two markets, their month of candles imported, then every asset of both pipelines (windows,
  gather, train, reports, deploy, backtests, comparison).
* ``gather N``: N markets (``--markets``, default 2, 5, 10), candles imported, then every pipeline's samples
  (its two windows and the gather).

Each case runs with ``JESSE_DAG_EXECUTOR=in_process`` (every step in this process, one after another) and with
``celery`` (redis-server on loopback, ``--workers`` worker processes, one step at a time each; the broker and
workers start before the clock and each is warmed by an untimed gather, as this process is for in-process). Both go through Dagster on a persistent
instance in a temporary folder, with the ``duckdb`` pool limited to one step at a time as in
``assets/dagster.yaml``. Printed per case and executor: wall seconds (import + pipeline runs), steps, the sum of
the steps' own times (STEP_START to STEP_SUCCESS), the wall time not spent inside a step per step
((wall - sum) / steps for in-process; for Celery, where steps overlap, (wall - sum / workers) / steps is a lower
bound) and, for Celery, the mean wait of a step from its submission to its start on a worker.

Every step of a gather (windows, samples) and most of a pipeline are in the ``duckdb`` pool: with its one
slot, Celery runs them one after another like in-process; ``--pool-limits`` (default ``1,2``) repeats the
Celery runs with more slots (the store's own lock still makes writers take turns), where steps overlap.
Every Celery run must give the in-process run's data versions (checked; the benchmark stops otherwise).

Usage: .venv/bin/python bench/bench_distributed.py [--markets 2,5,10] [--workers 2] [--days 30] [--pool-limits 1,2]
The machine's load average is printed before and after: on a shared machine the timings mean little.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import dagster as dg  # noqa: E402

from tests.celery_cluster import celery_workers, market_project, redis_server  # noqa: E402
from tests.dagster_jobs import recon_job  # noqa: E402

MONTH = "2024-01-01"
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# dagster-celery registers its one task again for each step it submits (harmless: the first one is used)
warnings.filterwarnings("ignore", message="Task name 'execute_plan' is already registered")


def run_case(project_file: Path, home: Path, executor: str, job_fn: str, pool_limit: int = 1) -> dict:
    """Import the month of every market, then the job ``job_fn`` builds, on ``executor``; seconds and step times."""
    os.environ["JESSE_DAG_EXECUTOR"] = executor
    home.mkdir(parents=True)
    with dg.instance_for_test(temp_dir=str(home),
                              overrides={"concurrency": {"pools": {"default_limit": pool_limit}}}) as instance:
        started = time.perf_counter()
        run_ids = []
        for fn, tags in (("every_market_import_job", {"dagster/partition": MONTH}), (job_fn, {})):
            with dg.execute_job(recon_job(fn, project_file=str(project_file)), instance=instance, tags=tags,
                                run_config=QUIET) as result:
                if not result.success:
                    raise RuntimeError(f"{executor} run of {fn} failed (run {result.run_id})")
                run_ids.append(result.run_id)
        wall = time.perf_counter() - started
        versions = {k.to_user_string(): instance.get_latest_materialization_event(k).asset_materialization.tags[
            "dagster/data_version"] for k in instance.get_asset_keys()}
        return {"wall": wall, "versions": versions, **step_times([e for r in run_ids for e in instance.all_logs(r)])}


def step_times(logs: list) -> dict:
    """Steps, the sum of their own times, and the mean wait from a Celery submission to the step's start."""
    start, submitted, busy, waits = {}, {}, 0.0, []
    for e in logs:
        if not e.is_dagster_event or e.step_key is None:
            continue
        key, kind = (e.run_id, e.step_key), e.dagster_event.event_type_value
        if kind == "ENGINE_EVENT" and (e.message or "").startswith("Submitting celery task"):
            submitted[key] = e.timestamp
        elif kind == "STEP_START":
            start[key] = e.timestamp
            if key in submitted:
                waits.append(e.timestamp - submitted.pop(key))
        elif kind == "STEP_SUCCESS":
            busy += e.timestamp - start[key]
    return {"steps": len(start), "busy": busy, "wait": sum(waits) / len(waits) if waits else None}


def _brief(row: dict) -> dict:
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in row.items() if k != "versions"}


def overhead(row: dict, parallel: int) -> float:
    return (row["wall"] - row["busy"] / parallel) / row["steps"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--markets", default="2,5,10", help="market counts of the gather cases")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--pool-limits", default="1,2",
                        help="slots of the duckdb pool in the Celery runs (1 as in assets/dagster.yaml; the store's "
                             "own lock keeps writers safe above 1)")
    args = parser.parse_args()
    counts = [int(n) for n in args.markets.split(",")]
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)",
          flush=True)
    cases = [("pipeline", 2, "every_pipeline_job")] + [("gather", n, "every_gather_job") for n in counts]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_distributed_") as tmp:
        tmp = Path(tmp)

        def run(name: str, n: int, executor: str, job_fn: str, pool_limit: int = 1) -> dict:
            folder = tmp / f"{name}{n}-{executor}-{pool_limit}"
            return run_case(market_project(folder, n, args.days), folder / "dagster_home", executor, job_fn,
                            pool_limit)

        # untimed warm-up: numba's cache on disk, and each worker's imports
        run("warm", 2, "in_process", "every_gather_job")
        local = {}
        for name, n, job_fn in cases:
            local[name, n] = run(name, n, "in_process", job_fn)
            rows.append((name, n, "in-process", local[name, n]))
            print(rows[-1][:3], _brief(rows[-1][3]), flush=True)
        with redis_server(tmp) as broker:
            os.environ["JESSE_DAG_CELERY_BROKER"] = broker
            with celery_workers(broker, tmp, count=args.workers):
                run("warm", args.workers * 2, "celery", "every_gather_job")
                for limit in [int(x) for x in args.pool_limits.split(",")]:
                    for name, n, job_fn in cases:
                        row = run(name, n, "celery", job_fn, limit)
                        if row["versions"] != local[name, n]["versions"]:
                            raise AssertionError(f"{name} {n}: the Celery run's data versions differ from in-process")
                        rows.append((name, n, f"celery x{args.workers}, pool {limit}", row))
                        print(rows[-1][:3], _brief(row), flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print("Every Celery run gave the in-process run's data versions.")
    print("| case | markets | executor | wall s | steps | sum of step s | overhead s/step | submit->start s |")
    print("|---|---|---|---|---|---|---|---|")
    for name, n, executor, r in rows:
        parallel = args.workers if executor.startswith("celery") else 1
        wait = f"{r['wait']:.2f}" if r["wait"] is not None else "-"
        print(f"| {name} | {n} | {executor} | {r['wall']:.1f} | {r['steps']} | {r['busy']:.1f} | "
              f"{overhead(r, parallel):.2f} | {wait} |")


if __name__ == "__main__":
    main()
