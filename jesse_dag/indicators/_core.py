"""The indicator call path: candles and parameters checked, Jesse's trailing window, sources, the memo.

Jesse's rules reproduced here:
- ``sequential=False`` computes on the last ``warmup_candles_num`` candles only (0 means all), then
  returns the last value. See ``../shared/reference/jesse-behaviour.md`` §7.
- ``source_type`` picks a column or a derived price (hl2, hlc3, ohlc4).

A strategy calls an indicator non-sequentially on a few hundred candles every bar, so the Python around
the kernel costs more than the kernel itself. Each function here therefore recognises the common case, a
float64 ``(N>=1, >=6)`` ndarray, with a few attribute tests and returns at once; anything else (a list, a
1-D series, another dtype, a bad shape) takes the general path below that test in the same function, with
the same results and errors. Inside a backtest, the memo (second half) answers repeated asks first.

Example:
    >>> c = np.array([[0, 1, 2, 4, 0, 1]], dtype=float)
    >>> [a.tolist() for a in source_of(c, "hl2", True)]
    [[[0.0, 1.0, 2.0, 4.0, 0.0, 1.0]], [2.0]]
"""
from __future__ import annotations

import contextlib as _contextlib
import importlib
import math
import weakref
from itertools import repeat as _repeat
from typing import Callable

import numpy as np

from jesse_dag._config import _warmup_now, _window_cache
from jesse_dag.candles.columns import CLOSE, HIGH, LOW, OPEN, VOLUME

SOURCE_TYPES = ("close", "high", "low", "open", "volume", "hl2", "hlc3", "ohlc4")
# source_type -> candle column, or a derived price code (6 = hl2, 7 = hlc3, 8 = ohlc4): the codes of
# ``_kernels.source_at`` and ``_kernels.derived_source``
_SOURCE_CODE = {"close": 2, "high": 3, "low": 4, "open": 1, "volume": 5, "hl2": 6, "hlc3": 7, "ohlc4": 8}
_F64 = np.dtype(np.float64)
_ndarray = np.ndarray  # (one global lookup on the per-call path)


def _unknown_source(source_type) -> ValueError:
    return ValueError(f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}")


def _derived_source(candles: np.ndarray, code: int) -> np.ndarray:
    # hl2 / hlc3 / ohlc4 in one numba pass (the kernels module loads with the first indicator that needs it)
    from jesse_dag.indicators._kernels import derived_source

    return derived_source(candles, code)


def as_candles(candles: np.ndarray, name: str = "candles") -> np.ndarray:
    """Check ``candles`` is a non-empty 2-D float array with 6 columns (or a 1-D series) and return it as float64."""
    arr = np.asarray(candles)
    if arr.ndim not in (1, 2) or arr.shape[0] == 0:
        raise ValueError(f"{name}: expected a non-empty (N, 6) candle array or 1-D series, got shape {arr.shape}")
    if arr.ndim == 2 and arr.shape[1] < 6:
        raise ValueError(f"{name}: expected 6 columns (timestamp, open, close, high, low, volume), got {arr.shape[1]}")
    return arr.astype(np.float64, copy=False)


def slice_candles(candles: np.ndarray, sequential: bool) -> np.ndarray:
    """Jesse's ``slice_candles``: the trailing ``warmup_candles_num`` rows when not sequential."""
    if type(candles) is _ndarray and candles.dtype is _F64:
        shape = candles.shape  # (one tuple, not one per test)
        if len(shape) != 2 or shape[0] == 0 or shape[1] < 6:
            candles = as_candles(candles)  # a 1-D series passes, a bad shape is refused
    else:
        candles = as_candles(candles)
    if not sequential:
        n = _warmup_now()
        if 0 < n < candles.shape[0]:
            return candles[-n:]
    return candles


def get_candle_source(candles: np.ndarray, source_type: str = "close") -> np.ndarray:
    """The price series ``source_type`` selects; a 1-D input is returned as it is."""
    if candles.ndim == 1:
        return candles
    if source_type == "close":
        return candles[:, CLOSE]
    if source_type == "high":
        return candles[:, HIGH]
    if source_type == "low":
        return candles[:, LOW]
    if source_type == "open":
        return candles[:, OPEN]
    if source_type == "volume":
        return candles[:, VOLUME]
    if source_type == "hl2":
        return (candles[:, HIGH] + candles[:, LOW]) / 2
    if source_type == "hlc3":
        return (candles[:, HIGH] + candles[:, LOW] + candles[:, CLOSE]) / 3
    if source_type == "ohlc4":
        return (candles[:, OPEN] + candles[:, HIGH] + candles[:, LOW] + candles[:, CLOSE]) / 4
    raise _unknown_source(source_type)


def check_period(period: int, name: str = "period") -> int:
    """Refuse a period below 1 with a clear error instead of a crash inside a kernel."""
    if type(period) is int and period >= 1:
        return period
    if period is None or int(period) != period or period < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {period!r}")
    return int(period)


def last_or_all(values: np.ndarray, sequential: bool):
    """Jesse's ``same_length``-free return convention: the whole array, or its last value as a numpy float64
    (Jesse's type: ``round()`` of a .5 differs from a Python float's)."""
    if sequential:
        return values
    v = values[-1]
    return None if v is None else np.float64(v)


def source_of(candles: np.ndarray, source_type: str, sequential: bool) -> tuple[np.ndarray, np.ndarray]:
    """Jesse's usual preamble: ``(candles, source)`` as float64.

    A 2-D candle array is sliced (``slice_candles``) and its ``source_type`` taken: a column of a float64
    ndarray comes back as a strided view (the kernels read it in place: one pass over memory, not two), a
    derived price or a converted input as a contiguous array. A 1-D series is used whole, never sliced
    (Jesse only slices 2-D candles).
    """
    if type(candles) is _ndarray and candles.dtype is _F64:
        shape = candles.shape
        if len(shape) == 2 and shape[0] > 0 and shape[1] >= 6:
            code = _SOURCE_CODE.get(source_type)
            if code is None:
                raise _unknown_source(source_type)
            if not sequential:
                n = _warmup_now()
                if 0 < n < shape[0]:
                    candles = candles[-n:]
            if code < 6:
                return candles, candles[:, code]
            return candles, _derived_source(candles, code)
    arr = as_candles(candles)
    if arr.ndim == 1:
        return arr, np.ascontiguousarray(arr)
    if source_type not in SOURCE_TYPES:
        raise _unknown_source(source_type)
    arr = slice_candles(arr, sequential)
    return arr, np.ascontiguousarray(get_candle_source(arr, source_type))


def source(candles: np.ndarray, source_type: str) -> np.ndarray:
    """``get_candle_source`` of candles already checked and sliced, as float64 (a column is a strided view)."""
    if candles.ndim == 1:
        return np.ascontiguousarray(candles)
    code = _SOURCE_CODE.get(source_type)
    if code is None:
        raise _unknown_source(source_type)
    if code < 6:
        return candles[:, code] if candles.dtype is _F64 else np.ascontiguousarray(candles[:, code], np.float64)
    return _derived_source(candles, code)


def ohlcv(candles: np.ndarray, sequential: bool, indicator: str) -> np.ndarray:
    """Sliced 2-D candles for an indicator that needs several columns (refuses a 1-D series)."""
    if type(candles) is _ndarray and candles.dtype is _F64:
        shape = candles.shape
        if len(shape) == 2 and shape[0] > 0 and shape[1] >= 6:
            if not sequential:
                n = _warmup_now()
                if 0 < n < shape[0]:
                    return candles[-n:]
            return candles
    arr = as_candles(candles)
    if arr.ndim != 2:
        raise ValueError(f"{indicator}: needs a 2-D (N, 6) candle array, got a 1-D series")
    return slice_candles(arr, sequential)


def column(candles: np.ndarray, index: int) -> np.ndarray:
    """One candle column as a contiguous float64 array (kernels then compile one array layout only)."""
    return np.ascontiguousarray(candles[:, index])


def check_number(value: float, name: str) -> float:
    """Refuse a non-finite float parameter with a clear error."""
    v = float(value)
    if not math.isfinite(v):  # (a Python float: math's test, not numpy's scalar ufunc)
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return v


def named_result(cls, arrays, sequential: bool):
    """Build a namedtuple result: the arrays when sequential, else each array's last value as a numpy float64."""
    if sequential:
        return cls(*arrays)
    return cls(*(np.float64(a[-1]) for a in arrays))


def indicator(name: str) -> Callable:
    """The indicator function ``name`` (for indicators built on others, e.g. ``ma`` dispatching), from its own
    module: the package attribute may still be the stand-in that loads it (``_LazyIndicator``)."""
    fn = _INDICATORS.get(name)
    if fn is None:
        fn = _INDICATORS[name] = getattr(importlib.import_module(f"jesse_dag.indicators.{name}"), name)
    return fn


_INDICATORS: dict[str, Callable] = {}  # resolved once: indicators built on others call this per call


# ── per-backtest memo of trailing-window values ───────────────────────────────────────────────────────
# A strategy asks for the same indicator on ``self.candles`` every bar. Each answer is the indicator's last
# value on the trailing ``warmup_candles_num`` rows, so during a backtest (whose candles are all known up
# front) the answers for a run of bars can be computed in one numba pass over the full, clean candle array
# and then looked up: the same kernel on the same window gives the same bits. The engine registers the
# exact view objects it hands out (prefix views of complete candles, and views ending in a forming candle
# aggregated from clean 1m rows); anything else, including a user's own slice, takes the ordinary path.
#
# A hit costs what a strategy pays per call, so it reads as little as possible: the memo ``recent`` maps an
# indicator's key to the entry it used last, and the entry's slot tells whether ``candles`` is the view the
# engine handed out (see :func:`memo_hit`; the hot indicators inline the same test). ``recent`` holds entries
# of the memo's one window length: :func:`jesse_dag._config.run_config`, the only setter of the length,
# makes a variant of the memo (same slots, its own ``recent``) active for another length.


# The active memo, or None outside a backtest. A bound method: ``_window_cache.get()`` written out creates
# one per call (LOAD_METHOD does not specialise for a ContextVar), about a fifth of a memo hit's cost.
active_memo = _window_cache.get


class WindowSlot:
    """One candle buffer (a timeframe of one market): its clean rows, the view of them currently handed out
    (or None), and the memoized values per indicator."""

    __slots__ = ("_pristine", "view", "columns", "_entries", "forming", "tick", "forming_rows", "owner")

    def __init__(self, pristine: np.ndarray, forming_rows=None) -> None:
        self.owner = None  # the WindowCache it belongs to (set by WindowCache.add)
        self._pristine = pristine
        self.view = None
        self.columns: dict = {}
        self._entries: dict = {}
        # A higher timeframe read between its closes: ``forming`` is the view handed out (complete candles,
        # then the forming one), ``tick`` the 1m count it shows; ``forming_rows(ticks)`` gives, per tick, the
        # number of complete candles and the forming candle (volume left NaN), or -1 when none is forming.
        self.forming = None
        self.tick = -1
        self.forming_rows = forming_rows

    # The clean rows and the memo may be replaced (the engine drops a lost bucket): the cache's shortcut to the
    # last entry used per key must then forget entries computed on the old rows.
    @property
    def pristine(self) -> np.ndarray:
        return self._pristine

    @pristine.setter
    def pristine(self, rows: np.ndarray) -> None:
        self._pristine = rows
        self.columns = {}  # (derived from the rows)
        self._forget()

    @property
    def entries(self) -> dict:
        return self._entries

    @entries.setter
    def entries(self, entries: dict) -> None:
        self._entries = entries
        self._forget()

    def _forget(self) -> None:
        if self.owner is not None:
            self.owner.forget_recent()

    def column(self, index: int) -> np.ndarray:
        """A contiguous column of the clean rows (memoized)."""
        col = self.columns.get(index)
        if col is None:
            col = self.columns[index] = np.ascontiguousarray(self._pristine[:, index])
        return col

    def source(self, source_type: str) -> np.ndarray:
        """``get_candle_source`` of the clean rows, contiguous (memoized)."""
        col = self.columns.get(source_type)
        if col is None:
            col = self.columns[source_type] = np.ascontiguousarray(get_candle_source(self._pristine, source_type))
        return col


class _Entry:
    """The memo of one indicator (one key) on one slot for one window length: ``values[n]`` on the view of
    the first ``n`` clean rows, ``ticks[t]`` on the view ending in the forming candle at 1m count ``t``
    (None / absent: not computed yet), and the statistics that decide how far ahead a miss computes."""

    __slots__ = ("slot", "warmup", "values", "ticks",
                 "bars", "since", "last", "ahead_end", "runs_left",
                 "forming_last", "stride", "asks", "forming_since", "forming_ahead_end", "run")

    def __init__(self, slot: WindowSlot, warmup: int) -> None:
        self.slot = slot
        self.warmup = warmup  # the window length its values were computed for
        self.values: list = [None] * (slot.pristine.shape[0] + 1)
        self.ticks: dict = {}
        # complete views (cached_last): distinct bars that missed since ``since`` (-1: no miss yet)
        self.bars = 0
        self.since = -1
        self.last = -1
        self.ahead_end = -1  # the bar after the last run computed ahead
        self.runs_left = 0  # short runs still to compute for sparse but regular asks
        # forming views (cached_forming)
        self.forming_last = -1
        self.stride = 0  # gcd of the steps between asked ticks (the route's bar)
        self.asks = 0  # distinct ticks asked since ``forming_since`` (-1: no ask yet)
        self.forming_since = -1
        self.forming_ahead_end = -1  # the tick after the last run computed ahead
        self.run = 64  # the length of that run, in strides


class WindowCache:
    """The buffers of one backtest; each slot's ``view`` is the exact array object handed to strategies
    while it equals ``slot.pristine[:len(view)]`` (the engine sets it to None otherwise).

    ``recent`` maps an indicator's key to the memo entry it used last, so that a call on the same buffer finds
    its value with one dict lookup and an identity check (:func:`memo_hit`). Its entries are for the window
    length ``warmup`` only (None until :func:`window_cache` binds it); :meth:`for_warmup` gives the variant of
    the memo for another length.

    Example:
        >>> memo = WindowCache(warmup=240)
        >>> other = memo.for_warmup(50)
        >>> other.slots is memo.slots, other.recent is memo.recent, memo.for_warmup(240) is memo
        (True, False, True)
    """

    __slots__ = ("slots", "recent", "warmup", "base", "_variants", "__weakref__")

    def __init__(self, warmup: int | None = None, base: "WindowCache | None" = None) -> None:
        self.base = self if base is None else base  # the memo whose slots these are
        self.slots: list[WindowSlot] = [] if base is None else base.slots
        self.recent: dict = {}
        self.warmup = warmup
        self._variants = weakref.WeakSet() if base is None else None  # live variants (forget_recent)

    def add(self, slot: WindowSlot) -> WindowSlot:
        slot.owner = self.base
        self.slots.append(slot)
        return slot

    def for_warmup(self, warmup: int) -> "WindowCache":
        """This memo for the window length ``warmup``: the memo itself, or a variant with the same slots and
        entries but its own ``recent`` (alive while a ``run_config`` block uses it)."""
        base = self.base
        if base.warmup == warmup:
            return base
        variant = WindowCache(warmup, base)
        base._variants.add(variant)
        return variant

    def forget_recent(self) -> None:
        """Empty ``recent`` of the memo and its live variants (their entries' rows were replaced)."""
        base = self.base
        base.recent.clear()
        for variant in list(base._variants):
            variant.recent.clear()


@_contextlib.contextmanager
def window_cache(cache: "WindowCache | None"):
    """Make ``cache`` the active memo for the duration of a ``with`` block (the engine does, per backtest).

    A memo not bound to a window length yet is bound to the current one.
    """
    if cache is not None:
        warmup = _warmup_now()
        if cache.base.warmup is None:
            cache.base.warmup = warmup
        cache = cache.for_warmup(warmup)
    token = _window_cache.set(cache)
    try:
        yield
    finally:
        _window_cache.reset(token)


def memo_hit(memo: WindowCache, candles, key: tuple):
    """The value the memo already holds for ``key`` on ``candles``, or None (then call :func:`cached_last`).

    ``memo`` is the active cache (the caller has just read it to know it is inside a backtest). Indicators
    make this test before any validation: an entry exists only for a key whose parameters were validated,
    and keys compare equal across int/float spellings of the same numbers.
    """
    try:
        e = memo.recent[key]
    except (KeyError, TypeError):  # no entry yet, or an unhashable parameter (the validating path says)
        return None
    s = e.slot
    if s.view is candles:
        return e.values[len(candles)]
    if s.forming is candles:  # a view that ends in a forming candle (a higher timeframe between its closes)
        return e.ticks.get(s.tick)
    return None


def _entry(cache: WindowCache, slot: WindowSlot, key: tuple, warmup: int) -> _Entry:
    # The entry of ``key`` on ``slot`` for the window length ``warmup``: keyed by ``key`` alone for the first
    # length asked, by ``(key, warmup)`` under another (a run_config inside the run); the memo's shortcut
    # ``recent`` then points at it when it is for the memo's own length (always, unless the length was set
    # around run_config).
    entries = slot.entries
    entry = entries.get(key)
    if entry is None:
        entry = entries[key] = _Entry(slot, warmup)
    elif entry.warmup != warmup:
        ekey = (key, warmup)
        entry = entries.get(ekey)
        if entry is None:
            entry = entries[ekey] = _Entry(slot, warmup)
    if warmup == cache.warmup:
        cache.recent[key] = entry
    return entry


_tuple_new = tuple.__new__


def scalars(values: np.ndarray) -> list:
    """A memo run's values as a list of numpy float64 scalars (the type a non-sequential call returns).

    Example:
        >>> type(scalars(np.array([1.5, 2.5]))[0]).__name__
        'float64'
    """
    return list(values)


def scalar_rows(values: np.ndarray):
    """The rows of a (bars, fields) array as tuples of numpy float64 scalars, for :func:`named_rows` (an
    iterator: the memo makes them once).

    Example:
        >>> [tuple(map(float, r)) for r in scalar_rows(np.array([[1.0, 2.0], [3.0, 4.0]]))]
        [(1.0, 2.0), (3.0, 4.0)]
    """
    return zip(*values.T)


def named_rows(cls: type, rows) -> list:
    """``[cls._make(r) for r in rows]`` for a namedtuple ``cls``, at about a third of the cost (a memo run
    makes one per bar): ``tuple.__new__`` mapped, no Python frame per row.

    Example:
        >>> from collections import namedtuple
        >>> named_rows(namedtuple("P", "a b"), [[1.0, 2.0]])
        [P(a=1.0, b=2.0)]
    """
    return list(map(_tuple_new, _repeat(cls), rows))


_SPARSE_RUN = 64


def cached_last(candles, key: tuple, windows):
    """The memoized non-sequential value of the indicator ``key`` on ``candles``, or None if not applicable.

    ``windows(slot, warmup, lo, hi)`` returns the values for the views of ``lo..hi-1`` rows as a list (a float
    or a namedtuple of floats each; hits return the stored object), computed on the trailing ``warmup`` rows
    of each as ``slice_candles`` does.
    """
    cache = active_memo()
    if cache is None:
        return None
    for slot in cache.slots:
        if slot.view is candles:
            break
    else:
        return None
    n = len(candles)
    if n == 0:
        return None
    warmup = _warmup_now()
    entry = _entry(cache, slot, key, warmup)
    values = entry.values
    v = values[n]
    if v is None:
        # Hits are not counted (they cost one lookup); misses are. A miss right after a run computed ahead
        # continues it. Otherwise: asked on at least half the bars lately, compute a run of bars ahead in one
        # kernel pass (one trailing window per bar); sparse calls: a short run, or only this bar's window.
        if entry.since < 0:
            entry.since = n
        if n != entry.last:
            entry.last = n
            entry.bars += 1
        span = n - entry.since + 1
        if n == entry.ahead_end or (entry.bars >= 16 and 2 * entry.bars >= span):
            size = 4096
            entry.since = n
            entry.bars = 0
        elif entry.runs_left > 0 or (entry.bars >= 4 and 32 * entry.bars >= span):
            # Sparse but regular asks (e.g. features recorded every few bars): one kernel call for the next 64
            # bars costs a few single calls (the windows advance together in its lanes), and the asks inside
            # the run are then hits. A series of 8 runs, then single misses measure the rate again.
            size = _SPARSE_RUN
            if entry.runs_left == 0:
                entry.runs_left = 8
            entry.runs_left -= 1
            if entry.runs_left == 0:
                entry.since = n
                entry.bars = 0
        else:
            size = 1
            if span > 4096:  # forget old statistics
                entry.since = n
                entry.bars = 0
        hi = min(n + size, len(values))
        if size > 1:
            entry.ahead_end = hi  # (a miss right there means asks on every bar: the next run is long)
        values[n:hi] = windows(slot, warmup, n, hi)
        v = values[n]
    return v


def cached_forming(candles, key: tuple, source_type: str, windows):
    """:func:`cached_last` for a view that ends in a forming candle (single-source indicators).

    ``windows(source, forming_source, completes, warmup)`` returns, per tick, the indicator's last value on
    the trailing ``warmup`` rows of ``source[:complete]`` followed by the forming candle's source value.
    Ticks are asked at a steady stride (the route's bar), so after a run of such asks the next ones are
    computed in one pass.
    """
    cache = active_memo()
    if cache is None or source_type == "volume":
        return None
    for slot in cache.slots:
        if slot.forming is candles:
            break
    else:
        return None
    if slot.forming_rows is None:
        return None
    tick = slot.tick
    warmup = _warmup_now()
    entry = _entry(cache, slot, key, warmup)
    if entry.forming_since < 0:
        entry.forming_since = tick
    if tick != entry.forming_last:
        if entry.forming_last >= 0 and tick > entry.forming_last:
            entry.stride = math.gcd(entry.stride, tick - entry.forming_last)
        entry.asks += 1
        entry.forming_last = tick
    v = entry.ticks.get(tick)
    if v is None:
        stride = entry.stride
        # asked on at least half the strides lately: compute a run of ticks ahead in one pass
        if stride > 0 and entry.asks >= 16 and 2 * entry.asks * stride >= tick - entry.forming_since + stride:
            ticks = np.arange(tick, tick + 4096 * stride, stride)
            entry.forming_since = tick
            entry.asks = 0
        elif stride > 0:
            # sparse asks at a known stride (e.g. only while flat): a short run ahead costs about as much as
            # one tick (the kernel call dominates), and the next asks on this stride are then lookups. Hits
            # (memo_hit) are not counted, so a miss past the end of the last run means that run was used:
            # the next one is twice as long.
            run = min(4096, 2 * entry.run) if 0 <= entry.forming_ahead_end <= tick else 64
            entry.run = run
            entry.forming_ahead_end = tick + run * stride
            ticks = np.arange(tick, entry.forming_ahead_end, stride)
        else:
            ticks = np.array([tick])
        completes, rows = slot.forming_rows(ticks)
        keep = completes >= 0
        ticks, completes, rows = ticks[keep], completes[keep], rows[keep]
        if len(ticks) == 0 or ticks[0] != tick:
            return None
        forming_source = np.ascontiguousarray(get_candle_source(rows, source_type))
        values = windows(slot.source(source_type), forming_source, completes, warmup)
        entry.ticks.update(zip(ticks.tolist(), values))
        v = entry.ticks[tick]
    return v
