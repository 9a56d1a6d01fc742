"""Shared shaping of a backtest result for the reports: daily equity, drawdown, monthly returns, bars."""
from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from jesse_dag.candles.timeframes import TIMEFRAME_MINUTES, timeframe_to_minutes

DISPLAY_TIMEFRAMES = ("5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1D")
TRADE_COLUMNS = ("id", "strategy_name", "symbol", "exchange", "type", "entry_price", "exit_price", "qty", "fee",
                 "size", "PNL", "PNL_percentage", "holding_period", "opened_at", "closed_at")


def iso(ts_ms: float) -> str:
    """``YYYY-MM-DD HH:MM:SS`` (UTC) of an epoch-ms time."""
    return dt.datetime.fromtimestamp(float(ts_ms) / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` to a temp file beside ``path`` and rename it over ``path``: never half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode() if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; reports are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def daily_equity(result: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """``(time_seconds, balance)`` of the daily balance the engine sampled (``result["equity_curve"]``).

    Accepts Jesse's shape ``[{"name", "data": [{"time", "value"}]}]`` or ``[[time_seconds, value], ...]``.
    """
    curve = result.get("equity_curve") if isinstance(result, Mapping) else None
    if curve is None and isinstance(result, Mapping) and "equity" in result:
        curve = result["equity"]
    if not curve:
        raise ValueError("the result has no equity curve: run the backtest with generate_equity_curve=True")
    if isinstance(curve[0], Mapping):
        data = curve[0]["data"]
        t = np.array([float(p["time"]) for p in data])
        v = np.array([float(p["value"]) for p in data])
    else:
        arr = np.asarray(curve, dtype=float)
        t, v = arr[:, 0], arr[:, 1]
    return t, v


def drawdown_percent(values: np.ndarray) -> np.ndarray:
    """Drawdown from the running peak, in percent (0 at a new high, negative below)."""
    values = np.asarray(values, dtype=float)
    peak = np.maximum.accumulate(values)
    return (values / peak - 1.0) * 100.0


def daily_returns(times_s: np.ndarray, values: np.ndarray) -> pd.Series:
    """Day-over-day returns of the daily balance, indexed by UTC date (timezone-naive, for QuantStats)."""
    idx = pd.to_datetime(np.asarray(times_s, dtype=float), unit="s").normalize()
    s = pd.Series(np.asarray(values, dtype=float), index=idx)
    s = s.groupby(level=0).last()
    return s.pct_change().dropna()


def monthly_returns(times_s: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    """Compounded return of each calendar month in percent: rows year, columns 1..12 (NaN: no data)."""
    idx = pd.to_datetime(np.asarray(times_s, dtype=float), unit="s")
    s = pd.Series(np.asarray(values, dtype=float), index=idx)
    month_end = s.groupby([s.index.year, s.index.month]).last()
    prev = month_end.shift(1)
    prev.iloc[0] = s.iloc[0]
    ret = (month_end / prev - 1.0) * 100.0
    table = ret.unstack()
    table.index.name, table.columns.name = "year", "month"
    return table.reindex(columns=range(1, 13))


def bars_from_1m(candles_1m: np.ndarray, timeframe: str) -> np.ndarray:
    """Route-timeframe candles (Jesse's columns) from 1-minute rows, by clock buckets (partial last bar kept)."""
    c = np.asarray(candles_1m, dtype=float)
    if len(c) == 0:
        return c.reshape(0, 6)
    return bars_from_1m_like(c, "1m", timeframe)


def display_timeframe(timeframe: str, n_bars: int, max_bars: int) -> str:
    """The route timeframe if ``n_bars`` fit in ``max_bars``, else the finest coarser timeframe that fits."""
    if n_bars <= max_bars:
        return timeframe
    base = timeframe_to_minutes(timeframe)
    span = n_bars * base
    for tf in DISPLAY_TIMEFRAMES:
        minutes = TIMEFRAME_MINUTES[tf]
        # whole multiples only, so each shown bar is exactly a group of route bars
        if minutes > base and minutes % base == 0 and math.ceil(span / minutes) <= max_bars:
            return tf
    return "1D"


def route_candles(candles: Mapping[str, Any] | np.ndarray, route: Mapping[str, Any] | None) -> np.ndarray:
    """The 1-minute array of the route's market from a backtest ``candles`` dict (or the array itself)."""
    if isinstance(candles, np.ndarray):
        return candles
    if route is not None:
        key = f"{route['exchange']}-{route['symbol']}"
        if key in candles:
            v = candles[key]
            return np.asarray(v["candles"] if isinstance(v, Mapping) else v, dtype=float)
    if len(candles) == 1:
        v = next(iter(candles.values()))
        return np.asarray(v["candles"] if isinstance(v, Mapping) else v, dtype=float)
    raise ValueError(f"no candles for route {route!r}; candles hold {sorted(candles)}")


def flat_trade(t: Mapping[str, Any]) -> dict:
    """A trade's scalar fields (orders left out), in a stable column order."""
    row = {k: t.get(k) for k in TRADE_COLUMNS if k in t}
    row.update({k: v for k, v in t.items() if k not in row and not isinstance(v, (list, dict))})
    return row


def format_value(v: Any) -> str:
    """A metric or cell for people: thousands separators, 4 decimals at most, inf/nan as written."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v) or math.isinf(v):
            return str(v)
        return f"{v:,.4f}".rstrip("0").rstrip(".") if abs(v) < 1e15 else f"{v:.4e}"
    return str(v)


def exact_value(v: Any) -> str:
    """A value's exact text (``repr`` of floats), for machines reading the page."""
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, (np.integer,)):
        return str(int(v))
    return str(v)


def metric_items(metrics: Mapping[str, Any] | None) -> Sequence[tuple[str, Any]]:
    """The scalar metrics in their given order."""
    return [(k, v) for k, v in (metrics or {}).items() if not isinstance(v, (list, dict, tuple))]


def bars_from_1m_like(bars: np.ndarray, timeframe: str, coarser: str) -> np.ndarray:
    """Route-timeframe bars grouped into ``coarser`` clock buckets (the same rule as :func:`bars_from_1m`)."""
    if timeframe == coarser:
        return bars
    tf_ms = timeframe_to_minutes(coarser) * 60_000
    c = np.asarray(bars, dtype=float)
    bucket = (c[:, 0] // tf_ms).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    ends = np.r_[starts[1:], len(c)] - 1
    out = np.empty((len(starts), 6))
    out[:, 0] = bucket[starts] * tf_ms
    out[:, 1] = c[starts, 1]
    out[:, 2] = c[ends, 2]
    out[:, 3] = np.maximum.reduceat(c[:, 3], starts)
    out[:, 4] = np.minimum.reduceat(c[:, 4], starts)
    out[:, 5] = np.add.reduceat(c[:, 5], starts)
    return out
