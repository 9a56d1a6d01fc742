"""The whole loop on a synthetic market with a planted signal: gather, train, deploy, then backtest the
ML-filtered strategy against its unfiltered baseline, checking each step's real output."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.engine import run_backtest
from jesse_dag.engine.run import load_strategy_class
from jesse_dag.ml import ModelRegistry, gather_ml_data, load_ml_data_csv, train_model

REPO = Path(__file__).resolve().parents[1]
NAME = "MLFilteredEntries"
CONFIG = {"starting_balance": 10_000, "fee": 0.0, "type": "futures", "futures_leverage": 1,
          "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 100}


@pytest.mark.slow
def test_gather_train_deploy_backtest(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # only the code: a run elsewhere may have left data or bundles in the repo's folder
    (tmp_path / "strategies" / NAME).mkdir(parents=True)
    shutil.copy(REPO / "strategies" / NAME / "__init__.py", tmp_path / "strategies" / NAME)
    market = synthetic_market(days=60, seed=3, plant_signal=True)
    split = 100 * 15
    key = "Sandbox-BTC-USDT"
    gather_days, trade_from = 40 * 1440, 40 * 1440  # gather on the first 40 days, trade the last 20
    candles = {key: {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": market[split:gather_days]}}
    warm = {key: {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": market[:split]}}
    route = {"exchange": "Sandbox", "symbol": "BTC-USDT", "timeframe": "15m"}
    strategy = load_strategy_class(NAME)

    # 1. gather: every signal's features, labelled by the trade's outcome
    gatherer = type("Gatherer", (strategy,), {"ml_mode": "gather"})
    csv = Path("strategies") / NAME / "ml_data" / f"{NAME}_data.csv"
    out = gather_ml_data(CONFIG, [{**route, "strategy": gatherer}], [], candles, warm, csv_path=str(csv), verbose=False)
    points = out["data_points"]
    assert len(points) == out["backtest_metrics"]["total"] > 200  # one point per trade
    assert {p["label"]["value"] for p in points} == {True, False}
    assert all(p["label_time"] > p["time"] for p in points)

    # 2. train from the CSV (as a user would), purged validation, a bundle under models/
    data = load_ml_data_csv(NAME)
    assert len(data) == len(points) and all("label_time" in p for p in data)
    r = train_model(data, LogisticRegression(), save_to=f"strategies/{NAME}", verbose=False, validation="purged",
                    embargo="1h", n_jobs=1)
    # as Jesse's: saved into the strategy folder (deployed), and kept as version v0001 with its lineage
    assert r["bundle"]["version"] == "v0001" and r["bundle"]["deployed"]
    assert (Path("strategies") / NAME / "model.pkl").read_bytes() == \
        (Path("strategies") / NAME / "models" / "v0001" / "model.pkl").read_bytes()
    assert len(r["validation"]["folds"]) == 5 and all(f["purged"] >= 1 for f in r["validation"]["folds"])

    # 3. backtest on later candles: filtered (deploy mode) against every signal (baseline)
    assert ModelRegistry().deployed(NAME)["version"] == "v0001"
    later = {key: {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": market[trade_from:]}}
    warm_later = {key: {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": market[trade_from - split:trade_from]}}
    filtered = run_backtest(CONFIG, [{**route, "strategy": NAME}], [], later, warm_later)
    baseline_cls = type("Baseline", (strategy,), {"ml_mode": "baseline"})
    baseline = run_backtest(CONFIG, [{**route, "strategy": baseline_cls}], [], later, warm_later)

    deployed = filtered.strategies[0]
    decisions = deployed.decisions
    taken = [d for d in decisions if d[2]]
    assert taken and len(taken) < len(decisions)  # the model lets some signals through, not all
    assert all(p >= deployed.threshold for _, p, ok in decisions if ok)
    assert all(p < deployed.threshold for _, p, ok in decisions if not ok)
    n_filtered = filtered.result["metrics"]["total"]
    n_baseline = baseline.result["metrics"]["total"]
    assert 0 < n_filtered < n_baseline
    assert n_filtered == len(taken)  # each accepted signal became exactly one trade (held 4 bars)
    # the deployed model is the trained one: same probabilities for the same features
    feats = {k: 0.0 for k in r["feature_names"]} | {"ret_1h_z": -2.0, "move_size": 2.0, "side": 1.0}
    expected = r["model"].predict_proba(r["scaler"].transform([[feats[k] for k in r["feature_names"]]]))[0, 1]
    assert deployed.ml_predict_proba(feats)[1] == pytest.approx(expected)
