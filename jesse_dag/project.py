"""The project file: markets with their candle source, and research pipelines, declared in YAML.

A new pipeline is a few lines in ``project.yaml``; no Python. The whole file is checked against a schema
(pydantic): unknown keys (with a "did you mean" for typos), out-of-range values, cron syntax, paths that
leave the project, unsafe names. Every error names the file, the key path and the value. Durations take one
syntax everywhere: a number and a unit, ``30m``, ``12h``, ``2d``.

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
        embargo: 7d
        task: binary
        estimator: {class: sklearn.linear_model.LogisticRegression, params: {max_iter: 1000}}
        validation: {n_splits: 5, embargo: 1d}
        gate: {roc_auc: 0.52}
        deploy_threshold: 0.55
        deploy: {metric: roc_auc, margin: 0.01}   # champion and challenger
        schedule: "0 3 * * 1"

Windows may instead move with the run's anchor (the schedule's tick, or the latest stored complete candle):
``training: {length: 180d}``, ``evaluation: {length: 30d}``, ``anchor: tick`` (see
:meth:`Pipeline.resolve_windows`). A market may give ``end: "2024-06-30"``, its last day with data.

A pipeline may name a universe of markets instead of one: ``markets: [synthetic-btc, synthetic-eth]`` (any
declared markets, of one exchange or several). Each market is gathered and backtested on its own (a Dagster
partition each); the samples are pooled into one model, validated with folds purged by time across markets.

    >>> from jesse_dag.project import load_project  # doctest: +SKIP
    >>> project = load_project("project.yaml")  # doctest: +SKIP
    >>> project.pipelines["demo"].timeframe  # doctest: +SKIP
    '15m'
"""
from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import math
import re
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from jesse_dag.candles.timeframes import TIMEFRAMES

PROJECT_FILE = "project.yaml"
SOURCE_KINDS = ("synthetic", "csv", "parquet", "binance")
TASKS = ("binary", "multiclass", "regression")
OBJECTIVES = ("sharpe", "calmar", "sortino", "omega", "serenity", "smart sharpe", "smart sortino")
# the out-of-sample metrics the quality gate can read, per task (a name outside these never passes)
GATE_METRICS = {"binary": ("accuracy", "mcc", "roc_auc"), "multiclass": ("accuracy", "mcc", "roc_auc"),
                "regression": ("mae", "r2", "rmse", "spearman")}
# a metric the champion/challenger comparison reads where lower is better (every other: higher is better)
LOWER_IS_BETTER = ("mae", "rmse")
ANCHORS = ("tick", "latest_candle")
MAX_LEVERAGE = 125
DURATION_UNITS = {"m": 60, "h": 3_600, "d": 86_400}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(m|h|d)$")
# names become asset keys, file names and URL parts: letters, digits, '_' and '-', starting alphanumeric
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
_STRATEGY = r"^[A-Za-z_][A-Za-z0-9_]{0,99}$"
_EXCHANGE = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$"
_SYMBOL = r"^[A-Za-z0-9]{1,20}-[A-Za-z0-9]{1,20}$"
_DOTTED = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$"
_PATTERN_TEXT = {
    _NAME: "must be letters, digits, '_' or '-' (starting with a letter or digit, at most 64)",
    _STRATEGY: "must be a strategy folder name: letters, digits and '_', not starting with a digit",
    _EXCHANGE: "must be letters, digits, spaces, '.', '_' or '-' (at most 64)",
    _SYMBOL: "must be BASE-QUOTE in letters and digits, e.g. BTC-USDT",
    _DOTTED: "must be a dotted class path such as sklearn.linear_model.LogisticRegression",
    r"^https?://[^\s]+$": "must be an http(s) URL",
}


class ProjectFileError(ValueError):
    """The project file is malformed; the message names the file, the key path and the value."""


class ProjectFileWarning(UserWarning):
    """The project file uses an older syntax that is still read; the message says what to write instead."""


def parse_duration(value: str) -> float:
    """Seconds in a duration written as a number and a unit: ``30m``, ``12h``, ``2d``.

    Example:
        >>> parse_duration("2d"), parse_duration("1.5h"), parse_duration("30m")
        (172800.0, 5400.0, 1800.0)
    """
    match = _DURATION.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"expected a duration such as 30m, 12h or 2d, got {value!r}")
    return float(match.group(1)) * DURATION_UNITS[match.group(2)]


def format_duration(seconds: float) -> str:
    """The shortest duration text for ``seconds`` (inverse of :func:`parse_duration`).

    Example:
        >>> format_duration(172800), format_duration(5400), format_duration(90)
        ('2d', '90m', '1.5m')
    """
    for unit in ("d", "h", "m"):
        n = seconds / DURATION_UNITS[unit]
        if n == int(n) and n >= 1:
            return f"{int(n)}{unit}"
    return f"{seconds / 60:g}m"


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
    """A market; ``end`` (``YYYY-MM-DD``, inclusive last day) when its data is known to stop there."""

    name: str
    exchange: str
    symbol: str
    start: str
    source: dict[str, Any]
    end: str | None = None

    @property
    def key(self) -> str:
        return f"{self.exchange}-{self.symbol}"


@dataclass(frozen=True)
class Pipeline:
    """One pipeline of the file; ``embargo``, ``validation["embargo"]`` and the window lengths are in seconds.

    Windows are fixed dates (``training``/``evaluation`` set) or move with an anchor time (``training_length``
    and ``evaluation_length`` set, the windows ``None`` until :meth:`resolve_windows` gives them dates).
    """

    name: str
    market: str
    strategy: str
    timeframe: str
    warmup_bars: int
    training: Window | None
    evaluation: Window | None
    embargo: float
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
    walk_forward: dict[str, Any] | None = None  # durations in seconds (see jesse_dag.research.walk_forward)
    training_length: float | None = None
    evaluation_length: float | None = None
    anchor: str = "tick"
    deploy: dict[str, Any] = field(default_factory=dict)
    # a universe: the names of several markets pooled into one model (empty: the one ``market``)
    markets: tuple[str, ...] = ()

    @property
    def universe(self) -> tuple[str, ...]:
        """The names of the pipeline's markets: its ``markets`` or its one ``market``."""
        return self.markets or (self.market,)

    @property
    def pooled(self) -> bool:
        """True when the pipeline pools the samples of several markets (``markets:`` with two or more)."""
        return len(self.markets) > 1

    @property
    def embargo_days(self) -> float:
        return self.embargo / 86_400

    @property
    def rolling(self) -> bool:
        """True when the windows move with an anchor time (``training: {length: 180d}``)."""
        return self.training_length is not None

    def resolve_windows(self, anchor_ms: int) -> "Pipeline":
        """This pipeline with dated windows for an anchor time (epoch ms); fixed windows are returned as they are.

        The evaluation window ends at the anchor's UTC day (exclusive) and lasts ``evaluation_length``; the
        training window ends ``embargo`` before it (on a day boundary) and lasts ``training_length``.

        Example:
            >>> p = parse_project({"markets": {"m": {"exchange": "E", "symbol": "A-B", "start": "2024-01-01",
            ...     "source": {"kind": "synthetic"}}}, "pipelines": {"p": {"market": "m", "strategy": "S",
            ...     "timeframe": "15m", "training": {"length": "60d"}, "evaluation": {"length": "10d"},
            ...     "embargo": "2d", "estimator": {"class": "sklearn.linear_model.LogisticRegression"}}}},
            ...     Path("project.yaml")).pipelines["p"]
            >>> w = p.resolve_windows(_date_ms("2024-06-03") + 3 * 3_600_000)
            >>> w.training, w.evaluation
            (Window(start='2024-03-23', end='2024-05-22'), Window(start='2024-05-24', end='2024-06-03'))
        """
        if not self.rolling:
            return self
        day = 86_400_000
        eval_end = int(anchor_ms) // day * day
        eval_start = eval_end - int(self.evaluation_length * 1000)
        train_end = (eval_start - int(self.embargo * 1000)) // day * day
        train_start = train_end - int(self.training_length * 1000)
        return replace(self, training=Window(_ms_date(train_start), _ms_date(train_end)),
                       evaluation=Window(_ms_date(eval_start), _ms_date(eval_end)))

    def fingerprint(self) -> str:
        """A short hash of the settings: part of the Dagster code versions of this pipeline's assets (the
        walk-forward's settings are left out: they change only the walk-forward asset, whose version has them)."""
        settings = asdict(self)
        settings.pop("walk_forward")
        if not self.markets:
            settings.pop("markets")  # one market: the version it had before universes existed
        payload = json.dumps(settings, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Storage:
    """Where the project's store lives (``storage:`` in project.yaml): the DuckDB file (``kind="duckdb"``, the
    default) or Parquet under ``uri`` (a folder, or ``s3://bucket/prefix`` with ``options`` for the filesystem).

    Example:
        >>> Storage("parquet", "s3://research/jd", (("endpoint_url", "http://127.0.0.1:9000"),)).store(Path("/p"))
        's3://research/jd?endpoint_url=http%3A%2F%2F127.0.0.1%3A9000'
        >>> Storage().store(Path("/p"))
        '/p/storage/jesse_dag.duckdb'
    """

    kind: str = "duckdb"
    uri: str | None = None
    options: tuple = ()

    def store(self, project_dir: Path) -> str:
        """What the store functions take as ``db``: the DuckDB file's path, or the Parquet store's URI."""
        from jesse_dag.store.location import folder_uri, store_uri

        if self.kind == "duckdb":
            return str(Path(project_dir) / "storage" / "jesse_dag.duckdb")
        uri = self.uri if "://" in self.uri else folder_uri(Path(project_dir) / self.uri)
        return store_uri(uri, **dict(self.options))


@dataclass(frozen=True)
class Project:
    path: Path
    markets: dict[str, Market]
    pipelines: dict[str, Pipeline]
    storage: Storage = Storage()

    @property
    def directory(self) -> Path:
        return self.path.parent


def _date_ms(value: str) -> int:
    d = dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
    return int(d.timestamp() * 1000)


def _ms_date(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%d")


# ── the schema ───────────────────────────────────────────────────────────────────────────────────────────


def _as_date_text(value: Any) -> Any:
    # YAML reads an unquoted 2024-01-01 as a date
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _check_date(value: Any) -> Any:
    value = _as_date_text(value)
    if isinstance(value, str):
        try:
            _date_ms(value)
        except ValueError:
            raise ValueError("expected a date YYYY-MM-DD") from None
    return value


def _check_duration(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # the str type check names it
    parse_duration(value)
    return value


def _check_timeframe(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # the str type check names it
    if value not in TIMEFRAMES:
        raise ValueError(f"unknown timeframe {value!r}; use one of {', '.join(TIMEFRAMES)}")
    return value


def _check_cron(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # the str type check names it
    try:  # dagster runs the schedules, so its parser decides (it vendors croniter)
        from dagster._utils.schedules import is_valid_cron_string
    except ImportError:  # pragma: no cover - the library without Dagster: the shape only
        def is_valid_cron_string(text: str) -> bool:
            return len(text.split()) == 5
    if not is_valid_cron_string(value):
        raise ValueError("expected a 5-field cron string such as '0 3 * * 1' (minute hour day month weekday)")
    return value


def _check_relative_path(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # the str type check names it
    # a path inside the project folder: not absolute, no '..', on POSIX and Windows alike
    parts = PurePosixPath(value.replace("\\", "/")).parts
    if not value or PurePosixPath(value).is_absolute() or PureWindowsPath(value).is_absolute() \
            or PureWindowsPath(value).drive or ".." in parts:
        raise ValueError("expected a path inside the project folder (relative, without '..')")
    return value


DateText = Annotated[str, BeforeValidator(_check_date)]
Duration = Annotated[str, Field(strict=True), BeforeValidator(_check_duration)]
Timeframe = Annotated[str, Field(strict=True), BeforeValidator(_check_timeframe)]
Fraction = Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SyntheticSource(_Model):
    kind: Literal["synthetic"]
    seed: int = Field(0, ge=0)
    days: int = Field(90, ge=1, le=36_500)
    planted_signal: bool = False
    start_price: float = Field(30_000.0, gt=0, allow_inf_nan=False)
    minute_volatility: float = Field(0.0006, gt=0, lt=1, allow_inf_nan=False)
    tick_size: float = Field(0.01, gt=0, allow_inf_nan=False)
    signal_strength: float = Field(0.05, ge=0, allow_inf_nan=False)
    signal_lookback: int = Field(60, ge=1)
    signal_horizon: int = Field(60, ge=1)
    signal_threshold: float = Field(2.0, gt=0, allow_inf_nan=False)


class FileSource(_Model):
    kind: Literal["csv", "parquet"]
    path: Annotated[str, BeforeValidator(_check_relative_path)]


class BinanceSource(_Model):
    kind: Literal["binance"]
    market: Literal["spot", "futures"] = "spot"
    base_url: Annotated[str, Field(pattern=r"^https?://[^\s]+$")] | None = None


# Keys that would put credentials into the project file (committed, shared): refused with what to do instead.
_CREDENTIAL_KEYS = ("key", "secret", "token", "password", "access_key", "secret_key", "aws_access_key_id",
                    "aws_secret_access_key", "aws_session_token", "session_token", "credentials")


def _no_credentials(value: Any) -> Any:
    if isinstance(value, dict):
        found = sorted(k for k in value if str(k).lower() in _CREDENTIAL_KEYS)
        if found:
            raise ValueError(f"{', '.join(found)}: credentials never go into project.yaml; set them in the "
                             "environment of every process (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
                             "AWS_PROFILE, or the machine's role), as boto reads them")
    return value


class DuckDBStorage(_Model):
    kind: Literal["duckdb"]


def _check_storage_uri(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # the str type check names it
    if "://" in value:
        if not value.startswith(("s3://", "file:///")):
            raise ValueError("expected s3://bucket/prefix, file:///absolute/folder, or a folder inside the project")
        if "?" in value:
            raise ValueError("options go into their own keys (endpoint_url, region, profile, anonymous), not the URI")
        return value
    try:
        return _check_relative_path(value)
    except ValueError:
        raise ValueError("expected a folder inside the project (relative, without '..'), file:///absolute/folder "
                         "or s3://bucket/prefix") from None


class ParquetStorage(_Model):
    kind: Literal["parquet"]
    uri: Annotated[str, BeforeValidator(_check_storage_uri)]
    endpoint_url: Annotated[str, Field(pattern=r"^https?://[^\s]+$")] | None = None
    region: Annotated[str, Field(pattern=r"^[a-z0-9-]{1,40}$")] | None = None
    profile: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] | None = None
    anonymous: bool = False


StorageModel = Annotated[Union[DuckDBStorage, ParquetStorage], Field(discriminator="kind"),
                         BeforeValidator(_no_credentials)]
STORAGE_KINDS = ("duckdb", "parquet")


class MarketModel(_Model):
    exchange: Annotated[str, Field(pattern=_EXCHANGE)]
    symbol: Annotated[str, Field(pattern=_SYMBOL)]
    start: DateText
    # the last day with data (inclusive); without it the end is found from the source (file, synthetic days)
    end: DateText | None = None
    source: Annotated[Union[SyntheticSource, FileSource, BinanceSource], Field(discriminator="kind")]


class WindowModel(_Model):
    """Fixed dates (``start`` and ``end``) or a ``length`` that moves with the run's anchor time."""

    start: DateText | None = None
    end: DateText | None = None
    length: Duration | None = None

    @model_validator(mode="after")
    def _one_form(self) -> "WindowModel":
        if self.length is not None:
            if self.start is not None or self.end is not None:
                raise ValueError("give either `length` (a window that moves with the anchor) or `start` and "
                                 "`end` (fixed dates), not both")
            seconds = parse_duration(self.length)
            if seconds <= 0 or seconds % 86_400:
                raise ValueError(f"length {self.length!r} must be a whole number of days (windows are dates), "
                                 "e.g. 180d")
        elif self.start is None or self.end is None:
            raise ValueError("expected `start` and `end` dates, or a `length` such as 180d")
        return self


class DeployModel(_Model):
    """Champion and challenger: the new bundle replaces the deployed one only if its ``metric`` on the
    evaluation window is not worse than the deployed one's by more than ``margin``."""

    metric: str | None = None
    margin: float = Field(0.0, ge=0, allow_inf_nan=False)


class EstimatorModel(_Model):
    class_: Annotated[str, Field(alias="class", pattern=_DOTTED)]
    params: dict[str, Any] = {}


class ValidationModel(_Model):
    """``validation:``; ``importance``/``importance_max_samples`` are train_model's: ``auto`` gives Jesse's
    exact importance report up to ``importance_max_samples`` training samples and the fast, subsampled one
    above; ``exact`` and ``fast`` force one at any size."""

    n_splits: int = Field(5, ge=2, le=100)
    embargo: Duration = "1d"
    test_ratio: float = Field(0.2, gt=0, lt=1, allow_inf_nan=False)
    importance: Literal["auto", "exact", "fast"] = "auto"
    importance_max_samples: int = Field(10_000, ge=0)  # = jesse_dag.ml.training.IMPORTANCE_MAX_SAMPLES


class BacktestConfigModel(_Model):
    starting_balance: float = Field(10_000, gt=0, allow_inf_nan=False)
    fee: Fraction = 0.0
    type: Literal["futures", "spot"] = "futures"
    futures_leverage: float = Field(1, gt=0, le=MAX_LEVERAGE, allow_inf_nan=False)
    futures_leverage_mode: Literal["cross", "isolated"] = "cross"
    annualization: Literal[365, 252] = 365
    slippage: Fraction | None = None
    maker_fee: Fraction | None = None
    taker_fee: Fraction | None = None
    funding_rate: float | None = Field(None, gt=-1, lt=1, allow_inf_nan=False)
    cross_liquidation: bool = False


class OptimizeModel(_Model):
    trials: int = Field(50, ge=1, le=100_000)
    objective_function: Literal[OBJECTIVES] = "sharpe"  # type: ignore[valid-type]
    seed: int = Field(0, ge=0)


class WalkForwardModel(_Model):
    """``walk_forward:``: re-train every ``step`` on the trailing ``training`` window that ended ``embargo``
    (default: the pipeline's) before the step; ``start``/``end`` default to where the data allows."""

    training: Duration = "90d"
    step: Duration = "30d"
    embargo: Duration | None = None
    start: DateText | None = None
    end: DateText | None = None
    importance: bool = False
    n_jobs: int = Field(1, ge=-1, le=256)


class PipelineModel(_Model):
    market: Annotated[str, Field(pattern=_NAME)] | None = None  # or `markets:` (several), one of the two
    strategy: Annotated[str, Field(pattern=_STRATEGY)]
    timeframe: Timeframe
    warmup_bars: int = Field(210, ge=0, le=100_000)
    training: WindowModel
    evaluation: WindowModel
    embargo: Duration = "1d"
    task: Literal[TASKS] = "binary"  # type: ignore[valid-type]
    estimator: EstimatorModel
    validation: ValidationModel = ValidationModel()
    gate: dict[str, Annotated[float, Field(allow_inf_nan=False)]] = {}
    deploy_threshold: float = Field(0.5, allow_inf_nan=False)
    schedule: Annotated[str, BeforeValidator(_check_cron)] | None = None
    data_routes: list[Timeframe] = []
    config: BacktestConfigModel = BacktestConfigModel()
    min_samples: int = Field(1000, ge=1)
    optimize: OptimizeModel | None = None
    walk_forward: WalkForwardModel | None = None
    anchor: Literal[ANCHORS] = "tick"  # type: ignore[valid-type]
    deploy: DeployModel = DeployModel()
    markets: list[Annotated[str, Field(pattern=_NAME)]] | None = None


class ProjectModel(_Model):
    storage: StorageModel = DuckDBStorage(kind="duckdb")
    markets: dict[Annotated[str, Field(pattern=_NAME)], MarketModel] = {}
    pipelines: dict[Annotated[str, Field(pattern=_NAME)], PipelineModel] = {}


# ── old keys, errors ─────────────────────────────────────────────────────────────────────────────────────


def _upgrade_old_keys(data: Any, path: Path) -> Any:
    """Read the keys of the older syntax (``embargo_days``, ``validation.embargo_days``, ``validation.embargo``
    as seconds or a Jesse timeframe such as ``1D``) as the new ones, warning with what to write instead."""
    if not isinstance(data, dict) or not isinstance(data.get("pipelines"), dict):
        return data
    data = {**data, "pipelines": dict(data["pipelines"])}

    def warn(where: str, old: str, new: str) -> None:
        warnings.warn(f"{path}: {where}: `{old}` is the older syntax, still read; write `{new}` instead",
                      ProjectFileWarning, stacklevel=4)

    def days_to_duration(where: str, key: str, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ProjectFileError(f"{path}: {where}.{key}: expected a number of days >= 0, got {value!r}; "
                                   f"write e.g. `embargo: 2d`")
        return format_duration(value * 86_400) if value else "0m"

    for name, p in data["pipelines"].items():
        if not isinstance(p, dict):
            continue
        p = dict(p)
        where = f"pipelines.{name}"
        if "embargo_days" in p:
            if "embargo" in p:
                raise ProjectFileError(f"{path}: {where}: both `embargo` and the older `embargo_days`; keep `embargo`")
            p["embargo"] = days_to_duration(where, "embargo_days", p.pop("embargo_days"))
            warn(where, f"embargo_days: {data['pipelines'][name]['embargo_days']}", f"embargo: {p['embargo']}")
        v = p.get("validation")
        if isinstance(v, dict):
            v = dict(v)
            if "embargo_days" in v:
                if "embargo" in v:
                    raise ProjectFileError(f"{path}: {where}.validation: both `embargo` and the older "
                                           f"`embargo_days`; keep `embargo`")
                old = v.pop("embargo_days")
                v["embargo"] = days_to_duration(f"{where}.validation", "embargo_days", old)
                warn(f"{where}.validation", f"embargo_days: {old}", f"embargo: {v['embargo']}")
            e = v.get("embargo")
            if isinstance(e, (int, float)) and not isinstance(e, bool) and math.isfinite(e) and e >= 0:
                v["embargo"] = format_duration(e) if e else "0m"  # seconds, as train_model takes them
                warn(f"{where}.validation", f"embargo: {e}", f"embargo: {v['embargo']}")
            elif isinstance(e, str) and re.fullmatch(r"\d+[DW]", e):  # a Jesse timeframe: 1D, 3D, 1W
                days = int(e[:-1]) * (7 if e.endswith("W") else 1)
                v["embargo"] = f"{days}d"
                warn(f"{where}.validation", f"embargo: {e}", f"embargo: {v['embargo']}")
            p["validation"] = v
        data["pipelines"][name] = p
    return data


def _fields_of(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The schema model that holds the key at ``loc`` (for a "did you mean")."""
    model: Any = ProjectModel
    i = 0
    while i < len(loc) - 1 and model is not None:
        key = loc[i]
        if model is ProjectModel and key == "storage":
            model = {"duckdb": DuckDBStorage, "parquet": ParquetStorage}.get(loc[i + 1]) if i + 1 < len(loc) - 1 else None
            i += 2
            continue
        if model is ProjectModel:
            model = {"markets": MarketModel, "pipelines": PipelineModel}.get(key)
            i += 2  # the market's or pipeline's name
            continue
        sub = {"training": WindowModel, "evaluation": WindowModel, "estimator": EstimatorModel,
               "validation": ValidationModel, "config": BacktestConfigModel, "optimize": OptimizeModel,
               "walk_forward": WalkForwardModel,
               "deploy": DeployModel}
        if model is MarketModel and key == "source":
            kinds = {"synthetic": SyntheticSource, "csv": FileSource, "parquet": FileSource,
                     "binance": BinanceSource}
            model = kinds.get(loc[i + 1]) if i + 1 < len(loc) - 1 else None
            i += 2
            continue
        model = sub.get(key) if model is PipelineModel else None
        i += 1
    return model if i == len(loc) - 1 else None


def _describe(error: dict, path: Path) -> str:
    loc = tuple(error["loc"])
    # the source's kind (the union's tag) and validator wrappers ("function-before[...]") are not keys
    keys = [str(k) for i, k in enumerate(loc)
            if not (isinstance(k, str) and ("[" in k or (i and loc[i - 1] == "source" and k in SOURCE_KINDS)
                                             or (i and loc[i - 1] == "storage" and k in STORAGE_KINDS)))]
    where = ".".join(keys) or "top level"
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc)
        known = _fields_of(model) if model is not None else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else (f"; known keys: {', '.join(known)}" if known else "")
        return f"{path}: {where}: unknown key (value {value!r}){hint}"
    if kind == "missing":
        return f"{path}: {where}: is required"
    message = error["msg"].removeprefix("Value error, ")
    if kind == "union_tag_invalid":
        message = f"expected one of {', '.join(STORAGE_KINDS if loc[:1] == ('storage',) else SOURCE_KINDS)}"
        value = error.get("ctx", {}).get("tag", value)
    elif kind == "string_pattern_mismatch":
        message = _PATTERN_TEXT.get(error.get("ctx", {}).get("pattern"), "has characters that are not allowed")
    if loc and loc[-1] == "[key]":
        return f"{path}: {'.'.join(keys[:-1])}: the name {value!r} {message}"
    if "credentials never go" in message:  # never echo what may be a secret
        return f"{path}: {where}: {message}"
    message = message[:1].lower() + message[1:]  # pydantic's "Input should be ..." inside our sentence
    return f"{path}: {where}: {message}" + ("" if "got " in message or repr(value) in message else f", got {value!r}")


def _cross_checks(model: ProjectModel, path: Path) -> None:
    """What one field cannot say alone: known market, windows in order, out-of-sample evaluation, gate metrics."""
    for name, m in model.markets.items():
        if m.end is not None and _date_ms(m.end) < _date_ms(m.start):
            raise ProjectFileError(f"{path}: markets.{name}.end: {m.end} is before the market's start {m.start}")
    for name, p in model.pipelines.items():
        where = f"pipelines.{name}"
        _check_pipeline_markets(model, name, p, path)
        if (p.training.length is None) != (p.evaluation.length is None):
            raise ProjectFileError(f"{path}: {where}: training and evaluation must both be fixed dates or both "
                                   f"lengths (windows that move with the anchor), got training "
                                   f"{p.training.model_dump(exclude_none=True)} and evaluation "
                                   f"{p.evaluation.model_dump(exclude_none=True)}")
        metric = p.deploy.metric
        if metric is not None and metric not in GATE_METRICS[p.task]:
            raise ProjectFileError(f"{path}: {where}.deploy.metric: {metric!r} is not an out-of-sample metric of "
                                   f"task {p.task!r}; use one of {', '.join(GATE_METRICS[p.task])}")
        if p.training.length is not None:
            continue  # moving windows: in order by construction (see Pipeline.resolve_windows)
        for key, w in (("training", p.training), ("evaluation", p.evaluation)):
            if _date_ms(w.end) <= _date_ms(w.start):
                raise ProjectFileError(f"{path}: {where}.{key}: end {w.end} is not after start {w.start}")
        embargo_ms = parse_duration(p.embargo) * 1000
        if _date_ms(p.evaluation.start) < _date_ms(p.training.end) + embargo_ms:
            raise ProjectFileError(
                f"{path}: {where}.evaluation.start: {p.evaluation.start} is inside the training window plus its "
                f"embargo ({p.training.end} + {p.embargo}): the evaluation would not be out of sample")
        allowed = GATE_METRICS[p.task]
        for metric in p.gate:
            if metric not in allowed:
                close = difflib.get_close_matches(metric, allowed, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ProjectFileError(f"{path}: {where}.gate.{metric}: not an out-of-sample metric of task "
                                       f"{p.task!r} ({hint}one of {', '.join(allowed)}); the gate could never pass")
        w = p.walk_forward
        if w is not None:
            for key in ("training", "step"):
                if parse_duration(getattr(w, key)) <= 0:
                    raise ProjectFileError(f"{path}: {where}.walk_forward.{key}: must be longer than 0, got "
                                           f"{getattr(w, key)!r}")
            if w.n_jobs == 0:
                raise ProjectFileError(f"{path}: {where}.walk_forward.n_jobs: 0 runs nothing; use 1 (in order), "
                                       "a number of processes, or -1 (every core)")
            if w.start is not None and w.end is not None and _date_ms(w.end) <= _date_ms(w.start):
                raise ProjectFileError(f"{path}: {where}.walk_forward.end: {w.end} is not after start {w.start}")
        if p.task != "regression" and not 0 <= p.deploy_threshold <= 1:
            raise ProjectFileError(f"{path}: {where}.deploy_threshold: a probability in [0, 1] for task "
                                   f"{p.task!r}, got {p.deploy_threshold!r}")


def _check_pipeline_markets(model: ProjectModel, name: str, p: PipelineModel, path: Path) -> None:
    """``market:`` (one) or ``markets:`` (a universe): declared names, no repeat, one market per exchange symbol;
    a universe pools its samples, so what cannot pool yet (an optimisation) is refused."""
    where = f"pipelines.{name}"
    if (p.market is None) == (p.markets is None):
        raise ProjectFileError(f"{path}: {where}: give `market: <name>` (one market) or `markets: [<name>, ...]` "
                               f"(several), not {'both' if p.market else 'neither'}")
    key, names = ("market", [p.market]) if p.market is not None else ("markets", list(p.markets or []))
    if not names:
        raise ProjectFileError(f"{path}: {where}.markets: an empty list; name at least one declared market")
    for i, market in enumerate(names):
        at = key if key == "market" else f"markets[{i}]"
        if market not in model.markets:
            close = difflib.get_close_matches(market, list(model.markets), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ProjectFileError(f"{path}: {where}.{at}: unknown market {market!r}; {hint}declared: "
                                   f"{', '.join(model.markets) or 'none'}")
        if market in names[:i]:
            raise ProjectFileError(f"{path}: {where}.{at}: market {market!r} is listed twice")
    pairs: dict[tuple[str, str], str] = {}
    for market in names:
        m = model.markets[market]
        other = pairs.setdefault((m.exchange, m.symbol), market)
        if other != market:
            raise ProjectFileError(f"{path}: {where}.markets: {other!r} and {market!r} are both {m.exchange} "
                                   f"{m.symbol}; a sample's route names its market by exchange and symbol, so each "
                                   "must be a different market")
    if len(names) > 1 and p.optimize is not None:
        raise ProjectFileError(f"{path}: {where}.optimize: a hyperparameter search runs on one market; drop "
                               f"`optimize:` or give the pipeline one market (it names {len(names)})")


def _walk_forward_settings(w: WalkForwardModel) -> dict[str, Any]:
    out = w.model_dump()
    for key in ("training", "step", "embargo"):
        out[key] = None if out[key] is None else parse_duration(out[key])
    return out


def parse_project(data: Any, path: Path) -> Project:
    """Validate the parsed YAML ``data`` of the project file at ``path``."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ProjectFileError(f"{path}: top level: expected a mapping with markets and pipelines, "
                               f"got {type(data).__name__}")
    data = _upgrade_old_keys(data, path)
    try:
        model = ProjectModel.model_validate(data)
    except ValidationError as exc:
        lines = [_describe(e, path) for e in exc.errors()]
        more = f"\n(and {len(lines) - 10} more)" if len(lines) > 10 else ""
        raise ProjectFileError("\n".join(lines[:10]) + more) from None
    _cross_checks(model, path)
    markets = {name: Market(name=name, exchange=m.exchange, symbol=m.symbol, start=m.start,
                            source=m.source.model_dump(exclude_unset=True) | {"kind": m.source.kind}, end=m.end)
               for name, m in model.markets.items()}
    pipelines = {}
    for name, p in model.pipelines.items():
        validation = {"n_splits": p.validation.n_splits, "embargo": parse_duration(p.validation.embargo),
                      "test_ratio": p.validation.test_ratio, "importance": p.validation.importance,
                      "importance_max_samples": p.validation.importance_max_samples}
        rolling = p.training.length is not None
        default_metric = "r2" if p.task == "regression" else "roc_auc"
        pipelines[name] = Pipeline(
            name=name, market=p.market or (p.markets or [""])[0],
            markets=tuple(p.markets) if p.markets and len(p.markets) > 1 else (), strategy=p.strategy,
            timeframe=p.timeframe, warmup_bars=p.warmup_bars,
            training=None if rolling else Window(p.training.start, p.training.end),
            evaluation=None if rolling else Window(p.evaluation.start, p.evaluation.end),
            training_length=parse_duration(p.training.length) if rolling else None,
            evaluation_length=parse_duration(p.evaluation.length) if rolling else None, anchor=p.anchor,
            deploy={"metric": p.deploy.metric or next(iter(p.gate), default_metric), "margin": p.deploy.margin},
            embargo=parse_duration(p.embargo), task=p.task,
            estimator={"class": p.estimator.class_, "params": dict(p.estimator.params)},
            validation=validation, gate=dict(p.gate), deploy_threshold=p.deploy_threshold, schedule=p.schedule,
            data_routes=tuple(p.data_routes), config=p.config.model_dump(exclude_unset=True),
            min_samples=p.min_samples, optimize=None if p.optimize is None else p.optimize.model_dump(),
            walk_forward=None if p.walk_forward is None else _walk_forward_settings(p.walk_forward))
    storage = Storage() if model.storage.kind == "duckdb" else Storage(
        "parquet", model.storage.uri, tuple((k, v) for k, v in model.storage.model_dump(exclude={"kind", "uri"}).items()
                                            if v not in (None, False)))
    return Project(path=path, markets=markets, pipelines=pipelines, storage=storage)


def load_storage(path: str | Path = PROJECT_FILE) -> Storage:
    """Only the ``storage:`` setting of a project file (the default when the file or the key is absent), for
    tools that need the store but not the pipelines (the CLI's candle import); errors as :func:`load_project`'s.

    Example:
        >>> load_storage("/nowhere/project.yaml")
        Storage(kind='duckdb', uri=None, options=())
    """
    path = Path(path).resolve()
    if not path.is_file():
        return Storage()
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ProjectFileError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or "storage" not in data:
        return Storage()
    return parse_project({"storage": data["storage"]}, path).storage


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
