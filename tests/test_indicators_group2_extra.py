"""Group-2 indicators the shared npz cannot check, and group-2 quirks worth pinning down.

``hurst_exponent`` and ``ichimoku_cloud`` have no ``sequential`` flag, so Jesse's values for them were
produced by ``tests/data/indicators_group2_oracle.py`` (run with Jesse 3.5.3's venv on prefixes of the
parity candles, default parameters, warmup_candles_num 240) and stored in
``tests/data/indicators_group2_jesse.json``.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import jesse_dag.indicators as ta
from jesse_dag._config import run_config
from tests.conftest import PARITY_DIR

EXPECTED = json.loads((Path(__file__).parent / "data" / "indicators_group2_jesse.json").read_text())
NPZ = PARITY_DIR / "indicators" / "btc_15m_2000.npz"


@pytest.fixture(scope="module")
def candles() -> np.ndarray:
    if not NPZ.exists():
        pytest.skip(f"{NPZ} is absent: these tests read the parity candles from ../shared/parity")
    with np.load(NPZ) as d:
        return d["candles"]


@pytest.mark.parametrize("method", [0, 1, 2])
@pytest.mark.parametrize("n", [240, 1000, 2000])
def test_hurst_exponent_matches_jesse(candles, method: int, n: int) -> None:
    ours = ta.hurst_exponent(candles[:n], method=method)
    assert ours == pytest.approx(EXPECTED[f"hurst_m{method}_{n}"], rel=1e-9, abs=1e-12)


def test_hurst_exponent_uses_the_warmup_window(candles) -> None:
    # Jesse slices to warmup_candles_num; a longer window gives a different estimate.
    with run_config(warmup_candles_num=1000):
        wide = ta.hurst_exponent(candles)
    with run_config(warmup_candles_num=0):  # 0 means no slicing
        whole = ta.hurst_exponent(candles[-1000:])
    assert wide == pytest.approx(whole, rel=1e-12)
    assert ta.hurst_exponent(candles) == pytest.approx(EXPECTED["hurst_m1_2000"], rel=1e-9)
    assert wide != pytest.approx(EXPECTED["hurst_m1_2000"], rel=1e-6)


def test_hurst_exponent_refuses_bad_input(candles) -> None:
    with pytest.raises(NotImplementedError, match="method 3"):
        ta.hurst_exponent(candles, method=3)
    with pytest.raises(ValueError, match="need more than 201"):
        ta.hurst_exponent(candles[:150])
    with pytest.raises(ValueError, match="min_chunksize"):
        ta.hurst_exponent(candles, min_chunksize=0)


@pytest.mark.parametrize("n", [79, 80, 500, 2000])
def test_ichimoku_cloud_matches_jesse(candles, n: int) -> None:
    ours = ta.ichimoku_cloud(candles[:n])
    assert ours._fields == ("conversion_line", "base_line", "span_a", "span_b")
    np.testing.assert_allclose(np.array(ours, dtype=float), np.array(EXPECTED[f"ichimoku_{n}"], dtype=float),
                               rtol=1e-9, atol=1e-12, equal_nan=True)


def test_ichimoku_cloud_refuses_a_series_and_bad_periods(candles) -> None:
    with pytest.raises(ValueError, match="2-D"):
        ta.ichimoku_cloud(candles[:, 2])
    with pytest.raises(ValueError, match="displacement"):
        ta.ichimoku_cloud(candles, displacement=0)


def test_ichimoku_cloud_seq_needs_enough_candles(candles) -> None:
    with pytest.raises(ValueError, match="at least lagging_line_period"):
        ta.ichimoku_cloud_seq(candles[:77])
    last = ta.ichimoku_cloud_seq(candles[:500])
    full = ta.ichimoku_cloud_seq(candles[260:500], sequential=True)
    assert last.span_b == pytest.approx(full.span_b[-1], rel=1e-12)


def test_rma_first_value_wraps_to_the_last_source_value() -> None:
    # Jesse's RMA reads index -1 at row 0, so changing only the last value changes row 0 too.
    x = np.array([1.0, 2.0, 3.0, 4.0])
    y = x.copy()
    y[-1] = 40.0
    a, b = ta.rma(x, 2, sequential=True), ta.rma(y, 2, sequential=True)
    assert a[0] == pytest.approx(0.5 * 1.0 + 0.5 * 4.0)
    assert b[0] == pytest.approx(0.5 * 1.0 + 0.5 * 40.0)


def test_hull_suit_signal_strings_and_none_rows(candles) -> None:
    res = ta.hull_suit(candles[:300], sequential=True)
    assert res.signal[0] is None and res.s_hull[1] is None
    assert set(res.signal[2:].tolist()) <= {"buy", "sell"}
    assert ta.hull_suit(candles[:300]).signal in ("buy", "sell")
    with pytest.raises(ValueError, match="mode_switch"):
        ta.hull_suit(candles, mode_switch="hma")


def test_ma_dispatch_and_refusals(candles) -> None:
    close = candles[:300, 2]
    assert ta.ma(close, 10, matype=1) == pytest.approx(ta.ema(close, 10))
    assert ta.ma(close, 10, matype=10) == pytest.approx(ta.hma(close, 10))
    for bad in (7, 8, 19, 40):
        with pytest.raises(ValueError, match="invalid matype"):
            ta.ma(close, 10, matype=bad)
    with pytest.raises(ValueError, match="2-D candles"):
        ta.ma(close, 10, matype=24)


def test_minmax_non_sequential_reads_order_rows_back(candles) -> None:
    seq = ta.minmax(candles[:200], order=3, sequential=True)
    with run_config(warmup_candles_num=0):
        last = ta.minmax(candles[:200], order=3)
    assert np.array_equal(np.array([last.is_min, last.is_max]), np.array([seq.is_min[-4], seq.is_max[-4]]),
                          equal_nan=True)
    assert last.last_min == seq.last_min[-1]
