"""Trading-hours schedules (Jesse 3.5.3's format) for ``utils.filter_candles_by_hours`` / ``is_in_trading_hours``.

A schedule is a plain dict::

    {'timezone': 'America/New_York',              # IANA name, required
     'hours': {'Mon-Fri': '09:30-16:00'},         # day spec -> a window or a list of windows
     'closed': ['2026-11-26'],                    # optional: local dates that are closed
     'overrides': {'2026-11-27': '09:30-13:00'}}  # optional: local date -> window(s) for that day

Windows are local wall-clock times, half-open (open <= t < close); a close at or before the open runs past
midnight and belongs to the day it opens; ``'24:00'`` closes at midnight. A day spec is ``'Mon-Fri'``
(ranges may wrap: ``'Fri-Mon'``), ``'Mon,Wed,Fri'`` or one day. A day listed nowhere is closed; a closed
date beats an override, which beats the weekday rule. Local times become UTC per calendar day with
``zoneinfo``, so daylight-saving changes are handled.

Example:
    >>> nyse = {'timezone': 'America/New_York', 'hours': {'Mon-Fri': '09:30-16:00'}}
    >>> is_in_trading_hours(1767364200000, nyse), is_in_trading_hours(1767364140000, nyse)  # 2026-01-02 09:30 / 09:29
    (True, False)
"""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

__all__ = ["TradingHours", "schedule", "is_in_trading_hours", "filter_candles"]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_KEYS = ("timezone", "hours", "closed", "overrides")
_DAY = dt.timedelta(days=1)


def _minutes(text: str, where: str) -> int:
    parts = text.strip().split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"{where}: time '{text}' must look like 'HH:MM'")
    h, m = int(parts[0]), int(parts[1])
    if m > 59 or h > 24 or (h == 24 and m):
        raise ValueError(f"{where}: time '{text}' is out of range (00:00 to 24:00)")
    return h * 60 + m


def _windows(value, where: str) -> list[tuple[int, int]]:
    """One 'HH:MM-HH:MM' or a non-empty list of them -> [(open, close)] in minutes after local midnight."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items:
        raise ValueError(f"{where}: expected a window 'HH:MM-HH:MM' or a non-empty list of windows")
    out = []
    for w in items:
        if not isinstance(w, str) or w.count("-") != 1:
            raise ValueError(f"{where}: window '{w}' must look like 'HH:MM-HH:MM'")
        a, b = (_minutes(t, where) for t in w.split("-"))
        if a == 1440:
            raise ValueError(f"{where}: a window cannot open at 24:00")
        if a == b:
            raise ValueError(f"{where}: window '{w}' opens and closes at the same time")
        out.append((a, b))
    return out


def _weekdays(spec: str) -> list[int]:
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"'hours' key {spec!r} must name days like 'Mon-Fri', 'Mon,Wed,Fri' or 'Sun'")
    days = []
    for part in (p.strip() for p in spec.split(",")):
        ends = [e.strip() for e in part.split("-", 1)]
        if any(e not in _DAYS for e in ends):
            raise ValueError(f"'hours' key '{spec}': unknown day in '{part}' (use Mon..Sun)")
        first, last = _DAYS.index(ends[0]), _DAYS.index(ends[-1])
        days += [(first + k) % 7 for k in range((last - first) % 7 + 1)]
    return days


def _date(value, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where}: '{value}' is not an ISO date (YYYY-MM-DD)") from None


class TradingHours:
    """A validated schedule; :meth:`contains` and :meth:`mask` answer in UTC epoch milliseconds."""

    def __init__(self, spec: dict) -> None:
        if not isinstance(spec, dict):
            raise ValueError("trading hours must be a dict or None")
        unknown = sorted(set(spec) - set(_KEYS))
        if unknown:
            raise ValueError(f"trading hours: unknown key(s) {unknown}; allowed keys are {sorted(_KEYS)}")
        tz = spec.get("timezone")
        if not isinstance(tz, str) or not tz:
            raise ValueError("trading hours: 'timezone' is required, an IANA name such as 'America/New_York'")
        try:
            self.tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"trading hours: unknown timezone '{tz}'") from None
        hours = spec.get("hours")
        if not isinstance(hours, dict) or not hours:
            raise ValueError("trading hours: 'hours' must be a non-empty dict of day spec -> window(s)")
        self.weekly: dict[int, list[tuple[int, int]]] = {}
        for days, value in hours.items():
            windows = _windows(value, f"'hours' entry '{days}'")
            for d in _weekdays(days):
                if d in self.weekly:
                    raise ValueError(f"trading hours: {_DAYS[d]} is listed more than once in 'hours'")
                self.weekly[d] = windows
        closed = spec.get("closed") or []
        if not isinstance(closed, (list, tuple)):
            raise ValueError("trading hours: 'closed' must be a list of ISO dates")
        self.closed = frozenset(_date(d, "'closed'") for d in closed)
        overrides = spec.get("overrides") or {}
        if not isinstance(overrides, dict):
            raise ValueError("trading hours: 'overrides' must be a dict of ISO date -> window(s)")
        self.overrides = {_date(d, "'overrides'"): _windows(v, f"'overrides' entry '{d}'")
                          for d, v in overrides.items()}
        self._by_day: dict[dt.date, list[tuple[int, int]]] = {}

    def _ms(self, day: dt.date, minutes: int) -> int:
        extra, minutes = divmod(minutes, 1440)  # 24:00 is the next day's midnight
        day += dt.timedelta(days=extra)
        local = dt.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=self.tz)
        return int(local.timestamp() * 1000)

    def intervals(self, day: dt.date) -> list[tuple[int, int]]:
        """UTC [start, end) intervals of the windows that open on local date ``day``."""
        got = self._by_day.get(day)
        if got is None:
            if day in self.closed:
                windows = []
            else:
                windows = self.overrides.get(day, self.weekly.get(day.weekday(), []))
            got = self._by_day[day] = [(self._ms(day, a), self._ms(day if b > a else day + _DAY, b))
                                       for a, b in windows]
        return got

    def _local_date(self, ms: int) -> dt.date:
        return dt.datetime.fromtimestamp(ms / 1000, self.tz).date()

    def contains(self, timestamp: int) -> bool:
        """Whether the UTC-ms moment is inside the schedule (yesterday's overnight windows included)."""
        t = int(timestamp)
        day = self._local_date(t)
        return any(a <= t < b for d in (day - _DAY, day) for a, b in self.intervals(d))

    def mask(self, timestamps: np.ndarray) -> np.ndarray:
        """Boolean mask of the UTC-ms timestamps inside the schedule."""
        ts = np.asarray(timestamps, dtype=np.int64)
        if ts.size == 0:
            return np.zeros(0, dtype=bool)
        day, last = self._local_date(int(ts.min())) - _DAY, self._local_date(int(ts.max()))
        spans = []
        while day <= last:
            spans += self.intervals(day)
            day += _DAY
        if not spans:
            return np.zeros(ts.shape, dtype=bool)
        spans.sort()
        merged = [list(spans[0])]
        for a, b in spans[1:]:  # an overnight window may run into the next day's: merge so the search holds
            if a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        starts = np.array([m[0] for m in merged], dtype=np.int64)
        ends = np.array([m[1] for m in merged], dtype=np.int64)
        i = np.searchsorted(starts, ts, side="right") - 1
        return (i >= 0) & (ts < ends[np.maximum(i, 0)])


_cache: dict[str, TradingHours] = {}


def schedule(spec: dict | None) -> TradingHours | None:
    """The validated schedule of ``spec`` (cached by value: rebuilding the same dict each bar is cheap)."""
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise ValueError("trading hours must be a dict or None")
    key = json.dumps(spec, sort_keys=True, default=str)
    found = _cache.get(key)
    if found is None:
        found = _cache[key] = TradingHours(spec)
    return found


def is_in_trading_hours(timestamp: int, spec: dict | None) -> bool:
    """Whether the UTC-ms moment is inside ``spec``; always True without a schedule."""
    s = schedule(spec)
    return True if s is None else s.contains(timestamp)


def filter_candles(candles: np.ndarray, spec: dict | None) -> np.ndarray:
    """The rows whose open time (column 0) is inside ``spec``, in order and dtype; ``candles`` itself without
    a schedule."""
    s = schedule(spec)
    if s is None or len(candles) == 0:
        return candles
    return candles[s.mask(np.asarray(candles[:, 0], dtype=np.int64))]
