"""jesse_dag.utils / helpers / enums against Jesse 3.5.3's own outputs.

``tests/data/jesse_utils_table.json`` holds inputs and the values Jesse returned for them; it was
made by ``tests/data/make_jesse_utils_table.py`` run once with Jesse installed. Quantities must be
equal bit for bit: a strategy's order size decides whether its trades equal Jesse's.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import jesse_dag.helpers as jh
from jesse_dag import enums, utils

TABLE = json.loads((Path(__file__).parent / "data" / "jesse_utils_table.json").read_text())


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


# ------------------------------------------------------------------ sizing: exact equality with Jesse

def test_size_to_qty_equals_jesse_bit_for_bit():
    rows = TABLE["size_to_qty"]
    assert len(rows) >= 1000
    diffs = [(r, utils.size_to_qty(*r[:4])) for r in rows if utils.size_to_qty(*r[:4]) != r[4]]
    assert diffs == []


def test_size_to_qty_floors_and_never_rounds_up():
    assert utils.size_to_qty(100, 3) == 33.333          # 33.3333… floored, not rounded
    assert utils.size_to_qty(2, 3, precision=0) == 0.0  # 0.67 floors to 0
    assert utils.size_to_qty(0.3, 0.1, precision=3) == 2.999  # 2.9999999999999996: Jesse floors it too
    assert utils.size_to_qty(10_000 * 0.5, 111482.42, fee_rate=0.0004) == 0.044


def test_risk_to_qty_equals_jesse_bit_for_bit_including_the_double_fee_factor():
    rows = TABLE["risk_to_qty"]
    assert len(rows) >= 300
    assert [r for r in rows if utils.risk_to_qty(*r[:6]) != r[6]] == []
    # the fee factor 1 - 3*fee is applied twice (in risk_to_qty and again in size_to_qty), as in Jesse
    once = utils.size_to_qty(2000 * (1 - 0.003), 100, precision=8)
    twice = utils.risk_to_qty(10_000, 2, 100, 90, precision=8, fee_rate=0.001)
    assert twice < once and twice == utils.size_to_qty(2000 * (1 - 0.003) * (1 - 0.003), 100, precision=8)


def test_risk_to_size_and_limit_stop_loss_equal_jesse():
    assert [r for r in TABLE["risk_to_size"] if utils.risk_to_size(*r[:4]) != r[4]] == []
    assert [r for r in TABLE["limit_stop_loss"] if utils.limit_stop_loss(*r[:4]) != r[4]] == []
    assert round(utils.risk_to_size(10000, 1, 0.7, 8.6)) == 1229
    assert utils.risk_to_size(1000, 50, 1, 100) == 1000  # capped at the capital


def test_sizing_refuses_bad_input():
    with pytest.raises(TypeError, match="entry_price is None"):
        utils.size_to_qty(100, None)
    with pytest.raises(TypeError, match="position_size: nan"):
        utils.size_to_qty(float("nan"), 10)
    with pytest.raises(ValueError, match="risk cannot be zero"):
        utils.risk_to_qty(10_000, 1, 100, 100)
    with pytest.raises(TypeError, match="qty is NaN"):
        utils.qty_to_size(float("nan"), 10)
    with pytest.raises(TypeError, match="stop_price is NaN"):
        utils.estimate_risk(10, float("nan"))


def test_qty_to_size_and_estimate_risk():
    assert utils.qty_to_size(0.044, 111482.42) == 0.044 * 111482.42
    assert utils.estimate_risk(100, 95.5) == 4.5


def test_sum_and_subtract_floats_equal_jesse():
    assert [r for r in TABLE["sum_floats"] if utils.sum_floats(r[0], r[1]) != r[2]] == []
    assert [r for r in TABLE["subtract_floats"] if utils.subtract_floats(r[0], r[1]) != r[2]] == []
    assert utils.sum_floats(0.1, 0.2) == 0.3 and 0.1 + 0.2 != 0.3


# ------------------------------------------------------------------ series helpers

def test_crossed_equals_jesse_on_last_bar_and_sequentially():
    rows = TABLE["crossed"]
    assert any(r[3] for r in rows) and not all(r[3] for r in rows)
    for s1, other, direction, last, seq in rows:
        s1 = np.array(s1)
        other = np.array(other) if isinstance(other, list) else other
        assert utils.crossed(s1, other, direction) == last, (s1, other, direction)
        assert utils.crossed(s1, other, direction, sequential=True).tolist() == seq
    with pytest.raises(ValueError, match="direction"):
        utils.crossed(np.array([1.0, 2.0]), 1.5, "up")


def test_streaks_returns_and_zscore_equal_jesse():
    for series, use_diff, expected in TABLE["streaks"]:
        got = utils.streaks(np.array(series), use_diff).tolist()
        assert all(_same(a, b) for a, b in zip(got, expected)) and len(got) == len(expected)
    for series, expected in TABLE["prices_to_returns"]:
        np.testing.assert_array_equal(utils.prices_to_returns(np.array(series)), np.array(expected))
    for series, expected in TABLE["z_score"]:
        np.testing.assert_array_equal(utils.z_score(np.array(series)), np.array(expected))
    with pytest.raises(ValueError, match="NaN at index 1"):
        utils.streaks(np.array([1.0, np.nan, 2.0]))


def test_kelly_alpha_beta_anchor_equal_jesse():
    for w, r, expected in TABLE["kelly_criterion"]:
        assert utils.kelly_criterion(w, r) == expected
    for y, x, alpha, beta in TABLE["calculate_alpha_beta"]:  # Jesse uses statsmodels OLS; we use lstsq
        a, b = utils.calculate_alpha_beta(np.array(y), np.array(x))
        assert a == pytest.approx(alpha, rel=1e-9, abs=1e-15) and b == pytest.approx(beta, rel=1e-9)
    for tf, expected in TABLE["anchor_timeframe"]:
        assert utils.anchor_timeframe(tf) == expected
    with pytest.raises(KeyError, match="no anchor timeframe for '1D'"):
        utils.anchor_timeframe("1D")


def test_strictly_monotonic_and_combinations():
    s = np.array([5.0, 1.0, 2.0, 3.0])
    assert utils.strictly_increasing(s, 3) and not utils.strictly_increasing(s, 4)
    assert utils.strictly_decreasing(np.array([3.0, 2.0, 2.0]), 2) is False
    assert utils.combinations_without_repeat(np.array([1, 2, 3]), 2).shape == (6, 2)
    with pytest.raises(ValueError, match="n must be >= 2"):
        utils.combinations_without_repeat(np.array([1, 2]), 1)


def test_signal_line_is_the_sequential_moving_average():
    series = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0, 8.0])
    line = utils.signal_line(series, period=4, matype=0)  # matype 0 = SMA in Jesse's ma()
    assert line.shape == series.shape
    np.testing.assert_allclose(line[3:], pd.Series(series).rolling(4).mean().to_numpy()[3:], rtol=1e-12)


def test_numpy_candles_to_dataframe_keeps_jesse_column_order():
    candles = np.array([[1609459200000, 1.0, 2.0, 3.0, 0.5, 10.0], [1609459260000, 2.0, 2.5, 3.0, 1.5, 7.0]])
    df = utils.numpy_candles_to_dataframe(candles)
    assert list(df.columns) == ["date", "open", "close", "high", "low", "volume"]
    assert df.index[1] == pd.Timestamp("2021-01-01 00:01:00")
    assert df["close"].tolist() == [2.0, 2.5]
    with pytest.raises(ValueError, match=r"shape \(N, 6\)"):
        utils.numpy_candles_to_dataframe(candles[:, :5])


def test_missing_optional_dependencies_say_what_is_missing():
    with pytest.raises(NotImplementedError, match="PyWavelets"):
        utils.wavelet_denoising(np.ones(8))
    candles = np.zeros((2, 6))
    assert utils.filter_candles_by_hours(candles, None) is candles


# ------------------------------------------------------------------ helpers (jh)

def test_time_helpers_equal_jesse():
    h = TABLE["helpers"]
    for fn in ("timestamp_to_date", "timestamp_to_time", "timestamp_to_iso8601", "date_to_timestamp",
               "iso8601_to_timestamp"):
        for arg, expected in h[fn]:
            assert getattr(jh, fn)(arg) == expected, (fn, arg)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        jh.date_to_timestamp("01/02/2021")
    start, later = jh.timestamp_to_datetime(1609459200000), jh.timestamp_to_datetime(1609718460000)  # +3 d 1 min
    assert jh.date_diff_in_days(start, later) == 3
    assert jh.date_diff_in_days(start, jh.timestamp_to_datetime(1609459200000 + 86_399_999)) == 0
    with pytest.raises(TypeError, match="Arrow"):
        jh.date_diff_in_days(1609459200000, later)


def test_misc_helpers_equal_jesse():
    h = TABLE["helpers"]
    for tfs, expected in h["max_timeframe"]:
        assert jh.max_timeframe(tfs) == expected
    for s, expected in h["dashy_symbol"]:
        assert jh.dashy_symbol(s) == expected
    for s, expected in h["readable_duration"]:
        assert jh.readable_duration(s) == expected
    for *args, expected in h["estimate_average_price"]:
        assert jh.estimate_average_price(*args) == expected
    for *args, expected in h["estimate_PNL"]:
        assert jh.estimate_PNL(*args) == expected
    for *args, expected in h["round_decimals_down"]:
        assert float(jh.round_decimals_down(*args)) == expected


def test_dna_round_trip_and_legacy_genes_equal_jesse():
    hp_def = [{"name": "fast", "type": int, "min": 5, "max": 20}, {"name": "mult", "type": float, "min": 0.5, "max": 3.0}]
    for dna, expected in TABLE["helpers"]["dna_to_hp_legacy"]:
        assert jh.dna_to_hp(hp_def, dna) == expected
    hp = {"slow": 21, "fast": 9, "mult": 1.5}
    assert jh.dna_to_hp(hp_def, jh.hp_to_dna(hp)) == hp
    with pytest.raises(TypeError, match="'b'"):
        jh.dna_to_hp([{"name": "b", "type": bool, "min": 0, "max": 1}], "w")


def test_key_qty_candle_source_and_sides():
    assert jh.key("Sandbox", "BTC-USDT") == "Sandbox-BTC-USDT"
    assert jh.key("Sandbox", "BTC-USDT", "15m") == "Sandbox-BTC-USDT-15m"
    assert (jh.prepare_qty(2, "SELL"), jh.prepare_qty(-2, "long"), jh.prepare_qty(3, "close")) == (-2, 2, 0.0)
    with pytest.raises(ValueError, match="hold is not a valid input"):
        jh.prepare_qty(1, "hold")
    c = np.array([[0, 1.0, 2.0, 4.0, 0.5, 9.0]])
    assert jh.get_candle_source(c, "hlc3").tolist() == [(4.0 + 0.5 + 2.0) / 3]
    with pytest.raises(ValueError, match="source_type"):
        jh.get_candle_source(c, "median")
    assert jh.timeframe_to_one_minutes("1D") == 1440
    with pytest.raises(ValueError, match="unknown timeframe '2D'"):
        jh.timeframe_to_one_minutes("2D")
    assert jh.opposite_side("buy") == "sell" and jh.type_to_side("short") == "sell"
    assert jh.side_to_type("BUY") == "long" and jh.closing_side("Long") == "sell"
    with pytest.raises(ValueError, match="BTCUSDT"):
        jh.quote_asset("BTCUSDT")
    np.testing.assert_array_equal(jh.np_ffill(np.array([np.nan, 1.0, np.nan, 3.0])), [np.nan, 1.0, 1.0, 3.0])
    np.testing.assert_array_equal(jh.np_ffill(np.array([[1.0, np.nan], [np.nan, 2.0]]), axis=1),
                                  [[1.0, 1.0], [np.nan, 2.0]])


def test_enums_use_jesse_strings():
    assert enums.values_of(enums.sides) == ["buy", "sell"]
    assert enums.values_of(enums.timeframes)[-4:] == ["1D", "3D", "1W", "1M"]
    assert enums.order_statuses.PARTIALLY_FILLED == "PARTIALLY FILLED"
    assert enums.order_types.STOP_LIMIT == "STOP LIMIT"
    assert enums.exchanges.SANDBOX == "Sandbox"
    assert enums.colors.MAGENTA == "magenta" and enums.trade_types.SHORT == "short"
    from jesse_dag.candles.timeframes import TIMEFRAMES
    assert tuple(enums.values_of(enums.timeframes)) == TIMEFRAMES
