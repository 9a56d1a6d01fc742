"""Benchmark: train_model at research scale (issue 18): 5k..100k samples x 20 features, binary,
LogisticRegression and HistGradientBoostingClassifier (default settings), validation="purged".

Usage: .venv/bin/python bench/bench_train_scale.py [--sizes 5000,10000,20000,50000,100000] [--features 20]
                                                   [--estimators LogisticRegression,HistGradientBoosting]
Prints one row per run: seconds, the importance method that ran and on how many of the training samples,
the test accuracy, and the machine's 1-minute load average before and after (the machine is shared: the
timings mean little on a loaded machine). Then, per estimator, the growth ratios the issue sets as targets:
time(50k) / time(5k) (target <= 10) and whether 100k finished under 120 s.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np

ESTIMATORS = {
    "LogisticRegression": "LogisticRegression(max_iter=1000)",
    "HistGradientBoosting": "HistGradientBoostingClassifier()",
}


def make_points(n: int, k: int = 20, seed: int = 0) -> list[dict]:
    """``n`` 15m-spaced binary points with ``k`` features, a linear and an interaction signal plus noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k))
    logit = X[:, 0] - 0.7 * X[:, 1] + 0.4 * X[:, 2] * X[:, 3] + rng.normal(size=n)
    names = [f"f{j:02d}" for j in range(k)]
    t0 = 1_600_000_000
    return [{"time": t0 + 900 * i, "features": dict(zip(names, map(float, X[i]))),
             "label": {"name": "up", "value": bool(logit[i] > 0)}, "label_time": t0 + 900 * (i + 4)}
            for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="5000,10000,20000,50000,100000")
    ap.add_argument("--features", type=int, default=20)
    ap.add_argument("--estimators", default=",".join(ESTIMATORS))
    a = ap.parse_args()
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: F401  (eval below)
    from sklearn.linear_model import LogisticRegression  # noqa: F401

    from jesse_dag.ml.training import train_model

    sizes = [int(s) for s in a.sizes.split(",")]
    print(f"train_model, {a.features} features, binary, validation='purged', {os.cpu_count()} cores "
          f"(shared machine: see the load average)")
    print(f"{'estimator':<21} {'samples':>8} {'seconds':>8}  {'importance':<10} {'on samples':>16}  "
          f"{'accuracy':>8}  load 1-min avg")
    times: dict[tuple[str, int], float] = {}
    for n in sizes:
        points = make_points(n, a.features)
        for label in a.estimators.split(","):
            load_before = os.getloadavg()[0]
            t = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = train_model(points, eval(ESTIMATORS[label]), verbose=False, validation="purged", n_jobs=-1)
            sec = time.perf_counter() - t
            times[(label, n)] = sec
            m = r["importance_method"]
            print(f"{label:<21} {n:>8,} {sec:>8.1f}  {m['method']:<10} {m['samples']:>7,} of {m['train_samples']:>6,}  "
                  f"{r['metrics']['accuracy']:>8.3f}  {load_before:.1f} -> {os.getloadavg()[0]:.1f}", flush=True)
    for label in a.estimators.split(","):
        parts = []
        if (label, 5000) in times and (label, 50000) in times:
            parts.append(f"time(50k)/time(5k) = {times[(label, 50000)] / times[(label, 5000)]:.1f} (target <= 10)")
        if (label, 100000) in times:
            parts.append(f"100k in {times[(label, 100000)]:.0f} s (target < 120)")
        if parts:
            print(f"{label}: " + "; ".join(parts))


if __name__ == "__main__":
    main()
