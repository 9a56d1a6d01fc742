"""gather_ml_data on our engine: Jesse's data points on the two shared gather cases, every route read,
a class or a name, the CSV in Jesse's layout with label times in the sidecar."""
from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.ml.csv_io import load_ml_data_csv, sidecar_path
from jesse_dag.ml.datapoints import information_time
from jesse_dag.ml.gather import gather_ml_data, read_lineage
from tests.ml_parity_helpers import gather_inputs

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("case", ["TripleBarrierGather", "TradeOutcomeGather"])
def test_gather_gives_jesses_data_points(parity_dir, data_dir, tmp_path, case):
    out = gather_ml_data(*gather_inputs(parity_dir, data_dir, case), csv_path=str(tmp_path / f"{case}_data.csv"),
                         verbose=False)
    ref = json.loads((parity_dir / "reference" / f"{case}.json").read_text())
    ref_file = tmp_path / "ref.json"
    ref_file.write_text(json.dumps({"trades": [], "metrics": {}, "data_points": ref["data_points"]}))
    ours = tmp_path / "ours.json"
    ours.write_text(json.dumps({"trades": [], "metrics": {}, "data_points": out["data_points"]}, default=float))
    res = subprocess.run([sys.executable, str(parity_dir / "compare.py"), str(ref_file), str(ours)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "AGREE" in res.stdout, res.stdout[-3000:]
    assert len(out["data_points"]) == len(ref["data_points"]) > 100
    # every label is decided after the features' information time (time + timeframe)
    assert all(p["label_time"] >= information_time(p) for p in out["data_points"])
    back = load_ml_data_csv(tmp_path / f"{case}_data.csv")
    assert len(back) == len(ref["data_points"]) and all("label_time" in p for p in back)


def _market_candles(days=8, seeds=(1, 2)):
    candles, warm = {}, {}
    for seed, symbol in zip(seeds, ("BTC-USDT", "ETH-USDT")):
        m = synthetic_market(days=days, seed=seed)
        key = f"Sandbox-{symbol}"
        candles[key] = {"exchange": "Sandbox", "symbol": symbol, "candles": m[1440:]}
        warm[key] = {"exchange": "Sandbox", "symbol": symbol, "candles": m[:1440]}
    return candles, warm


CONFIG = {"starting_balance": 10_000, "fee": 0.0, "type": "futures", "futures_leverage": 1,
          "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 96}


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A temporary project with the MLTripleBarrier example copied into strategies/."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "strategies" / "MLTripleBarrier").mkdir(parents=True)
    shutil.copy(REPO / "strategies" / "MLTripleBarrier" / "__init__.py", tmp_path / "strategies" / "MLTripleBarrier")
    return tmp_path


def test_several_routes_and_a_name(project):
    candles, warm = _market_candles()
    routes = [{"exchange": "Sandbox", "symbol": "BTC-USDT", "timeframe": "15m", "strategy": "MLTripleBarrier"},
              {"exchange": "Sandbox", "symbol": "ETH-USDT", "timeframe": "15m", "strategy": "MLTripleBarrier"}]
    out = gather_ml_data(CONFIG, routes, [], candles, warm, verbose=False)
    by_route = {}
    for p in out["data_points"]:
        by_route.setdefault(p["route"], []).append(p)
    assert set(by_route) == {"Sandbox-BTC-USDT-15m", "Sandbox-ETH-USDT-15m"}
    assert all(len(v) > 50 for v in by_route.values())
    csv = project / "strategies" / "MLTripleBarrier" / "ml_data" / "MLTripleBarrier_data.csv"
    assert out["csv_paths"] == [Path("strategies/MLTripleBarrier/ml_data/MLTripleBarrier_data.csv")]
    header = csv.read_text().splitlines()[0]
    assert header == "time,label_name,label_value,atr_pct,ema9_dist,log_ret_4,rsi_centered"
    back = load_ml_data_csv("MLTripleBarrier")
    assert len(back) == len(out["data_points"])
    assert sorted((p["time"], p["route"], p["label_time"]) for p in back) == \
        sorted((p["time"], p["route"], p["label_time"]) for p in out["data_points"])
    assert "label_time" in sidecar_path(csv).read_text().splitlines()[1]  # after the CSV's hash line
    lineage = read_lineage(csv)
    assert set(lineage["candles"]) == {"Sandbox-BTC-USDT", "Sandbox-ETH-USDT"}
    assert lineage["candles"]["Sandbox-BTC-USDT"]["rows"] == len(candles["Sandbox-BTC-USDT"]["candles"])


def test_a_class_works_and_empty_gathers_write_nothing(project, caplog):
    from jesse_dag.engine.run import load_strategy_class

    cls = load_strategy_class("MLTripleBarrier")
    candles, warm = _market_candles(days=4, seeds=(3,))
    routes = [{"exchange": "Sandbox", "symbol": "BTC-USDT", "timeframe": "15m", "strategy": cls}]
    out = gather_ml_data(CONFIG, routes, [], {k: v for k, v in candles.items() if "BTC" in k},
                         {k: v for k, v in warm.items() if "BTC" in k}, csv_path=None, verbose=False)
    assert len(out["data_points"]) > 20 and out["csv_paths"] == []
    assert out["backtest_metrics"]["total"] == 0

    class NeverLabels(cls):
        def before(self):
            self.record_features(self.ml_features())

    class LabelsWithoutFeatures(cls):
        def before(self):
            self.record_label("y", 1)

    for klass in (NeverLabels, LabelsWithoutFeatures):
        with caplog.at_level(logging.DEBUG, logger="jesse_dag.ml.recording"):
            out = gather_ml_data(CONFIG, [{**routes[0], "strategy": klass}], [],
                                 {k: v for k, v in candles.items() if "BTC" in k},
                                 {k: v for k, v in warm.items() if "BTC" in k}, verbose=False)
        assert out["data_points"] == [] and out["csv_paths"] == []
    assert "ignored: no open data point" in caplog.text
    assert not (project / "strategies" / "NeverLabels").exists()


def test_one_explicit_path_for_two_strategies_is_refused(project):
    routes = [{"exchange": "Sandbox", "symbol": "BTC-USDT", "timeframe": "15m", "strategy": "A"},
              {"exchange": "Sandbox", "symbol": "ETH-USDT", "timeframe": "15m", "strategy": "B"}]
    with pytest.raises(ValueError, match="names one file but the routes run"):
        gather_ml_data(CONFIG, routes, [], {}, None, csv_path="x.csv")
