"""Jesse's ``jesse.helpers`` (imported as ``jh``): the pure helpers research scripts and strategies use.

Same names, parameters and results as Jesse 3.5.3, without arrow, without Jesse's global config or
store, and without the wall clock: times are UTC epoch milliseconds, dates ``datetime`` objects in
UTC. The only functions that read the clock are the ones whose meaning is "now" (``now_to_timestamp``,
``today_to_timestamp``); nothing else in the library calls them.

Example:
    >>> import jesse_dag.helpers as jh
    >>> jh.key('Sandbox', 'BTC-USDT', '4h'), jh.date_to_timestamp('2021-01-01')
    ('Sandbox-BTC-USDT-4h', 1609459200000)
"""
from __future__ import annotations

import base64
import binascii
import json
import math
from bisect import bisect_left
from datetime import datetime, timezone

import numpy as np

from jesse_dag.candles.timeframes import TIMEFRAME_MINUTES, timeframe_to_minutes
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


def date_diff_in_days(date1: datetime, date2: datetime) -> int:
    """Whole days between two datetimes, absolute (``abs((date2 - date1).days)`` as Jesse computes it)."""
    if not isinstance(date1, datetime) or not isinstance(date2, datetime):
        raise TypeError("dates must be datetime instances")
    return abs((date2 - date1).days)


def now_to_timestamp() -> int:
    """The wall clock in epoch ms, whole seconds. Meaning is "now": never used by backtests."""
    return int(datetime.now(tz=timezone.utc).timestamp()) * 1000


def today_to_timestamp() -> int:
    """UTC midnight of today in epoch ms. Meaning is "now": never used by backtests."""
    now = now_to_timestamp()
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
