"""Jesse's ``jesse.utils``: sizing, risk and series helpers strategies call, with Jesse's exact formulas.

The sizing helpers decide order quantities, so their float operations are Jesse's, step for step:
``size_to_qty`` *floors* to ``precision`` decimals, and a non-zero ``fee_rate`` shrinks the size by
``1 − 3·fee_rate`` (``risk_to_qty`` applies that factor twice, as Jesse does). They are checked against
Jesse 3.5.3 on a table of real inputs in ``tests/test_utils_helpers.py``.

Example:
    >>> from jesse_dag import utils
    >>> utils.size_to_qty(5000, 111482.42, fee_rate=0.0004)
    0.044
    >>> utils.risk_to_qty(10_000, 1, 100, 95, precision=3)
    20.0
"""
from __future__ import annotations

import math
from decimal import Decimal
from itertools import permutations

import numpy as np

from jesse_dag import helpers as jh
from jesse_dag.enums import timeframes

__all__ = [
    "anchor_timeframe", "crossed", "estimate_risk", "limit_stop_loss", "numpy_candles_to_dataframe",
    "qty_to_size", "risk_to_qty", "risk_to_size", "size_to_qty", "subtract_floats", "sum_floats",
    "strictly_increasing", "strictly_decreasing", "streaks", "signal_line", "kelly_criterion",
    "prices_to_returns", "z_score", "are_cointegrated", "wavelet_denoising", "dd", "combinations_without_repeat",
    "calculate_alpha_beta", "timeframe_to_one_minutes", "filter_candles_by_hours", "is_in_trading_hours",
]

_ANCHORS = {
    timeframes.MINUTE_1: timeframes.MINUTE_5,
    timeframes.MINUTE_3: timeframes.MINUTE_15,
    timeframes.MINUTE_5: timeframes.MINUTE_30,
    timeframes.MINUTE_15: timeframes.HOUR_2,
    timeframes.MINUTE_30: timeframes.HOUR_3,
    timeframes.MINUTE_45: timeframes.HOUR_3,
    timeframes.HOUR_1: timeframes.HOUR_4,
    timeframes.HOUR_2: timeframes.HOUR_6,
    timeframes.HOUR_3: timeframes.DAY_1,
    timeframes.HOUR_4: timeframes.DAY_1,
    timeframes.HOUR_6: timeframes.DAY_1,
    timeframes.HOUR_8: timeframes.DAY_1,
    timeframes.HOUR_12: timeframes.DAY_1,
}


def _check_number(name: str, value) -> None:
    # Jesse's math.isnan raises TypeError for None and strings, and it refuses NaN with TypeError too
    if value is None:
        raise TypeError(f"{name} is None")
    if isinstance(value, (str, bytes)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    if math.isnan(value):
        raise TypeError(f"{name} is NaN")


def anchor_timeframe(timeframe: str) -> str:
    """The larger timeframe Jesse pairs with ``timeframe`` for multi-timeframe strategies (up to 12h).

    Example:
        >>> anchor_timeframe('15m'), anchor_timeframe('4h')
        ('2h', '1D')
    """
    try:
        return _ANCHORS[timeframe]
    except KeyError:
        raise KeyError(f"no anchor timeframe for {timeframe!r}; defined for {', '.join(_ANCHORS)}") from None


def crossed(series1: np.ndarray, series2, direction: str | None = None, sequential: bool = False):
    """Did ``series1`` cross ``series2`` (an array or a number) on the last bar, or at each bar if sequential?

    ``direction`` is ``'above'``, ``'below'`` or ``None`` (either). A cross above needs the previous
    value ``<=`` and the current ``>``; below mirrors it.

    Example:
        >>> crossed(np.array([1.0, 3.0]), 2.0, 'above'), crossed(np.array([1.0, 3.0]), 2.0, 'below')
        (True, False)
    """
    if direction not in (None, "above", "below"):
        raise ValueError(f"direction must be 'above', 'below' or None, got {direction!r}")
    series1 = np.asarray(series1, dtype=np.float64)
    if sequential:
        prev1 = jh.np_shift(series1, 1, np.nan)
        if isinstance(series2, np.ndarray):
            series2 = series2.astype(np.float64)
            prev2 = jh.np_shift(series2, 1, np.nan)
        else:
            prev2 = series2
        above = np.logical_and(series1 > series2, prev1 <= prev2)
        below = np.logical_and(series1 < series2, prev1 >= prev2)
        if direction is None:
            return np.logical_or(above, below)
        return above if direction == "above" else below

    if not isinstance(series2, np.ndarray):
        series2 = np.array([series2, series2], dtype=np.float64)
    above = bool(series1[-2] <= series2[-2] and series1[-1] > series2[-1])
    below = bool(series1[-2] >= series2[-2] and series1[-1] < series2[-1])
    if direction is None:
        return above or below
    return above if direction == "above" else below


def estimate_risk(entry_price: float, stop_price: float) -> float:
    """Risk per unit: |entry − stop|.

    Example:
        >>> estimate_risk(100, 95)
        5
    """
    _check_number("entry_price", entry_price)
    _check_number("stop_price", stop_price)
    return abs(entry_price - stop_price)


def limit_stop_loss(entry_price: float, stop_price: float, trade_type: str,
                    max_allowed_risk_percentage: float) -> float:
    """Pull ``stop_price`` in so the risk is at most ``max_allowed_risk_percentage`` % of the entry.

    Example:
        >>> limit_stop_loss(100, 80, 'long', 5), limit_stop_loss(100, 103, 'short', 5)
        (95.0, 103)
    """
    risk = min(abs(entry_price - stop_price), entry_price * (max_allowed_risk_percentage / 100))
    return (entry_price - risk) if trade_type == "long" else (entry_price + risk)


def numpy_candles_to_dataframe(candles: np.ndarray, name_date: str = "date", name_open: str = "open",
                               name_high: str = "high", name_low: str = "low", name_close: str = "close",
                               name_volume: str = "volume") -> "pd.DataFrame":
    """A DataFrame of Jesse candles, columns in Jesse's order, indexed by the open time.

    Example:
        >>> df = numpy_candles_to_dataframe(np.array([[1609459200000, 1, 2, 3, 0.5, 10.0]]))
        >>> list(df.columns), str(df['date'].iloc[0])
        (['date', 'open', 'close', 'high', 'low', 'volume'], '2021-01-01 00:00:00')
    """
    candles = np.asarray(candles, dtype=np.float64)
    if candles.ndim != 2 or candles.shape[1] != 6:
        raise ValueError(f"candles must have shape (N, 6), got {candles.shape}")
    columns = [name_date, name_open, name_close, name_high, name_low, name_volume]
    import pandas as pd  # only this helper needs pandas; keep it off strategies' import path

    index = pd.to_datetime(candles[:, 0].astype(np.int64), unit="ms")
    df = pd.DataFrame(data=candles, index=index, columns=columns)
    df[name_date] = index
    return df


def qty_to_size(qty: float, price: float) -> float:
    """Position value of ``qty`` at ``price``.

    Example:
        >>> qty_to_size(2, 50)
        100
    """
    _check_number("qty", qty)
    _check_number("price", price)
    return qty * price


def risk_to_size(capital_size: float, risk_percentage: float, risk_per_qty: float, entry_price: float) -> float:
    """Position value that loses ``risk_percentage`` % of ``capital_size`` over ``risk_per_qty``, capped at capital.

    Example:
        >>> round(risk_to_size(10000, 1, 0.7, 8.6))
        1229
    """
    if risk_per_qty == 0:
        raise ValueError("risk cannot be zero")
    risk_percentage /= 100
    size = ((risk_percentage * capital_size) / risk_per_qty) * entry_price
    return min(size, capital_size)


def risk_to_qty(capital: float, risk_per_capital: float, entry_price: float, stop_loss_price: float,
                precision: int = 8, fee_rate: float = 0) -> float:
    """Quantity risking ``risk_per_capital`` % of ``capital`` between entry and stop, floored to ``precision``.

    With a fee rate the size shrinks by ``1 − 3·fee_rate`` here and again inside
    :func:`size_to_qty`, exactly as Jesse does.

    Example:
        >>> risk_to_qty(10_000, 2, 100, 90, precision=3, fee_rate=0.001)
        19.88
    """
    size = risk_to_size(capital, risk_per_capital, abs(entry_price - stop_loss_price), entry_price)
    if fee_rate != 0:
        size = size * (1 - fee_rate * 3)
    return size_to_qty(size, entry_price, precision=precision, fee_rate=fee_rate)


def size_to_qty(position_size: float, entry_price: float, precision: int = 3, fee_rate: float = 0) -> float:
    """Quantity worth ``position_size`` at ``entry_price``, floored (never rounded up) to ``precision`` decimals.

    Example:
        >>> size_to_qty(100, 50), size_to_qty(100, 3)
        (2.0, 33.333)
    """
    if entry_price is None:
        raise TypeError("entry_price is None")
    if math.isnan(position_size) or math.isnan(entry_price):
        raise TypeError(f"position_size: {position_size}, entry_price: {entry_price}")
    if fee_rate != 0:
        position_size *= 1 - fee_rate * 3
    return jh.floor_with_precision(position_size / entry_price, precision)


def sum_floats(float1: float, float2: float) -> float:
    """float1 + float2 computed in decimal on their shortest reprs, so 0.1 + 0.2 == 0.3.

    Example:
        >>> sum_floats(0.1, 0.2)
        0.3
    """
    return float(Decimal(repr(float(float1))) + Decimal(repr(float(float2))))


def subtract_floats(float1: float, float2: float) -> float:
    """float1 − float2 computed in decimal on their shortest reprs, so 0.3 − 0.1 == 0.2.

    Example:
        >>> subtract_floats(0.3, 0.1)
        0.2
    """
    return float(Decimal(repr(float(float1))) - Decimal(repr(float(float2))))


def strictly_increasing(series: np.ndarray, lookback: int) -> bool:
    """True when each of the last ``lookback`` values is above the one before it.

    Example:
        >>> strictly_increasing(np.array([5.0, 1.0, 2.0, 3.0]), 3)
        True
    """
    return bool(np.all(np.diff(np.asarray(series)[-lookback:]) > 0))


def strictly_decreasing(series: np.ndarray, lookback: int) -> bool:
    """True when each of the last ``lookback`` values is below the one before it."""
    return bool(np.all(np.diff(np.asarray(series)[-lookback:]) < 0))


def streaks(series: np.ndarray, use_diff: bool = True) -> np.ndarray:
    """Signed run lengths of rises (+1, +2, …) and falls (−1, −2, …); a zero resets to 0.

    With ``use_diff`` (default) the runs are over ``np.diff(series)``, so the result is one shorter
    than ``series`` (Jesse's output; it pads to the diff's own length, i.e. not at all).

    Example:
        >>> streaks(np.array([1.0, 2.0, 3.0, 2.0, 2.0])).tolist()
        [1.0, 2.0, -1.0, 0.0]
        >>> streaks(np.array([3.0, -1.0, -2.0, 0.0]), use_diff=False).tolist()
        [1.0, -1.0, -2.0, 0.0]
    """
    series = np.asarray(series, dtype=np.float64)
    if np.isnan(series).any():
        raise ValueError(f"streaks: series has NaN at index {int(np.flatnonzero(np.isnan(series))[0])}")
    values = np.diff(series) if use_diff else series
    out = np.empty(len(values), dtype=np.float64)
    run = 0
    for i, v in enumerate(values):
        if v > 0:
            run = run + 1 if run > 0 else 1
        elif v < 0:
            run = run - 1 if run < 0 else -1
        else:
            run = 0
        out[i] = run
    return out


def signal_line(series: np.ndarray, period: int = 10, matype: int = 0) -> np.ndarray:
    """Moving average of ``series`` (``ta.ma`` with ``matype``), sequential: a signal line for an oscillator."""
    from jesse_dag.indicators import ma

    return ma(series, period=period, matype=matype, sequential=True)


def kelly_criterion(win_rate: float, ratio_avg_win_loss: float) -> float:
    """Kelly fraction: W − (1 − W) / R.

    Example:
        >>> round(kelly_criterion(0.6, 1.5), 10)
        0.3333333333
    """
    return win_rate - ((1 - win_rate) / ratio_avg_win_loss)


def prices_to_returns(price_series: np.ndarray) -> np.ndarray:
    """Percent returns (×100) of a price series, NaN first so the length is kept.

    Example:
        >>> prices_to_returns(np.array([100.0, 110.0, 99.0])).round(6).tolist()
        [nan, 10.0, -10.0]
    """
    price_series = np.asarray(price_series, dtype=np.float64)
    pct = np.diff(price_series) / price_series[:-1] * 100
    return jh.same_length(price_series, pct)


def z_score(series: np.ndarray) -> np.ndarray:
    """(x − mean) / std with the population std (ddof 0).

    Example:
        >>> z_score(np.array([1.0, 2.0, 3.0])).round(6).tolist()
        [-1.224745, 0.0, 1.224745]
    """
    series = np.asarray(series, dtype=np.float64)
    return (series - np.mean(series)) / np.std(series)


def are_cointegrated(price_returns_1: np.ndarray, price_returns_2: np.ndarray, cutoff: float = 0.05) -> bool:
    """Engle–Granger cointegration test: True when statsmodels' ``coint`` p-value is below ``cutoff``.

    H0 is no cointegration (the residuals of the regression of one series on the other have a unit
    root), so a small p-value means the two series move together.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> walk = np.cumsum(rng.normal(size=500))
        >>> bool(are_cointegrated(walk, 2 * walk + rng.normal(size=500)))
        True
    """
    from statsmodels.tsa.stattools import coint  # heavy import: only when the test is used

    return coint(price_returns_1, price_returns_2)[1] < cutoff


def wavelet_denoising(raw: np.ndarray, wavelet: str = "haar", level: int = 1, mode: str = "soft") -> np.ndarray:
    """Wavelet denoising from older Jesse (needs PyWavelets, which jesse-dag does not depend on)."""
    raise NotImplementedError(
        "wavelet_denoising needs PyWavelets (pywt), which is not installed; `pip install PyWavelets` "
        "and use pywt.wavedec / pywt.threshold / pywt.waverec"
    )


def dd(msg) -> None:
    """Print ``msg`` and stop: Jesse's debugging dump-and-die. Raises ``SystemExit(1)`` instead of killing
    the process outright, so notebooks and worker pools survive it."""
    print(msg)
    raise SystemExit(1)


def combinations_without_repeat(a: np.ndarray, n: int = 2) -> np.ndarray:
    """All ordered n-tuples of distinct elements of ``a`` (permutations, as in Jesse).

    Example:
        >>> combinations_without_repeat(np.array([1, 2, 3])).tolist()
        [[1, 2], [1, 3], [2, 1], [2, 3], [3, 1], [3, 2]]
    """
    if n <= 1:
        raise ValueError("n must be >= 2")
    return np.array(list(permutations(a, n)))


def calculate_alpha_beta(returns1: np.ndarray, returns2: np.ndarray) -> tuple[float, float]:
    """OLS of ``returns1`` on a constant and ``returns2``: (alpha = intercept, beta = slope).

    Example:
        >>> a, b = calculate_alpha_beta(np.array([0.03, 0.05, 0.07]), np.array([0.01, 0.02, 0.03]))
        >>> round(a, 10), round(b, 10)
        (0.01, 2.0)
    """
    y = np.asarray(returns1, dtype=np.float64)
    x = np.asarray(returns2, dtype=np.float64)
    if y.shape != x.shape or y.ndim != 1:
        raise ValueError(f"returns1 and returns2 must be 1-D and the same length, got {y.shape} and {x.shape}")
    design = np.column_stack([np.ones_like(x), x])
    (alpha, beta), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(alpha), float(beta)


def timeframe_to_one_minutes(timeframe: str) -> int:
    """Minutes in ``timeframe``; an unknown one is refused with the list of supported timeframes.

    Example:
        >>> timeframe_to_one_minutes('1D')
        1440
    """
    return jh.timeframe_to_one_minutes(timeframe)


def filter_candles_by_hours(candles: np.ndarray, hours: dict | None) -> np.ndarray:
    """The candles whose open time falls inside a trading-hours schedule, in their order (``hours=None``: the
    input itself). The schedule format is Jesse's: see :mod:`jesse_dag.candles.trading_hours`.

    Example:
        >>> c = np.array([[1767364140000.0, 1, 1, 1, 1, 1], [1767364200000.0, 1, 1, 1, 1, 1]])
        >>> filter_candles_by_hours(c, {'timezone': 'America/New_York', 'hours': {'Mon-Fri': '09:30-16:00'}})[:, 0]
        array([1.7673642e+12])
    """
    from jesse_dag.candles import trading_hours

    return trading_hours.filter_candles(candles, hours)


def is_in_trading_hours(timestamp: int, hours: dict | None) -> bool:
    """Whether a UTC-ms moment is inside a trading-hours schedule; always True when ``hours`` is None. To
    judge a candle, pass its open time (as :func:`filter_candles_by_hours` does).

    Example:
        >>> is_in_trading_hours(1767364200000, {'timezone': 'America/New_York', 'hours': {'Mon-Fri': '09:30-16:00'}})
        True
    """
    from jesse_dag.candles import trading_hours

    return trading_hours.is_in_trading_hours(timestamp, hours)
