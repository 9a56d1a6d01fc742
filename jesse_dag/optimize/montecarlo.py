"""Monte Carlo robustness checks: resampled trades and synthetic candles, with confidence intervals.

Differences from Jesse 3.5.3 (reference §2), each a fix:

* **Trades are resampled with replacement** (``method='bootstrap'``, the default), not only shuffled. A
  shuffle cannot change the total return, so Jesse's p-value for it measured floating-point summation
  order. ``method='permutation'`` keeps the shuffle (drawdown paths only).
* **Like for like:** the original is rebuilt by the same equity method as the scenarios (Jesse compared
  the backtest's own metrics with rebuilt ones). Each trade is replayed as its return on the balance
  before it, compounded, and the equity is sampled at the backtest's own daily timestamps, each trade
  closing in the slot of the original trade at the same position (Jesse spread trades evenly in time).
* **Seeds:** scenario *i* draws from ``numpy.random.default_rng([seed, i])``, so results do not depend on
  the number of workers or the order they finish, and the seed can be changed (Jesse fixed it at 42 + i).
* **p-values** carry the +1 correction ((1 + k) / (N + 1)), so none is exactly 0; for trades the test is
  "the resampled outcome is at or below zero" (H0: no edge) for total return and Sharpe; the drawdown and
  Calmar rows report intervals only. For candles the p-value is the share of synthetic markets where the
  strategy did at least as well as on the real one, with drawdowns (negative numbers) ranked the right
  way round (less deep is better). The overall sentence counts only significant metrics (Jesse counted
  "not significant" as significant).
* **Synthetic candles in relative units by default:** :class:`LogReturnBlockBootstrap` and
  :class:`LogReturnGaussianNoise` work on log returns, so a path cannot drift below zero or change scale
  with the price level. ``candles_pipeline_class=None`` means :class:`LogReturnBlockBootstrap` (Jesse ran
  the original candles again, giving identical scenarios).
* **Jesse's own pipelines run as Jesse runs them:** a :class:`jesse_dag.candle_pipelines.BaseCandlesPipeline`
  subclass (``MovingBlockBootstrapCandlesPipeline``, the Gaussian ones, a user's) rewrites the candles inside
  the backtest (``backtest(candles_pipeline_class=...)``), with scenario *i* (from 0) given
  ``seed + i`` as its ``seed`` (Jesse's ``seed + scenario_index - 1`` with indices from 1), so a seeded
  bootstrap gives Jesse's scenario candles. Numpy's global state, which Jesse's Gaussian pipelines draw
  from, is seeded with the same number for the scenario and restored after it (Jesse left it unseeded).

Example:
    >>> from jesse_dag.research import monte_carlo_trades  # doctest: +SKIP
    >>> mc = monte_carlo_trades(config, routes, [], candles, warmup, num_scenarios=500, seed=7)  # doctest: +SKIP
    >>> mc['confidence_analysis']['metrics']['total_return']['confidence_intervals']['95%']  # doctest: +SKIP
"""
from __future__ import annotations

import inspect
import math
from typing import Any, Callable

import numpy as np

from jesse_dag import metrics as M
from jesse_dag.optimize.batch import materialize, parallel, pmap, resolve_n_jobs, shared_payload

TRADE_METRICS = ("total_return", "max_drawdown", "sharpe_ratio", "calmar_ratio")
CANDLE_METRICS = ("net_profit_percentage", "max_drawdown", "sharpe_ratio", "win_rate", "total",
                  "annual_return", "calmar_ratio")


# ------------------------------------------------------------------------------------------------
# confidence analysis
# ------------------------------------------------------------------------------------------------

def _finite(values: list) -> np.ndarray:
    arr = np.asarray([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    return arr[np.isfinite(arr)]


def analyse(original: dict, scenarios: list[dict], metric_names: tuple[str, ...],
            p_rule: Callable[[str, float, np.ndarray], float | None]) -> dict:
    """Jesse's ``confidence_analysis`` layout: per metric the original, summary statistics, percentiles,
    90% / 95% intervals and a p-value from ``p_rule(metric, original, simulations)`` (None: no test)."""
    out: dict[str, dict] = {}
    for name in metric_names:
        sims = _finite([s.get(name) for s in scenarios])
        orig = original.get(name)
        orig = float(orig) if orig is not None else math.nan
        if sims.size == 0:
            out[name] = {"original": orig, "simulations": {"count": 0}, "p_value": None}
            continue
        pct = np.percentile(sims, [2.5, 5, 25, 50, 75, 95, 97.5])
        p = p_rule(name, orig, sims)
        out[name] = {
            "original": orig,
            "simulations": {"mean": float(sims.mean()), "std": float(sims.std()), "min": float(sims.min()),
                            "max": float(sims.max()), "count": int(sims.size)},
            "percentiles": dict(zip(("5th", "25th", "50th", "75th", "95th"), map(float, pct[1:6]))),
            "confidence_intervals": {"90%": {"lower": float(pct[1]), "upper": float(pct[5])},
                                     "95%": {"lower": float(pct[0]), "upper": float(pct[6])}},
            "p_value": p,
            "is_significant_5pct": p is not None and p < 0.05,
            "is_significant_1pct": p is not None and p < 0.01,
        }
    tested = {k: v for k, v in out.items() if v.get("p_value") is not None}
    sig5 = sum(v["is_significant_5pct"] for v in tested.values())
    sig1 = sum(v["is_significant_1pct"] for v in tested.values())
    detailed = []
    for k, v in tested.items():
        p = v["p_value"]
        level = "highly significant" if p < 0.01 else "significant" if p < 0.05 else "not significant"
        detailed.append({"metric": k, "significance": level, "p_value": p,
                         "message": f"{k}: p = {p:.4f} ({level})"})
    return {"summary": {"num_simulations": len(scenarios), "significant_metrics_5pct": sig5,
                        "significant_metrics_1pct": sig1, "total_metrics": len(tested)},
            "metrics": out,
            "interpretation": {"detailed": detailed,
                               "overall": f"{sig5} of {len(tested)} tested metrics are significant at 5% "
                                          f"({sig1} at 1%)."}}


def _corrected(k: int, n: int) -> float:
    return (1 + k) / (n + 1)


# ------------------------------------------------------------------------------------------------
# trades
# ------------------------------------------------------------------------------------------------

def equity_metrics(balances: np.ndarray, times_ms: np.ndarray, start: float, annualization: int) -> dict:
    """The four trade-scenario metrics of one daily equity curve (the backtest's own formulas)."""
    returns = M.daily_returns(balances, times_ms)
    enough = len(returns) >= 2
    return {"total_return": (balances[-1] / start - 1.0) * 100.0,
            "max_drawdown": M.max_drawdown(returns) * 100.0 if enough else math.nan,
            "sharpe_ratio": M.sharpe_ratio(returns, annualization) if enough else math.nan,
            "calmar_ratio": M.calmar_ratio(returns) if enough else math.nan}


def trade_scenarios(trades: list[dict], day_times_ms: np.ndarray, start: float, annualization: int,
                    num_scenarios: int, seed: int, method: str) -> tuple[dict, list[dict]]:
    """(original, scenarios) for :func:`monte_carlo_trades`; pure numpy, no backtest."""
    if method not in ("bootstrap", "permutation"):
        raise ValueError(f"method must be 'bootstrap' or 'permutation', got {method!r}")
    order = np.argsort([t["closed_at"] for t in trades], kind="stable")
    pnl = np.asarray([float(trades[i]["PNL"]) for i in order])
    closed = np.asarray([float(trades[i]["closed_at"]) for i in order])
    before = start + np.concatenate([[0.0], np.cumsum(pnl)[:-1]])
    if np.any(before <= 0):
        raise ValueError("the balance before a trade is not positive; trade returns cannot be resampled")
    rets = pnl / before
    # how many of the ordered trade slots have closed at each daily sample
    closed_by_day = np.searchsorted(closed, day_times_ms, side="right")

    def path(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        after = start * np.cumprod(1.0 + r)
        bal = np.concatenate([[start], after])
        return bal[closed_by_day], after

    bal, _ = path(rets)
    original = equity_metrics(bal, day_times_ms, start, annualization)
    original["final_balance"] = float(start * np.prod(1.0 + rets))
    scenarios = []
    n = len(rets)
    for i in range(num_scenarios):
        rng = np.random.default_rng([seed, i])
        idx = rng.integers(0, n, n) if method == "bootstrap" else rng.permutation(n)
        bal, after = path(rets[idx])
        m = equity_metrics(bal, day_times_ms, start, annualization)
        m.update(scenario_index=i, final_balance=float(after[-1]), trade_indices=order[idx].tolist())
        scenarios.append(m)
    return original, scenarios


def monte_carlo_trades(config: dict, routes: list[dict], data_routes: list[dict], candles: dict,
                       warmup_candles: dict | None = None, benchmark: bool = False,
                       hyperparameters: dict | None = None, fast_mode: bool = True, num_scenarios: int = 1000,
                       progress_bar: bool = False, cpu_cores: int | None = None,
                       progress_callback: Callable | None = None, result_callback: Callable | None = None,
                       *, seed: int = 42, method: str = "bootstrap") -> dict:
    """Resample the backtest's trades ``num_scenarios`` times; confidence intervals of return, drawdown,
    Sharpe and Calmar (see the module docstring for what differs from Jesse).

    Returns ``{original, original_backtest_metrics, scenarios, confidence_analysis, num_scenarios,
    total_requested, annualization, method, seed}``; each scenario has ``scenario_index``, the four metrics,
    ``final_balance`` and ``trade_indices`` (which original trades, by close order, it replayed).
    ``cpu_cores``/``progress_bar``/``benchmark`` are accepted for Jesse's signature: the scenarios are numpy
    arithmetic on one backtest's trades, computed here.
    """
    from jesse_dag.research import backtest

    if isinstance(num_scenarios, bool) or not isinstance(num_scenarios, int) or num_scenarios < 1:
        raise ValueError(f"num_scenarios must be a positive int, got {num_scenarios!r}")
    result = backtest(config, routes, data_routes, candles, warmup_candles, hyperparameters=hyperparameters,
                      fast_mode=fast_mode, generate_equity_curve=True)
    trades = result["trades"]
    if not trades:
        raise ValueError("the backtest made no trades: there is nothing to resample")
    curve = result["equity_curve"][0]["data"]
    times = np.asarray([round(p["time"] * 1000) for p in curve], dtype=np.int64)
    start = float(config["starting_balance"])
    annualization = int(config.get("annualization", 365))
    original, scenarios = trade_scenarios(trades, times, start, annualization, num_scenarios, seed, method)
    for s in scenarios:
        if result_callback is not None:
            result_callback(s)
        if progress_callback is not None:
            progress_callback(s["scenario_index"] + 1)

    def p_rule(name: str, orig: float, sims: np.ndarray) -> float | None:
        if method == "bootstrap" and name in ("total_return", "sharpe_ratio"):
            return _corrected(int(np.sum(sims <= 0)), sims.size)
        return None

    return {"original": original, "original_backtest_metrics": result["metrics"], "scenarios": scenarios,
            "confidence_analysis": analyse(original, scenarios, TRADE_METRICS, p_rule),
            "num_scenarios": len(scenarios), "total_requested": num_scenarios, "annualization": annualization,
            "method": method, "seed": seed}


# ------------------------------------------------------------------------------------------------
# candles
# ------------------------------------------------------------------------------------------------

def _batches(n: int, batch_size: int) -> list[tuple[int, int]]:
    return [(s, min(n, s + batch_size)) for s in range(0, n, batch_size)]


def _rebuild(c: np.ndarray, gap: np.ndarray, body: np.ndarray, up: np.ndarray, down: np.ndarray,
             first_prev_close: float) -> np.ndarray:
    out = c.copy()
    # close_t = close_{t-1} * exp(gap_t + body_t); open_t = close_{t-1} * exp(gap_t)
    log_close = np.log(first_prev_close) + np.cumsum(gap + body)
    log_open = np.concatenate([[np.log(first_prev_close)], log_close[:-1]]) + gap
    o, cl = np.exp(log_open), np.exp(log_close)
    out[:, 1], out[:, 2] = o, cl
    out[:, 3] = np.maximum(o, cl) * np.exp(up)
    out[:, 4] = np.minimum(o, cl) * np.exp(-down)
    return out


def _decompose(c: np.ndarray, first_prev_close: float) -> tuple[np.ndarray, ...]:
    prev_close = np.concatenate([[first_prev_close], c[:-1, 2]])
    gap = np.log(c[:, 1] / prev_close)
    body = np.log(c[:, 2] / c[:, 1])
    up = np.log(c[:, 3] / np.maximum(c[:, 1], c[:, 2]))
    down = np.log(np.minimum(c[:, 1], c[:, 2]) / c[:, 4])
    return gap, body, np.maximum(up, 0.0), np.maximum(down, 0.0)


class LogReturnBlockBootstrap:
    """Resamples each ``batch_size``-minute batch from overlapping blocks of its own minutes (log returns,
    candle shapes), keeping timestamps and volume; block length ``max(10, batch_size // 10)`` as in Jesse
    unless ``block_size`` is given. Each scenario's draws come from the generator handed to ``transform``.

    Example:
        >>> import numpy as np
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> c = candles_from_close_prices(100 + np.arange(50.0))
        >>> out = LogReturnBlockBootstrap(batch_size=20).transform(c, np.random.default_rng(0))
        >>> out.shape, bool((out[:, 3] >= out[:, 4]).all())
        ((50, 6), True)
    """

    def __init__(self, batch_size: int = 10080, seed: int | None = None, block_size: int | None = None,
                 **_ignored: Any) -> None:
        if batch_size < 2:
            raise ValueError(f"batch_size must be at least 2 minutes, got {batch_size!r}")
        self.batch_size = int(batch_size)
        self.block_size = block_size

    def transform(self, candles: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        c = np.asarray(candles, dtype=np.float64)
        parts = _decompose(c, c[0, 1])
        idx = np.empty(len(c), dtype=np.int64)
        for s, e in _batches(len(c), self.batch_size):
            m = e - s
            block = self.block_size or max(10, self.batch_size // 10)
            block = int(min(max(1, block), max(1, m - 1)))
            starts = rng.integers(0, m - block + 1, size=-(-m // block))
            take = (starts[:, None] + np.arange(block)[None, :]).ravel()[:m]
            idx[s:e] = s + take
        return _rebuild(c, *(p[idx] for p in parts), first_prev_close=c[0, 1])


class LogReturnGaussianNoise:
    """Multiplies closes by a Gaussian random walk of log noise (restarting each batch) and perturbs highs and
    lows with independent log noise; sigmas are fractions of the price (Jesse's
    ``GaussianNoiseCandlesPipeline`` uses absolute price units).

    Example:
        >>> import numpy as np
        >>> from jesse_dag.candles.synthetic import candles_from_close_prices
        >>> c = candles_from_close_prices(100 + np.arange(50.0))
        >>> out = LogReturnGaussianNoise(batch_size=20, close_sigma=1e-3).transform(c, np.random.default_rng(0))
        >>> bool((out[:, 1:5] > 0).all()), bool((out[:, 3] >= out[:, 4]).all())
        (True, True)
    """

    def __init__(self, batch_size: int = 10080, close_mu: float = 0.0, close_sigma: float = 0.0001,
                 high_mu: float = 0.0, high_sigma: float = 0.0001, low_mu: float = 0.0, low_sigma: float = 0.0001,
                 seed: int | None = None, **_ignored: Any) -> None:
        if batch_size < 1 or min(close_sigma, high_sigma, low_sigma) < 0:
            raise ValueError("batch_size must be >= 1 and the sigmas >= 0")
        self.batch_size = int(batch_size)
        self.close = (close_mu, close_sigma)
        self.high = (high_mu, high_sigma)
        self.low = (low_mu, low_sigma)

    def transform(self, candles: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        c = np.asarray(candles, dtype=np.float64)
        walk = np.empty(len(c))
        for s, e in _batches(len(c), self.batch_size):
            walk[s:e] = np.cumsum(rng.normal(*self.close, size=e - s))
        prev = np.concatenate([[0.0], walk[:-1]])
        out = c.copy()
        out[:, 1] = c[:, 1] * np.exp(prev)
        out[:, 2] = c[:, 2] * np.exp(walk)
        hi = c[:, 3] * np.exp(walk + rng.normal(*self.high, size=len(c)))
        lo = c[:, 4] * np.exp(walk + rng.normal(*self.low, size=len(c)))
        out[:, 3] = np.maximum.reduce([out[:, 1], out[:, 2], hi])
        out[:, 4] = np.minimum.reduce([out[:, 1], out[:, 2], lo])
        return out


def _transform_scenario(pipeline_class: type, kwargs: dict, seed: int, i: int, candles: dict) -> dict:
    """Scenario ``i``'s trading candles from a ``transform(candles, rng)`` pipeline, one generator per market."""
    pipeline = pipeline_class(**kwargs)
    synthetic = {}
    for j, (key, entry) in enumerate(candles.items()):
        arr = np.asarray(entry["candles"] if isinstance(entry, dict) else entry)
        new = pipeline.transform(np.array(arr), np.random.default_rng([seed, i, j]))
        synthetic[key] = {**{k: v for k, v in entry.items() if k != "candles"}, "candles": new} \
            if isinstance(entry, dict) else new
    return synthetic


def _takes_seed(pipeline_class: type) -> bool:
    try:
        return "seed" in inspect.signature(pipeline_class).parameters
    except (TypeError, ValueError):
        return False


def _candles_scenario(base: dict, shared: Any, pipeline_class: type, kwargs: dict, seed: int, i: int) -> dict:
    from jesse_dag.engine.pipelines import BaseCandlesPipeline
    from jesse_dag.research import backtest

    candles, warmup = materialize(shared)
    run = dict(hyperparameters=base["hyperparameters"], fast_mode=base["fast_mode"])
    jesse_style = issubclass(pipeline_class, BaseCandlesPipeline)
    if jesse_style:
        kw = dict(kwargs)
        if "seed" in kw or _takes_seed(pipeline_class):
            kw["seed"] = seed + i
        run.update(candles_pipeline_class=pipeline_class, candles_pipeline_kwargs=kw)
    state = np.random.get_state()
    try:
        if jesse_style:
            np.random.seed(seed + i)  # Jesse's Gaussian pipelines draw from numpy's global state
        else:
            candles = _transform_scenario(pipeline_class, kwargs, seed, i, candles)
        result = backtest(base["config"], base["routes"], base["data_routes"], candles, warmup, **run)
    except Exception as exc:  # a failing scenario is reported, not fatal
        return {"scenario_index": i, "error": f"{type(exc).__name__}: {exc}"}
    finally:
        np.random.set_state(state)
    return {"scenario_index": i, "metrics": result["metrics"], "trades": result["trades"]}


def monte_carlo_candles(config: dict, routes: list[dict], data_routes: list[dict], candles: dict,
                        warmup_candles: dict | None = None, hyperparameters: dict | None = None,
                        fast_mode: bool = True, num_scenarios: int = 1000, progress_bar: bool = False,
                        candles_pipeline_class: type | None = None, candles_pipeline_kwargs: dict | None = None,
                        cpu_cores: int | None = None, progress_callback: Callable | None = None,
                        result_callback: Callable | None = None, *, seed: int = 42) -> dict:
    """Backtest the strategy on ``num_scenarios`` synthetic versions of the trading candles (warm-up kept).

    ``candles_pipeline_class``, built with ``candles_pipeline_kwargs``: either a class whose ``transform(candles,
    rng)`` returns new 1-minute candles (default :class:`LogReturnBlockBootstrap`; scenario *i* of market *j*
    draws from ``default_rng([seed, i, j])``), or one of Jesse's pipelines (a
    :class:`jesse_dag.candle_pipelines.BaseCandlesPipeline` subclass), run inside the backtest as Jesse runs
    it, with ``seed + i`` as scenario *i*'s seed. A ``seed`` in the kwargs overrides ``seed``.
    Scenarios run on ``cpu_cores`` processes (default all) with the candles shared, never copied.
    Returns ``{original, scenarios, confidence_analysis, num_scenarios, total_requested, failed_scenarios}``.
    """
    from jesse_dag.research import backtest

    if isinstance(num_scenarios, bool) or not isinstance(num_scenarios, int) or num_scenarios < 1:
        raise ValueError(f"num_scenarios must be a positive int, got {num_scenarios!r}")
    from jesse_dag.engine.pipelines import BaseCandlesPipeline

    pipeline_class = candles_pipeline_class or LogReturnBlockBootstrap
    kwargs = dict(candles_pipeline_kwargs or {})
    jesse_style = isinstance(pipeline_class, type) and issubclass(pipeline_class, BaseCandlesPipeline)
    if not jesse_style and not callable(getattr(pipeline_class, "transform", None)):
        raise TypeError(f"candles_pipeline_class {pipeline_class!r} is neither a subclass of "
                        "jesse_dag.candle_pipelines.BaseCandlesPipeline nor has a transform(candles, rng) method")
    pipeline_class(**kwargs)  # bad kwargs fail here, once, with the class's own message
    seed = kwargs.get("seed") if kwargs.get("seed") is not None else seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= 2**32 - num_scenarios:
        raise ValueError(f"seed must be an int from 0 to 2**32 - num_scenarios (each scenario i uses seed + i), "
                         f"got {seed!r}")
    seed = int(seed)
    original = backtest(config, routes, data_routes, candles, warmup_candles, hyperparameters=hyperparameters,
                        fast_mode=fast_mode)
    n_jobs = resolve_n_jobs(cpu_cores)
    backend = "sequential" if n_jobs == 1 else "loky"
    base = {"config": config, "routes": list(routes), "data_routes": list(data_routes or []),
            "hyperparameters": hyperparameters, "fast_mode": fast_mode}
    with shared_payload((candles, warmup_candles), backend) as shared, parallel(n_jobs, backend) as par:
        results = pmap(par, _candles_scenario, ((base, shared, pipeline_class, kwargs, seed, i)
                                                for i in range(num_scenarios)))
    scenarios, failed = [], []
    for r in results:
        (failed if "error" in r else scenarios).append(r)
        if "error" not in r and result_callback is not None:
            result_callback(r)
        if progress_callback is not None:
            progress_callback(r["scenario_index"] + 1)
    flat = [s["metrics"] for s in scenarios]

    def p_rule(name: str, orig: float, sims: np.ndarray) -> float | None:
        if not math.isfinite(orig):
            return None
        return _corrected(int(np.sum(sims >= orig)), sims.size)

    return {"original": original, "scenarios": scenarios,
            "confidence_analysis": analyse(original["metrics"], flat, CANDLE_METRICS, p_rule),
            "num_scenarios": len(scenarios), "total_requested": num_scenarios, "failed_scenarios": failed,
            "seed": seed}
