"""``run_pipeline_optimization``: one call for a pipeline's optimisation asset (the Dagster side calls it).

It takes 1-minute candles per market and the pipeline's windows, splits them as Jesse splits a backtest
(warm-up = ``warmup_bars`` route bars before each window), runs :func:`jesse_dag.research.optimize` with a
study stored under ``storage/`` (so a re-materialisation resumes, and a finished one returns at once), and
returns a JSON-ready summary.

Example:
    >>> summary = run_pipeline_optimization(  # doctest: +SKIP
    ...     {"Sandbox-BTC-USDT": candles_1m}, strategy="EmaCross", timeframe="15m", warmup_bars=210,
    ...     training=(t0, t1), testing=(t2, t3), config=config, trials=50, seed=1)
    >>> summary["best"]["params"]  # doctest: +SKIP
"""
from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from jesse_dag.candles.timeframes import timeframe_to_minutes


def _split(candles_1m: np.ndarray, window: tuple[int, int], warmup_minutes: int, key: str,
           what: str) -> tuple[np.ndarray, np.ndarray]:
    ts = candles_1m[:, 0]
    lo, hi = np.searchsorted(ts, int(window[0])), np.searchsorted(ts, int(window[1]))
    if hi <= lo:
        raise ValueError(f"{what} window {window!r}: no candles of {key!r} in it")
    if lo < warmup_minutes:
        raise ValueError(f"{what} window {window!r}: {key!r} has {lo} minutes before it, "
                         f"{warmup_minutes} warm-up minutes are needed")
    return candles_1m[lo:hi], candles_1m[lo - warmup_minutes:lo]


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def run_pipeline_optimization(candles_1m: dict[str, np.ndarray], *, strategy: Any, timeframe: str,
                              warmup_bars: int, training: tuple[int, int], testing: tuple[int, int],
                              config: dict, data_routes: list[dict] | None = None, trials: int = 50,
                              objective_function: str = "sharpe", optimal_total: int = 200,
                              best_candidates_count: int = 10, cpu_cores: int | None = 1, seed: int | None = 0,
                              storage: Any = None, study_name: str | None = None, sampler: Any = None) -> dict:
    """Optimise one pipeline's strategy on its training window, report the testing window; JSON-ready.

    ``candles_1m``: ``{"<exchange>-<symbol>": (N, 6) array}`` (Jesse's columns); the first key is the traded
    market. ``training``/``testing``: ``(start_ms, end_ms)`` half-open. ``config``: ``research.backtest``'s
    (``warm_up_candles`` is set to ``warmup_bars``). Returns ``{study_name, storage, objective_function,
    total_trials, completed_trials, best (or None), best_trials}`` with non-finite numbers as None.
    """
    if not candles_1m:
        raise ValueError("candles_1m is empty")
    from jesse_dag.research import optimize

    warm_minutes = int(warmup_bars) * timeframe_to_minutes(timeframe)
    sets: dict[str, dict] = {"train": {}, "train_warm": {}, "test": {}, "test_warm": {}}
    for key, arr in candles_1m.items():
        exchange, symbol = key.split("-", 1)
        arr = np.asarray(arr, dtype=np.float64)
        for what, window, a, b in (("training", training, "train", "train_warm"),
                                   ("testing", testing, "test", "test_warm")):
            trade, warm = _split(arr, window, warm_minutes, key, what)
            sets[a][key] = {"exchange": exchange, "symbol": symbol, "candles": trade}
            sets[b][key] = {"exchange": exchange, "symbol": symbol, "candles": warm}
    first = next(iter(candles_1m))
    exchange, symbol = first.split("-", 1)
    routes = [{"exchange": exchange, "strategy": strategy, "symbol": symbol, "timeframe": timeframe}]
    cfg = {**config, "warm_up_candles": int(warmup_bars)}
    out = optimize(cfg, routes, data_routes or [], sets["train"], sets["train_warm"] if warm_minutes else None,
                   sets["test"], sets["test_warm"] if warm_minutes else None, optimal_total=optimal_total,
                   cpu_cores=cpu_cores, trials=trials, objective_function=objective_function,
                   best_candidates_count=best_candidates_count, progress_bar=False, seed=seed, storage=storage,
                   study_name=study_name, sampler=sampler)
    summary = {k: out[k] for k in ("study_name", "storage", "objective_function", "total_trials",
                                   "completed_trials", "best_trials")}
    summary["best"] = out["best_trials"][0] if out["best_trials"] else None
    summary = _json_safe(summary)
    json.dumps(summary)  # fail here, not in the caller, if anything is not JSON
    return summary
