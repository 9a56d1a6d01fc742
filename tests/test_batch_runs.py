"""Batch backtests: joblib processes and a Dask LocalCluster give the serial results; errors stay local."""
from __future__ import annotations

import math

import pytest

from jesse_dag.optimize import Variation, run_batch
from tests.optimize_strategies.markets import as_candles_dict, config, peak_market, routes
from tests.optimize_strategies.strategies import Exploding, PeakHold

DAY = 86_400_000


@pytest.fixture(scope="module")
def market():
    c = peak_market(12, bar_minutes=60, noise=0.002, seed=2)
    warm, trade = c[:1440], c[1440:]
    return config(), routes(PeakHold, "1h"), as_candles_dict(trade), as_candles_dict(warm)


def _variations(trade_start: int) -> list:
    out = [Variation({"hold": h, "side": s}, name=f"{s}{h}") for h in (3, 8, 13) for s in ("long", "short")]
    out.append(Variation({"hold": 8, "side": "long"}, window=(trade_start + 2 * DAY, trade_start + 8 * DAY)))
    out.append(Variation({"hold": 13, "side": "long"}, strategy=Exploding, name="broken"))
    return out


def _same(a: list[dict], b: list[dict]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert (x["index"], x["name"], x["error"]) == (y["index"], y["name"], y["error"])
        if x["metrics"] is None:
            assert y["metrics"] is None
            continue
        assert x["metrics"].keys() == y["metrics"].keys()
        for k, v in x["metrics"].items():
            w = y["metrics"][k]
            assert v == w or (isinstance(v, float) and math.isnan(v) and math.isnan(w)), k


def test_processes_equal_serial_and_errors_stay_local(market):
    cfg, rts, trade, warm = market
    start = int(trade["Sandbox-BTC-USDT"]["candles"][0, 0])
    serial = run_batch(cfg, rts, [], trade, warm, _variations(start), n_jobs=1)
    par = run_batch(cfg, rts, [], trade, warm, _variations(start), n_jobs=2, backend="loky")
    _same(serial, par)
    broken = serial[-1]
    assert broken["metrics"] is None and "hold 13 is broken on purpose" in broken["error"]
    assert "RuntimeError" in broken["traceback"]
    good = serial[:-1]
    assert all(r["error"] is None and r["metrics"]["total"] > 0 for r in good)
    long8 = next(r for r in good if r["name"] == "long8")
    assert long8["metrics"]["net_profit"] > next(r for r in good if r["name"] == "long3")["metrics"]["net_profit"]
    windowed = serial[-2]
    assert windowed["metrics"]["total"] < long8["metrics"]["total"]  # 6 days instead of 11


def test_forked_workers_equal_serial_and_leave_nothing_behind(market):
    """backend='fork': workers inherit the candles and compiled kernels instead of receiving copies."""
    from jesse_dag.optimize import batch

    cfg, rts, trade, warm = market
    start = int(trade["Sandbox-BTC-USDT"]["candles"][0, 0])
    serial = run_batch(cfg, rts, [], trade, warm, _variations(start), n_jobs=1)
    forked = run_batch(cfg, rts, [], trade, warm, _variations(start), n_jobs=2, backend="fork")
    _same(serial, forked)
    assert "hold 13 is broken on purpose" in forked[-1]["error"]
    assert batch._FORK_PAYLOADS == {}  # the parent's reference to the shared candles is released


def test_window_is_the_same_backtest_as_slicing_by_hand(market):
    from jesse_dag import research

    cfg, rts, trade, warm = market
    arr = trade["Sandbox-BTC-USDT"]["candles"]
    start = int(arr[0, 0]) + 3 * DAY
    res = run_batch(cfg, rts, [], trade, warm, [Variation({"hold": 5, "side": "long"},
                                                          window=(start, start + 4 * DAY))], n_jobs=1,
                    keep_trades=True)[0]
    lo = 3 * 1440
    by_hand = research.backtest(cfg, rts, [], as_candles_dict(arr[lo:lo + 4 * 1440]),
                                as_candles_dict(arr[lo - 1440:lo]), hyperparameters={"hold": 5, "side": "long"},
                                fast_mode=True)
    assert res["trades"] == by_hand["trades"]


def test_windows_of_a_batch_slice_one_joined_array(market):
    """Windowed variations of one batch are views of the warm-up and trading rows joined once (not a copy of
    every candle per variation), warm-up and trading slices adjacent, so the engine does not copy them either."""
    import numpy as np

    from jesse_dag.optimize.batch import _window

    cfg, rts, trade, warm = market
    start = int(trade["Sandbox-BTC-USDT"]["candles"][0, 0])
    windows = [(start + d * DAY, start + (d + 2) * DAY) for d in (1, 3)]
    first, second = (_window(trade, warm, w, None, batch_id="b1") for w in windows)
    key = "Sandbox-BTC-USDT"
    (c1, w1), (c2, w2) = ((c[key]["candles"], w[key]["candles"]) for c, w in (first, second))
    assert c1.base is c2.base is w1.base is w2.base is not None  # one joined array for both windows
    assert w1.ctypes.data + w1.nbytes == c1.ctypes.data  # warm-up right before the window's rows
    assert len(w1) == 1440 and len(c1) == 2 * 1440 and c1[0, 0] == windows[0][0]
    other, _ = _window(trade, warm, windows[0], None, batch_id="b2")  # another batch joins its own
    assert not np.shares_memory(other["Sandbox-BTC-USDT"]["candles"], c1)


def test_bad_batch_inputs(market):
    cfg, rts, trade, warm = market
    with pytest.raises(ValueError, match="backend must be one of"):
        run_batch(cfg, rts, [], trade, warm, [{"hold": 3, "side": "long"}], n_jobs=2, backend="ray")
    with pytest.raises(ValueError, match="n_jobs must be"):
        run_batch(cfg, rts, [], trade, warm, [{"hold": 3, "side": "long"}], n_jobs=0)
    res = run_batch(cfg, rts, [], trade, warm, [Variation({"hold": 3, "side": "long"}, window=(0, 1))], n_jobs=1)
    assert "no candles" in res[0]["error"]


@pytest.mark.slow
def test_dask_local_cluster_equals_local(market):
    distributed = pytest.importorskip("distributed")
    cfg, rts, trade, warm = market
    start = int(trade["Sandbox-BTC-USDT"]["candles"][0, 0])
    local = run_batch(cfg, rts, [], trade, warm, _variations(start), n_jobs=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        remote = run_batch(cfg, rts, [], trade, warm, _variations(start), backend="dask")
    _same(local, remote)


def test_dask_without_a_client_says_how_to_connect(market):
    pytest.importorskip("distributed")
    cfg, rts, trade, warm = market
    with pytest.raises(ValueError, match="needs a running distributed.Client"):
        run_batch(cfg, rts, [], trade, warm, [{"hold": 3, "side": "long"}], backend="dask")


def test_metrics_only_variations_equal_full_backtests_and_build_no_order_dicts(market, monkeypatch):
    """run_batch without keep_trades skips the trades' order dicts; its metrics are the full backtest's."""
    from jesse_dag import research
    from jesse_dag.engine.models import Order

    cfg, rts, trade, warm = market
    hps = [{"hold": h, "side": s} for h in (3, 8) for s in ("long", "short")]
    full = [research.backtest(cfg, rts, [], trade, warm, hyperparameters=hp) for hp in hps]
    assert all(r["trades"] and r["trades"][0]["orders"] for r in full)
    built = []
    monkeypatch.setattr(Order, "to_dict", property(lambda o: built.append(o) or {}))
    light = run_batch(cfg, rts, [], trade, warm, hps, n_jobs=1, fast_mode=False)
    assert built == []
    _same(light, [{"index": i, "name": None, "error": None, "metrics": r["metrics"]} for i, r in enumerate(full)])
    kept = run_batch(cfg, rts, [], trade, warm, hps[:1], n_jobs=1, fast_mode=False, keep_trades=True)[0]
    assert built and all(t["orders"] for t in kept["trades"])  # kept trades are Jesse's, orders included


def test_a_batch_checks_each_candle_array_once_a_process(market, monkeypatch):
    """Every variation of a batch passes the same arrays: one process checks each once (not once per
    variation), with the same results; a bad array is still refused, and backtests outside a batch check theirs."""
    from jesse_dag import research
    from jesse_dag.engine import run as engine_run

    cfg, rts, trade, warm = market
    hps = [{"hold": h, "side": s} for h in (3, 8) for s in ("long", "short")]
    checked = []
    real = engine_run.candles_pass_checks
    monkeypatch.setattr(engine_run, "candles_pass_checks", lambda a: checked.append(len(a)) or real(a))
    batch = run_batch(cfg, rts, [], trade, warm, hps, n_jobs=1, fast_mode=False)
    assert len(checked) == 2  # the trading and the warm-up rows, once each
    alone = [research.backtest(cfg, rts, [], trade, warm, hyperparameters=hp) for hp in hps]
    assert len(checked) == 2 + 2 * len(hps)
    _same(batch, [{"index": i, "name": None, "error": None, "metrics": r["metrics"]} for i, r in enumerate(alone)])
    bad = {k: {**v, "candles": v["candles"].copy()} for k, v in trade.items()}
    next(iter(bad.values()))["candles"][5, 3] = -1.0  # a high below the open
    refused = run_batch(cfg, rts, [], bad, warm, hps[:2], n_jobs=1)
    assert all(r["metrics"] is None and "InvalidCandles" in r["error"] for r in refused)


def test_run_batch_imports_neither_optuna_nor_the_significance_test_and_fitness_stays_the_function():
    import subprocess
    import sys

    code = ("import sys\nfrom jesse_dag.optimize import run_batch\n"
            "assert 'optuna' not in sys.modules and 'jesse_dag.optimize.significance' not in sys.modules\n"
            "from jesse_dag.optimize import StudyLocked, fitness\n"  # search imports the fitness submodule
            "assert callable(fitness) and fitness.__name__ == 'fitness'\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
