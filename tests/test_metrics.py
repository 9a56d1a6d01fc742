"""jesse_dag.metrics against Jesse 3.5.3: acceptance scenarios S1, S10, S11 (jesse-behaviour.md §6.2)
and the metrics of Jesse's real backtests in ../shared/parity/reference/*.json."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from jesse_dag import metrics as M

DAY_MS = 86_400_000
T0 = 1609459200000  # 2021-01-01, the start of Jesse's test candles
TF_MINUTES = {"1m": 1, "5m": 5, "15m": 15, "1h": 60, "4h": 240}


def _days(values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.date_range("2025-01-01", periods=len(values), freq="D"))


def _trade(type_, pnl, fee, opened, closed, **kw):
    return {"type": type_, "PNL": pnl, "fee": fee, "opened_at": opened, "closed_at": closed, **kw}


# ------------------------------------------------------------------ S11: the ratio functions directly

def test_s11_daily_return_functions_give_jesse_values():
    r = _days([0.02, -0.01, 0.03, -0.02, 0.01])
    assert M.cagr(r) == pytest.approx(13.17681588701674, rel=1e-12)
    assert M.sharpe_ratio(r, 365) == pytest.approx(5.527941708708922, rel=1e-12)
    assert M.sortino_ratio(r, 365) == pytest.approx(11.462983904725679, rel=1e-12)
    assert M.calmar_ratio(r) == pytest.approx(658.8407943508364, rel=1e-12)
    assert M.omega_ratio(r, 365) == pytest.approx(2.0, rel=1e-12)
    assert M.serenity_index(r) == pytest.approx(2.5311776849554346, rel=1e-12)
    assert M.max_drawdown(r) == pytest.approx(-0.02, rel=1e-12)


def test_s11_losing_only_winning_only_and_flat_returns():
    losing = _days([-0.01, -0.02, -0.03])
    assert M.sharpe_ratio(losing) == pytest.approx(-38.2099463490856, rel=1e-12)
    assert M.sortino_ratio(losing) == pytest.approx(-17.687768170607136, rel=1e-12)
    assert M.omega_ratio(losing) == 0
    assert M.max_drawdown(losing) == pytest.approx(-0.0494, rel=1e-12)

    winning = _days([0.01, 0.02, 0.03])
    assert M.sortino_ratio(winning) == math.inf
    assert math.isnan(M.omega_ratio(winning))
    assert M.calmar_ratio(winning) == 0 and M.max_drawdown(winning) == 0

    flat = _days([0.0, 0.0, 0.0])
    assert math.isnan(M.sharpe_ratio(flat)) and M.sortino_ratio(flat) == -math.inf
    assert math.isnan(M.omega_ratio(flat))
    assert M.cagr(flat) == 0 and M.calmar_ratio(flat) == 0 and M.max_drawdown(flat) == 0


def test_s11_same_day_returns_claim_no_annual_growth_and_underwater_counts_samples():
    same_day = pd.Series([0.01, -0.01], index=pd.to_datetime(["2025-01-01T00:00:00", "2025-01-01T12:00:00"]))
    assert M.cagr(same_day) == 0 and M.calmar_ratio(same_day) == 0
    assert M.max_underwater_period([10_000, 11_000, 10_500, 10_400, 11_200, 10_800]) == 2
    # by timestamp: whole days since the peak sample, truncated
    times = [0, DAY_MS, int(3.9 * DAY_MS), 5 * DAY_MS]
    assert M.max_underwater_period([100, 110, 105, 104], times) == 4
    assert M.max_underwater_period([100, 110, 105, 110], times) == 2  # equal to the peak ends the stretch


def test_smart_ratios_divide_by_the_autocorrelation_penalty_ignoring_the_leading_nan():
    returns = pd.Series([10_000, 10_200, 10_098, 10_401, 10_193, 10_295, 10_090], dtype=float).pct_change()
    penalty = M.autocorr_penalty(returns)
    r = returns.dropna().to_numpy()
    rho = abs(np.corrcoef(r[:-1], r[1:])[0, 1])
    m = len(r)
    assert penalty == pytest.approx(math.sqrt(1 + 2 * sum((m - x) / m * rho ** x for x in range(1, m))), rel=1e-12)
    assert M.smart_sharpe(returns) == pytest.approx(M.sharpe_ratio(returns) / penalty, rel=1e-12)
    assert M.smart_sortino(returns) == pytest.approx(M.sortino_ratio(returns) / penalty, rel=1e-12)
    assert math.isnan(M.autocorr_penalty(pd.Series([np.nan, 0.1, 0.2])))


def test_sortino_counts_the_nan_row_in_n():
    returns = pd.Series([np.nan, 0.02, -0.01, 0.03, -0.02])
    downside = math.sqrt((0.01 ** 2 + 0.02 ** 2) / 5)  # n = 5, NaN row included
    assert M.sortino_ratio(returns) == pytest.approx(np.nanmean(returns) / downside * math.sqrt(365), rel=1e-12)


# ------------------------------------------------------------------ S1, S10: the metrics dict

def test_s1_single_winning_trade_without_fee():
    # TestMetrics1 on closes 1..99 (99 one-minute candles from T0): long 10 @ 10, take-profit 15
    trades = [_trade("long", 50.0, 0.0, 1609459800000, 1609460100000, qty=10, entry_price=10, exit_price=15)]
    last_ts = T0 + 98 * 60_000
    m = M.compute_metrics(trades, [10_000.0, 10_050.0], [T0, last_ts + 60_000], starting_balance=10_000.0,
                          finishing_balance=10_050.0, starting_time=T0, ending_time=last_ts + 120_000)
    expected = {"total": 1, "starting_balance": 10000, "finishing_balance": 10050, "win_rate": 1,
                "longs_count": 1, "shorts_count": 0, "longs_percentage": 100, "shorts_percentage": 0, "fee": 0,
                "net_profit": 50, "net_profit_percentage": 0.5, "average_win": 50, "expectancy": 50,
                "expectancy_percentage": 0.5, "expected_net_profit_every_100_trades": 50,
                "average_holding_period": 300, "average_winning_holding_period": 300, "gross_loss": 0,
                "gross_profit": 50, "open_pl": 0, "largest_losing_trade": 0, "largest_winning_trade": 50}
    assert {k: m[k] for k in expected} == expected
    assert m["ratio_avg_win_loss"] is np.nan and m["average_loss"] is np.nan
    assert m["average_losing_holding_period"] is np.nan
    assert m["avg_trades_per_day"] == pytest.approx(14.4, rel=1e-12)
    assert m["avg_trades_per_week"] == pytest.approx(14.4 * 7) and m["avg_trades_per_month"] == pytest.approx(14.4 * 30.44)
    zero = M.compute_metrics(trades, [10_000.0, 10_050.0], [T0, T0 + 60_000], starting_balance=10_000.0,
                             finishing_balance=10_050.0, starting_time=T0, ending_time=T0)
    assert zero["avg_trades_per_day"] == 0 and zero["avg_trades_per_month"] == 0


def _s10_inputs():
    """S10's three trades (fee 0.001, qty 1, entry 100) and the samples Jesse's step mode takes.

    Samples: the start, then start + 86,460,000 ms and every day after, then the final one after the
    last candle (4,322 candles). No position is open at any sample, so each is 10,000 + the PNL closed so far.
    """
    fee = 0.001
    spec = [("long", 10, 110), ("short", 1440 + 10, 110), ("long", 2 * 1440 + 10, 105)]
    trades = []
    for type_, i, exit_price in spec:
        gross = (exit_price - 100) * (1 if type_ == "long" else -1)
        f = fee * (100 + exit_price)
        trades.append(_trade(type_, gross - f, f, T0 + (i + 1) * 60_000, T0 + (i + 2) * 60_000,
                             qty=1.0, entry_price=100.0, exit_price=float(exit_price)))
    last_ts = T0 + (3 * 1440 + 1) * 60_000
    times = [T0] + [T0 + 86_460_000 + k * DAY_MS for k in range(3)] + [last_ts + 60_000]
    balances = [10_000.0 + sum(t["PNL"] for t in trades if t["closed_at"] <= ts) for ts in times]
    return trades, balances, times, last_ts


def test_s10_mixed_multi_day_metrics_equal_jesse():
    trades, balances, times, last_ts = _s10_inputs()
    kw = dict(starting_balance=10_000.0, finishing_balance=balances[-1], starting_time=T0, ending_time=last_ts + 120_000)
    m = M.compute_metrics(trades, balances, times, **kw)
    assert (m["total"], m["total_winning_trades"], m["total_losing_trades"]) == (3, 2, 1)
    assert m["fee"] == pytest.approx(0.625) and m["net_profit"] == pytest.approx(4.375)
    assert m["finishing_balance"] == pytest.approx(10_004.375)
    assert m["total_open_trades"] == 0 and m["open_pl"] == 0
    assert m["max_drawdown"] == pytest.approx(-0.10200014186112494, rel=1e-9)
    assert m["max_underwater_period"] == 2
    assert m["annual_return"] == pytest.approx(5.465903612204692, rel=1e-9)
    assert m["sharpe_ratio"] == pytest.approx(2.45661087496446, rel=1e-9)
    assert m["sortino_ratio"] == pytest.approx(4.591544590351203, rel=1e-9)
    assert m["calmar_ratio"] == pytest.approx(53.58721578688214, rel=1e-9)
    assert m["omega_ratio"] == pytest.approx(1.4299197170055138, rel=1e-9)
    # Jesse's run of S10 also printed these (not in the §6.2 table): the smart ratios and streaks
    assert m["smart_sharpe"] == pytest.approx(1.3220084856600265, rel=1e-9)
    assert m["smart_sortino"] == pytest.approx(2.470908588979724, rel=1e-9)
    assert 0 < m["smart_sharpe"] <= m["sharpe_ratio"] and 0 < m["smart_sortino"] <= m["sortino_ratio"]
    assert (m["winning_streak"], m["losing_streak"], m["current_streak"]) == (1, 1, 1)
    assert m["avg_trades_per_day"] == pytest.approx(0.9993060374739764, rel=1e-12)

    stock = M.compute_metrics(trades, balances, times, annualization=252, **kw)
    assert stock["annualization"] == 252 and m["annualization"] == 365
    assert stock["sharpe_ratio"] == pytest.approx(m["sharpe_ratio"] * math.sqrt(252 / 365), rel=1e-12)
    assert stock["sortino_ratio"] == pytest.approx(m["sortino_ratio"] * math.sqrt(252 / 365), rel=1e-12)
    assert stock["annual_return"] == m["annual_return"] and stock["calmar_ratio"] == m["calmar_ratio"]


def test_single_trade_fee_variants_of_s10():
    for exit_price, fee, net in ((110, 0.21, 9.79), (90, 0.19, -10.19)):
        f = 0.001 * (100 + exit_price)
        t = _trade("long", (exit_price - 100) - f, f, T0 + 11 * 60_000, T0 + 12 * 60_000)
        m = M.compute_metrics([t], [10_000.0, 10_000.0 + t["PNL"]], [T0, T0 + 86_460_000],
                              starting_balance=10_000.0, finishing_balance=10_000.0 + t["PNL"],
                              starting_time=T0, ending_time=T0 + 86_520_000)
        assert m["fee"] == pytest.approx(fee) and m["net_profit"] == pytest.approx(net)
        assert (m["gross_profit"], m["gross_loss"]) == ((pytest.approx(net), 0) if net > 0 else (0, pytest.approx(net)))
        assert m["ratio_avg_win_loss"] is np.nan


def test_no_trades_gives_jesse_zero_dict_and_keys_are_in_jesse_order(parity_dir):
    assert M.compute_metrics([], [10_000.0], [T0], starting_balance=1e4, finishing_balance=1e4, starting_time=T0,
                             ending_time=T0 + 120_000, annualization=252) == {
        "total": 0, "win_rate": 0, "net_profit_percentage": 0, "annualization": 252}
    trades, balances, times, last_ts = _s10_inputs()
    m = M.compute_metrics(trades, balances, times, starting_balance=1e4, finishing_balance=balances[-1],
                          starting_time=T0, ending_time=last_ts + 120_000)
    ref = json.loads((parity_dir / "reference" / "EmaCrossSLTP.json").read_text())["metrics"]
    assert list(m) == list(ref)
    assert all(type(m[k]) is int for k in ("total", "longs_count", "winning_streak", "current_streak"))


def test_streaks_win_rates_and_zero_pnl():
    pnls = [5, 3, -1, 0, -2, -4, -1, 7, 0]
    assert M.streaks(pnls) == [1, 2, -1, 0, -1, -2, -3, 1, 0]
    trades = [_trade("long" if i % 2 else "short", p, 0.1, i * 60_000, i * 60_000 + 1000 * (i + 1))
              for i, p in enumerate(pnls)]
    m = M.compute_metrics(trades, [1e4, 1e4 + sum(pnls)], [0, DAY_MS], starting_balance=1e4,
                          finishing_balance=1e4 + sum(pnls), starting_time=0, ending_time=DAY_MS)
    assert (m["winning_streak"], m["losing_streak"], m["current_streak"]) == (2, 3, 0)
    assert (m["total_winning_trades"], m["total_losing_trades"]) == (3, 4)  # zero PNL counts as neither
    assert m["win_rate"] == 3 / 7
    # shorts are indexes 0, 2, 4, 6, 8: pnls 5, -1, -2, -1, 0 -> 1 win, 3 losses
    assert m["win_rate_shorts"] == 1 / 4 and m["win_rate_longs"] == 2 / 3
    assert m["average_holding_period"] == pytest.approx(np.mean([i + 1 for i in range(9)]))
    assert m["average_losing_holding_period"] == pytest.approx(np.mean([3, 5, 6, 7]))
    assert m["largest_losing_trade"] == -4 and m["largest_winning_trade"] == 7
    exp = np.mean([5, 3, 7]) * 3 / 7 - np.mean([1, 2, 4, 1]) * 4 / 7
    assert m["expectancy"] == pytest.approx(exp) and m["expected_net_profit_every_100_trades"] == pytest.approx(exp / 1e4 * 1e4)
    only_losses = M.compute_metrics(trades[2:3], [1e4, 1e4 - 1], [0, DAY_MS], starting_balance=1e4,
                                    finishing_balance=1e4 - 1, starting_time=0, ending_time=DAY_MS)
    assert only_losses["losing_streak"] == 1 and only_losses["winning_streak"] == 0 and only_losses["win_rate"] == 0


def test_without_timestamps_growth_metrics_are_nan_and_single_sample_gives_nan_ratios():
    trades, balances, _, last_ts = _s10_inputs()
    kw = dict(starting_balance=1e4, finishing_balance=balances[-1], starting_time=T0, ending_time=last_ts + 120_000)
    m = M.compute_metrics(trades, balances, None, **kw)
    assert m["annual_return"] is np.nan and m["calmar_ratio"] is np.nan
    assert m["sharpe_ratio"] == pytest.approx(2.45661087496446, rel=1e-9)
    assert m["max_underwater_period"] == 3  # counted in samples (peak at 1, still under at 4); 2 days by time
    one = M.compute_metrics(trades, balances[:1], [T0], **kw)
    assert all(one[k] is np.nan for k in ("max_drawdown", "sharpe_ratio", "sortino_ratio", "omega_ratio",
                                          "annual_return", "max_underwater_period", "serenity_index"))


def test_bad_input_is_refused_with_a_clear_error():
    kw = dict(starting_balance=1e4, finishing_balance=1e4, starting_time=0, ending_time=DAY_MS)
    good = _trade("long", 1.0, 0.1, 0, 60_000)
    with pytest.raises(KeyError, match=r"trades\[1\]: missing field 'PNL'"):
        M.compute_metrics([good, {"type": "long", "fee": 0, "opened_at": 0, "closed_at": 1}], [1e4], [0], **kw)
    with pytest.raises(ValueError, match=r"trades\[0\]: field 'type' must be 'long' or 'short'"):
        M.compute_metrics([{**good, "type": "buy"}], [1e4], [0], **kw)
    with pytest.raises(ValueError, match=r"trades\[0\]: field 'PNL' is not a finite number"):
        M.compute_metrics([{**good, "PNL": float("nan")}], [1e4], [0], **kw)
    with pytest.raises(ValueError, match="2 timestamps but daily_balances has 3 samples"):
        M.compute_metrics([good], [1e4, 1e4, 1e4], [0, DAY_MS], **kw)
    with pytest.raises(ValueError, match="sorted ascending"):
        M.compute_metrics([good], [1e4, 1e4], [DAY_MS, 0], **kw)
    with pytest.raises(ValueError, match="annualization must be a positive number"):
        M.compute_metrics([good], [1e4], [0], annualization=0, **kw)
    with pytest.raises(TypeError, match="DatetimeIndex"):
        M.cagr(pd.Series([0.01, 0.02]))


# ------------------------------------------------------------------ serenity: deliberate difference

def _serenity_as_jesse_writes_it(balances: list[float]) -> float:
    """Jesse 3.5.3's serenity steps on pct_change output, leading NaN kept (the degenerate path)."""
    r = pd.Series(balances, dtype=float).pct_change()
    prices = (1 + r).cumprod()
    dd = (prices / np.maximum.accumulate(prices) - 1.0).replace([np.inf, -np.inf, -0], 0)
    ulcer = np.sqrt((dd ** 2).sum() / (r.shape[0] - 1))
    ordered = np.sort(dd.to_numpy())
    cut = int(0.05 * len(ordered))
    cvar = ordered[0] if cut == 0 else (ordered[:cut].mean() if not np.isnan(ordered[:cut].mean()) else 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(r.sum() / (ulcer * (-cvar / r.std())))


def _serenity_by_hand(balances: list[float]) -> float:
    """The intended serenity index in plain Python, independent of pandas and of jesse_dag."""
    r = [b / a - 1 for a, b in zip(balances, balances[1:])]
    n = len(r)
    growth, peak, dd = 1.0, -math.inf, []
    for x in r:
        growth *= 1 + x
        peak = max(peak, growth)
        dd.append(growth / peak - 1)
    ulcer = math.sqrt(sum(d * d for d in dd) / (n - 1))
    worst = sorted(dd)[: max(int(0.05 * n), 1)]
    cvar = sum(worst) / len(worst)
    mean = sum(r) / n
    std = math.sqrt(sum((x - mean) ** 2 for x in r) / (n - 1))
    return sum(r) / (ulcer * (-cvar / std))


def test_serenity_index_is_finite_where_jesse_gives_nan_or_inf():
    rng = np.random.default_rng(7)
    long_run = list(10_000 * np.cumprod(1 + rng.normal(0.0005, 0.01, 90)))  # 90 daily samples
    short_run = long_run[:12]
    for balances in (long_run, short_run):
        ours = M.serenity_index(M.daily_returns(balances))
        assert math.isfinite(ours)
        assert ours == pytest.approx(_serenity_by_hand(balances), rel=1e-9)
    assert math.isinf(_serenity_as_jesse_writes_it(long_run))   # ≥ 20 samples: ±inf
    assert math.isnan(_serenity_as_jesse_writes_it(short_run))  # < 20 samples: NaN


# ------------------------------------------------------------------ Jesse's real backtests

TRADE_DERIVED = ("total", "total_winning_trades", "total_losing_trades", "win_rate", "win_rate_longs",
                 "win_rate_shorts", "ratio_avg_win_loss", "longs_count", "longs_percentage", "shorts_percentage",
                 "shorts_count", "fee", "net_profit", "net_profit_percentage", "average_win", "average_loss",
                 "expectancy", "expectancy_percentage", "expected_net_profit_every_100_trades",
                 "average_holding_period", "average_winning_holding_period", "average_losing_holding_period",
                 "gross_profit", "gross_loss", "winning_streak", "losing_streak", "largest_losing_trade",
                 "largest_winning_trade", "current_streak", "avg_trades_per_day", "avg_trades_per_week",
                 "avg_trades_per_month", "total_open_trades", "open_pl", "starting_balance", "finishing_balance",
                 "annualization")
DAILY = ("max_drawdown", "max_underwater_period", "annual_return", "sharpe_ratio", "calmar_ratio", "sortino_ratio",
         "smart_sharpe", "smart_sortino", "omega_ratio")
CASES_WITH_TRADES = ("EmaCrossSLTP", "LimitPullback", "BreakoutTrailing", "ScaleOutShort", "TrendFilter4h",
                     "SpotRsiReversion", "TradeOutcomeGather")
# futures cases whose trades have a single entry and a single exit: their daily samples can be rebuilt
# from the trades and the candle closes alone (ScaleOutShort scales out; spot keeps base-asset dust)
REBUILDABLE = ("EmaCrossSLTP", "LimitPullback", "BreakoutTrailing", "TrendFilter4h", "TradeOutcomeGather")

_candle_cache: dict = {}


def _case(parity_dir, data_dir, name):
    case = next(c for c in json.loads((parity_dir / "cases.json").read_text()) if c["name"] == name)
    ref = json.loads((parity_dir / "reference" / f"{name}.json").read_text())
    if case["data"] not in _candle_cache:
        df = pd.read_csv(data_dir / case["data"], usecols=["timestamp", "close"])
        _candle_cache[case["data"]] = (df["timestamp"].to_numpy(np.int64), df["close"].to_numpy(np.float64))
    ts, close = _candle_cache[case["data"]]
    split = case["warmup_bars"] * TF_MINUTES[case["timeframe"]]  # as jesse_oracle.py splits warm-up / trading
    return case, ref, ts[split:], close[split:]


def _jesse_kwargs(ref, trading_ts):
    m = ref["metrics"]
    return dict(starting_balance=m["starting_balance"], finishing_balance=m["finishing_balance"],
                starting_time=int(trading_ts[0]), ending_time=int(trading_ts[-1]) + 120_000,
                total_open_trades=m["total_open_trades"], open_pl=m["open_pl"])


def _close(a, b, rel=1e-9):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b or math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


@pytest.mark.parametrize("name", CASES_WITH_TRADES)
def test_trade_derived_metrics_equal_jesse_reference(parity_dir, data_dir, name):
    case, ref, ts, _ = _case(parity_dir, data_dir, name)
    ours = M.compute_metrics(ref["trades"], [ref["metrics"]["starting_balance"]], [int(ts[0])],
                             **_jesse_kwargs(ref, ts))
    assert len(ref["trades"]) == ref["metrics"]["total"] > 0
    diffs = {k: (ref["metrics"][k], ours[k]) for k in TRADE_DERIVED if not _close(ref["metrics"][k], ours[k])}
    assert diffs == {}


def _fast_mode_daily_samples(trades, ts, close, step_minutes, fee, spot, starting_balance):
    """Jesse fast mode's daily samples rebuilt from the trades: the start, then the first block end at or
    after start + 86,460,000 ms and daily after that, then the final one after the forced close.
    A sample is the wallet (balance + closed PNL − open entry costs) plus the open position's value at
    the close of the sample's last minute."""
    start, step_ms = int(ts[0]), step_minutes * 60_000
    final = int(ts[-1]) + 60_000
    times, due = [start], start + 86_460_000
    for block_end in range(start + step_ms, final + 1, step_ms):
        if block_end >= due:
            times.append(block_end)
            while due <= block_end:
                due += DAY_MS
    opened = np.array([t["opened_at"] for t in trades])
    closed = np.array([t["closed_at"] for t in trades])
    pnl = np.array([t["PNL"] for t in trades])
    balances = []
    for at in times:
        value = starting_balance + pnl[closed <= at].sum()
        price = close[(at - start) // 60_000 - 1] if at > start else np.nan
        for i in np.flatnonzero((opened <= at) & (closed > at)):
            t = trades[i]
            sign = 1 if t["type"] == "long" else -1
            if spot:
                value += -t["qty"] * t["entry_price"] + t["qty"] * (1 - fee) * price
            else:
                value += -fee * t["qty"] * t["entry_price"] + sign * t["qty"] * (price - t["entry_price"])
        balances.append(float(value))
    final_balance = starting_balance + float(pnl.sum())
    if times[-1] == final:
        balances[-1] = final_balance
    else:
        times.append(final)
        balances.append(final_balance)
    return balances, times


@pytest.mark.parametrize("name", REBUILDABLE)
def test_daily_return_metrics_equal_jesse_reference_on_rebuilt_samples(parity_dir, data_dir, name):
    case, ref, ts, close = _case(parity_dir, data_dir, name)
    step = int(np.gcd.reduce([TF_MINUTES[tf] for tf in [case["timeframe"], *case.get("data_routes", [])]]))
    balances, times = _fast_mode_daily_samples(ref["trades"], ts, close, step, case["fee"],
                                               case["type"] == "spot", ref["metrics"]["starting_balance"])
    ours = M.compute_metrics(ref["trades"], balances, times, **_jesse_kwargs(ref, ts))
    diffs = {k: (ref["metrics"][k], ours[k]) for k in DAILY if not _close(ref["metrics"][k], ours[k])}
    assert diffs == {}
    # the deliberate difference: Jesse reports ±inf, we report the finite intended value
    assert math.isinf(ref["metrics"]["serenity_index"]) and math.isfinite(ours["serenity_index"])
    assert ours["serenity_index"] == pytest.approx(_serenity_by_hand(balances), rel=1e-9)


def test_the_smart_ratios_share_one_autocorrelation_penalty_and_equal_the_ratio_functions(monkeypatch):
    trades, balances, times, last_ts = _s10_inputs()
    kw = dict(starting_balance=10_000.0, finishing_balance=balances[-1], starting_time=T0, ending_time=last_ts + 120_000)
    r = M._pct_change(np.asarray(balances, dtype=np.float64))
    expected = {"smart_sharpe": M._sharpe(r, 365, True), "smart_sortino": M._sortino(r, 365, True)}
    calls = []
    penalty = M._autocorr_penalty
    monkeypatch.setattr(M, "_autocorr_penalty", lambda x: calls.append(1) or penalty(x))
    m = M.compute_metrics(trades, balances, times, **kw)
    assert m["annualization"] == 365
    assert {k: repr(m[k]) for k in expected} == {k: repr(v) for k, v in expected.items()}
    assert len(calls) == 1  # one np.corrcoef a run, not one per smart ratio


@pytest.mark.parametrize("path", ["mixed", "rising", "one_loss", "flat"])
def test_ratios_computed_once_a_run_equal_the_public_ratio_functions_bit_for_bit(path):
    """compute_metrics shares the mean, std, downside, drawdown and growth between its ratios; each value is
    still the public function's on the same returns (repr: the same bits), zero divisors included."""
    rng = np.random.default_rng(5)
    steps = {"mixed": rng.normal(0.001, 0.02, 60), "rising": np.abs(rng.normal(0.001, 0.01, 60)),
             "one_loss": np.r_[np.full(30, 0.01), -0.05, np.full(29, 0.002)], "flat": np.zeros(60)}[path]
    balances = list(10_000.0 * np.cumprod(np.r_[1.0, 1.0 + steps]))
    times = [T0 + k * DAY_MS for k in range(len(balances))]
    trades = [_trade("long", 5.0, 0.5, T0, T0 + 3_600_000), _trade("short", -3.0, 0.25, T0, T0 + 7_200_000),
              _trade("long", 2.5, 0.5, T0, T0 + 60_000)]
    m = M.compute_metrics(trades, balances, times, starting_balance=10_000.0, finishing_balance=balances[-1],
                          starting_time=T0, ending_time=times[-1] + 120_000)
    r = M.daily_returns(balances, times)
    expected = {"sharpe_ratio": M.sharpe_ratio(r), "smart_sharpe": M.smart_sharpe(r),
                "sortino_ratio": M.sortino_ratio(r), "smart_sortino": M.smart_sortino(r),
                "calmar_ratio": M.calmar_ratio(r), "annual_return": M.cagr(r) * 100,
                "max_drawdown": M.max_drawdown(r) * 100, "omega_ratio": M.omega_ratio(r),
                "average_win": np.mean([5.0, 2.5]), "average_loss": 3.0,
                "average_holding_period": np.mean([3600.0, 7200.0, 60.0])}
    assert {k: repr(m[k]) for k in expected} == {k: repr(float(v)) for k, v in expected.items()}


@pytest.mark.parametrize("shape", ["normal", "tiny", "rounded", "constant", "one_spike", "trend"])
def test_lag1_correlation_is_np_corrcoef_bit_for_bit(shape):
    """The autocorrelation penalty's ρ₁ comes from corrcoef's steps written out (its wrappers were most of a
    short run's metrics): the same value, bit for bit, NaN (a constant series) and the clip included."""
    rng = np.random.default_rng(11)
    for n in (3, 4, 7, 8, 9, 16, 17, 91, 128, 129, 365, 1000):
        r = {"normal": rng.normal(0.0, 0.02, n), "tiny": rng.normal(1e-3, 1e-9, n),
             "rounded": np.round(rng.normal(0.0, 0.02, n), 3), "constant": np.full(n, 0.01),
             "one_spike": np.r_[np.zeros(n - 1), 0.5], "trend": np.linspace(-0.01, 0.02, n)}[shape]
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = float(np.corrcoef(r[:-1], r[1:])[0, 1])
        assert repr(M._lag1_correlation(r)) == repr(expected), n


def test_engine_trade_dicts_and_checked_trades_give_the_same_metrics():
    """The engine's trades (float fields, read a column at a time) and the same trades with numpy floats, int
    fees and no holding period (read one by one after _check_trades) give the same metrics, bit for bit."""
    rng = np.random.default_rng(3)
    trades = []
    for i in range(300):
        opened = T0 + int(rng.integers(0, 80)) * DAY_MS
        closed = opened + int(rng.integers(1, 5_000)) * 60_000
        pnl = 0.0 if i % 17 == 0 else float(rng.normal(0.0, 40.0))
        trades.append(_trade("long" if rng.random() < 0.5 else "short", pnl, float(i % 3), opened, closed,
                             holding_period=(closed - opened) / 1000))
    others = [{**t, "PNL": np.float64(t["PNL"]), "fee": int(t["fee"])} for t in trades]
    for t in others[::2]:
        del t["holding_period"]
    balances = list(10_000.0 * np.cumprod(np.r_[1.0, 1.0 + rng.normal(0.0, 0.02, 89)]))
    times = [T0 + k * DAY_MS for k in range(90)]
    kw = dict(starting_balance=10_000.0, finishing_balance=balances[-1], starting_time=T0,
              ending_time=times[-1] + 120_000)
    engine = M.compute_metrics(trades, balances, times, **kw)
    checked = M.compute_metrics(others, balances, times, **kw)
    assert {k: repr(v) for k, v in engine.items()} == {k: repr(v) for k, v in checked.items()}
    pnls = [t["PNL"] for t in trades]
    wins = [p for p in pnls if p > 0]
    assert engine["net_profit"] == float(np.sum(pnls)) and engine["average_win"] == float(np.mean(wins))
    assert engine["gross_loss"] == float(np.sum([p for p in pnls if p < 0]))
    run = M.streaks(pnls)
    assert (engine["winning_streak"], engine["losing_streak"], engine["current_streak"]) == \
        (max(max(run), 0), abs(min(min(run), 0)), run[-1])
