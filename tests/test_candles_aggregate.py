"""Aggregation of 1m candles: Jesse's arithmetic (bit for bit) and both of Jesse's alignment rules."""
from __future__ import annotations

import numpy as np
import pytest

from jesse_dag.candles import TIMEFRAMES, timeframe_to_minutes, timeframe_to_ms
from jesse_dag.candles.aggregate import aggregate_candles, group_by_clock, group_by_count
from jesse_dag.candles.synthetic import synthetic_market

DAY = 86_400_000
MIDNIGHT = 1_609_459_200_000  # 2021-01-01, a Friday


def test_btc_15m_equals_jesse_bit_for_bit(parity_dir, data_dir):
    with np.load(parity_dir / "indicators" / "btc_15m_2000.npz", allow_pickle=True) as npz:
        jesse = npz["candles"]
    raw = np.loadtxt(data_dir / "binance_BTCUSDT_1m.csv", delimiter=",", skiprows=1, max_rows=15 * 2000)
    one = raw[:, [0, 1, 4, 2, 3, 5]]  # file order o,h,l,c -> Jesse's o,c,h,l
    assert np.array_equal(group_by_count(one, 15), jesse)
    # the file starts at midnight, so clock alignment gives the same candles
    assert np.array_equal(aggregate_candles(one, "15m", align="clock"), jesse)


def _numpy_candle(rows: np.ndarray, ts: float) -> list[float]:
    # the reference arithmetic, as Jesse writes it with numpy
    return [ts, rows[0, 1], rows[-1, 2], rows[:, 3].max(), rows[:, 4].min(), rows[:, 5].sum()]


@pytest.mark.parametrize("timeframe", [tf for tf in TIMEFRAMES if timeframe_to_minutes(tf) <= 4320])
def test_every_timeframe_matches_numpy_arithmetic(timeframe):
    m = synthetic_market(days=7, seed=11)
    k = timeframe_to_minutes(timeframe)
    out = group_by_count(m, k)
    assert out.shape == (len(m) // k, 6)
    for g in (0, len(out) - 1):
        assert out[g].tolist() == _numpy_candle(m[g * k:(g + 1) * k], m[g * k, 0])


def test_count_alignment_groups_from_the_first_row_not_the_clock():
    # Reference §2.3: the dense engine groups by count from the first trading candle.
    m = synthetic_market(days=1, seed=1)[7:]  # starts at 00:07
    out = group_by_count(m, 15)
    assert out[0, 0] == MIDNIGHT + 7 * 60_000
    assert out[0, 1] == m[0, 1] and out[0, 2] == m[14, 2]
    assert len(out) == len(m) // 15  # the trailing incomplete group is dropped


def test_clock_alignment_buckets_from_the_epoch():
    # Reference §2.3 (3.5.3): bucket = ts // tf_ms * tf_ms, built from the rows present; the candle's
    # timestamp is the bucket start; a bucket is released once its end is observable.
    m = synthetic_market(days=1, seed=1)[7:]  # 00:07 .. 23:59
    out = group_by_clock(m, "15m")
    assert out[0, 0] == MIDNIGHT  # leading partial bucket, stamped at its clock start
    assert out[0, 1] == m[0, 1] and out[0, 2] == m[7, 2]  # rows 00:07 .. 00:14
    assert out[1, 0] == MIDNIGHT + 15 * 60_000
    assert np.all(out[:, 0] % timeframe_to_ms("15m") == 0)
    # the last bucket 23:45..00:00 closes exactly at the end of the data: released
    assert out[-1, 0] == MIDNIGHT + DAY - 15 * 60_000
    # drop the last row: that bucket is incomplete and withheld
    assert group_by_clock(m[:-1], "15m")[-1, 0] == MIDNIGHT + DAY - 30 * 60_000
    # unless the caller says the clock has moved past its end
    assert group_by_clock(m[:-1], "15m", available_at=int(MIDNIGHT + DAY))[-1, 0] == MIDNIGHT + DAY - 15 * 60_000


def test_clock_alignment_with_gaps_uses_observed_rows_only():
    m = synthetic_market(days=1, seed=2)
    keep = np.ones(len(m), bool)
    keep[16:30] = False  # 00:16..00:29 missing: bucket 00:15 holds one row
    keep[60:75] = False  # 01:00..01:14 missing entirely: no candle for it
    g = m[keep]
    out = group_by_clock(g, "15m")
    starts = out[:, 0].astype(np.int64) - MIDNIGHT
    assert 4 * 15 * 60_000 not in starts
    one_row = out[1]
    assert one_row[0] == MIDNIGHT + 15 * 60_000 and one_row[5] == m[15, 5] and one_row[1] == one_row_open(m)
    assert len(out) == 96 - 1


def one_row_open(m):
    return m[15, 1]


def test_week_and_month_buckets_follow_jesse_epoch_alignment():
    # 1W buckets start on Thursdays (the epoch was a Thursday); 1M is 30 days from the epoch.
    m = synthetic_market(days=70, seed=3)
    weeks = group_by_clock(m, "1W")
    assert np.all(weeks[:, 0] % (7 * DAY) == 0)
    assert weeks[0, 0] == MIDNIGHT - DAY  # 2020-12-31, Thursday, holds Fri..Wed of the first week
    months = group_by_clock(m, "1M")
    assert np.all(months[:, 0] % (30 * DAY) == 0)
    # a 1M candle is the numpy arithmetic over its 43,200 rows
    b = months[1, 0]
    rows = m[(m[:, 0] >= b) & (m[:, 0] < b + 30 * DAY)]
    assert len(rows) == 43_200
    assert months[1, :5].tolist() == _numpy_candle(rows, b)[:5]
    assert months[1, 5] == pytest.approx(rows[:, 5].sum(), rel=1e-14)


@pytest.mark.parametrize("timeframe", ["3m", "45m", "1h", "4h", "12h", "1D"])
def test_both_rules_agree_on_gapless_midnight_data(timeframe):
    m = synthetic_market(days=3, seed=5)
    assert np.array_equal(aggregate_candles(m, timeframe, "count"), aggregate_candles(m, timeframe, "clock"))


def test_bad_arguments():
    m = synthetic_market(days=1, seed=0)
    with pytest.raises(ValueError, match="unknown timeframe '2m'"):
        aggregate_candles(m, "2m")
    with pytest.raises(ValueError, match="align must be"):
        aggregate_candles(m, "5m", align="nearest")
    with pytest.raises(ValueError, match=r"expected shape \(N, 6\)"):
        aggregate_candles(m[:, :5], "5m")
    assert np.array_equal(aggregate_candles(m, "1m"), m)
