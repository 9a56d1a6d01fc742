"""Run one PeakHold optimisation into a given SQLite file (the kill-and-resume test runs this as a process).

Usage: python -m tests.optimize_strategies.run_study STORAGE_PATH TRIALS_PER_HP
"""
from __future__ import annotations

import json
import sys

from tests.optimize_strategies.markets import as_candles_dict, config, peak_market, routes
from tests.optimize_strategies.strategies import PeakHold

TRAIN_DAYS, TEST_DAYS = 40, 20


def inputs() -> tuple:
    c = peak_market(TRAIN_DAYS + TEST_DAYS, bar_minutes=60, noise=0.002, seed=1)
    split = TRAIN_DAYS * 1440
    return (config(), routes(PeakHold, "1h"), [], as_candles_dict(c[:split]), None,
            as_candles_dict(c[split:]), None)


def main() -> None:
    from jesse_dag.research import optimize

    storage, trials = sys.argv[1], int(sys.argv[2])
    out = optimize(*inputs(), optimal_total=30, cpu_cores=1, trials=trials, progress_bar=False, seed=0,
                   storage=storage, study_name="kill-test")
    print(json.dumps({k: out[k] for k in ("completed_trials", "total_trials", "interrupted_trials_recovered")}))


if __name__ == "__main__":
    main()
