"""Synthetic candles: Jesse's helpers and the seeded market generator's realism criteria (issue #2)."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest

from jesse_dag.candles import CLOSE, HIGH, LOW, OPEN, TIMESTAMP, VOLUME
from jesse_dag.candles.synthetic import (
    JESSE_FIRST_TIMESTAMP,
    candles_from_close_prices,
    fake_candle,
    fake_range_candles,
    synthetic_market,
)
from jesse_dag.candles.validate import validate_candles


@pytest.fixture(scope="module")
def year() -> np.ndarray:
    return synthetic_market(days=365, seed=0)


def test_same_seed_same_bytes_other_seed_other_market(year):
    again = synthetic_market(days=365, seed=0)
    assert hashlib.sha256(again.tobytes()).hexdigest() == hashlib.sha256(year.tobytes()).hexdigest()
    assert not np.array_equal(synthetic_market(days=2, seed=1), year[: 2 * 1440])


def test_year_meets_the_contract(year):
    assert year.shape == (525_600, 6) and year.dtype == np.float64
    validate_candles(year)
    assert year[0, TIMESTAMP] == JESSE_FIRST_TIMESTAMP
    assert np.array_equal(year[1:, OPEN], year[:-1, CLOSE])
    assert (year[:, VOLUME] > 0).all()


def _returns(m):
    return np.diff(np.log(m[:, CLOSE]))


def test_volatility_clusters(year):
    a = np.abs(_returns(year))
    a = a - a.mean()
    acf = [float(np.dot(a[:-k], a[k:]) / np.dot(a, a)) for k in range(1, 61)]
    assert min(acf) > 0.1, acf


def test_volume_follows_absolute_returns(year):
    assert np.corrcoef(year[1:, VOLUME], np.abs(_returns(year)))[0, 1] > 0.3


def test_fat_tails(year):
    r = _returns(year)
    excess_kurtosis = ((r - r.mean()) ** 4).mean() / r.var() ** 2 - 3
    assert excess_kurtosis > 3


def test_has_trending_and_ranging_months(year):
    # 30-day windows stepped by a day. Trending: net move > 15 % with daily closes going mostly one way
    # (efficiency ratio > 0.3). Ranging: net move < 3 % and the whole window within a 15 % band.
    daily = np.log(year[1439::1440, CLOSE])
    trending = ranging = 0
    for i in range(len(daily) - 30):
        w = daily[i:i + 31]
        net = abs(w[-1] - w[0])
        efficiency = net / np.abs(np.diff(w)).sum()
        if net > 0.15 and efficiency > 0.3:
            trending += 1
        if net < 0.03 and w.max() - w.min() < np.log(1.15):
            ranging += 1
    assert trending >= 1 and ranging >= 1, (trending, ranging)


def test_planted_signal_is_off_by_default_and_learnable_when_on():
    def hit_rate(m):
        # what a 15m strategy can compute at bar close: last hour's return in units of recent volatility
        c = np.log(m[14::15, CLOSE])
        r = np.diff(c)
        vol = np.sqrt(np.convolve(r**2, np.ones(96) / 96, mode="full")[: len(r)])
        past = c[4:-4] - c[:-8]
        future = c[8:] - c[4:-4]
        x = past / (2 * vol[3:3 + len(past)] + 1e-12)
        oversold, overbought = x < -2, x > 2
        return np.mean(future[oversold] > 0), np.mean(future[overbought] < 0)

    def pooled(plant):
        rates = [hit_rate(synthetic_market(days=120, seed=s, plant_signal=plant)) for s in (0, 1, 2)]
        return float(np.mean(rates))

    plain, planted = pooled(False), pooled(True)
    # no signal: the sign of the next hour after a sharp move is a coin flip (about a thousand samples)
    assert 0.44 < plain < 0.56
    # planted: reversion wins clearly more often
    assert planted > 0.55 and planted - plain > 0.05, (plain, planted)
    validate_candles(synthetic_market(days=3, seed=0, plant_signal=True))


def test_bad_arguments():
    with pytest.raises(ValueError, match="days must be >= 1"):
        synthetic_market(days=0)
    with pytest.raises(ValueError, match="not a whole minute"):
        synthetic_market(days=1, start_timestamp=1)


def test_candles_from_close_prices_as_jesse_defines_it():
    c = candles_from_close_prices([10, 11, 9, 9.5])
    assert c[:, TIMESTAMP].tolist() == [JESSE_FIRST_TIMESTAMP + 60_000 * i for i in range(4)]
    assert c[:, OPEN].tolist() == [9.5, 10, 11, 9]
    assert c[:, HIGH].tolist() == [10, 11, 11, 9.5]
    assert c[:, LOW].tolist() == [9.5, 10, 9, 9]
    assert np.array_equal(c, candles_from_close_prices([10, 11, 9, 9.5]))
    assert set(np.unique(candles_from_close_prices(range(1, 2000))[:, VOLUME])) <= set(range(201))
    with pytest.raises(ValueError, match="row 1 is not finite"):
        candles_from_close_prices([1, np.nan])


def test_fake_candles_follow_jesse():
    first = fake_candle(reset=True)
    second = fake_candle()
    assert first[TIMESTAMP] == JESSE_FIRST_TIMESTAMP - 60_000  # 23:59, as Jesse's factory after reset
    assert second[TIMESTAMP] - first[TIMESTAMP] == 60_000
    assert second[OPEN] == first[CLOSE] and 1 <= second[CLOSE] - second[OPEN] <= 8
    assert second[LOW] == min(second[OPEN] - 1, second[CLOSE])
    assert np.array_equal(fake_candle(reset=True), first)
    assert fake_candle({"close": 5.0})[CLOSE] == 5.0
    r = fake_range_candles(50)
    assert r[0, TIMESTAMP] == JESSE_FIRST_TIMESTAMP
    assert np.array_equal(r[1:, OPEN], r[:-1, CLOSE])
    assert np.all(np.diff(r[:, CLOSE]) >= 1) and np.all(np.diff(r[:, CLOSE]) <= 8)
    assert np.array_equal(r, fake_range_candles(50))
