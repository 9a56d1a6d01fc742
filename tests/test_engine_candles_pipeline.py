"""Candle pipelines (``candles_pipeline_class`` of ``backtest``, a strategy's ``candles_pipeline()``) against
Jesse 3.5.3 running the same pipeline on real candles.

``tests/parity_cases/pipeline_cases.json`` lists the cases, ``strategies/PipelineEmaCross.py`` holds the
strategy and the pipeline (``ShiftPricesPipeline``: each batch's prices scaled by its own factor, every batch
opened at the previous batch's last output close), and ``reference/<case>.json`` is Jesse's answer, made with
``jesse_oracle_case.py <case> --cases pipeline_cases.json``. The three cases cover Jesse's three call
sequences: dense fast mode (blocks of the step), dense step mode (row by row, the strategy's own pipeline)
and gapped input (the timestamp replay, row by row from the first trading row).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.test_parity_trading import (CASES_DIR, STRATEGIES_DIR, TRADE_KEYS, _dump, build_inputs, case_routes,
                                       load_reference, run_compare)

PIPELINE_CASES: list[dict] = json.loads((CASES_DIR / "pipeline_cases.json").read_text())


def _pipeline_class(case: dict):
    # build_inputs loaded the strategy file as this module (imports rewritten to jesse_dag)
    module = sys.modules[f"parity_strategy_{case['strategy']}"]
    return getattr(module, case["pipeline"]["class"]) if case.get("pipeline") else None


def _run(case: dict, data_dir: Path, with_pipeline: bool = True) -> dict:
    from jesse_dag import research

    config, routes, data_routes, candles, warmup = build_inputs(case, data_dir)
    kwargs = {"fast_mode": case.get("fast_mode", True), "hyperparameters": case.get("hp")}
    if with_pipeline and case.get("pipeline"):
        kwargs["candles_pipeline_class"] = _pipeline_class(case)
        kwargs["candles_pipeline_kwargs"] = case["pipeline"]["kwargs"]
    if not with_pipeline and case.get("hp", {}).get("own_pipeline"):
        kwargs["hyperparameters"] = {**case["hp"], "own_pipeline": 0}
    if any(r.get("removed_rows") for r in case_routes(case)):
        with pytest.warns(UserWarning, match=r"gap\(s\)"):
            result = research.backtest(config, routes, data_routes, candles, warmup, **kwargs)
    else:
        result = research.backtest(config, routes, data_routes, candles, warmup, **kwargs)
    trades = [{k: t[k] for k in TRADE_KEYS + ("symbol",) if k in t} for t in result["trades"]]
    return {"engine": "jesse_dag", "trades": trades, "metrics": result["metrics"]}


@pytest.mark.parametrize("case", PIPELINE_CASES, ids=[c["name"] for c in PIPELINE_CASES])
def test_pipeline_trades_agree_with_jesse(case: dict, data_dir: Path, parity_dir: Path, tmp_path: Path):
    ref = load_reference(case["name"])
    assert ref["case"] == case, "the reference was produced from other settings than pipeline_cases.json lists"
    ours = _run(case, data_dir)
    proc = run_compare(CASES_DIR / "reference" / f"{case['name']}.json", _dump(ours, tmp_path / "ours.json"),
                       parity_dir / "compare.py")
    assert proc.returncode == 0, f"{case['name']} differs from Jesse:\n{proc.stdout}{proc.stderr}"
    # the pipeline really changed the run: without it the trades are other ones
    plain = _run(case, data_dir, with_pipeline=False)
    assert [t["entry_price"] for t in plain["trades"]] != [t["entry_price"] for t in ours["trades"]]


def test_pipeline_batch_not_a_multiple_of_the_step_is_refused(data_dir: Path):
    case = {**PIPELINE_CASES[0], "pipeline": {"class": "ShiftPricesPipeline", "kwargs": {"batch_size": 700}}}
    with pytest.raises(ValueError, match="multiple of the smallest timeframe"):
        _run(case, data_dir)


def test_pipeline_that_moves_timestamps_or_breaks_candles_is_refused():
    from jesse_dag.candle_pipelines import BaseCandlesPipeline
    from jesse_dag.candles.synthetic import candles_from_close_prices
    from jesse_dag.engine.exceptions import InvalidCandles
    from jesse_dag.research import backtest
    from jesse_dag.strategies import Strategy

    class Idle(Strategy):
        def should_long(self):
            return False

        def go_long(self):
            pass

    class MoveTime(BaseCandlesPipeline):
        def process(self, original_1m_candles, out):
            out[:] = original_1m_candles
            out[:, 0] += 60_000
            return True

    class NegativeVolume(BaseCandlesPipeline):
        def process(self, original_1m_candles, out):
            out[:] = original_1m_candles
            out[3, 5] = -1.0
            return True

    candles = candles_from_close_prices(100 + np.sin(np.arange(240) / 9.0), seed=1)
    config = {"starting_balance": 1000, "fee": 0.0, "type": "futures", "futures_leverage": 1,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0}
    routes = [{"exchange": "Sandbox", "strategy": Idle, "symbol": "BTC-USDT", "timeframe": "5m"}]
    data = {"Sandbox-BTC-USDT": {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": candles}}
    with pytest.raises(InvalidCandles, match=r"changed the timestamp of candles\['Sandbox-BTC-USDT'\] row 0"):
        backtest(config, routes, [], data, candles_pipeline_class=MoveTime, candles_pipeline_kwargs={"batch_size": 60})
    with pytest.raises(InvalidCandles, match="after the candle pipeline"):
        backtest(config, routes, [], data, candles_pipeline_class=NegativeVolume,
                 candles_pipeline_kwargs={"batch_size": 60})
    with pytest.raises(TypeError, match="get_candles"):
        backtest(config, routes, [], data, candles_pipeline_class=dict)
    # the caller's candles are never written
    assert np.array_equal(data["Sandbox-BTC-USDT"]["candles"], candles)


def test_pipeline_strategy_file_is_written_for_jesse():
    assert "from jesse.candle_pipelines import BaseCandlesPipeline" in (STRATEGIES_DIR / "PipelineEmaCross.py").read_text()
