"""Group-3 indicators the parity npz cannot cover, against Jesse 3.5.3's own output.

``tests/data/group3_jesse.npz`` was written by ``tests/data/group3_jesse_oracle.py`` (run with
/work/jesse-venv/bin/python) on the parity npz candles:
- rsmk needs a second candle set: candles[1000:] against candles[:1000];
- stiffness, ttm_squeeze, waddah_attar_explosion and support_resistance_with_breaks have no sequential
  flag: Jesse's value on candles[:k] for k = 300, 325, ..., 2000 (default warm-up 240);
- stoch is in Jesse 3.5.3 but not in the npz.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import jesse_dag.indicators as ta
from jesse_dag._config import run_config
from tests.conftest import PARITY_DIR

NPZ = PARITY_DIR / "indicators" / "btc_15m_2000.npz"
REF = Path(__file__).parent / "data" / "group3_jesse.npz"
TOL = dict(rtol=1e-9, atol=1e-12)


@pytest.fixture(scope="module")
def candles() -> np.ndarray:
    if not NPZ.exists():
        pytest.skip(f"{NPZ} is absent: these checks run on the parity candles in ../shared")
    with np.load(NPZ, allow_pickle=True) as d:
        return np.ascontiguousarray(d["candles"])


@pytest.fixture(scope="module")
def ref():
    with np.load(REF) as d:
        yield {k: d[k] for k in d.files}


def _same_with_nan(ours, theirs) -> None:
    ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_allclose(ours, theirs, **TOL)


def test_rsmk_matches_jesse(candles, ref) -> None:
    x, other = candles[1000:], candles[:1000]
    r = ta.rsmk(x, other, sequential=True)
    assert r._fields == ("indicator", "signal")
    _same_with_nan(r.indicator, ref["rsmk_indicator"])
    _same_with_nan(r.signal, ref["rsmk_signal"])
    alt = ta.rsmk(x, other, lookback=30, period=5, signal_period=9, sequential=True)
    _same_with_nan(alt.indicator, ref["rsmk_alt_indicator"])
    _same_with_nan(alt.signal, ref["rsmk_alt_signal"])
    single = ta.rsmk(x, other)
    np.testing.assert_allclose([single.indicator, single.signal], ref["rsmk_single"], **TOL)


def test_rsmk_refuses_sets_of_different_length(candles) -> None:
    with pytest.raises(ValueError, match="differ in length"):
        ta.rsmk(candles[1000:], candles[:999], sequential=True)


@pytest.mark.parametrize("key,kwargs", [("stiffness", {}),
                                        ("stiffness_alt", dict(ma_length=50, stiff_length=30, stiff_smooth=5))])
def test_stiffness_matches_jesse(candles, ref, key, kwargs) -> None:
    ours = np.array([ta.stiffness(candles[:k], **kwargs) for k in ref["ends"]])
    np.testing.assert_allclose(ours, ref[key], **TOL)
    assert isinstance(ta.stiffness(candles, **kwargs), float)


@pytest.mark.parametrize("key,args", [("ttm_squeeze", ()), ("ttm_squeeze_alt", (10, 1.5, 1.0))])
def test_ttm_squeeze_matches_jesse(candles, ref, key, args) -> None:
    ours = np.array([ta.ttm_squeeze(candles[:k], *args) for k in ref["ends"]])
    assert ours.any() and not ours.all(), "the reference must exercise both answers"
    np.testing.assert_array_equal(ours, ref[key])
    assert isinstance(ta.ttm_squeeze(candles, *args), bool)


@pytest.mark.parametrize("prefix,kwargs", [("stoch", {}),
                                           ("stoch_alt", dict(fastk_period=5, slowk_period=2, slowd_period=4))])
def test_stoch_matches_jesse(candles, ref, prefix, kwargs) -> None:
    s = ta.stoch(candles, sequential=True, **kwargs)
    assert s._fields == ("k", "d")
    _same_with_nan(s.k, ref[f"{prefix}_k"])
    _same_with_nan(s.d, ref[f"{prefix}_d"])
    with run_config(warmup_candles_num=300):
        single = ta.stoch(candles, **kwargs)
    last = ta.stoch(candles[-300:], sequential=True, **kwargs)
    assert single.k == last.k[-1] and single.d == last.d[-1]


def test_waddah_attar_explosion_matches_jesse(candles, ref) -> None:
    ours = np.array([tuple(ta.waddah_attar_explosion(candles[:k])) for k in ref["ends"]], dtype=np.float64)
    np.testing.assert_allclose(ours, ref["waddah"], **TOL)
    r = ta.waddah_attar_explosion(candles)
    assert r._fields == ("explosion_line", "trend_power", "trend_direction")
    assert r.trend_direction in (1, -1)


@pytest.mark.parametrize("prefix,args", [("sr", ()), ("sr_alt", (5, 3, 10))])
def test_support_resistance_with_breaks_matches_jesse(candles, ref, prefix, args) -> None:
    rows = [ta.support_resistance_with_breaks(candles[:k], *args) for k in ref["ends"]]
    np.testing.assert_array_equal(np.array([(r.support, r.resistance) for r in rows]), ref[f"{prefix}_levels"])
    flags = np.array([(r.red_break, r.green_break, r.bear_wick, r.bull_wick) for r in rows])
    np.testing.assert_array_equal(flags, ref[f"{prefix}_flags"])


def test_support_resistance_without_a_pivot_is_a_clear_error() -> None:
    flat = np.column_stack([np.arange(40.0), np.ones(40), np.ones(40), np.ones(40), np.ones(40), np.ones(40)])
    with pytest.raises(ValueError, match="no pivot"):
        ta.support_resistance_with_breaks(flat)


@pytest.mark.parametrize("call", [
    lambda c: ta.stiffness(c, ma_length=0),
    lambda c: ta.ttm_squeeze(c, length_ttms=-1),
    lambda c: ta.waddah_attar_explosion(c, fast_length=2.5),
    lambda c: ta.rsmk(c, c, lookback=0),
    lambda c: ta.stoch(c, fastk_period=0),
    lambda c: ta.support_resistance_with_breaks(c, left_bars=0),
])
def test_bad_periods_are_refused(candles, call) -> None:
    with pytest.raises(ValueError, match="must be an integer >= 1"):
        call(candles[:300])


@pytest.mark.parametrize("call", [
    lambda c: ta.stiffness(c),
    lambda c: ta.ttm_squeeze(c),
    lambda c: ta.waddah_attar_explosion(c),
    lambda c: ta.support_resistance_with_breaks(c),
    lambda c: ta.squeeze_momentum(c),
])
def test_empty_candles_are_refused(call) -> None:
    with pytest.raises(ValueError, match="candles"):
        call(np.empty((0, 6)))


def test_jesse_quirks_are_kept(candles) -> None:
    # squeeze_momentum's signal is one row shorter than the candles, as in Jesse
    sm = ta.squeeze_momentum(candles[:200])
    assert len(sm.squeeze) == 200 and len(sm.momentum) == 200 and len(sm.momentum_signal) == 199
    # stoch ignores its matype arguments like Jesse's kernel (always an SMA)
    a = ta.stoch(candles[:300], slowk_matype=1, slowd_matype=2, sequential=True)
    b = ta.stoch(candles[:300], sequential=True)
    np.testing.assert_array_equal(a.k, b.k)
    with pytest.raises(ValueError, match="matype 24"):
        ta.stoch(candles[:300], slowk_matype=24)


def _single_cases() -> list[str]:
    path = Path(__file__).parent / "data" / "group3_jesse_single.json"
    return sorted(json.loads(path.read_text())) if path.exists() else []


@pytest.mark.parametrize("name", _single_cases())
def test_non_sequential_value_matches_jesse(candles, name) -> None:
    """``tests/data/group3_jesse_single.json``: Jesse's ``sequential=False`` value (default 240-candle
    slicing) on the 2,000 parity candles, written by the same oracle script."""
    expected = json.loads((Path(__file__).parent / "data" / "group3_jesse_single.json").read_text())[name]
    with run_config(warmup_candles_num=240):
        result = getattr(ta, name)(candles, sequential=False)
    values = list(result) if hasattr(result, "_fields") else [result]
    assert len(values) == len(expected)
    for ours, theirs in zip(values, expected):
        assert not isinstance(ours, np.ndarray)
        if theirs is None or np.isnan(theirs):
            assert ours is None or np.isnan(ours)
        else:
            assert float(ours) == pytest.approx(theirs, rel=1e-9, abs=1e-12)
