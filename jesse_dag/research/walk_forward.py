"""Walk-forward evaluation: what re-training on a schedule would have earned over a long history.

Every ``step`` (say 30 days) a model is trained on the trailing ``training`` window that ended ``embargo``
before the step, and the step is traded with that model (deploy mode, from the step's own bundle folder,
never the strategy folder's deployed model). The steps are stitched into one backtest: trades concatenated,
equity chained (each step starts from the balance the previous one ended with). The same steps are traded
without a model (the baseline) and with one fixed model, the first step's, trained once at the start.

Leak-free by construction: a step's model is fitted only on samples whose label was decided before the
step's start minus the embargo (:func:`training_samples`); the samples come from one gather-mode run over
the history, in which a sample's features only read candles up to its own time.

Usable without Dagster:

    >>> from jesse_dag.project import load_project  # doctest: +SKIP
    >>> from jesse_dag.research.walk_forward import WalkForwardSettings, run_walk_forward  # doctest: +SKIP
    >>> project = load_project("project.yaml"); p = project.pipelines["demo"]  # doctest: +SKIP
    >>> out = run_walk_forward(p, project.markets[p.market], candles, WalkForwardSettings(),
    ...                        project_dir=".", bundles_dir="storage/walk_forward/demo")  # doctest: +SKIP
    >>> out["summary"]["walk_forward"]["net_profit_percentage"]  # doctest: +SKIP
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from jesse_dag.candles.columns import ONE_DAY_MS, ONE_MINUTE_MS, TIMESTAMP
from jesse_dag.candles.timeframes import timeframe_to_ms
from jesse_dag.project import Market, Pipeline, parse_duration

VARIANTS = ("baseline", "fixed", "walk_forward")
# what a stitched trade keeps of the engine's trade (enough for the reports and the metrics below)
TRADE_FIELDS = ("type", "entry_price", "exit_price", "qty", "opened_at", "closed_at", "fee", "PNL")
SUMMARY_METRICS = ("net_profit", "net_profit_percentage", "total", "win_rate", "sharpe_ratio", "max_drawdown")


@dataclass(frozen=True)
class WalkForwardSettings:
    """Durations in seconds; ``start`` / ``end`` as ``YYYY-MM-DD`` or ``None`` (see :func:`plan_steps`)."""

    training: float = 90 * 86_400.0
    step: float = 30 * 86_400.0
    embargo: float | None = None  # None: the pipeline's embargo
    start: str | None = None
    end: str | None = None
    importance: bool = False
    n_jobs: int = 1

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any] | None) -> "WalkForwardSettings":
        """From ``project.yaml``'s ``walk_forward:`` (durations as ``90d``) or already in seconds.

        Example:
            >>> WalkForwardSettings.from_mapping({"training": "60d", "step": "15d"}).step
            1296000.0
        """
        d = dict(d or {})
        for key in ("training", "step", "embargo"):
            if isinstance(d.get(key), str):
                d[key] = parse_duration(d[key])
        return cls(**d)


@dataclass(frozen=True)
class Step:
    """One walk-forward step: trade ``[start_ms, end_ms)`` with a model of ``[train_start_ms, train_end_ms)``."""

    index: int
    start_ms: int
    end_ms: int
    train_start_ms: int
    train_end_ms: int  # = start_ms - embargo: no sample whose label time is at or after it is used

    @property
    def name(self) -> str:
        return f"step_{self.index + 1:02d}_{_day(self.start_ms)}"


def _day(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%d")


def _date_ms(text: str) -> int:
    return int(dt.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc).timestamp() * 1000)


def plan_steps(data_start_ms: int, data_end_ms: int, settings: WalkForwardSettings, *, embargo: float,
               warmup_ms: int = 0) -> list[Step]:
    """The steps over ``[data_start_ms, data_end_ms)``: the first starts at ``settings.start`` or, by default,
    the first midnight with a whole training window (after the warm-up) plus the embargo before it; the last
    ends at ``settings.end`` or the end of the data (it may be shorter than ``step``, at least one day).

    Example:
        >>> s = WalkForwardSettings(training=10 * 86_400, step=5 * 86_400)
        >>> [(x.name, _day(x.train_start_ms), _day(x.train_end_ms)) for x in plan_steps(0, 26 * 86_400_000, s,
        ...                                                                               embargo=86_400)]
        [('step_01_1970-01-12', '1970-01-01', '1970-01-11'), ('step_02_1970-01-17', '1970-01-06', '1970-01-16'), ('step_03_1970-01-22', '1970-01-11', '1970-01-21')]
    """
    training_ms, step_ms, embargo_ms = int(settings.training * 1000), int(settings.step * 1000), int(embargo * 1000)
    if training_ms <= 0 or step_ms <= 0 or embargo_ms < 0:
        raise ValueError(f"walk_forward: training ({settings.training}s) and step ({settings.step}s) must be "
                         f"positive and the embargo ({embargo}s) not negative")
    earliest = data_start_ms + warmup_ms + training_ms + embargo_ms
    if settings.start is not None:
        first = _date_ms(settings.start)
        if first < earliest:
            raise ValueError(f"walk_forward.start {settings.start}: the first step needs {settings.training / 86_400:g} "
                             f"days of training data plus the {embargo / 86_400:g}-day embargo (and the warm-up) "
                             f"before it, and the data starts {_day(data_start_ms)}: start on {_day(-(-earliest // ONE_DAY_MS) * ONE_DAY_MS)} or later")
    else:
        first = -(-earliest // ONE_DAY_MS) * ONE_DAY_MS
    end = data_end_ms if settings.end is None else min(_date_ms(settings.end), data_end_ms)
    steps, start = [], first
    while end - start >= ONE_DAY_MS:
        stop = min(start + step_ms, end)
        train_end = start - embargo_ms
        steps.append(Step(len(steps), start, stop, train_end - training_ms, train_end))
        start += step_ms
    if not steps:
        raise ValueError(f"walk_forward: no step fits: the first step would start {_day(first)} but the data "
                         f"ends {_day(end)}; shorten `training` or `step`, or import more candles")
    return steps


def training_samples(points: Sequence[Mapping[str, Any]], step: Step) -> list[Mapping[str, Any]]:
    """The samples a step's model may see: features taken at or after the training window's start and the
    label decided strictly before ``step.train_end_ms`` (the step's start minus the embargo).

    Example:
        >>> st = Step(0, 10_000_000, 20_000_000, 0, 9_000_000)
        >>> pts = [{"time": 100, "label_time": 8_999}, {"time": 200, "label_time": 9_000}]
        >>> [p["time"] for p in training_samples(pts, st)]
        [100]
    """
    lo, hi = step.train_start_ms, step.train_end_ms
    out = []
    for p in points:
        label_time = p.get("label_time")
        if label_time is None:
            raise ValueError(f"sample at time {p['time']} has no label_time: the walk-forward cannot tell when its "
                             "label was decided (gather it with jesse_dag, which records it)")
        if int(p["time"]) * 1000 >= lo and int(label_time) * 1000 < hi:
            out.append(p)
    return out


# ── the steps' models ────────────────────────────────────────────────────────────────────────────────────


def fit_step_bundle(pipeline: Pipeline, points: Sequence[Mapping[str, Any]], step: Step, bundle_dir: str | Path, *,
                    importance: bool = False) -> dict:
    """Fit the pipeline's estimator (and the scaler) on all of ``points`` and save a bundle in ``bundle_dir``.

    No held-out split and, unless ``importance``, none of train_model's 77 proxy fits for the importance
    report: the step's model is what the schedule would have deployed. Its lineage says which samples it saw.
    """
    from sklearn.base import clone
    from sklearn.preprocessing import StandardScaler

    from jesse_dag.ml.bundle import save_bundle
    from jesse_dag.ml.datapoints import dataset_fingerprint, validate_points
    from jesse_dag.ml.training import build_arrays, train_model, ts_to_date
    from jesse_dag.research.pipeline import _estimator

    where = (f"walk-forward {step.name} of pipeline {pipeline.name} (training {_day(step.train_start_ms)} .. "
             f"{_day(step.train_end_ms)})")
    if not points:
        raise ValueError(f"{where}: no sample to train on; lengthen `walk_forward.training` or start later")
    validate_points(points, where)
    ordered, names, X, y = build_arrays(points, pipeline.task)
    if pipeline.task != "regression" and len(np.unique(y)) < 2:
        raise ValueError(f"{where}: all {len(y)} samples have one label ({y[0]}); the estimator needs two classes: "
                         "lengthen `walk_forward.training`")
    estimator = _estimator(pipeline)
    scaler = StandardScaler().fit(X)
    model = clone(estimator).fit(scaler.transform(X), y)
    metrics: dict[str, Any] = {}
    feature_importance: dict[str, Any] = {}
    if importance:  # Jesse's report on a held-out tail; the deployed model stays the one fitted on everything
        report = train_model(list(ordered), estimator, task=pipeline.task, verbose=False, n_jobs=1,
                             test_ratio=float(pipeline.validation.get("test_ratio", 0.2)))
        metrics, feature_importance = report["metrics"], report["feature_importance"]
    times = [int(p["time"]) for p in ordered]
    label_times = [int(p["label_time"]) for p in ordered]
    result = {"model": model, "scaler": scaler, "feature_names": names, "task": pipeline.task,
              "label_name": ordered[0]["label"].get("name", "label"), "metrics": metrics,
              "feature_importance": feature_importance,
              "train_test_info": {"train_size": len(ordered), "test_size": 0, "train_start": ts_to_date(times[0]),
                                  "train_end": ts_to_date(times[-1]), "test_start": None, "test_end": None}}
    lineage = {"pipeline": pipeline.name, "walk_forward_step": step.index + 1, "step": _step_dates(step),
               "samples": len(ordered), "first_sample_time": times[0], "last_label_time": max(label_times),
               "samples_fingerprint": dataset_fingerprint(ordered), "importance": importance}
    bundle = save_bundle(result, bundle_dir, ordered, estimator, lineage=lineage)
    return {"step": step.index + 1, "bundle_dir": str(bundle["path"]), "samples": len(ordered),
            "first_sample_time": times[0], "last_label_time": max(label_times),
            "samples_fingerprint": lineage["samples_fingerprint"],
            "importance_metrics": _plain_numbers(metrics)}


def _step_dates(step: Step) -> dict[str, str]:
    return {"trade_start": _iso(step.start_ms), "trade_end": _iso(step.end_ms),
            "train_start": _iso(step.train_start_ms), "train_end": _iso(step.train_end_ms)}


def _iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


def _plain_numbers(d: Mapping[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in d.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


# ── the steps' backtests ─────────────────────────────────────────────────────────────────────────────────


def _slice(candles: np.ndarray, lo: int, hi: int) -> np.ndarray:
    ts = candles[:, TIMESTAMP]
    return candles[np.searchsorted(ts, lo, "left"):np.searchsorted(ts, hi, "left")]


def backtest_step(pipeline: Pipeline, market: Market, candles: np.ndarray, step: Step, *, project_dir: str | Path,
                  model_dir: str | Path | None) -> dict:
    """Trade one step: without a model (``model_dir=None``: the strategy's gather mode takes every signal, as
    the pipeline's baseline) or in deploy mode with the bundle in ``model_dir``."""
    from jesse_dag.research import backtest
    from jesse_dag.research.pipeline import _backtest_inputs, _strategy_class

    warm_ms = pipeline.warmup_bars * timeframe_to_ms(pipeline.timeframe)
    warmup, trading = _slice(candles, step.start_ms - warm_ms, step.start_ms), _slice(candles, step.start_ms, step.end_ms)
    cls = _strategy_class(pipeline, project_dir, "baseline" if model_dir is None else "deployed")
    if model_dir is not None:  # this step's bundle, never the one deployed in the strategy folder
        cls = type(cls.__name__, (cls,), {"ml_model_dir": str(model_dir), "__module__": cls.__module__})
    config, routes, data_routes, cs, warm = _backtest_inputs(pipeline, market, warmup, trading, cls)
    res = backtest(config, routes, data_routes, cs, warm, generate_equity_curve=True, fast_mode=True)
    curve = res.get("equity_curve") or []
    return {"trades": [{k: t[k] for k in TRADE_FIELDS} for t in res["trades"]],
            "equity": [[float(p["time"]), float(p["value"])] for p in (curve[0]["data"] if curve else [])],
            "metrics": {k: v for k, v in res["metrics"].items() if isinstance(v, (int, float, str))},
            "starting_balance": float(config["starting_balance"])}


def stitch(runs: Sequence[Mapping[str, Any]], starting_balance: float) -> dict:
    """One backtest from consecutive steps: each step's equity scaled to start where the previous ended
    (the strategies size by the balance, so this is the chained run), trades concatenated with their step
    and scale; the metrics of the whole.

    Example:
        >>> t = {"fee": 1.0, "qty": 1.0}
        >>> a = {"equity": [[0, 100.0], [86400, 110.0]], "trades": [{**t, "PNL": 10.0}], "starting_balance": 100.0}
        >>> b = {"equity": [[86400, 100.0], [172800, 90.0]], "trades": [{**t, "PNL": -10.0}], "starting_balance": 100.0}
        >>> s = stitch([a, b], 100.0)
        >>> [round(v, 9) for _, v in s["equity"]], round(s["metrics"]["net_profit_percentage"], 9), s["trades"][1]["PNL"]
        ([100.0, 110.0, 99.0], -1.0, -11.0)
    """
    equity: list[list[float]] = []
    trades: list[dict] = []
    balance = float(starting_balance)
    for i, run in enumerate(runs):
        scale = balance / float(run["starting_balance"])
        for t, v in run["equity"]:
            point = [float(t), float(v) * scale]
            if equity and point[0] <= equity[-1][0]:
                equity[-1] = point  # a step's opening point is the previous step's closing one
            else:
                equity.append(point)
        for t in run["trades"]:
            trades.append({**t, "PNL": float(t["PNL"]) * scale, "fee": float(t["fee"]) * scale,
                           "qty": float(t["qty"]) * scale, "step": i + 1, "scale": scale})
        if run["equity"]:
            balance = float(run["equity"][-1][1]) * scale
    return {"equity": equity, "trades": trades, "metrics": stitched_metrics(equity, trades, starting_balance)}


def stitched_metrics(equity: Sequence[Sequence[float]], trades: Sequence[Mapping[str, Any]],
                     starting_balance: float) -> dict[str, float]:
    """Net profit, trades, win rate, Sharpe (daily, 365 periods as Jesse) and max drawdown (%) of a
    stitched run."""
    from jesse_dag.metrics import daily_returns, max_drawdown, sharpe_ratio

    values = [v for _, v in equity] or [starting_balance]
    final = float(values[-1])
    returns = daily_returns(values, [int(t * 1000) for t, _ in equity] if equity else None)
    wins = sum(1 for t in trades if float(t["PNL"]) > 0)
    return {"starting_balance": float(starting_balance), "final_balance": final,
            "net_profit": final - starting_balance, "net_profit_percentage": (final / starting_balance - 1) * 100,
            "total": len(trades), "win_rate": wins / len(trades) if trades else 0.0,
            "sharpe_ratio": _finite(sharpe_ratio(returns)) if len(values) > 2 else 0.0,
            "max_drawdown": _finite(max_drawdown(returns)) * 100 if len(values) > 1 else 0.0}


def _finite(x: float) -> float:
    return float(x) if np.isfinite(x) else 0.0


# ── the whole evaluation ─────────────────────────────────────────────────────────────────────────────────


def gather_history(pipeline: Pipeline, market: Market, candles: np.ndarray, until_ms: int, *,
                   project_dir: str | Path, progress: bool | None | Callable[[str], Any] = None) -> list[dict]:
    """Every labelled sample of one gather-mode run from the data's start (after the warm-up) to ``until_ms``."""
    from jesse_dag.ml.gather import gather_ml_data
    from jesse_dag.research.pipeline import _backtest_inputs, _strategy_class

    warm_ms = pipeline.warmup_bars * timeframe_to_ms(pipeline.timeframe)
    first = int(candles[0, TIMESTAMP])
    warmup, trading = _slice(candles, first, first + warm_ms), _slice(candles, first + warm_ms, until_ms)
    cls = _strategy_class(pipeline, project_dir, "gather")
    config, routes, data_routes, cs, warm = _backtest_inputs(pipeline, market, warmup, trading, cls)
    return gather_ml_data(config, routes, data_routes, cs, warm, csv_path=None, verbose=False,
                          progress=progress)["data_points"]


def run_walk_forward(pipeline: Pipeline, market: Market, candles: np.ndarray, settings: WalkForwardSettings, *,
                     project_dir: str | Path, bundles_dir: str | Path,
                     progress: bool | None | Callable[[str], Any] = None) -> dict:
    """Plan the steps, gather once, fit one bundle per step (in ``bundles_dir/<step name>/``), trade every
    step three ways (baseline, fixed = the first step's model, walk-forward = the step's own model), stitch.

    Steps run on ``settings.n_jobs`` worker processes (joblib's loky, or the backend of an enclosing
    ``joblib.parallel_config``; 1 runs them here, in order); the result is the same either way. Returns ``{settings, steps, summary, runs}`` (``runs[variant]``: equity, trades).
    ``progress`` shows the gather's simulated days, then each step's fit and backtests as they finish
    (None: when stderr is a terminal; a function, e.g. ``context.log.info``, gets plain lines; see
    :mod:`jesse_dag._progress`).
    """
    from joblib import Parallel, delayed

    from jesse_dag._progress import progress as progress_bar

    if len(candles) == 0:
        raise ValueError(f"walk-forward of pipeline {pipeline.name}: no candles of {market.key} in the store; "
                         "import the market first")
    embargo = pipeline.embargo if settings.embargo is None else settings.embargo
    warm_ms = pipeline.warmup_bars * timeframe_to_ms(pipeline.timeframe)
    data_start, data_end = int(candles[0, TIMESTAMP]), int(candles[-1, TIMESTAMP]) + ONE_MINUTE_MS
    steps = plan_steps(data_start, data_end, settings, embargo=embargo, warmup_ms=warm_ms)
    points = gather_history(pipeline, market, candles, steps[-1].train_end_ms, project_dir=project_dir,
                            progress=progress)
    bundles_dir = Path(bundles_dir)
    # processes (loky) unless the caller chose a backend, e.g. `with joblib.parallel_config(backend="dask")`;
    # results as each is ready (in order) where the backend can, so progress moves per finished task
    try:
        parallel = Parallel(n_jobs=settings.n_jobs, prefer="processes", return_as="generator")
    except ValueError:  # a backend without it (joblib's multiprocessing): all results at the end
        parallel = Parallel(n_jobs=settings.n_jobs, prefer="processes")
    # the fixed model's first step is the walk-forward's first step: traded once
    tasks = [(v, i) for v in VARIANTS for i in range(len(steps)) if (v, i) != ("fixed", 0)]
    with progress_bar(len(steps) + len(tasks), f"walk-forward {pipeline.name}", progress, unit="tasks") as bar:
        models = []
        # enumerate (not zip with a shorter list first) runs each generator to its end, freeing `parallel`
        for i, m in enumerate(parallel(delayed(fit_step_bundle)(pipeline, training_samples(points, s), s,
                                                                bundles_dir / s.name, importance=settings.importance)
                                       for s in steps)):
            models.append(m)
            bar.update(note=f"fit {steps[i].name}")
        model_dirs = {"baseline": [None] * len(steps), "fixed": [models[0]["bundle_dir"]] * len(steps),
                      "walk_forward": [m["bundle_dir"] for m in models]}
        # each task gets its own candles (the step and its warm-up), not the whole history
        out = []
        for n, r in enumerate(parallel(
                delayed(backtest_step)(pipeline, market, _slice(candles, s.start_ms - warm_ms, s.end_ms), s,
                                       project_dir=project_dir, model_dir=model_dirs[v][i])
                for v, i in tasks for s in [steps[i]])):
            out.append(r)
            bar.update(note=f"{tasks[n][0]} {steps[tasks[n][1]].name}")
    _remove_other_steps(bundles_dir, {s.name for s in steps})
    done = dict(zip(tasks, out))
    done[("fixed", 0)] = done[("walk_forward", 0)]
    per_variant = {v: [done[(v, i)] for i in range(len(steps))] for v in VARIANTS}
    balance = float(out[0]["starting_balance"])
    runs = {v: stitch(per_variant[v], balance) for v in VARIANTS}
    step_rows = []
    for s, m in zip(steps, models):
        row = {"step": s.index + 1, **_step_dates(s), "trade_start_ms": s.start_ms, "train_end_ms": s.train_end_ms,
               "bundle_dir": m["bundle_dir"], "samples": m["samples"],
               "first_sample_time": m["first_sample_time"], "last_label_time": m["last_label_time"],
               "samples_fingerprint": m["samples_fingerprint"]}
        for v in VARIANTS:
            r = per_variant[v][s.index]
            row[f"{v}_trades"] = len(r["trades"])
            row[f"{v}_net_profit_percentage"] = float(r["metrics"].get("net_profit_percentage", 0.0))
        step_rows.append(row)
    return {"pipeline": pipeline.name, "market": market.key,
            # n_jobs left out: the result is the same whatever it is
            "settings": {**{k: v for k, v in asdict(settings).items() if k != "n_jobs"}, "embargo": embargo},
            "span": [_iso(steps[0].start_ms), _iso(steps[-1].end_ms)], "samples_gathered": len(points),
            "steps": step_rows, "summary": {v: runs[v]["metrics"] for v in VARIANTS}, "runs": runs}


def _remove_other_steps(bundles_dir: Path, keep: set[str]) -> None:
    """Drop the step bundles of an earlier plan (other dates or step length), so the folder holds this run's."""
    import shutil

    for d in bundles_dir.glob("step_*"):
        if d.is_dir() and d.name not in keep and (d / "bundle.json").is_file():
            shutil.rmtree(d)


def check_leak_free(result: Mapping[str, Any]) -> list[str]:
    """Each step's bundle read back from disk: the problems found, a sample whose label time is at or after
    the step's start minus the embargo (an empty list when there is none)."""
    problems = []
    for row in result["steps"]:
        manifest = json.loads((Path(row["bundle_dir"]) / "bundle.json").read_text())
        last = manifest["training_window"]["last_label_time"]
        if last is None or int(last) * 1000 >= row["train_end_ms"]:
            problems.append(f"step {row['step']}: its model saw a label decided at {last} (epoch s), not before "
                            f"the step's start minus the embargo ({row['train_end']})")
    return problems


def summary_table(result: Mapping[str, Any]) -> list[list[Any]]:
    """Rows ``[metric, baseline, fixed, walk_forward]`` of the stitched runs (for the demo and the UI)."""
    return [[k, *(result["summary"][v].get(k) for v in VARIANTS)] for k in SUMMARY_METRICS]


def pool_walk_forward(pipeline: Pipeline, per_market: Mapping[str, Mapping[str, Any]], json_path: str | Path) -> dict:
    """The walk-forwards of a universe's markets (``per_market``: market name -> :func:`run_walk_forward`'s
    result) per market and pooled, as if each market were one account traded side by side: trades, net profit
    and balances summed, win rate weighted by trades, net profit % of the summed starting balance; Sharpe and
    drawdown stay per market (they read one account's equity). Written to ``json_path`` (atomically).

    Example:
        >>> run = lambda n, profit: {"summary": {v: {"starting_balance": 100.0, "final_balance": 100.0 + profit,
        ...     "net_profit": profit, "total": n, "win_rate": 0.5} for v in VARIANTS}, "steps": [{}]}
        >>> import tempfile, os
        >>> out = pool_walk_forward(None, {"a": run(2, 10.0), "b": run(6, -2.0)},
        ...                         os.path.join(tempfile.mkdtemp(), "wf.json"))
        >>> out["pooled"]["walk_forward"]["net_profit"], out["pooled"]["walk_forward"]["net_profit_percentage"]
        (8.0, 4.0)
        >>> out["pooled"]["walk_forward"]["total"], out["pooled"]["walk_forward"]["win_rate"]
        (8, 0.5)
    """
    pooled: dict[str, dict[str, float]] = {}
    for v in VARIANTS:
        rows = [r["summary"][v] for r in per_market.values()]
        out: dict[str, float] = {k: float(sum(r.get(k, 0.0) for r in rows))
                                 for k in ("starting_balance", "final_balance", "net_profit")}
        out["total"] = int(sum(r.get("total", 0) for r in rows))
        out["win_rate"] = (sum(r.get("win_rate", 0.0) * r.get("total", 0) for r in rows) / out["total"]
                           if out["total"] else 0.0)
        out["net_profit_percentage"] = (out["net_profit"] / out["starting_balance"] * 100
                                        if out["starting_balance"] else 0.0)
        pooled[v] = out
    result = {"pipeline": getattr(pipeline, "name", None), "markets": list(per_market),
              "per_market": {m: {"summary": r["summary"], "steps": len(r["steps"])} for m, r in per_market.items()},
              "pooled": pooled,
              "pooling": "one account per market side by side: trades, net profit and balances summed; win rate "
                         "weighted by trades; net profit % of the summed starting balance; Sharpe and max drawdown "
                         "per market only"}
    path = Path(json_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(result, indent=1, default=str))
    tmp.replace(path)
    head = "| market | variant | trades | net profit | net profit % | win rate |\n|---|---|---|---|---|---|\n"
    lines = [f"| {m} | {v} | {r['summary'][v].get('total', 0)} | {r['summary'][v].get('net_profit', 0.0):,.2f} | "
             f"{r['summary'][v].get('net_profit_percentage', 0.0):,.2f} | {r['summary'][v].get('win_rate', 0.0):.3f} |"
             for m, r in per_market.items() for v in VARIANTS]
    lines += [f"| pooled | {v} | {p['total']:g} | {p['net_profit']:,.2f} | {p['net_profit_percentage']:,.2f} | "
              f"{p['win_rate']:.3f} |" for v, p in pooled.items()]
    return {**result, "json": str(path), "markdown": head + "\n".join(lines)}
