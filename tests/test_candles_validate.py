"""The 1-minute contract: every bad input is refused with a message naming the row and the problem."""
from __future__ import annotations

import numpy as np
import pytest

from jesse_dag.candles import CLOSE, HIGH, LOW, OPEN, TIMESTAMP, VOLUME
from jesse_dag.candles.synthetic import candles_from_close_prices
from jesse_dag.candles.validate import CandleValidationError, count_missing, find_gaps, validate_candles


def good(n: int = 10) -> np.ndarray:
    return candles_from_close_prices(np.linspace(100, 110, n))


def test_good_candles_pass_unchanged():
    c = good()
    assert validate_candles(c) is c


@pytest.mark.parametrize(
    "mutate, problem, row, text",
    [
        (lambda c: c.__setitem__((4, TIMESTAMP), c[2, TIMESTAMP]), "unsorted", 4, "unsorted"),
        (lambda c: c.__setitem__((5, TIMESTAMP), c[4, TIMESTAMP]), "duplicate", 5, "duplicate"),
        (lambda c: c.__setitem__((slice(6, None), TIMESTAMP), c[6:, TIMESTAMP] + 120_000), "gap", 6,
         "2 missing minute(s)"),
        (lambda c: c.__setitem__((3, TIMESTAMP), c[3, TIMESTAMP] + 1), "misaligned", 3, "not a whole minute"),
        (lambda c: c.__setitem__((2, CLOSE), np.nan), "nan", 2, "close is nan"),
        (lambda c: c.__setitem__((7, VOLUME), np.inf), "nan", 7, "volume is inf"),
        (lambda c: c.__setitem__((3, HIGH), c[3, OPEN] - 1), "high", 3, "below max(open, close)"),
        (lambda c: c.__setitem__((8, LOW), c[8, CLOSE] + 1), "low", 8, "above min(open, close)"),
        (lambda c: c.__setitem__((1, VOLUME), -0.5), "volume", 1, "volume -0.5 is negative"),
    ],
)
def test_bad_rows_are_named(mutate, problem, row, text):
    c = good()
    mutate(c)
    with pytest.raises(CandleValidationError) as err:
        validate_candles(c, name="BTC-USDT")
    assert err.value.problem == problem
    assert err.value.row == row
    assert f"BTC-USDT: row {row}: " in str(err.value)
    assert text in str(err.value)


def test_gaps_allowed_when_asked():
    c = good()
    c[6:, TIMESTAMP] += 120_000
    assert validate_candles(c, allow_gaps=True) is c
    c[6, TIMESTAMP] = c[5, TIMESTAMP]  # duplicates stay refused
    with pytest.raises(CandleValidationError, match="duplicate"):
        validate_candles(c, allow_gaps=True)


@pytest.mark.parametrize(
    "arr, text",
    [
        (np.zeros((3, 5)), r"expected shape \(N, 6\)"),
        (np.zeros(6), r"expected shape \(N, 6\)"),
        (np.zeros((0, 6)), "at least one row"),
        (np.zeros((3, 6), dtype=np.float32), "expected dtype float64, got float32"),
        (np.zeros((3, 6), dtype=np.int64), "expected dtype float64, got int64"),
        ([[0, 1, 1, 1, 1, 1]], "expected a numpy array, got list"),
    ],
)
def test_wrong_shape_or_dtype(arr, text):
    with pytest.raises(CandleValidationError, match=text):
        validate_candles(arr)


def test_row_label_says_where_a_row_came_from():
    c = good()
    c[3, VOLUME] = -1
    with pytest.raises(CandleValidationError, match=r"row 3 \(data.csv line 5\)"):
        validate_candles(c, name="data.csv", row_label=lambda r: f"data.csv line {r + 2}")


def test_find_gaps_lists_missing_ranges():
    ts = np.array([0, 1, 2, 5, 6, 9], dtype=np.int64) * 60_000
    gaps = find_gaps(ts)
    assert gaps == [(3 * 60_000, 4 * 60_000), (7 * 60_000, 8 * 60_000)]
    assert count_missing(gaps) == 4
    assert find_gaps(ts, start=-60_000, end=10 * 60_000)[0] == (-60_000, -60_000)
    assert find_gaps(ts, start=-60_000, end=10 * 60_000)[-1] == (600_000, 600_000)
    assert find_gaps(np.arange(5) * 60_000) == []
