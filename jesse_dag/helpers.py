"""Jesse's ``jesse.helpers`` (imported as ``jh``): the pure helpers research scripts and strategies use.

Same names, parameters and results as Jesse 3.5.3, without Jesse's global config or store, and without
the wall clock: times are UTC epoch milliseconds; ``timestamp_to_arrow`` gives an arrow object as Jesse's
does (``timestamp_to_datetime`` a ``datetime`` in UTC). The only functions that read the clock are the ones
whose meaning is "now" (``now_to_timestamp``, ``today_to_timestamp``...); nothing else in the library calls
them, and inside a backtest ``now_to_timestamp`` gives its simulated time, as Jesse's does. Helpers of Jesse's live trading, dashboard, database and store are not here: see
``docs/deliberate-differences.md`` (``UNSUPPORTED`` below lists them with the reason).

Example:
    >>> import jesse_dag.helpers as jh
    >>> jh.key('Sandbox', 'BTC-USDT', '4h'), jh.date_to_timestamp('2021-01-01')
    ('Sandbox-BTC-USDT-4h', 1609459200000)
"""
from __future__ import annotations

import base64
import functools
import binascii
import gzip
import hashlib
import json
import math
import os
import platform
import random
import string
import sys
import uuid
from bisect import bisect_left
from datetime import datetime, timezone
from decimal import ROUND_FLOOR, Decimal, localcontext
from pprint import pprint
from typing import Any

import numpy as np

from jesse_dag._config import _warmup_candles_num, backtest_time, running_session, warmup_candles_num
from jesse_dag.candles.timeframes import timeframe_to_minutes
from jesse_dag.enums import sides, timeframes, trade_types
from jesse_dag.indicators._core import get_candle_source as _candle_source

__all__ = [
    "key", "base_asset", "quote_asset", "get_base_asset", "get_quote_asset", "dashless_symbol", "dashy_symbol",
    "underline_to_dashy_symbol", "dashy_to_underline", "binary_search", "class_iter", "convert_number",
    "normalize", "date_to_timestamp", "timestamp_to_date", "timestamp_to_time", "timestamp_to_iso8601",
    "iso8601_to_timestamp", "timestamp_to_datetime", "date_diff_in_days", "timeframe_to_one_minutes",
    "max_timeframe", "next_candle_timestamp", "get_candle_source", "prepare_qty", "estimate_average_price",
    "estimate_PNL", "estimate_PNL_percentage", "floor_with_precision", "round_decimals_down", "round_or_none",
    "is_almost_equal", "is_price_near", "np_shift", "np_ffill", "same_length", "opposite_side", "opposite_type",
    "side_to_type", "type_to_side", "closing_side", "unique_list", "string_after_character", "readable_duration",
    "format_currency", "dna_to_hp", "hp_to_dna", "now_to_timestamp", "today_to_timestamp",
    # added for Jesse's full public surface
    "arrow_to_timestamp", "timestamp_to_arrow", "get_arrow", "slice_candles", "app_mode", "is_backtesting",
    "is_significance_testing", "is_debuggable", "is_debugging", "is_importing_candles", "is_live",
    "is_livetrading", "is_optimizing", "is_paper_trading", "is_unit_testing", "should_execute_silently",
    "clean_infinite_values", "clean_nan_values", "clean_orderbook_list", "file_exists", "clear_file",
    "make_directory", "relative_to_absolute", "float_or_none", "str_or_none", "format_price",
    "generate_unique_id", "generate_short_unique_id", "is_valid_uuid", "get_class_name", "secure_hash",
    "insecure_hash", "insert_list", "merge_dicts", "normalize_bool", "random_str", "color", "style", "dump",
    "orderbook_insertion_index_search", "orderbook_trim_price", "round_price_for_live_mode",
    "round_qty_for_live_mode", "python_version", "get_pid", "computer_name", "cpu_cores_count",
    "convert_to_env_name", "get_os", "is_docker", "is_notebook", "gzip_compress", "compressed_response",
    "get_config", "get_strategy_class", "has_live_trade_plugin", "is_jesse_project", "validate_cwd",
    "clear_config_caches", "terminate_app", "error", "dump_exception", "dd", "debug", "terminal_debug",
    "clear_output", "now", "now_to_datetime", "current_1m_candle_timestamp",
    "get_candle_start_timestamp_based_on_timeframe",
]

_MS_PER_DAY = 86_400_000

# Jesse's order of preference when asked for the largest timeframe (1D down to 1m).
TIMEFRAME_PRIORITY: tuple[str, ...] = (
    timeframes.DAY_1, timeframes.HOUR_12, timeframes.HOUR_8, timeframes.HOUR_6, timeframes.HOUR_4,
    timeframes.HOUR_3, timeframes.HOUR_2, timeframes.HOUR_1, timeframes.MINUTE_45, timeframes.MINUTE_30,
    timeframes.MINUTE_15, timeframes.MINUTE_5, timeframes.MINUTE_3, timeframes.MINUTE_1,
)


# ---------------------------------------------------------------- keys and symbols

def key(exchange: str, symbol: str, timeframe: str | None = None) -> str:
    """``'Exchange-SYMBOL'`` or ``'Exchange-SYMBOL-timeframe'``, Jesse's key for candles and routes.

    Example:
        >>> key('Sandbox', 'BTC-USDT')
        'Sandbox-BTC-USDT'
    """
    return f"{exchange}-{symbol}" if timeframe is None else f"{exchange}-{symbol}-{timeframe}"


def base_asset(symbol: str) -> str:
    """``'BTC'`` from ``'BTC-USDT'``."""
    return symbol.split("-")[0]


def quote_asset(symbol: str) -> str:
    """``'USDT'`` from ``'BTC-USDT'``; a symbol without a dash is refused with an example of the format.

    Example:
        >>> quote_asset('ETH-USDT')
        'USDT'
    """
    parts = symbol.split("-")
    if len(parts) < 2:
        raise ValueError(f"The symbol format is incorrect. Correct example: 'BTC-USDT'. Yours is '{symbol}'")
    return parts[1]


get_base_asset = base_asset
get_quote_asset = quote_asset


def dashless_symbol(symbol: str) -> str:
    """``'BTCUSDT'`` from ``'BTC-USDT'``."""
    return symbol.replace("-", "")


def dashy_symbol(symbol: str) -> str:
    """Jesse's guess at the dashed form of an exchange symbol (``'BTCUSDT'`` -> ``'BTC-USDT'``).

    Jesse first looks the symbol up among the configured routes; there is no global config here, so
    only its suffix rules apply.

    Example:
        >>> dashy_symbol('ETHUSDT'), dashy_symbol('BTCFDUSD'), dashy_symbol('SOLEUR')
        ('ETH-USDT', 'BTC-FDUSD', 'SOL-EUR')
    """
    if "-" in symbol:
        return symbol
    for suffix in ("UST", "FDUSD", "EUT", "EUR", "GBP", "JPY", "MIM", "TRY"):
        if symbol.endswith(suffix):
            return f"{symbol[:-len(suffix)]}-{suffix}"
    if "USD" in symbol[-4:]:
        i = symbol.rfind("USD")
        return f"{symbol[:i]}-{symbol[i:]}"
    return f"{symbol[:3]}-{symbol[3:]}"


def underline_to_dashy_symbol(symbol: str) -> str:
    return symbol.replace("_", "-")


def dashy_to_underline(symbol: str) -> str:
    return symbol.replace("-", "_")


# ---------------------------------------------------------------- small numeric helpers

def binary_search(arr: list, item) -> int:
    """Index of ``item`` in the sorted list ``arr``, or -1.

    Example:
        >>> binary_search([1, 3, 5], 5), binary_search([1, 3, 5], 4)
        (2, -1)
    """
    i = bisect_left(arr, item)
    return i if i != len(arr) and arr[i] == item else -1


def class_iter(cls: type):
    """The non-callable, non-dunder attribute values of a class (iterates an enum namespace)."""
    return (v for k, v in vars(cls).items() if not callable(getattr(cls, k)) and not k.startswith("__"))


def convert_number(old_max: float, old_min: float, new_max: float, new_min: float, old_value: float) -> float:
    """Map ``old_value`` from [old_min, old_max] to [new_min, new_max] linearly; outside the range is an error.

    Example:
        >>> convert_number(119, 40, 30, 0, 79.5)
        15.0
    """
    if old_value > old_max or old_value < old_min:
        raise ValueError(f"old_value:{old_value} must be within the range. {old_min}-{old_max}")
    return (((old_value - old_min) * (new_max - new_min)) / (old_max - old_min)) + new_min


def normalize(x: float, x_min: float, x_max: float) -> float:
    """(x − min) / (max − min)."""
    return (x - x_min) / (x_max - x_min)


def floor_with_precision(num: float, precision: int = 0) -> float:
    """Round ``num`` down to ``precision`` decimals as Jesse does: floor(num·10^p) / 10^p.

    Example:
        >>> floor_with_precision(0.04459, 3)
        0.044
    """
    scale = 10 ** precision
    return math.floor(num * scale) / scale


def round_decimals_down(number, decimals: int = 2):
    """Round down to ``decimals`` places (negative: to tens, hundreds, …); arrays work element-wise.

    Example:
        >>> float(round_decimals_down(1234.5678, 2)), float(round_decimals_down(1234, -2))
        (1234.56, 1200.0)
    """
    if not isinstance(decimals, int):
        raise TypeError("decimal places must be an integer")
    if decimals == 0:
        return np.floor(number)
    if decimals > 0:
        factor = 10 ** decimals
        return np.floor(number * factor) / factor
    factor = 10 ** (-decimals)
    return np.floor(number / factor) * factor


def round_or_none(x: float | None, digits: int = 0) -> float | None:
    return None if x is None else round(x, digits)


def is_almost_equal(a: float | None, b: float | None, tolerance: float = 1e-8) -> bool:
    """Relative comparison (absolute near zero); two ``None`` are equal.

    Example:
        >>> is_almost_equal(0.1 + 0.2, 0.3)
        True
    """
    if a is None and b is None:
        return True
    if a is None or b is None:
        return False
    if a == b:
        return True
    if abs(a) < tolerance and abs(b) < tolerance:
        return abs(a - b) <= tolerance
    return abs((a - b) / max(abs(a), abs(b))) <= tolerance


def is_price_near(order_price: float, price_to_compare: float, percentage_threshold: float = 0.00015) -> bool:
    """True when the two prices differ by at most ``percentage_threshold`` (a fraction, 0.015 % by default)."""
    return abs(1 - (order_price / price_to_compare)) <= percentage_threshold


def np_shift(arr: np.ndarray, num: int, fill_value=0) -> np.ndarray:
    """Shift ``arr`` by ``num`` places (positive: towards the end), filling the gap with ``fill_value``.

    Example:
        >>> np_shift(np.array([1.0, 2.0, 3.0]), 1, np.nan).tolist()
        [nan, 1.0, 2.0]
    """
    result = np.empty_like(arr)
    if num > 0:
        result[:num] = fill_value
        result[num:] = arr[:-num]
    elif num < 0:
        result[num:] = fill_value
        result[:num] = arr[-num:]
    else:
        result[:] = arr
    return result


def np_ffill(arr: np.ndarray, axis: int = 0) -> np.ndarray:
    """Forward-fill NaN along ``axis`` (leading NaN stay NaN).

    Example:
        >>> np_ffill(np.array([np.nan, 1.0, np.nan, 3.0])).tolist()
        [nan, 1.0, 1.0, 3.0]
    """
    arr = np.asarray(arr)
    moved = np.moveaxis(arr, axis, 0)
    idx = np.where(~np.isnan(moved), np.arange(moved.shape[0]).reshape((-1,) + (1,) * (moved.ndim - 1)), 0)
    np.maximum.accumulate(idx, axis=0, out=idx)
    filled = np.take_along_axis(moved, idx, axis=0)
    return np.moveaxis(filled, 0, axis)


def same_length(bigger: np.ndarray, shorter: np.ndarray) -> np.ndarray:
    """Left-pad ``shorter`` with NaN to the length of ``bigger``."""
    return np.concatenate((np.full(bigger.shape[0] - shorter.shape[0], np.nan), shorter))


def unique_list(arr) -> list:
    """Items of ``arr`` without repeats, first occurrence order kept."""
    seen: set = set()
    return [x for x in arr if not (x in seen or seen.add(x))]


def string_after_character(s: str, character: str) -> str | None:
    parts = s.split(character, 1)
    return parts[1] if len(parts) > 1 else None


def readable_duration(seconds: int, granularity: int = 2) -> str:
    """``'1 week, 2 days'`` style duration, largest units first.

    Example:
        >>> readable_duration(694_800)
        '1 week, 1 day'
    """
    intervals = (("weeks", 604800), ("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1))
    result = []
    seconds = int(seconds)
    for name, count in intervals:
        value = seconds // count
        if value:
            seconds -= value * count
            result.append(f"{value} {name.rstrip('s') if value == 1 else name}")
    return ", ".join(result[:granularity])


def format_currency(num: float) -> str:
    return f"{num:,}"


# ---------------------------------------------------------------- time (UTC, epoch ms)

def timestamp_to_datetime(timestamp: int) -> datetime:
    """The aware UTC ``datetime`` of an epoch-ms timestamp (stands in for Jesse's ``timestamp_to_arrow``)."""
    return datetime.fromtimestamp(timestamp / 1000, tz=timezone.utc)


def date_to_timestamp(date: str) -> int:
    """UTC midnight of ``'YYYY-MM-DD'`` in epoch ms; another format is refused.

    Example:
        >>> date_to_timestamp('2015-08-01')
        1438387200000
    """
    try:
        parsed = datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        raise ValueError(f"date must be a 'YYYY-MM-DD' string, got {date!r}") from None
    return int(parsed.timestamp()) * 1000


def _arrow_str(timestamp: int) -> str:
    # arrow prints microseconds only when there are some, and the +00:00 offset always
    return timestamp_to_datetime(timestamp).isoformat()


def timestamp_to_date(timestamp: int) -> str:
    """``'YYYY-MM-DD'`` of a UTC epoch-ms timestamp.

    Example:
        >>> timestamp_to_date(1609459200000)
        '2021-01-01'
    """
    return _arrow_str(timestamp)[:10]


def timestamp_to_time(timestamp: int) -> str:
    """ISO-8601 with offset, as Jesse prints it: ``'2021-01-01T00:00:00+00:00'``.

    Example:
        >>> timestamp_to_time(1609459260000)
        '2021-01-01T00:01:00+00:00'
    """
    return _arrow_str(timestamp)


def timestamp_to_iso8601(timestamp: int) -> str:
    """Same string as :func:`timestamp_to_time` (Jesse returns arrow's ``isoformat()``)."""
    return _arrow_str(timestamp)


def iso8601_to_timestamp(iso8601: str) -> int:
    """``'2021-01-05T00:00:00.000Z'`` -> epoch ms; like Jesse it keeps whole seconds only.

    Example:
        >>> iso8601_to_timestamp('2021-01-05T00:00:00.000Z')
        1609804800000
    """
    try:
        parsed = datetime.strptime(iso8601, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        raise ValueError(f"expected 'YYYY-MM-DDTHH:mm:ss.SSSZ', got {iso8601!r}") from None
    return int(parsed.timestamp()) * 1000


def timestamp_to_arrow(timestamp: int):
    """The arrow object (UTC) of an epoch-ms timestamp, as Jesse's.

    Example:
        >>> timestamp_to_arrow(1438387200000).isoformat()
        '2015-08-01T00:00:00+00:00'
    """
    import arrow  # imported on use: most scripts never need it

    return arrow.get(timestamp / 1000)


get_arrow = timestamp_to_arrow


def arrow_to_timestamp(arrow_time) -> int:
    """Epoch ms of an arrow object, whole seconds (Jesse drops the sub-second part).

    Example:
        >>> import arrow
        >>> arrow_to_timestamp(arrow.get('2015-08-01'))
        1438387200000
    """
    return arrow_time.int_timestamp * 1000


def _as_datetime(date) -> datetime | None:
    if isinstance(date, datetime):
        return date
    inner = getattr(date, "datetime", None)  # an arrow.Arrow
    return inner if isinstance(inner, datetime) and hasattr(date, "int_timestamp") else None


def date_diff_in_days(date1, date2) -> int:
    """Whole days between two dates, absolute (``abs((date2 - date1).days)`` as Jesse computes it).

    The dates are arrow objects (Jesse's type) or ``datetime`` objects.

    Example:
        >>> date_diff_in_days(timestamp_to_arrow(1609459200000), timestamp_to_arrow(1609718460000))
        3
    """
    d1, d2 = _as_datetime(date1), _as_datetime(date2)
    if d1 is None or d2 is None:
        raise TypeError(f"dates must be Arrow (or datetime) instances, got {type(date1).__name__} and "
                        f"{type(date2).__name__}: convert a timestamp with jh.timestamp_to_arrow(ms)")
    return abs((d2 - d1).days)


def app_currency() -> str:
    """The quote currency of the running backtest's first route, as Jesse's (``USDT`` for ``BTC-USDT``).

    Example (inside the strategy of a ``BTC-USDT`` route):
        >>> app_currency()  # doctest: +SKIP
        'USDT'
    """
    session = running_session()
    routes = getattr(session, "routes", None)
    if not routes:
        raise RuntimeError("app_currency() reads the running backtest's first route: call it from strategy code "
                           "during a backtest, or use quote_asset(symbol)")
    return quote_asset(routes[0].symbol)


def now_to_timestamp(force_fresh: bool = False) -> int:
    """"Now" in epoch ms: inside a backtest its simulated time (``self.time``, as Jesse's store clock), else
    (or with ``force_fresh``) the wall clock in whole seconds.

    Example:
        >>> now_to_timestamp() % 1000
        0
    """
    if not force_fresh:
        t = backtest_time()
        if t is not None:
            return t
    return int(datetime.now(tz=timezone.utc).timestamp()) * 1000


def today_to_timestamp() -> int:
    """UTC midnight of today (the wall clock, also inside a backtest, as Jesse) in epoch ms."""
    now = now_to_timestamp(force_fresh=True)
    return now - now % _MS_PER_DAY


# ---------------------------------------------------------------- timeframes and candles

def timeframe_to_one_minutes(timeframe: str) -> int:
    """Minutes in ``timeframe`` (``'1M'`` is 30 days); an unknown one is refused naming the valid ones.

    Example:
        >>> timeframe_to_one_minutes('4h')
        240
    """
    return timeframe_to_minutes(timeframe)


def max_timeframe(timeframes_list: list[str]) -> str:
    """The largest of the listed timeframes up to ``1D`` (Jesse ignores 3D/1W/1M here); ``'1m'`` if none.

    Example:
        >>> max_timeframe(['15m', '4h', '1h'])
        '4h'
    """
    present = set(timeframes_list)
    for tf in TIMEFRAME_PRIORITY:
        if tf in present:
            return tf
    return timeframes.MINUTE_1


def next_candle_timestamp(candle: np.ndarray, timeframe: str) -> int:
    """Open time of the candle after ``candle`` on ``timeframe``."""
    return candle[0] + timeframe_to_one_minutes(timeframe) * 60_000


def get_candle_source(candles: np.ndarray, source_type: str = "close") -> np.ndarray:
    """The price series ``source_type`` picks: open, close, high, low, volume, hl2, hlc3, ohlc4.

    Example:
        >>> c = np.array([[0, 1.0, 2.0, 3.0, 0.5, 9.0]])
        >>> get_candle_source(c, 'hl2').tolist()
        [1.75]
    """
    return _candle_source(np.asarray(candles), source_type)


# ---------------------------------------------------------------- orders and positions

def prepare_qty(qty: float, side: str) -> float:
    """Signed quantity: negative for sell/short, positive for buy/long, 0 for close.

    Example:
        >>> prepare_qty(2, 'sell'), prepare_qty(-2, 'buy'), prepare_qty(2, 'close')
        (-2, 2, 0.0)
    """
    s = side.lower()
    if s in ("sell", "short"):
        return -abs(qty)
    if s in ("buy", "long"):
        return abs(qty)
    if s == "close":
        return 0.0
    raise ValueError(f"{side} is not a valid input")


def estimate_average_price(order_qty: float, order_price: float, current_qty: float,
                           current_entry_price: float) -> float:
    """Entry price after adding ``order_qty`` at ``order_price`` to a position (quantity-weighted mean).

    Example:
        >>> estimate_average_price(1, 110, 1, 100)
        105.0
    """
    return (abs(order_qty) * order_price + abs(current_qty) * current_entry_price) / (
        abs(order_qty) + abs(current_qty))


def estimate_PNL(qty: float, entry_price: float, exit_price: float, trade_type: str,
                 trading_fee: float = 0) -> float:
    """Profit of a round trip after fees (``trading_fee`` is a rate charged on entry and exit value).

    Example:
        >>> round(estimate_PNL(1, 100, 110, 'long', 0.001), 10)
        9.79
    """
    qty = abs(qty)
    profit = qty * (exit_price - entry_price)
    if trade_type == "short":
        profit *= -1
    return profit - trading_fee * qty * (entry_price + exit_price)


def estimate_PNL_percentage(qty: float, entry_price: float, exit_price: float, trade_type: str) -> float:
    """Profit before fees as a percent of the entry value."""
    qty = abs(qty)
    profit = qty * (exit_price - entry_price)
    if trade_type == "short":
        profit *= -1
    return (profit / (qty * entry_price)) * 100


def opposite_side(s: str) -> str:
    if s == sides.BUY:
        return sides.SELL
    if s == sides.SELL:
        return sides.BUY
    raise ValueError(f"{s} is not a valid input for side")


def opposite_type(t: str) -> str:
    if t == trade_types.LONG:
        return trade_types.SHORT
    if t == trade_types.SHORT:
        return trade_types.LONG
    raise ValueError("unsupported type")


def side_to_type(s: str) -> str:
    s = s.lower()
    if s == sides.BUY:
        return trade_types.LONG
    if s == sides.SELL:
        return trade_types.SHORT
    raise ValueError(f"unsupported side: {s!r}")


def type_to_side(t: str) -> str:
    if t == trade_types.LONG:
        return sides.BUY
    if t == trade_types.SHORT:
        return sides.SELL
    raise ValueError(f'unsupported type: "{t}". Only "long" and "short" are supported.')


def closing_side(position_type: str) -> str:
    if position_type.lower() == "long":
        return "sell"
    if position_type.lower() == "short":
        return "buy"
    raise ValueError(f"Value entered for position_type ({position_type}) is not valid")


# ---------------------------------------------------------------- hyperparameters <-> DNA

def hp_to_dna(hp: dict) -> str:
    """Jesse 3.5.3's DNA of a hyperparameter dict: base64 of its JSON with sorted keys.

    Example:
        >>> hp_to_dna({'slow': 21, 'fast': 9})
        'eyJmYXN0IjogOSwgInNsb3ciOiAyMX0='
    """
    return base64.b64encode(json.dumps(hp, sort_keys=True).encode()).decode()


def dna_to_hp(strategy_hp: list[dict], dna: str) -> dict:
    """Hyperparameters from a DNA string: base64 JSON (3.5.3), else the legacy one-character-per-gene code.

    Legacy genes are characters with codes 40..119, mapped linearly onto each hyperparameter's
    [min, max] (ints rounded).

    Example:
        >>> dna_to_hp([], 'eyJmYXN0IjogOSwgInNsb3ciOiAyMX0=')
        {'fast': 9, 'slow': 21}
        >>> dna_to_hp([{'name': 'p', 'type': int, 'min': 10, 'max': 89}], 'w')
        {'p': 89}
    """
    try:
        return json.loads(base64.b64decode(dna).decode("utf-8"))
    except (ValueError, binascii.Error):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        pass
    hp = {}
    for gene, h in zip(dna, strategy_hp):
        if h["type"] is int:
            value = int(round(convert_number(119, 40, h["max"], h["min"], ord(gene))))
        elif h["type"] is float:
            value = convert_number(119, 40, h["max"], h["min"], ord(gene))
        else:
            raise TypeError(f"hyperparameter {h.get('name')!r}: only int and float types are implemented")
        hp[h["name"]] = value
    return hp


# ---------------------------------------------------------------- candles and run mode

def slice_candles(candles: np.ndarray, sequential: bool) -> np.ndarray:
    """The trailing ``warmup_candles_num`` rows when not sequential (Jesse's indicator slicing).

    Inside a backtest the number is the run's warm-up (``config['warm_up_candles']``); outside it is
    Jesse's default, 240. Like Jesse's, any array works (1-D series too) and nothing is copied.

    Example:
        >>> slice_candles(np.zeros((300, 6)), False).shape, slice_candles(np.zeros((300, 6)), True).shape
        ((240, 6), (300, 6))
    """
    # strategies call it per bar: the context variable read directly, no import statement or function call
    # in between (those cost three times the slicing)
    global _last_slice
    if sequential:
        return candles
    n = _warmup_candles_num.get()
    # A strategy slices the same candles several times a bar (should_long, should_short...), and the store
    # hands out the same view for every read of a bar (``Strategy.candles``): the slice of the last call is
    # handed out again for the same array and length, as the store's views are (~0.3 us of the ~0.5 us call).
    # The engine forgets it when a run ends (forget_last_slice), so no run's candles outlive it.
    last = _last_slice
    if last[0] is candles and last[1] == n:
        return last[2]
    if candles.shape[0] > n:
        # Jesse slices with [-n:]; n == 0 keeps every row there too
        out = candles[-n:]
        _last_slice = (candles, n, out)
        return out
    return candles


_NO_SLICE = (None, -1, None)
_last_slice = _NO_SLICE  # (candles, warm-up count, candles[-count:]) of slice_candles' last slicing call


def forget_last_slice() -> None:
    """Drop :func:`slice_candles`' last slice (the engine calls it when a run ends: its candles may go)."""
    global _last_slice
    _last_slice = _NO_SLICE


def get_config(keys: str, default: Any = None) -> Any:
    """A Jesse config value by dotted key, as Jesse's: the environment variable of the key first
    (``env.data.x`` -> ``ENV_DATA_X``), then Jesse 3.5.3's config tree, which inside a backtest holds that
    run's settings (``env.exchanges.<exchange>.fee``, ``env.data.warmup_candles_num``, ``app.trading_mode``...),
    else ``default``.

    There is no global config here: the tree is the running backtest's (or Jesse's defaults outside one).

    Example:
        >>> get_config('env.data.warmup_candles_num'), get_config('env.no.such.key', 7)
        (240, 7)
        >>> get_config('env.logging.order_submission')
        True
    """
    if not keys:
        raise ValueError("keys string cannot be empty")
    from_env = os.environ.get(keys.upper().replace(".", "_").replace(" ", "_"))
    if from_env is not None:
        return from_env
    if keys == "env.data.warmup_candles_num":
        return warmup_candles_num()
    from jesse_dag._config_tree import config_tree

    node: Any = config_tree(running_session(), warmup_candles_num())
    # Jesse's walk: a missing key gives ``default``, and the walk goes on from it
    for key in keys.split("."):
        node = node.get(key, default) if isinstance(node, dict) else default
    return node


@functools.cache  # cached as Jesse's (code that calls app_mode.cache_clear() still works)
def app_mode() -> str:
    """Jesse's ``config['app']['trading_mode']``: always ``'backtest'`` here (no live trading)."""
    return "backtest"


def is_backtesting() -> bool:
    """True: jesse-dag only backtests (Jesse's live, paper and import modes are not part of it)."""
    return True


def is_significance_testing() -> bool:
    return False


def is_debugging() -> bool:
    """Jesse's debug mode (verbose logging of every order); jesse-dag has none, so False."""
    return False


def is_debuggable(debug_item: str) -> bool:
    """Whether ``debug_item`` would be logged in debug mode: never, as there is no debug mode."""
    return is_debugging()


def is_importing_candles() -> bool:
    return False


@functools.cache  # cached as Jesse's (code that calls is_live.cache_clear() still works)
def is_live() -> bool:
    """False: no live or paper trading here."""
    return False


@functools.cache  # cached as Jesse's (code that calls is_livetrading.cache_clear() still works)
def is_livetrading() -> bool:
    return False


@functools.cache  # cached as Jesse's (code that calls is_paper_trading.cache_clear() still works)
def is_paper_trading() -> bool:
    return False


@functools.cache  # cached as Jesse's (code that calls is_optimizing.cache_clear() still works)
def is_optimizing() -> bool:
    """False: an optimisation trial runs ordinary backtests (Jesse's mode flag only silences its logs)."""
    return False


def is_unit_testing() -> bool:
    """True inside a pytest run (a test is running, or the process was started by ``pytest``)."""
    if os.environ.get("PYTEST_CURRENT_TEST"):
        return True
    return os.path.basename(sys.argv[0]) in ("pytest", "py.test")


def should_execute_silently() -> bool:
    """Jesse's test for skipping console output: while optimising or unit testing."""
    return is_optimizing() or is_unit_testing()


# ---------------------------------------------------------------- values and containers

def clean_nan_values(obj: Any) -> Any:
    """``obj`` with every NaN float (in dicts and lists, recursively) replaced by None; numpy scalars
    become Python ones, booleans stay booleans.

    Example:
        >>> clean_nan_values({'a': float('nan'), 'b': [np.float64(1.5), np.int64(2), True]})
        {'a': None, 'b': [1.5, 2, True]}
    """
    if isinstance(obj, dict):
        return {k: clean_nan_values(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [clean_nan_values(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return obj
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return None if math.isnan(value) else value
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    return obj


def clean_infinite_values(obj: Any) -> Any:
    """``obj`` with every infinite Python float (in dicts and lists, recursively) replaced by None.

    Example:
        >>> clean_infinite_values({'a': float('inf'), 'b': [1.0, float('-inf')]})
        {'a': None, 'b': [1.0, None]}
    """
    if isinstance(obj, dict):
        return {k: clean_infinite_values(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [clean_infinite_values(v) for v in obj]
    if isinstance(obj, float) and math.isinf(obj):
        return None
    return obj


def clean_orderbook_list(arr) -> list[list[float]]:
    """``[[price, qty], ...]`` with both as floats (order books arrive as strings)."""
    return [[float(row[0]), float(row[1])] for row in arr]


def float_or_none(item: Any) -> float | None:
    """``float(item)``, or None for None and the empty string.

    Example:
        >>> float_or_none(b'1.23'), float_or_none('')
        (1.23, None)
    """
    if item is None or item == "":
        return None
    return float(item)


def str_or_none(item: Any, encoding: str = "utf-8") -> str | None:
    """``str(item)`` (bytes decoded with ``encoding``), or None for None.

    Example:
        >>> str_or_none(b'3009004354'), str_or_none(1239.5), str_or_none(None)
        ('3009004354', '1239.5', None)
    """
    if item is None:
        return None
    if isinstance(item, str):
        return item
    if isinstance(item, (bytes, bytearray)):
        return str(item, encoding)
    return str(item)


def insert_list(index: int, item: Any, arr: list) -> list:
    """A new list with ``item`` inserted before position ``index`` (-1 appends).

    Example:
        >>> insert_list(2, 22, [0, 1, 2, 3]), insert_list(-1, 22, [0, 1])
        ([0, 1, 22, 2, 3], [0, 1, 22])
    """
    if index == -1:
        return arr + [item]
    return arr[:index] + [item] + arr[index:]


def merge_dicts(d1: dict, d2: dict) -> dict:
    """Nested dicts merged: where both have a key, ``d2`` wins unless both values are dicts (merged).

    Example:
        >>> merge_dicts({'a': {'x': 1, 'y': 2}, 'b': 1}, {'a': {'y': 3}, 'c': 4}) == {
        ...     'a': {'x': 1, 'y': 3}, 'b': 1, 'c': 4}
        True
    """
    merged = dict(d1)
    for k, v in d2.items():
        if k in merged and isinstance(merged[k], dict) and isinstance(v, dict):
            merged[k] = merge_dicts(merged[k], v)
        else:
            merged[k] = v
    return merged


def normalize_bool(v: Any) -> bool:
    """A boolean from a bool, an int (1 is True) or a string ('1'/'true', '0'/'false', any case).

    Example:
        >>> normalize_bool('True'), normalize_bool(' 0 '), normalize_bool(2), normalize_bool([])
        (True, False, False, False)
    """
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v == 1
    if isinstance(v, str):
        s = v.strip().lower()
        if s in ("1", "true"):
            return True
        if s in ("0", "false"):
            return False
    return bool(v)


def get_class_name(cls: Any) -> str:
    """The class's ``__name__``; a string is returned as it is (Jesse accepts a strategy or its name)."""
    return cls if isinstance(cls, str) else cls.__name__


def format_price(price: float | None) -> str:
    """A price for logs: 2 decimals (truncated) from 1 up, 5 significant digits (truncated) below 1.

    Example:
        >>> format_price(999.9999), format_price(-0.0123121312), format_price(1.23e-7), format_price(None)
        ('999.99', '-0.012312', '0.00000012300', '')
    """
    if price is None:
        return ""
    if not math.isfinite(price):
        return "N/A"
    if price == 0:
        return "0.00"
    if abs(price) >= 1:
        whole, decimals = f"{price:.20f}".split(".")
        return f"{whole}.{decimals[:2]}"
    decimals = f"{abs(price):.20f}".split(".")[1]
    first = next((i for i, d in enumerate(decimals) if d != "0"), -1)
    if first == -1:  # below 1e-20
        return "0.00"
    return f"{'-' if price < 0 else ''}0.{decimals[:first + 5]}"


# ---------------------------------------------------------------- ids, hashes, strings

def generate_unique_id() -> str:
    """A random uuid4 string."""
    return str(uuid.uuid4())


def generate_short_unique_id() -> str:
    """The first 22 characters of a random uuid4 string."""
    return str(uuid.uuid4())[:22]


def is_valid_uuid(uuid_to_test: str, version: int = 4) -> bool:
    """True when the string is a uuid of ``version`` in its canonical lower-case form.

    Example:
        >>> is_valid_uuid(generate_unique_id()), is_valid_uuid('not-a-uuid')
        (True, False)
    """
    try:
        parsed = uuid.UUID(uuid_to_test, version=version)
    except ValueError:
        return False
    return str(parsed) == uuid_to_test


def secure_hash(msg: str) -> str:
    """SHA-256 hex digest of the UTF-8 text."""
    return hashlib.sha256(msg.encode()).hexdigest()


def insecure_hash(msg: str) -> str:
    """MD5 hex digest of the UTF-8 text (a fingerprint, not security)."""
    return hashlib.md5(msg.encode()).hexdigest()


def random_str(num_characters: int = 8) -> str:
    """Random ASCII letters (not for secrets)."""
    return "".join(random.choice(string.ascii_letters) for _ in range(num_characters))


def convert_to_env_name(name: str) -> str:
    """``'Testnet Binance Futures'`` -> ``'TESTNET_BINANCE_FUTURES'``."""
    return name.replace(" ", "_").upper()


# ---------------------------------------------------------------- terminal output

_COLORS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")


def color(msg_text: str, msg_color: str) -> str:
    """``msg_text`` in an ANSI colour (``'gray'`` is shown as white); empty text stays empty.

    Example:
        >>> color('msg', 'black')
        '\\x1b[30mmsg\\x1b[0m'
    """
    import click

    if not msg_text:
        return ""
    if msg_color in _COLORS:
        return click.style(msg_text, fg=msg_color)
    if msg_color == "gray":
        return click.style(msg_text, fg="white")
    raise ValueError(f"unsupported color {msg_color!r}: use one of {', '.join(_COLORS)} or gray")


def style(msg_text: str, msg_style: str | None) -> str:
    """``msg_text`` bold (``'bold'``/``'b'``) or underlined (``'underline'``/``'u'``); None leaves it."""
    import click

    if msg_style is None:
        return msg_text
    if msg_style.lower() in ("bold", "b"):
        return click.style(msg_text, bold=True)
    if msg_style.lower() in ("underline", "u"):
        return click.style(msg_text, underline=True)
    raise ValueError(f"unsupported style {msg_style!r}: use 'bold' or 'underline'")


def dump(*item: Any) -> None:
    """Pretty-print the value(s) between two coloured rulers (a debugging aid)."""
    print(color("\n========= DEBUGGING VALUE ==========", "yellow"))
    pprint(item[0] if len(item) == 1 else item)
    print(color("====================================\n", "yellow"))


# ---------------------------------------------------------------- files and the machine

def file_exists(path: str) -> bool:
    """True for an existing regular file (not a directory)."""
    return os.path.isfile(path)


def clear_file(path: str) -> None:
    """Create ``path`` empty, or empty it."""
    with open(path, "w"):
        pass


def make_directory(path: str) -> None:
    """Create ``path`` and its parents when missing."""
    os.makedirs(path, exist_ok=True)


def relative_to_absolute(path: str) -> str:
    return os.path.abspath(path)


def python_version() -> tuple:
    """``(major, minor)`` of the running Python."""
    return sys.version_info[:2]


def get_pid() -> int:
    return os.getpid()


def computer_name() -> str:
    return platform.node()


def cpu_cores_count() -> int:
    return os.cpu_count() or 1


def get_os() -> str:
    """``'mac'``, ``'linux'`` or ``'windows'``."""
    names = {"Darwin": "mac", "Linux": "linux", "Windows": "windows"}
    system = platform.system()
    if system not in names:
        raise NotImplementedError(f'Unsupported OS: "{system}"')
    return names[system]


def is_docker() -> bool:
    return os.path.exists("/.dockerenv")


def is_notebook() -> bool:
    """True inside a Jupyter kernel (not a terminal IPython)."""
    try:
        shell = get_ipython().__class__.__name__  # type: ignore[name-defined]  # noqa: F821
    except NameError:
        return False
    return shell == "ZMQInteractiveShell"


def gzip_compress(data: Any) -> bytes:
    """gzip of the JSON text of ``data``."""
    return gzip.compress(json.dumps(data).encode("utf-8"))


def compressed_response(content: Any) -> dict:
    """``{'is_compressed': True, 'data': base64 of gzip_compress(content)}``."""
    return {"is_compressed": True, "data": base64.b64encode(gzip_compress(content)).decode("utf-8")}


# ---------------------------------------------------------------- order-book and exchange rounding

def orderbook_insertion_index_search(arr, target, ascending: bool = True) -> tuple[bool, int]:
    """Where the row ``target`` ([price, qty]) belongs in an order book sorted by price.

    Returns ``(True, i)`` when the price is already at row ``i``, else ``(False, insertion index)``.

    Example:
        >>> book = [[10, 1], [20, 1], [30, 1]]
        >>> orderbook_insertion_index_search(book, [20, 5]), orderbook_insertion_index_search(book, [25, 5])
        ((True, 1), (False, 2))
    """
    price = target[0]
    lo, hi = 0, len(arr)
    while lo < hi:
        mid = (lo + hi) // 2
        value = arr[mid][0]
        if value == price:
            return True, mid
        if (value < price) if ascending else (value > price):
            lo = mid + 1
        else:
            hi = mid
    return False, lo


def orderbook_trim_price(p: float, ascending: bool, unit: float) -> float:
    """``p`` moved onto the grid of ``unit``: up for asks (``ascending``), down for bids.

    Example:
        >>> float(orderbook_trim_price(10.122, True, .01)), float(orderbook_trim_price(10.122, False, .01))
        (10.13, 10.12)
    """
    trimmed = np.ceil(p / unit) * unit - (0 if ascending else unit)
    if math.log10(unit) < 0:
        trimmed = round(trimmed, abs(int(math.log10(unit))))
    # a price already on the grid would move a whole unit: keep it
    return p if trimmed == (p + unit if ascending else p - unit) else trimmed


def round_price_for_live_mode(price, precision: int):
    """Prices rounded to the exchange's ``precision`` decimals (``np.round``)."""
    return np.round(price, precision)


def round_qty_for_live_mode(roundable_qty, precision: int):
    """Quantities rounded DOWN to ``precision`` decimals as exchange lots, exactly in decimal.

    A quantity that rounds to 0 becomes the smallest lot (``10**-precision``); with a negative
    precision that is refused. A float in gives a float back, an array an array.

    Example:
        >>> round_qty_for_live_mode(0.299999, 2), round_qty_for_live_mode(0.001, 2)
        (0.29, 0.01)
    """
    scalar_in = isinstance(roundable_qty, (float, np.float64))
    quantities = roundable_qty if isinstance(roundable_qty, np.ndarray) else np.array([roundable_qty])
    rounded = np.asarray(round_decimals_down(quantities, precision), dtype=np.float64).copy()
    # floor the decimal text of each quantity, so a binary product cannot lose a lot on a full exit
    exact = [Decimal(str(q)) for q in quantities]
    finite = [q for q in exact if q.is_finite()]
    with localcontext() as ctx:
        ctx.prec = max([len(q.as_tuple().digits) + 1 for q in finite] or [1])
        factor = Decimal(10) ** precision
        for i, q in enumerate(exact):
            if q.is_finite():
                rounded[i] = float((q * factor).to_integral_value(rounding=ROUND_FLOOR) / factor)
    for i, q in enumerate(rounded):
        if q == 0.0:
            if precision < 0:
                raise ValueError(f"qty {quantities[i]} is too small for a lot of 10**{-precision}")
            rounded[i] = 1 / 10 ** precision
    return float(rounded[0]) if scalar_in else rounded


# ---------------------------------------------------------------- strategies, debugging, the wall clock

def get_strategy_class(strategy_name: str) -> type | None:
    """The Strategy class ``strategy_name`` from ``strategies/<name>/__init__.py`` under the current
    directory, as a route naming it would load; None when there is no such file (Jesse's ``locate``).
    """
    from jesse_dag.engine.exceptions import InvalidRoutes
    from jesse_dag.engine.run import load_strategy_class

    try:
        return load_strategy_class(strategy_name)
    except InvalidRoutes:
        return None


def has_live_trade_plugin() -> bool:
    """False: there is no live-trading plugin for jesse-dag."""
    return False


def is_jesse_project() -> bool:
    """True when the current directory has ``strategies`` and ``storage`` folders."""
    entries = os.listdir(".")
    return "strategies" in entries and "storage" in entries


def validate_cwd() -> None:
    """Stop (``SystemExit(1)``) with a message when the current directory is not a project."""
    if not is_jesse_project():
        print(color("Current directory is not a Jesse project (it needs 'strategies' and 'storage' folders). "
                    "Run the command from the root of your project.", "red"))
        raise SystemExit(1)


def clear_config_caches() -> None:
    """Nothing to clear: settings live in the run (``jesse_dag._config``), not in a process-wide cache."""


def terminate_app() -> None:
    """Stop the program: ``SystemExit(1)`` (Jesse calls ``os._exit(1)``, which would kill notebooks and
    worker pools)."""
    raise SystemExit(1)


def _print_error(msg: str) -> None:
    print("\n")
    print(color("========== CRITICAL ERROR ==========", "red"))
    print(color(msg, "red"))
    print(color("====================================", "red"))


def error(msg: str, force_print: bool = False) -> None:
    """Print ``msg`` as a red critical-error block (no live notifications here)."""
    _print_error(msg)


def dump_exception() -> None:
    """Print the exception being handled, then :func:`terminate_app`."""
    import traceback

    print(traceback.format_exc())
    terminate_app()


def dd(item: Any) -> None:
    """:func:`dump` then :func:`terminate_app` ("dump and die")."""
    dump(item)
    terminate_app()


def _joined(items: tuple) -> str:
    return str(items[0]) if len(items) == 1 else ", ".join(str(x) for x in items)


def debug(*item: Any) -> None:
    """:func:`dump` of ``'==> item'`` (Jesse also writes it to its log file; there is none here)."""
    dump(f"==> {_joined(item)}")


def terminal_debug(*item: Any) -> None:
    """:func:`dump` of the item(s) with the local wall-clock time."""
    dump(f"[{datetime.now().strftime('%Y-%m-%d %H:%M:%S')}] ==> {_joined(item)}")


def clear_output() -> None:
    """Clear the notebook cell output or the terminal."""
    if is_notebook():
        from IPython.display import clear_output as _clear  # only inside a notebook

        _clear(wait=True)
    else:
        import click

        click.clear()


def now(force_fresh: bool = False) -> int:
    """:func:`now_to_timestamp` as an int."""
    return int(now_to_timestamp(force_fresh))


def now_to_datetime() -> datetime:
    """The wall clock as an aware UTC ``datetime``."""
    return datetime.now(tz=timezone.utc)


def current_1m_candle_timestamp() -> int:
    """Open time of the current wall-clock minute in epoch ms."""
    return now_to_timestamp(force_fresh=True) // 60_000 * 60_000


def get_candle_start_timestamp_based_on_timeframe(timeframe: str, num_candles_to_fetch: int) -> int:
    """The wall-clock time ``num_candles_to_fetch`` candles of ``timeframe`` ago, in epoch ms."""
    return now_to_timestamp(force_fresh=True) - num_candles_to_fetch * timeframe_to_one_minutes(timeframe) * 60_000


# Jesse's public helpers that need its live-trading app, global router or store: not provided.
UNSUPPORTED: dict[str, str] = {
    "get_store": "Jesse's global store does not exist; a strategy reads its state from self",
    "get_session_id": "id of a live/dashboard session in Jesse's store",
    "validate_response": "checks an HTTP response of Jesse's web services (live trading)",
    "CACHED_CONFIG": "Jesse's process-wide config cache; a run's settings are its config argument here",
}
