"""Acceptance scenarios S1–S10, S13, S14 of ``../shared/reference/jesse-behaviour.md`` §6.2.

Each scenario rebuilds one of Jesse 3.5.3's own tests (or a case checked on Jesse 3.5.3) from its
description: the candles come from ``candles_from_close_prices`` (or are handcrafted where Jesse's are),
the strategies are in ``tests/scenario_strategies/strategies.py``, and the expected numbers are the ones
Jesse produces. Unless stated: futures, cross margin, fee 0, balance 10,000, one 1m route BTC-USDT.
S13 was also run through Jesse 3.5.3 here (both modes: STOP at 95 / LIMIT at 105).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from jesse_dag import research
from jesse_dag.candles.synthetic import candles_from_close_prices
from tests.scenario_strategies import strategies as S

T0 = 1_609_459_200_000  # 2021-01-01, Jesse's first timestamp for candles built from close prices
MINUTE = 60_000
EXCHANGE, SYMBOL = "Sandbox", "BTC-USDT"
approx = lambda x: pytest.approx(x, rel=1e-12, abs=1e-9)  # noqa: E731


def backtest(strategy: type, candles: np.ndarray, *, type: str = "futures", leverage: float = 1,
             mode: str = "cross", fee: float = 0.0, timeframe: str = "1m", fast_mode: bool = False,
             **extra_config) -> dict:
    """One route on ``candles`` with Jesse's test setup (``testing_utils.single_route_backtest``)."""
    strategy.observed = []
    config = {"starting_balance": 10_000, "fee": fee, "type": type, "futures_leverage": leverage,
              "futures_leverage_mode": mode, "exchange": EXCHANGE, "warm_up_candles": 0, **extra_config}
    routes = [{"exchange": EXCHANGE, "strategy": strategy, "symbol": SYMBOL, "timeframe": timeframe}]
    data = {f"{EXCHANGE}-{SYMBOL}": {"exchange": EXCHANGE, "symbol": SYMBOL, "candles": candles}}
    return research.backtest(config, routes, [], data, fast_mode=fast_mode)


def up_trend(n: int = 100) -> np.ndarray:
    """Closes 1..n-1, Jesse's ``get_btc_candles``."""
    return candles_from_close_prices(range(1, n))


def down_trend(n: int = 100) -> np.ndarray:
    """Closes n..11, Jesse's ``get_downtrend_candles``."""
    return candles_from_close_prices(range(n, 10, -1))


def events(strategy: type, name: str) -> list[dict]:
    return [values for event, values in strategy.observed if event == name]


MODES = pytest.mark.parametrize("fast_mode", [False, True], ids=["step", "fast"])


# S1 ------------------------------------------------------------------------------------------------
@MODES
def test_s1_metrics_of_one_winning_trade_without_fee(fast_mode):
    result = backtest(S.MetricsOneWin, up_trend(), fast_mode=fast_mode)
    m = result["metrics"]
    expected = {"total": 1, "starting_balance": 10_000, "finishing_balance": 10_050, "net_profit": 50,
                "net_profit_percentage": 0.5, "win_rate": 1, "average_win": 50, "expectancy": 50,
                "expectancy_percentage": 0.5, "expected_net_profit_every_100_trades": 50,
                "average_holding_period": 300, "average_winning_holding_period": 300, "longs_count": 1,
                "shorts_count": 0, "longs_percentage": 100, "shorts_percentage": 0, "fee": 0, "gross_profit": 50,
                "gross_loss": 0, "open_pl": 0, "largest_losing_trade": 0, "largest_winning_trade": 50,
                "avg_trades_per_day": 14.4}
    assert {k: m[k] for k in expected} == {k: approx(v) for k, v in expected.items()}
    for key in ("average_loss", "ratio_avg_win_loss", "average_losing_holding_period"):
        assert math.isnan(m[key]), key
    (trade,) = result["trades"]
    assert (trade["opened_at"], trade["closed_at"]) == (T0 + 10 * MINUTE, T0 + 15 * MINUTE)
    assert (trade["entry_price"], trade["exit_price"], trade["qty"], trade["PNL"]) == (10, 15, 10, 50)
    # the running metrics a strategy reads in on_close_position already count the trade
    (closed,) = events(S.MetricsOneWin, "closed")
    assert closed["metrics"]["total"] == 1 and closed["metrics"]["net_profit"] == approx(50)
    assert closed["metrics"]["finishing_balance"] == approx(10_050)


# S2, S3 --------------------------------------------------------------------------------------------
@MODES
def test_s2_take_profit_at_multiple_points(fast_mode):
    (trade,) = backtest(S.TakeProfitLadder, up_trend(), fast_mode=fast_mode)["trades"]
    assert trade["type"] == "long"
    assert trade["entry_price"] == 7
    assert trade["exit_price"] == approx((11 + 13 + 15) / 3)
    assert trade["qty"] == approx(1.5) and trade["fee"] == 0
    assert trade["holding_period"] == 480
    assert trade["opened_at"] == T0 + 7 * MINUTE  # the stop entry fills in the candle that closes at 7


@MODES
def test_s3_stop_loss_at_multiple_points(fast_mode):
    (trade,) = backtest(S.StopLossLadder, up_trend(), fast_mode=fast_mode)["trades"]
    assert trade["type"] == "short"
    assert trade["entry_price"] == 3
    assert trade["exit_price"] == approx((6 + 5 + 4) / 3)
    assert trade["qty"] == approx(1.5)
    assert trade["PNL"] == approx(-1.5 * 2)


# S4 ------------------------------------------------------------------------------------------------
@MODES
def test_s4_open_position_at_the_end_is_counted_then_closed(fast_mode):
    result = backtest(S.HoldToTheEnd, up_trend(), fast_mode=fast_mode)
    m = result["metrics"]
    assert m["total_open_trades"] == 1
    assert m["open_pl"] == approx(97)  # 1 x (99 - 2), before the forced close
    (trade,) = result["trades"]
    assert (trade["entry_price"], trade["exit_price"], trade["qty"]) == (2, 99, 1)
    assert trade["closed_at"] == T0 + 99 * MINUTE  # closed at the last candle's close


# S5 ------------------------------------------------------------------------------------------------
@MODES
def test_s5_entry_then_only_the_reachable_exit_in_the_same_candle(fast_mode):
    (trade,) = backtest(S.EntryThenTargetInOneCandle, up_trend(), fast_mode=fast_mode)["trades"]
    # candle O 2 -> C 3: the entry at 2.5 fills first; from 2.5 up only the target at 2.6 is reachable
    assert (trade["entry_price"], trade["exit_price"]) == (approx(2.5), approx(2.6))
    assert trade["opened_at"] == trade["closed_at"] == T0 + 3 * MINUTE


@MODES
def test_s5_two_entries_and_two_targets_in_the_same_candle(fast_mode):
    (trade,) = backtest(S.TwoEntriesTwoTargetsInOneCandle, up_trend(), fast_mode=fast_mode)["trades"]
    assert trade["type"] == "long" and trade["qty"] == 2
    assert trade["entry_price"] == approx((1.1 + 1.11) / 2)
    assert trade["exit_price"] == approx((1.2 + 1.3) / 2)


# S6 ------------------------------------------------------------------------------------------------
@MODES
def test_s6_spot_balance_and_fees_on_buys_and_sells(fast_mode):
    result = backtest(S.SpotFeesBothWays, up_trend(), type="spot", fee=0.001, fast_mode=fast_mode)
    before = {round(e["price"]): e for e in events(S.SpotFeesBothWays, "before")}
    assert before[1]["balance"] == 10_000 and before[1]["qty"] == 0
    # both buy orders reserve their quote at submission: 10,000 - 1 x 10 - 2 x 12
    assert before[11]["balance"] == approx(9966) and before[11]["qty"] == approx(0.999)
    assert before[13]["balance"] == approx(9966) and before[13]["qty"] == approx(2.997)
    assert before[16]["balance"] == approx(9966 + 14.970015) and before[16]["qty"] == approx(1.998)
    assert before[18]["balance"] == approx(9966 + 14.970015 + 33.932034) and before[18]["qty"] == approx(0)

    (opened,) = events(S.SpotFeesBothWays, "open")
    assert opened["order_qty"] == 1 and opened["qty"] == approx(0.999) and opened["balance"] == approx(9966)
    (inc,) = events(S.SpotFeesBothWays, "increased")
    assert inc["order_qty"] == 2 and inc["qty"] == approx(2.997) and inc["balance"] == approx(9966)
    (red,) = events(S.SpotFeesBothWays, "reduced")
    assert red["order_qty"] == approx(-0.999) and red["qty"] == approx(1.998)
    assert red["balance"] == approx(9966 + 14.970015)
    (closed,) = events(S.SpotFeesBothWays, "closed")
    assert closed["order_qty"] == approx(-1.998) and closed["qty"] == approx(0)
    assert closed["balance"] == approx(9966 + 14.970015 + 33.932034)
    assert result["metrics"]["finishing_balance"] == approx(9966 + 14.970015 + 33.932034)


# S7 ------------------------------------------------------------------------------------------------
@MODES
def test_s7_isolated_liquidation_of_a_short(fast_mode):
    result = backtest(S.IsolatedShortAllIn, up_trend(), leverage=2, mode="isolated", fast_mode=fast_mode)
    first, at_15 = events(S.IsolatedShortAllIn, "before")
    assert first["balance"] == 10_000 and first["available_margin"] == 10_000
    assert first["leverage"] == 2 and first["leveraged_available_margin"] == 20_000
    (opened,) = events(S.IsolatedShortAllIn, "open")
    assert round(opened["liquidation_price"], 2) == 14.96 and round(opened["bankruptcy_price"], 2) == 15
    assert opened["mode"] == "isolated"
    assert at_15["is_close"] and at_15["balance"] == approx(0) and at_15["available_margin"] == approx(0)
    (trade,) = result["trades"]
    assert (trade["type"], trade["entry_price"], trade["exit_price"], trade["qty"]) == ("short", 10, approx(15), 2000)
    assert trade["PNL"] == approx(-10_000)


@MODES
def test_s7_isolated_liquidation_of_a_long(fast_mode):
    result = backtest(S.IsolatedLongAllIn, down_trend(), leverage=2, mode="isolated", fast_mode=fast_mode)
    first, at_40 = events(S.IsolatedLongAllIn, "before")
    assert first["available_margin"] == 10_000 and first["leveraged_available_margin"] == 20_000
    (opened,) = events(S.IsolatedLongAllIn, "open")
    assert round(opened["liquidation_price"], 2) == 40.32 and opened["mode"] == "isolated"
    assert at_40["is_close"] and at_40["balance"] == approx(0) and at_40["available_margin"] == approx(0)
    (trade,) = result["trades"]
    assert (trade["type"], trade["entry_price"], trade["exit_price"], trade["qty"]) == ("long", 80, approx(40), 250)


def test_s7_cross_margin_is_never_liquidated():
    result = backtest(S.IsolatedShortAllIn, up_trend(), leverage=2, mode="cross")
    (trade,) = result["trades"]
    assert trade["exit_price"] == 99  # held to the end: cross mode simulates no liquidation
    assert result["metrics"]["finishing_balance"] == approx(10_000 - 2000 * 89)


# S8 ------------------------------------------------------------------------------------------------
@MODES
def test_s8_oversized_reduce_only_exit_is_capped_in_price_and_fee(fast_mode):
    result = backtest(S.OversizedStopTiers, down_trend(), fee=0.001, fast_mode=fast_mode)
    (trade,) = result["trades"]
    assert (trade["type"], trade["entry_price"], trade["qty"]) == ("long", 100, 2)
    assert trade["exit_price"] == approx(85)  # (1 x 90 + 1 x 80) / 2, not (90 + 2 x 80) / 3
    assert trade["fee"] == approx(0.001 * (2 * 100 + 90 + 80))
    assert trade["PNL"] == approx(2 * (85 - 100) - 0.37)
    # the trade's PNL is exactly what the wallet gained
    assert result["metrics"]["finishing_balance"] - 10_000 == approx(trade["PNL"])


# S9 ------------------------------------------------------------------------------------------------
def gap_candles(side: str) -> np.ndarray:
    """Three 5m blocks at 100, a gap to 90 (long) or 110 (short) at minute 5 that lasts to minute 9,
    back to 100 at minute 9, then a gap the other way at minute 12 (a block's middle)."""
    first, second = (90, 110) if side == "long" else (110, 90)
    rows = []
    for i in range(15):
        if i < 5 or i in (10, 11):
            o = c = 100
        elif i < 9:
            o = c = first
        elif i == 9:
            o, c = first, 100
        else:
            o = c = second
        spread = 2 if i in (5, 12) else 1
        rows.append([T0 + i * MINUTE, o, c, max(o, c) + spread, min(o, c) - spread, 10])
    return np.array(rows, dtype=np.float64)


@MODES
@pytest.mark.parametrize("strategy, side", [(S.GapExits, "long"), (S.GapExitsShort, "short")], ids=["long", "short"])
def test_s9_protective_orders_jumped_by_a_gap_fill_at_the_open(strategy, side, fast_mode):
    candles = gap_candles(side)
    assert candles[5, 1] != candles[4, 2] and candles[12, 1] != candles[11, 2]
    result = backtest(strategy, candles, fee=0.001, leverage=2, timeframe="5m", fast_mode=fast_mode)
    fingerprint = [(t["type"], t["entry_price"], t["exit_price"], t["qty"], round(t["fee"], 8), round(t["PNL"], 8),
                    int(t["opened_at"]), int(t["closed_at"]), t["holding_period"]) for t in result["trades"]]
    if side == "long":
        assert fingerprint == [
            ("long", 100, 90, 2, 0.38, -20.38, T0 + 5 * MINUTE, T0 + 6 * MINUTE, 60),
            ("long", 100, 110, 2, 0.42, 19.58, T0 + 10 * MINUTE, T0 + 13 * MINUTE, 180),
        ]
    else:
        assert fingerprint == [
            ("short", 100, 110, 2, 0.42, -20.42, T0 + 5 * MINUTE, T0 + 6 * MINUTE, 60),
            ("short", 100, 90, 2, 0.38, 19.62, T0 + 10 * MINUTE, T0 + 13 * MINUTE, 180),
        ]
    m = result["metrics"]
    assert (m["total"], m["total_winning_trades"], m["total_losing_trades"], m["total_open_trades"]) == (2, 1, 1, 0)
    assert round(m["net_profit"], 8) == -0.8 and round(m["finishing_balance"], 8) == 9_999.2
    # the filled order carries the gap price; the strategy had asked for 95 / 105
    assert [e["order_price"] for e in events(strategy, "closed")] == ([90, 110] if side == "long" else [110, 90])


# S10 -----------------------------------------------------------------------------------------------
def mixed_prices() -> np.ndarray:
    day = 1440
    p = np.full(3 * day + 2, 100.0)
    p[11:day + 10] = 110
    p[day + 10] = 100
    p[day + 11:2 * day + 10] = 110
    p[2 * day + 10] = 100
    p[2 * day + 11:] = 105
    return p


def test_s10_mixed_multi_day_metrics():
    result = backtest(S.MixedDays, candles_from_close_prices(mixed_prices()), fee=0.001)
    m = result["metrics"]
    assert [(t["type"], t["exit_price"]) for t in result["trades"]] == [("long", 110), ("short", 110), ("long", 105)]
    expected = {"total": 3, "total_winning_trades": 2, "total_losing_trades": 1, "fee": 0.625, "net_profit": 4.375,
                "finishing_balance": 10_004.375, "total_open_trades": 0, "open_pl": 0,
                "max_drawdown": -0.10200014186112494, "max_underwater_period": 2,
                "annual_return": 5.465903612204692, "sharpe_ratio": 2.45661087496446,
                "sortino_ratio": 4.591544590351203, "calmar_ratio": 53.58721578688214,
                "omega_ratio": 1.4299197170055138}
    assert {k: m[k] for k in expected} == {k: pytest.approx(v, rel=1e-9) for k, v in expected.items()}
    assert m["annualization"] == 365
    assert 0 < m["smart_sharpe"] <= m["sharpe_ratio"] and 0 < m["smart_sortino"] <= m["sortino_ratio"]


def test_s10_annualization_252_scales_sharpe_and_sortino_only():
    candles = candles_from_close_prices(mixed_prices())
    crypto = backtest(S.MixedDays, candles, fee=0.001, annualization=365)["metrics"]
    stock = backtest(S.MixedDays, candles, fee=0.001, annualization=252)["metrics"]
    assert stock["annualization"] == 252
    assert stock["sharpe_ratio"] == pytest.approx(crypto["sharpe_ratio"] * math.sqrt(252 / 365), rel=1e-12)
    assert stock["sortino_ratio"] == pytest.approx(crypto["sortino_ratio"] * math.sqrt(252 / 365), rel=1e-12)
    assert stock["annual_return"] == pytest.approx(crypto["annual_return"], rel=1e-12)
    assert stock["calmar_ratio"] == pytest.approx(crypto["calmar_ratio"], rel=1e-12)


@pytest.mark.parametrize("strategy, exit_at, fee, net", [(S.OneTradeTo, 110, 0.21, 9.79),
                                                        (S.OneTradeTo90, 90, 0.19, -10.19)], ids=["win", "loss"])
def test_s10_single_trade_fees(strategy, exit_at, fee, net):
    prices = np.full(1440 + 2, 100.0)
    prices[11:] = exit_at
    m = backtest(strategy, candles_from_close_prices(prices), fee=0.001)["metrics"]
    assert m["total"] == 1
    assert m["fee"] == pytest.approx(fee, rel=1e-12) and m["net_profit"] == pytest.approx(net, rel=1e-12)
    assert m["finishing_balance"] == pytest.approx(10_000 + net, rel=1e-12)
    assert math.isnan(m["ratio_avg_win_loss"])


def test_no_trades_gives_the_short_metrics_dict():
    m = backtest(S.HoldToTheEnd, candles_from_close_prices(np.full(50, 1.0)))["metrics"]  # a stop at 2 never fills
    assert m == {"total": 0, "win_rate": 0, "net_profit_percentage": 0, "annualization": 365}


# S13 -----------------------------------------------------------------------------------------------
def bracket_candles(second_close: float) -> np.ndarray:
    rows = [[T0, 100, 100, 100, 100, 1], [T0 + MINUTE, 100, second_close, 106, 94, 1]]
    rows += [[T0 + i * MINUTE, second_close, second_close, second_close, second_close, 1] for i in range(2, 6)]
    return np.array(rows, dtype=np.float64)


@MODES
@pytest.mark.parametrize("second_close, exit_price, pnl", [(101, 95, -5), (99, 105, 5)], ids=["green", "red"])
def test_s13_stop_and_target_in_the_same_candle_follow_the_candle_colour(second_close, exit_price, pnl, fast_mode):
    # green candle: path O -> L -> H -> C, the stop is touched first; red: O -> H -> L -> C, the target
    (trade,) = backtest(S.BracketAtMarket, bracket_candles(second_close), fast_mode=fast_mode)["trades"]
    assert (trade["entry_price"], trade["exit_price"], trade["PNL"]) == (100, exit_price, pnl)
    assert (trade["opened_at"], trade["closed_at"]) == (T0 + MINUTE, T0 + 2 * MINUTE)


# S14 -----------------------------------------------------------------------------------------------
@MODES
def test_s14_fees_with_leverage(fast_mode):
    result = backtest(S.LeveragedTarget, candles_from_close_prices(range(10, 30)), leverage=2, fee=0.001,
                      fast_mode=fast_mode)
    (trade,) = result["trades"]
    assert trade["fee"] == approx(2.5)
    assert trade["PNL"] == approx(497.5)
    assert trade["PNL_percentage"] == approx(99.5)  # PNL / (1000 / 2)
    assert trade["holding_period"] == 300
    assert result["metrics"]["finishing_balance"] == approx(10_497.5)
