"""Monte Carlo on trades and candles, and the rule significance test."""
from __future__ import annotations

import numpy as np
import pytest

from jesse_dag import research
from jesse_dag.candles.synthetic import candles_from_close_prices
from jesse_dag.optimize import LogReturnBlockBootstrap, LogReturnGaussianNoise
from tests.optimize_strategies.markets import as_candles_dict, config, peak_market, routes
from tests.optimize_strategies.strategies import LastMove, PeakHold

HP = {"hold": 8, "side": "long"}


@pytest.fixture(scope="module")
def market():
    c = peak_market(20, bar_minutes=60, noise=0.004, seed=3)
    return config(), routes(PeakHold, "1h"), as_candles_dict(c)


def test_trade_bootstrap_interval_contains_original_and_is_reproducible(market):
    cfg, rts, candles = market
    a = research.monte_carlo_trades(cfg, rts, [], candles, hyperparameters=HP, num_scenarios=150, seed=5)
    b = research.monte_carlo_trades(cfg, rts, [], candles, hyperparameters=HP, num_scenarios=150, seed=5)
    ca = a["confidence_analysis"]["metrics"]
    assert ca == b["confidence_analysis"]["metrics"]
    for name in ("total_return", "max_drawdown", "sharpe_ratio"):
        ci = ca[name]["confidence_intervals"]["95%"]
        assert ci["lower"] <= ca[name]["original"] <= ci["upper"], name
    # resampling changes the total return (a shuffle could not)
    assert ca["total_return"]["simulations"]["std"] > 0.1
    # like for like: the rebuilt original equals the backtest's own net profit %
    assert a["original"]["total_return"] == pytest.approx(a["original_backtest_metrics"]["net_profit_percentage"])
    assert 0 < ca["total_return"]["p_value"] <= 1
    c = research.monte_carlo_trades(cfg, rts, [], candles, hyperparameters=HP, num_scenarios=150, seed=6)
    assert c["confidence_analysis"]["metrics"] != ca


def test_permutation_keeps_total_return(market):
    cfg, rts, candles = market
    out = research.monte_carlo_trades(cfg, rts, [], candles, hyperparameters=HP, num_scenarios=20, seed=1,
                                      method="permutation")
    ret = out["confidence_analysis"]["metrics"]["total_return"]
    assert ret["simulations"]["std"] < 1e-9 and ret["p_value"] is None  # no test on an invariant


def test_no_trades_is_refused(market):
    cfg, rts, candles = market
    with pytest.raises(ValueError, match="made no trades"):
        research.monte_carlo_trades(cfg, rts, [], candles, hyperparameters={"hold": 8, "side": "none"},
                                    num_scenarios=5)


def test_candle_pipelines_keep_shape_and_are_seeded():
    c = candles_from_close_prices(100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 1e-3, 3000))))
    for pipe in (LogReturnBlockBootstrap(batch_size=1000),
                 LogReturnGaussianNoise(batch_size=1000, close_sigma=1e-3)):
        x = pipe.transform(c, np.random.default_rng(1))
        y = pipe.transform(c, np.random.default_rng(1))
        assert np.array_equal(x, y) and not np.array_equal(x, c)
        assert np.array_equal(x[:, [0, 5]], c[:, [0, 5]])  # timestamps and volume kept
        assert (x[:, 3] >= np.maximum(x[:, 1], x[:, 2]) - 1e-9).all()
        assert (x[:, 4] <= np.minimum(x[:, 1], x[:, 2]) + 1e-9).all() and (x[:, 1:5] > 0).all()


@pytest.mark.slow
def test_candle_monte_carlo_reproducible_and_contains_original(market):
    cfg, rts, candles = market
    kw = dict(hyperparameters=HP, num_scenarios=12, cpu_cores=2, seed=4,
              candles_pipeline_class=LogReturnGaussianNoise,
              candles_pipeline_kwargs={"batch_size": 1440, "close_sigma": 2e-4})
    a = research.monte_carlo_candles(cfg, rts, [], candles, **kw)
    b = research.monte_carlo_candles(cfg, rts, [], candles, **{**kw, "cpu_cores": 1})
    assert a["confidence_analysis"] == b["confidence_analysis"]  # same with 1 or 2 processes
    m = a["confidence_analysis"]["metrics"]["net_profit_percentage"]
    assert m["confidence_intervals"]["95%"]["lower"] <= m["original"] <= m["confidence_intervals"]["95%"]["upper"]
    assert a["num_scenarios"] == 12 and not a["failed_scenarios"]


def _ar1_candles(phi: float, seed: int, minutes: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = rng.normal(0, 1e-3, minutes)
    r = np.empty(minutes)
    r[0] = e[0]
    for t in range(1, minutes):
        r[t] = phi * r[t - 1] + e[t]
    return candles_from_close_prices(100 * np.exp(np.cumsum(r)), seed=seed)


@pytest.mark.parametrize("phi, significant", [(0.0, False), (0.2, True)])
def test_rule_significance_detects_a_planted_edge(phi, significant):
    c = _ar1_candles(phi, seed=11, minutes=2 * 1440 + 300)
    cfg = config(warm_up_candles=300)
    args = (cfg, routes(LastMove, "1m"), [], as_candles_dict(c[300:]), as_candles_dict(c[:300]))
    out = research.rule_significance_test(*args, n_simulations=500, random_seed=11)
    assert out["n_observations"] > 2800 and out["simulated_means"].shape == (500,)
    assert (out["p_value"] < 0.01) is significant
    assert out["p_value"] > 0  # the +1 correction: never exactly 0
    again = research.rule_significance_test(*args, n_simulations=500, random_seed=11, cpu_cores=1)
    assert again["p_value"] == out["p_value"]
    assert np.array_equal(again["simulated_means"], out["simulated_means"])


def test_rule_significance_needs_one_route(market):
    cfg, rts, candles = market
    with pytest.raises(ValueError, match="exactly one route"):
        research.rule_significance_test(cfg, rts * 2, [], candles)


def test_jesse_pipeline_scenarios_are_jesses_backtests_with_seed_plus_index(market):
    # Jesse runs scenario i (from 1) as backtest(candles_pipeline_class=cls, kwargs seed + i - 1)
    from jesse_dag.candle_pipelines import MovingBlockBootstrapCandlesPipeline

    cfg, rts, candles = market
    kw = {"batch_size": 1440, "seed": 7}
    state = np.random.get_state()
    out = research.monte_carlo_candles(cfg, rts, [], candles, hyperparameters=HP, num_scenarios=3, cpu_cores=1,
                                       candles_pipeline_class=MovingBlockBootstrapCandlesPipeline,
                                       candles_pipeline_kwargs=kw)
    assert not out["failed_scenarios"] and out["seed"] == 7
    nets = []
    for s in out["scenarios"]:
        i = s["scenario_index"]
        alone = research.backtest(cfg, rts, [], candles, hyperparameters=HP,
                                  candles_pipeline_class=MovingBlockBootstrapCandlesPipeline,
                                  candles_pipeline_kwargs={**kw, "seed": 7 + i})
        assert s["metrics"] == alone["metrics"] and s["trades"] == alone["trades"], i
        nets.append(s["metrics"]["net_profit"])
    assert len(set(nets)) == 3 and out["original"]["metrics"]["net_profit"] not in nets
    assert all(np.array_equal(a, b) for a, b in zip(state, np.random.get_state()) if isinstance(a, np.ndarray))


def test_jesse_gaussian_pipeline_is_seeded_per_scenario_and_leaves_numpy_state(market):
    from jesse_dag.candle_pipelines import GaussianNoiseCandlesPipeline

    cfg, rts, candles = market
    kw = dict(hyperparameters=HP, num_scenarios=2, cpu_cores=1, seed=11,
              candles_pipeline_class=GaussianNoiseCandlesPipeline,
              candles_pipeline_kwargs={"batch_size": 1440, "close_sigma": 5.0, "high_sigma": 1.0, "low_sigma": 1.0})
    np.random.seed(123)
    a = research.monte_carlo_candles(cfg, rts, [], candles, **kw)
    after = np.random.random()
    np.random.seed(999)  # the caller's global state does not leak into the scenarios
    b = research.monte_carlo_candles(cfg, rts, [], candles, **kw)
    np.random.seed(123)
    assert np.random.random() == after  # and the scenarios leave it as it was
    assert [s["metrics"] for s in a["scenarios"]] == [s["metrics"] for s in b["scenarios"]]
    assert a["scenarios"][0]["metrics"] != a["scenarios"][1]["metrics"]


def test_old_pipeline_names_warn_and_bad_seed_is_refused(market):
    import jesse_dag.optimize as opt

    with pytest.warns(DeprecationWarning, match="renamed LogReturnBlockBootstrap"):
        assert opt.MovingBlockBootstrapCandlesPipeline is LogReturnBlockBootstrap
    cfg, rts, candles = market
    with pytest.raises(ValueError, match="seed must be an int from 0"):
        research.monte_carlo_candles(cfg, rts, [], candles, hyperparameters=HP, num_scenarios=2, seed=-1)
    with pytest.raises(TypeError, match="neither a subclass"):
        research.monte_carlo_candles(cfg, rts, [], candles, hyperparameters=HP, num_scenarios=2,
                                     candles_pipeline_class=dict)
