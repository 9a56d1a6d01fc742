"""Synthetic candles: Jesse's ``candles_from_close_prices`` and (data layer) a seeded market generator."""
from __future__ import annotations

from typing import Sequence

import numba as nb
import numpy as np

from jesse_dag.candles.columns import CLOSE, HIGH, LOW, N_COLUMNS, ONE_MINUTE_MS, OPEN, TIMESTAMP, VOLUME

# 2021-01-01T00:00Z, Jesse's first timestamp for candles built from close prices.
JESSE_FIRST_TIMESTAMP = 1_609_459_200_000


def candles_from_close_prices(
    prices: Sequence[float], seed: int | None = 0, start_timestamp: int = JESSE_FIRST_TIMESTAMP
) -> np.ndarray:
    """1-minute candles whose closes are ``prices``, built as Jesse builds them.

    open = previous close (the first open is ``prices[0] - 0.5``), high/low = max/min(open, close),
    timestamps one minute apart from 2021-01-01. Jesse draws volume at random (0..200); here it is drawn
    from ``numpy.random.default_rng(seed)`` so the same call gives the same candles.

    Example:
        >>> c = candles_from_close_prices([10, 11, 9])
        >>> c[:, 1:5].tolist()
        [[9.5, 10.0, 10.0, 9.5], [10.0, 11.0, 11.0, 10.0], [11.0, 9.0, 11.0, 9.0]]
    """
    closes = np.asarray(prices, dtype=np.float64)
    if closes.ndim != 1 or closes.size == 0:
        raise ValueError(f"prices: expected a non-empty 1-D sequence, got shape {closes.shape}")
    if not np.all(np.isfinite(closes)):
        bad = int(np.flatnonzero(~np.isfinite(closes))[0])
        raise ValueError(f"prices: row {bad} is not finite ({closes[bad]!r})")
    n = closes.size
    out = np.empty((n, N_COLUMNS), dtype=np.float64)
    out[:, TIMESTAMP] = start_timestamp + np.arange(n, dtype=np.float64) * ONE_MINUTE_MS
    out[:, CLOSE] = closes
    out[0, OPEN] = closes[0] - 0.5
    out[1:, OPEN] = closes[:-1]
    out[:, HIGH] = np.maximum(out[:, OPEN], closes)
    out[:, LOW] = np.minimum(out[:, OPEN], closes)
    out[:, VOLUME] = np.random.default_rng(seed).integers(0, 201, size=n).astype(np.float64)
    return out


# --------------------------------------------------------------------------------------------------
# Seeded synthetic market
# --------------------------------------------------------------------------------------------------

_MINUTES_PER_DAY = 1440


@nb.njit(cache=True)
def _simulate(
    shocks: np.ndarray,
    slow_noise: np.ndarray,
    regime: np.ndarray,
    sigma_bar: float,
    trend_drift: float,
    range_pull: float,
    garch_alpha: float,
    garch_beta: float,
    slow_rho: float,
    slow_scale: float,
    seasonal: np.ndarray,
    start_price: float,
    signal_strength: float,
    signal_lookback: int,
    signal_horizon: int,
    signal_threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    n = shocks.shape[0]
    log_close = np.empty(n, dtype=np.float64)
    sigma = np.empty(n, dtype=np.float64)
    h = 1.0  # GARCH variance in units of the minute's base variance (unconditional mean 1)
    omega = 1.0 - garch_alpha - garch_beta
    slow = 0.0
    lp = np.log(start_price)
    anchor = lp
    prev_regime = regime[0]
    boost_left = 0
    boost_sign = 0.0
    for t in range(n):
        if regime[t] != prev_regime:
            anchor = lp
            prev_regime = regime[t]
        slow = slow_rho * slow + slow_noise[t] * slow_scale
        s = sigma_bar * np.exp(slow) * seasonal[t % seasonal.shape[0]] * np.sqrt(h)
        drift = 0.0
        if regime[t] == 0:
            drift = -range_pull * (lp - anchor)
        else:
            drift = regime[t] * trend_drift
        if boost_left > 0:
            drift += boost_sign * signal_strength * s
            boost_left -= 1
        r = drift + s * shocks[t]
        lp += r
        log_close[t] = lp
        sigma[t] = s
        z = shocks[t]
        h = omega + garch_alpha * z * z * h + garch_beta * h
        if signal_strength != 0.0 and boost_left == 0 and t >= signal_lookback:
            move = lp - log_close[t - signal_lookback]
            band = signal_threshold * s * np.sqrt(signal_lookback)
            if move < -band:
                boost_left = signal_horizon
                boost_sign = 1.0
            elif move > band:
                boost_left = signal_horizon
                boost_sign = -1.0
    return log_close, sigma


def synthetic_market(
    days: int = 365,
    seed: int = 0,
    *,
    start_timestamp: int = JESSE_FIRST_TIMESTAMP,
    start_price: float = 30_000.0,
    minute_volatility: float = 0.0006,
    tick_size: float = 0.01,
    plant_signal: bool = False,
    signal_strength: float = 0.05,
    signal_lookback: int = 60,
    signal_horizon: int = 60,
    signal_threshold: float = 2.0,
) -> np.ndarray:
    """A seeded, realistic market of ``days × 1440`` one-minute candles (Jesse's column order).

    The same arguments give the same bytes. The model, minute by minute:

    - **log return** = drift + sigma_t × shock, shocks Student-t (4 d.o.f., unit variance): fat tails.
    - **volatility** sigma_t = ``minute_volatility`` × slow factor × intraday seasonality × GARCH(1,1)
      term (alpha 0.06, beta 0.93). The slow factor is a log-AR(1) with a half-life of about a day; with
      GARCH it makes |returns| clearly autocorrelated over hours (volatility clustering).
    - **regimes** alternate between *ranging* (the price is pulled back to where the regime began,
      half-life about 12 h) and *trending* (a constant drift of about ±30 % per 30 days, direction by the
      seed), each lasting 30 to 75 days; so any market of 75+ days holds a full stretch of each.
    - **volume** rises with |return| and with the current volatility (log-normal noise on top).
    - **high/low** extend beyond max/min(open, close) by a half-normal multiple of sigma_t; open = the
      previous close; prices rounded to ``tick_size`` (0 disables rounding).

    **Planted signal** (``plant_signal=True``, off by default; a weak, learnable mean reversion): at
    each minute's close, when the log return over the last ``signal_lookback`` minutes is below
    ``-signal_threshold × sigma_t × sqrt(signal_lookback)`` (a sharp drop measured in current
    volatility, i.e. what a strategy sees as "the last hour's return is < -2 ATR-scaled units"), the
    next ``signal_horizon`` minutes get an extra drift of ``+signal_strength × sigma_t`` per minute;
    after a sharp rise, the same drift downwards. One episode runs at a time. With the defaults the
    expected reversion over the next hour is about 3 minute-sigmas, against noise of about 7.7: weak,
    but a classifier on "past-hour return / recent volatility" can learn the sign of the next hour's
    return better than chance.

    Example:
        >>> m = synthetic_market(days=2, seed=7)
        >>> m.shape, m.dtype.name
        ((2880, 6), 'float64')
        >>> bool((synthetic_market(days=2, seed=7) == m).all())
        True
    """
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    if start_timestamp % ONE_MINUTE_MS != 0:
        raise ValueError(f"start_timestamp {start_timestamp} is not a whole minute")
    if start_price <= 0 or minute_volatility <= 0:
        raise ValueError("start_price and minute_volatility must be positive")
    n = int(days) * _MINUTES_PER_DAY
    rng = np.random.default_rng(seed)
    dof = 4.0
    shocks = rng.standard_t(dof, size=n) / np.sqrt(dof / (dof - 2.0))
    slow_noise = rng.standard_normal(n)

    # regimes: alternate ranging (0) and trending (+1/-1), each 30..75 days
    regime = np.empty(n, dtype=np.int64)
    t, kind = 0, int(rng.integers(0, 2))  # start ranging or trending, by the seed
    while t < n:
        length = int(rng.integers(30, 76)) * _MINUTES_PER_DAY
        value = 0 if kind == 0 else int(rng.choice((-1, 1)))
        regime[t:t + length] = value
        t += length
        kind = 1 - kind

    minute_of_day = np.arange(_MINUTES_PER_DAY)
    # busiest around 14:00 UTC, quietest around 02:00
    seasonal = 1.0 + 0.3 * np.cos(2 * np.pi * (minute_of_day - 14 * 60) / _MINUTES_PER_DAY)
    slow_rho = 0.5 ** (1.0 / _MINUTES_PER_DAY)  # half-life one day
    slow_scale = 0.35 * np.sqrt(1.0 - slow_rho**2)  # stationary std of the log factor 0.35
    trend_drift = 0.30 / (30 * _MINUTES_PER_DAY)
    range_pull = np.log(2.0) / (12 * 60)

    log_close, sigma = _simulate(
        shocks, slow_noise, regime, float(minute_volatility), trend_drift, range_pull, 0.06, 0.93,
        slow_rho, slow_scale, seasonal, float(start_price),
        float(signal_strength) if plant_signal else 0.0, int(signal_lookback), int(signal_horizon),
        float(signal_threshold),
    )
    close = np.exp(log_close)
    open_ = np.empty(n)
    open_[0] = start_price
    open_[1:] = close[:-1]
    wick_up = np.abs(rng.standard_normal(n)) * 0.5 * sigma
    wick_down = np.abs(rng.standard_normal(n)) * 0.5 * sigma
    high = np.maximum(open_, close) * np.exp(wick_up)
    low = np.minimum(open_, close) * np.exp(-wick_down)
    if tick_size > 0:
        close = np.round(close / tick_size) * tick_size
        open_[0] = np.round(open_[0] / tick_size) * tick_size
        open_[1:] = close[:-1]
        high = np.round(high / tick_size) * tick_size
        low = np.round(low / tick_size) * tick_size
    high = np.maximum(high, np.maximum(open_, close))
    low = np.minimum(low, np.minimum(open_, close))
    abs_move = np.abs(log_close - np.concatenate(([np.log(start_price)], log_close[:-1])))
    volume = (
        50.0 * (0.3 * sigma / minute_volatility + abs_move / minute_volatility)
        * np.exp(0.6 * rng.standard_normal(n))
    )
    volume = np.round(volume, 5)

    out = np.empty((n, N_COLUMNS), dtype=np.float64)
    out[:, TIMESTAMP] = start_timestamp + np.arange(n, dtype=np.float64) * ONE_MINUTE_MS
    out[:, OPEN] = open_
    out[:, CLOSE] = close
    out[:, HIGH] = high
    out[:, LOW] = low
    out[:, VOLUME] = volume
    return out


# --------------------------------------------------------------------------------------------------
# Jesse's fake candles (deterministic: a seeded generator replaces Jesse's global random state)
# --------------------------------------------------------------------------------------------------

# Jesse's factory starts two minutes before 2021-01-01 and adds a minute before each candle, so the
# first candle after a reset opens at 23:59 and ``fake_range_candles`` (which discards that one) at 00:00.
_FAKE_FIRST_TIMESTAMP = JESSE_FIRST_TIMESTAMP - 2 * ONE_MINUTE_MS


class FakeCandleFactory:
    """Jesse's ``fake_candle`` sequence: each close = previous close + 1..8, low = min(open - 1, close).

    Holds its own seeded ``random.Random``, so two factories with one seed produce the same candles.

    Example:
        >>> f = FakeCandleFactory(seed=1)
        >>> a, b = f.next(), f.next()
        >>> float(b[0] - a[0]), bool(b[1] == a[2])
        (60000.0, True)
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        import random

        self._rng = random.Random(self.seed)
        self.timestamp = _FAKE_FIRST_TIMESTAMP
        self.open = self._rng.randint(40, 100)
        self.close = self._rng.randint(self.open, 110)

    def next(self, attributes: dict | None = None) -> np.ndarray:
        attributes = attributes or {}
        self.timestamp += ONE_MINUTE_MS
        self.open = self.close
        self.close += self._rng.randint(1, 8)
        high = max(self.open, self.close)
        low = min(self.open - 1, self.close)
        volume = self._rng.randint(1, 100)
        return np.array([
            attributes.get("timestamp", self.timestamp),
            attributes.get("open", self.open),
            attributes.get("close", self.close),
            attributes.get("high", high),
            attributes.get("low", low),
            attributes.get("volume", volume),
        ], dtype=np.float64)


_FAKE_FACTORY = FakeCandleFactory(seed=0)


def fake_candle(attributes: dict | None = None, reset: bool = False) -> np.ndarray:
    """One fake 1-minute candle continuing the previous one (Jesse's ``fake_candle``).

    ``attributes`` overrides fields by name (``timestamp, open, close, high, low, volume``);
    ``reset=True`` restarts the sequence from its seed, so a reset sequence is reproducible.

    Example:
        >>> first = fake_candle(reset=True)
        >>> again = fake_candle(reset=True)
        >>> bool((first == again).all()), fake_candle({"volume": 7.0})[5]
        (True, np.float64(7.0))
    """
    if reset:
        _FAKE_FACTORY.reset()
    return _FAKE_FACTORY.next(attributes)


def fake_range_candles(count: int, seed: int = 0) -> np.ndarray:
    """``count`` consecutive fake candles (Jesse's ``fake_range_candles``), reproducible by ``seed``.

    Example:
        >>> c = fake_range_candles(3)
        >>> c.shape, bool((c[1:, 1] == c[:-1, 2]).all())
        ((3, 6), True)
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    factory = FakeCandleFactory(seed=seed)
    factory.next()  # Jesse's range_candles resets with a fake_candle(reset=True) call, consuming one
    out = np.zeros((count, N_COLUMNS))
    for i in range(count):
        out[i] = factory.next()
    return out
