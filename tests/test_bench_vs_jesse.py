"""``bench/bench_vs_jesse.py``'s helpers on a tiny case: the two workers run the same backtest and agree.

No timing is asserted (the machine is shared); the benchmark itself is run by hand. The Jesse side needs
Jesse 3.5.3's venv (``$JESSE_VENV`` or ``../.jesse-venv``) and is skipped without it.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import bench_vs_jesse as bench  # noqa: E402
from vs_jesse_worker import _IMPORT_LINE  # noqa: E402

JESSE_PYTHON = bench.default_jesse_python()
needs_jesse = pytest.mark.skipif(not Path(JESSE_PYTHON).exists(),
                                 reason=f"Jesse 3.5.3's venv is absent ({JESSE_PYTHON}); set JESSE_VENV")
TINY = {"name": "EmaCrossSLTP", "data": "binance_BTCUSDT_1m.csv", "symbol": "BTC-USDT", "timeframe": "15m",
        "type": "futures", "leverage": 2, "fee": 0.0004, "warmup_bars": 50, "minutes": 8000}


def test_worker_rewrites_only_jesse_imports():
    src = ("from jesse.strategies import Strategy\nimport jesse.indicators as ta\nfrom jesse import utils\n"
           "import jesse_dag\nfrom jessex import y\nx = 'from jesse import utils'\n")
    assert _IMPORT_LINE.sub(r"\1jesse_dag", src).splitlines() == [
        "from jesse_dag.strategies import Strategy", "import jesse_dag.indicators as ta",
        "from jesse_dag import utils", "import jesse_dag", "from jessex import y", "x = 'from jesse import utils'"]


def test_spec_from_case_splits_warmup_and_keeps_candles(tmp_path, data_dir):
    spec = bench.Specs(tmp_path).from_case(TINY, bench.SHARED / "parity" / "strategies", "trading")
    route = spec["routes"][0]
    candles = np.load(route["candles"])
    assert candles.shape == (8000, 6) and route["split"] == 50 * 15
    assert spec["config"]["warm_up_candles"] == 50 and spec["config"]["futures_leverage_mode"] == "cross"
    assert Path(route["strategy_file"]).name == "EmaCrossSLTP.py"


@pytest.mark.slow
@needs_jesse
def test_warm_workers_and_cold_run_agree_on_a_tiny_case(tmp_path, data_dir):
    specs = bench.Specs(tmp_path)
    spec = specs.from_case(TINY, bench.SHARED / "parity" / "strategies", "trading")
    broken = {**spec, "name": "broken", "routes": [{**spec["routes"][0], "timeframe": "7m"}]}
    jesse, ours = bench.Worker("jesse", JESSE_PYTHON), bench.Worker("ours", sys.executable)
    try:
        row = bench.time_case(jesse, ours, spec, repeat=1)
        bad = bench.time_case(jesse, ours, broken, repeat=1)
    finally:
        jesse.close()
        ours.close()
    assert row["jesse_trades"] == row["ours_trades"] > 0
    assert row["jesse_net_profit"] == pytest.approx(row["ours_net_profit"], rel=1e-9)
    assert row["ratio"] > 0 and row["group"] in ("trading", "short")
    assert "ratio" not in bad and "7m" in bad["jesse_error"]  # excluded, with Jesse's reason; ours not timed
    _, cold = bench.run_once([sys.executable, str(bench.WORKER), "--engine", "ours", "--cold",
                              bench.write_spec(tmp_path, spec)], bench.worker_env("ours"))
    assert cold["error"] is None and cold["trades"] == row["ours_trades"] and cold["import_s"] > 0


def test_data_only_symbols_reach_both_sides(tmp_path, data_dir):
    """A symbol only data routes read (OtherSymbolDataRoute: ETH beside a BTC route) is passed with its
    warm-up split as the route's, as the parity test passes it; Jesse stopped with KeyError without it."""
    from vs_jesse_worker import Engine

    cases = json.loads((ROOT / "tests" / "parity_cases" / "cases.json").read_text())
    case = next(c for c in cases if c["name"] == "OtherSymbolDataRoute")
    spec = bench.Specs(tmp_path).from_case({**case, "minutes": 6000}, ROOT / "tests" / "parity_cases" / "strategies",
                                           "extra")
    assert [d["symbol"] for d in spec["data_candles"]] == ["ETH-USDT"]
    kwargs = Engine("ours").inputs(spec)
    split = case["warmup_bars"] * 15
    assert list(kwargs["candles"]) == ["Sandbox-BTC-USDT", "Sandbox-ETH-USDT"]
    assert kwargs["candles"]["Sandbox-ETH-USDT"]["candles"].shape == (6000 - split, 6)
    assert kwargs["warmup_candles"]["Sandbox-ETH-USDT"]["candles"].shape == (split, 6)
    out = Engine("ours").run(kwargs)
    assert out["error"] is None and out["trades"] > 0
    assert out["wallet_change"] == pytest.approx(out["net_profit"], rel=1e-9)
