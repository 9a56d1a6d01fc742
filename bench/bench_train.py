"""Benchmark: train_model on 5,000 samples x 12 features (binary), LogisticRegression and RandomForest,
ours (joblib over all cores) against Jesse 3.5.3's (run in its own venv through a subprocess).

Usage: .venv/bin/python bench/bench_train.py [--jesse-python /work/jesse-venv/bin/python] [--n 5000]
Prints one line per estimator: seconds for Jesse, for us, and the ratio, and checks the two reports agree,
with the machine's load average before and after each run (the timings mean little on a loaded machine).
Jesse's train_model is sequential; ours runs the refits on threads (see jesse_dag/ml/training.py).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

ESTIMATORS = {
    "LogisticRegression": "LogisticRegression(max_iter=1000)",
    "RandomForest": "RandomForestClassifier(n_estimators=100, max_depth=8, random_state=0)",
}


def make_points(n: int, k: int = 12, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k))
    logit = X[:, 0] - 0.7 * X[:, 1] + 0.4 * X[:, 2] * X[:, 3] + rng.normal(size=n)
    return [{"time": 1_700_000_000 + 900 * i, "features": {f"f{j:02d}": float(X[i, j]) for j in range(k)},
             "label": {"name": "up", "value": bool(logit[i] > 0)}} for i in range(n)]


JESSE_SCRIPT = textwrap.dedent("""
    import json, sys, time, os, tempfile
    os.chdir(tempfile.mkdtemp())
    from jesse.research.ml import train_model
    from sklearn.linear_model import LogisticRegression
    from sklearn.ensemble import RandomForestClassifier
    points = json.load(open(sys.argv[1]))
    est = eval(sys.argv[2])
    t, c = time.perf_counter(), time.process_time()
    r = train_model(points, est, task="binary", verbose=False)
    print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c,
                      "accuracy": r["metrics"]["accuracy"],
                      "consensus": r["feature_importance"]["consensus_ranks"]}))
""")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jesse-python", default="/work/jesse-venv/bin/python")
    ap.add_argument("--n", type=int, default=5000)
    a = ap.parse_args()
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    from sklearn.ensemble import RandomForestClassifier  # noqa: F401  (eval below)
    from sklearn.linear_model import LogisticRegression  # noqa: F401

    from jesse_dag.ml.training import train_model

    points = make_points(a.n)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(points, fh)
    print(f"train_model, {a.n} samples x 12 features, binary, {os.cpu_count()} cores")
    print(f"{'estimator':<20} {'jesse s':>9} {'ours s':>9} {'speed-up':>9}  {'cpu s jesse/ours':>16}  "
          f"{'ours cores':>10}  same report  load 1-min avg")
    for label, expr in ESTIMATORS.items():
        load_before = os.getloadavg()[0]
        res = subprocess.run([a.jesse_python, "-c", JESSE_SCRIPT, fh.name, expr], capture_output=True, text=True)
        if res.returncode != 0:
            print(f"{label:<20} Jesse failed: {res.stderr[-500:]}")
            continue
        jesse = json.loads(res.stdout.strip().splitlines()[-1])
        t, c = time.perf_counter(), time.process_time()
        ours = train_model(points, eval(expr), task="binary", verbose=False, n_jobs=-1)
        sec, cpu = time.perf_counter() - t, time.process_time() - c
        same = (abs(ours["metrics"]["accuracy"] - jesse["accuracy"]) < 1e-9
                and all(abs(ours["feature_importance"]["consensus_ranks"][f] - v) < 1e-9
                        for f, v in jesse["consensus"].items()))
        # cores = CPU time over wall time: how much of the machine the run got (others' load takes the rest)
        print(f"{label:<20} {jesse['seconds']:>9.2f} {sec:>9.2f} {jesse['seconds'] / sec:>8.2f}x  "
              f"{jesse['cpu']:>7.1f}/{cpu:<8.1f}  {cpu / sec:>10.2f}  {str(same):<11}  "
              f"{load_before:.1f} -> {os.getloadavg()[0]:.1f}")
    os.unlink(fh.name)


if __name__ == "__main__":
    main()
