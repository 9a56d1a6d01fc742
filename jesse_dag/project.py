"""The project file: markets with their candle source, and research pipelines, declared in YAML.

A new pipeline is a few lines in ``project.yaml``; no Python. Every error names the file and the field.

Example ``project.yaml``::

    markets:
      synthetic-btc:
        exchange: Synthetic
        symbol: BTC-USDT
        start: "2024-01-01"
        source: {kind: synthetic, seed: 7, days: 150, planted_signal: true}
    pipelines:
      demo:
        market: synthetic-btc
        strategy: DemoMLStrategy
        timeframe: 15m
        warmup_bars: 210
        training: {start: "2024-01-08", end: "2024-04-01"}
        evaluation: {start: "2024-04-08", end: "2024-05-28"}
        embargo_days: 7
        task: binary
        estimator: {class: sklearn.linear_model.LogisticRegression, params: {max_iter: 1000}}
        validation: {n_splits: 5, embargo_days: 1}
        gate: {roc_auc: 0.52}
        deploy_threshold: 0.55
        schedule: "0 3 * * 1"

    >>> from jesse_dag.project import load_project  # doctest: +SKIP
    >>> project = load_project("project.yaml")  # doctest: +SKIP
    >>> project.pipelines["demo"].timeframe  # doctest: +SKIP
    '15m'
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from jesse_dag.candles.timeframes import TIMEFRAMES

PROJECT_FILE = "project.yaml"
SOURCE_KINDS = ("synthetic", "csv", "parquet", "binance")
TASKS = ("binary", "multiclass", "regression")


class ProjectFileError(ValueError):
    """The project file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Window:
    """A half-open UTC date range ``[start, end)``, dates as ``YYYY-MM-DD``."""

    start: str
    end: str

    @property
    def start_ms(self) -> int:
        return _date_ms(self.start)

    @property
    def end_ms(self) -> int:
        return _date_ms(self.end)


@dataclass(frozen=True)
class Market:
    name: str
    exchange: str
    symbol: str
    start: str
    source: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.exchange}-{self.symbol}"


@dataclass(frozen=True)
class Pipeline:
    name: str
    market: str
    strategy: str
    timeframe: str
    warmup_bars: int
    training: Window
    evaluation: Window
    embargo_days: float
    task: str
    estimator: dict[str, Any]
    validation: dict[str, Any]
    gate: dict[str, float]
    deploy_threshold: float
    schedule: str | None
    data_routes: tuple[str, ...] = ()
    config: dict[str, Any] = field(default_factory=dict)
    min_samples: int = 1000
    optimize: dict[str, Any] | None = None

    def fingerprint(self) -> str:
        """A short hash of the settings: part of the Dagster code versions of this pipeline's assets."""
        payload = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Project:
    path: Path
    markets: dict[str, Market]
    pipelines: dict[str, Pipeline]

    @property
    def directory(self) -> Path:
        return self.path.parent


def _date_ms(value: str) -> int:
    d = dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
    return int(d.timestamp() * 1000)


class _Reader:
    """Reads typed fields from a mapping, naming ``file: a.b.c`` in every error."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, msg: str) -> ProjectFileError:
        return ProjectFileError(f"{self.path}: {where}: {msg}")

    def mapping(self, obj: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(obj, Mapping):
            raise self.fail(where, f"expected a mapping, got {type(obj).__name__}")
        return obj

    def get(self, obj: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...], default: Any = ...):
        if key not in obj:
            if default is ...:
                raise self.fail(f"{where}.{key}", "is required")
            return default
        value = obj[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            want = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(f"{where}.{key}", f"expected {want}, got {value!r}")
        return value

    def date(self, obj: Mapping[str, Any], key: str, where: str) -> str:
        value = obj.get(key)
        if isinstance(value, dt.date):
            value = value.isoformat()
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", f"expected a date YYYY-MM-DD, got {value!r}")
        try:
            _date_ms(value)
        except ValueError:
            raise self.fail(f"{where}.{key}", f"expected a date YYYY-MM-DD, got {value!r}") from None
        return value

    def window(self, obj: Mapping[str, Any], key: str, where: str) -> Window:
        w = self.mapping(obj.get(key), f"{where}.{key}")
        window = Window(self.date(w, "start", f"{where}.{key}"), self.date(w, "end", f"{where}.{key}"))
        if window.end_ms <= window.start_ms:
            raise self.fail(f"{where}.{key}", f"end {window.end} is not after start {window.start}")
        return window


def _optimize_settings(r: _Reader, p: Mapping[str, Any], where: str) -> dict[str, Any] | None:
    """The optional ``optimize:`` section: hyperparameter search on the training window (Optuna)."""
    if "optimize" not in p:
        return None
    o = dict(r.mapping(p["optimize"], f"{where}.optimize"))
    trials = o.get("trials", 50)
    if not isinstance(trials, int) or isinstance(trials, bool) or trials < 1:
        raise r.fail(f"{where}.optimize.trials", f"expected a positive int, got {trials!r}")
    objectives = ("sharpe", "calmar", "sortino", "omega", "serenity", "smart sharpe", "smart sortino")
    if o.get("objective_function", "sharpe") not in objectives:
        raise r.fail(f"{where}.optimize.objective_function", f"expected one of {', '.join(objectives)}")
    return o


def parse_project(data: Any, path: Path) -> Project:
    """Validate the parsed YAML ``data`` of the project file at ``path``."""
    r = _Reader(path)
    root = r.mapping(data, "top level")
    markets: dict[str, Market] = {}
    for name, m in r.mapping(root.get("markets", {}), "markets").items():
        where = f"markets.{name}"
        m = r.mapping(m, where)
        source = dict(r.mapping(m.get("source"), f"{where}.source"))
        if source.get("kind") not in SOURCE_KINDS:
            raise r.fail(f"{where}.source.kind", f"expected one of {', '.join(SOURCE_KINDS)}, got {source.get('kind')!r}")
        markets[name] = Market(
            name=name,
            exchange=r.get(m, "exchange", where, str),
            symbol=r.get(m, "symbol", where, str),
            start=r.date(m, "start", where),
            source=source,
        )
    pipelines: dict[str, Pipeline] = {}
    for name, p in r.mapping(root.get("pipelines", {}), "pipelines").items():
        where = f"pipelines.{name}"
        p = r.mapping(p, where)
        market = r.get(p, "market", where, str)
        if market not in markets:
            raise r.fail(f"{where}.market", f"unknown market {market!r}; declared: {', '.join(markets) or 'none'}")
        timeframe = r.get(p, "timeframe", where, str)
        if timeframe not in TIMEFRAMES:
            raise r.fail(f"{where}.timeframe", f"unknown timeframe {timeframe!r}")
        data_routes = tuple(r.get(p, "data_routes", where, list, []))
        for tf in data_routes:
            if tf not in TIMEFRAMES:
                raise r.fail(f"{where}.data_routes", f"unknown timeframe {tf!r}")
        task = r.get(p, "task", where, str, "binary")
        if task not in TASKS:
            raise r.fail(f"{where}.task", f"expected one of {', '.join(TASKS)}, got {task!r}")
        estimator = dict(r.mapping(p.get("estimator"), f"{where}.estimator"))
        if not isinstance(estimator.get("class"), str) or "." not in estimator["class"]:
            raise r.fail(f"{where}.estimator.class", f"expected a dotted class path, got {estimator.get('class')!r}")
        estimator.setdefault("params", {})
        training = r.window(p, "training", where)
        evaluation = r.window(p, "evaluation", where)
        embargo_days = r.get(p, "embargo_days", where, float, 1.0)
        if evaluation.start_ms < training.end_ms + embargo_days * 86_400_000:
            raise r.fail(
                f"{where}.evaluation.start",
                f"{evaluation.start} is inside the training window plus its embargo "
                f"({training.end} + {embargo_days:g} days): the evaluation would not be out of sample",
            )
        schedule = r.get(p, "schedule", where, str, None)
        if schedule is not None and len(schedule.split()) != 5:
            raise r.fail(f"{where}.schedule", f"expected a 5-field cron string, got {schedule!r}")
        gate = {k: float(v) for k, v in r.mapping(p.get("gate", {}), f"{where}.gate").items()}
        pipelines[name] = Pipeline(
            name=name,
            market=market,
            strategy=r.get(p, "strategy", where, str),
            timeframe=timeframe,
            warmup_bars=r.get(p, "warmup_bars", where, int, 210),
            training=training,
            evaluation=evaluation,
            embargo_days=embargo_days,
            task=task,
            estimator=estimator,
            validation=dict(r.mapping(p.get("validation", {}), f"{where}.validation")),
            gate=gate,
            deploy_threshold=r.get(p, "deploy_threshold", where, float, 0.5),
            schedule=schedule,
            data_routes=data_routes,
            config=dict(r.mapping(p.get("config", {}), f"{where}.config")),
            min_samples=r.get(p, "min_samples", where, int, 1000),
            optimize=_optimize_settings(r, p, where),
        )
    return Project(path=path, markets=markets, pipelines=pipelines)


def load_project(path: str | Path = PROJECT_FILE) -> Project:
    """Read and validate the project file (default ``project.yaml`` in the current directory)."""
    path = Path(path).resolve()
    if not path.exists():
        raise ProjectFileError(f"{path}: project file not found")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ProjectFileError(f"{path}: not valid YAML: {exc}") from None
    return parse_project(data, path)
