"""Rule significance test: a one-sided stationary block bootstrap of the entry rule's detrended next-bar return.

Jesse 3.5.3's test (reference §3): replay the strategy's signals without orders, pair each bar's signal
(+1 long, -1 short, 0 flat) with the next bar's log return, detrend, and bootstrap the mean under H0 (the
expected rule return is <= 0). Kept as Jesse does it, except: the p-value carries the +1 correction
((1 + k) / (N + 1)), so it is never exactly 0 (Jesse reported 0.0 for a finite number of simulations;
``p_value_uncorrected`` keeps Jesse's fraction); the bootstrap runs in fixed chunks of one seeded stream, so
the result does not depend on ``cpu_cores``.

Example:
    >>> from jesse_dag.research import rule_significance_test  # doctest: +SKIP
    >>> r = rule_significance_test(config, routes, [], candles, warmup, n_simulations=2000)  # doctest: +SKIP
    >>> r['p_value'], r['observed_mean']  # doctest: +SKIP
"""
from __future__ import annotations

import warnings
from typing import Callable

import numba as nb
import numpy as np

_CHUNK = 256  # simulations per draw from the random stream (fixed: results do not depend on cores)


@nb.njit(cache=True)
def _stationary_means(x: np.ndarray, restart: np.ndarray, starts: np.ndarray) -> np.ndarray:
    n_sims, n = restart.shape
    out = np.empty(n_sims)
    for s in range(n_sims):
        pos = starts[s, 0]
        total = x[pos]
        for t in range(1, n):
            if restart[s, t]:
                pos = starts[s, t]
            else:
                pos += 1
                if pos == n:
                    pos = 0
            total += x[pos]
        out[s] = total / n
    return out


def stationary_bootstrap_means(x: np.ndarray, n_simulations: int, mean_block_length: float,
                               rng: np.random.Generator) -> np.ndarray:
    """Means of ``n_simulations`` Politis–Romano resamples of ``x`` (blocks restart with probability 1/L)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    n = x.size
    out = np.empty(n_simulations)
    p = 1.0 / mean_block_length
    for lo in range(0, n_simulations, _CHUNK):
        k = min(_CHUNK, n_simulations - lo)
        restart = rng.random((k, n)) < p
        starts = rng.integers(0, n, size=(k, n))
        out[lo:lo + k] = _stationary_means(x, restart, starts)
    return out


def _replay_signals(config: dict, route: dict, data_routes: list, candles: dict, warmup: dict | None,
                    hyperparameters: dict | None) -> np.ndarray:
    """(timestamp, close, signal) at every completed route bar; the strategy never trades."""
    from jesse_dag.engine.run import load_strategy_class
    from jesse_dag.research import backtest

    cls = route["strategy"]
    if isinstance(cls, str):
        cls = load_strategy_class(cls)
    rows: list[tuple[float, float, float]] = []

    class SignalReplay(cls):  # type: ignore[misc, valid-type]
        def should_long(self) -> bool:
            long = bool(super().should_long())
            short = False if long else bool(super().should_short())
            rows.append((float(self.current_candle[0]), float(self.close), 1.0 if long else -1.0 if short else 0.0))
            return False

        def should_short(self) -> bool:
            return False

    SignalReplay.__name__ = cls.__name__
    backtest(config, [{**route, "strategy": SignalReplay}], data_routes, candles, warmup,
             hyperparameters=hyperparameters, fast_mode=True)
    return np.asarray(rows, dtype=np.float64).reshape(-1, 3)


def rule_significance_test(config: dict, routes: list[dict], data_routes: list[dict], candles: dict,
                           warmup_candles: dict | None = None, hyperparameters: dict | None = None,
                           n_simulations: int = 2000, random_seed: int | None = None, progress_bar: bool = False,
                           cpu_cores: int | None = None, progress_callback: Callable | None = None,
                           bootstrap_mean_block_length: float = 10) -> dict:
    """Is the entry rule's mean next-bar return above zero? (see the module docstring)

    Returns Jesse's keys (``observed_mean``, ``annualized_return``, ``annualization``, ``simulated_means``,
    ``p_value``, ``n_simulations``, ``n_observations``, ``bootstrap_mean_block_length``) plus
    ``p_value_uncorrected`` and ``random_seed``.
    """
    if not isinstance(routes, (list, tuple)) or len(routes) != 1:
        raise ValueError(f"rule_significance_test needs exactly one route, got {len(routes or [])}")
    if not bootstrap_mean_block_length or bootstrap_mean_block_length < 1:
        raise ValueError(f"bootstrap_mean_block_length must be >= 1, got {bootstrap_mean_block_length!r}")
    if isinstance(n_simulations, bool) or not isinstance(n_simulations, int) or n_simulations < 1:
        raise ValueError(f"n_simulations must be a positive int, got {n_simulations!r}")
    seed = 42 if random_seed is None else int(random_seed)
    rows = _replay_signals(config, routes[0], list(data_routes or []), candles, warmup_candles, hyperparameters)
    keep = np.isfinite(rows).all(axis=1) & (rows[:, 1] > 0)
    if not keep.all():
        warnings.warn(f"{int((~keep).sum())} bars with a non-finite close or signal were dropped", stacklevel=2)
    rows = rows[keep]
    if len(rows) < 3:
        raise ValueError(f"only {len(rows)} usable bars: the test needs at least 3")
    r = np.log(rows[1:, 1] / rows[:-1, 1])
    s = rows[:-1, 2]
    ok = np.isfinite(r)
    r, s = r[ok], s[ok]
    n = r.size
    if n < 30:
        warnings.warn(f"only {n} observations: the bootstrap is unreliable below 30", stacklevel=2)
    rule = s * (r - r.mean())
    observed = float(rule.mean())
    sims = stationary_bootstrap_means(rule - observed, n_simulations, float(bootstrap_mean_block_length),
                                      np.random.default_rng(seed))
    if progress_callback is not None:
        progress_callback(n_simulations)
    k = int(np.sum(sims >= observed))
    # n returns per the calendar time of all the bars they come from (the n + 1 closes), as Jesse: its
    # elapsed time runs from the first bar to the last, and no elapsed time gives 0
    span = float(rows[-1, 0] - rows[0, 0])
    annualized = observed * n * 365 * 86_400_000 / span if span > 0 else 0.0
    return {"observed_mean": observed, "annualized_return": annualized,
            "annualization": int(config.get("annualization", 365)), "simulated_means": sims,
            "p_value": (1 + k) / (n_simulations + 1), "p_value_uncorrected": k / n_simulations,
            "n_simulations": n_simulations, "n_observations": int(n),
            "bootstrap_mean_block_length": bootstrap_mean_block_length, "random_seed": seed}
