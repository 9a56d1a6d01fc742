"""Opt-in extras beyond Jesse: slippage, separate maker/taker fees, funding payments. Off by default.

Each is checked on handcrafted candles where the expected fill, fee or payment follows from the rule; and
switched off explicitly (zero slippage and funding, maker = taker = fee) a parity case gives Jesse's
trades, bit for bit the same as leaving the keys out.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from jesse_dag.engine import InvalidConfig, run_backtest
from jesse_dag.strategies import Strategy
from tests import test_parity_trading as harness

T0 = 1_609_459_200_000  # 2021-01-01 00:00 UTC


def _config(**kw):
    c = {"starting_balance": 10_000, "fee": 0.001, "type": "futures", "futures_leverage": 1,
         "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0}
    c.update(kw)
    return c


def _flat(n: int, price: float = 100.0) -> np.ndarray:
    c = np.zeros((n, 6))
    c[:, 0] = T0 + 60_000 * np.arange(n)
    c[:, 1:5] = price
    c[:, 5] = 1.0
    return c


def _run(strategy, candles, **config):
    routes = [{"exchange": "Sandbox", "strategy": strategy, "symbol": "BTC-USDT", "timeframe": "1m"}]
    return run_backtest(_config(**config), routes, [], {"Sandbox-BTC-USDT": {"candles": candles}})


class _MarketInLimitOut(Strategy):
    """Buys 1 at market on the first bar; a take-profit LIMIT at 110 (the candles reach it at bar 5)."""

    def should_long(self):
        return self.index == 0

    def go_long(self):
        self.buy = 1, self.price
        self.take_profit = 1, 110.0


class _MarketInStopOut(Strategy):
    """Buys 1 at market; a stop-loss STOP at 90 (the candles reach it at bar 5)."""

    def should_long(self):
        return self.index == 0

    def go_long(self):
        self.buy = 1, self.price
        self.stop_loss = 1, 90.0


def _touch(candles: np.ndarray, row: int, price: float) -> np.ndarray:
    c = candles.copy()
    if price > c[row, 1]:
        c[row, 3] = price
    else:
        c[row, 4] = price
    return c


def test_slippage_moves_market_and_stop_fills_against_the_trader():
    candles = _touch(_flat(10), 5, 90.0)
    trade = _run(_MarketInStopOut, candles, slippage=0.001).result["trades"][0]
    assert trade["entry_price"] == pytest.approx(100.0 * 1.001, rel=1e-12)  # market buy pays more
    assert trade["exit_price"] == pytest.approx(90.0 * 0.999, rel=1e-12)  # stop sell gets less
    plain = _run(_MarketInStopOut, candles).result["trades"][0]
    assert (plain["entry_price"], plain["exit_price"]) == (100.0, 90.0)


def test_slippage_leaves_limit_fills_at_their_price():
    candles = _touch(_flat(10), 5, 110.0)
    trade = _run(_MarketInLimitOut, candles, slippage=0.002).result["trades"][0]
    assert trade["entry_price"] == pytest.approx(100.2, rel=1e-12)
    assert trade["exit_price"] == 110.0


def test_maker_fee_on_limit_fills_taker_fee_on_market_and_stop_fills():
    limit_exit = _run(_MarketInLimitOut, _touch(_flat(10), 5, 110.0), maker_fee=0.0002, taker_fee=0.0007)
    t = limit_exit.result["trades"][0]
    assert t["fee"] == pytest.approx(100.0 * 0.0007 + 110.0 * 0.0002, rel=1e-12)
    assert limit_exit.result["metrics"]["finishing_balance"] == pytest.approx(10_000 + 10 - t["fee"], rel=1e-12)
    stop_exit = _run(_MarketInStopOut, _touch(_flat(10), 5, 90.0), maker_fee=0.0002, taker_fee=0.0007)
    assert stop_exit.result["trades"][0]["fee"] == pytest.approx((100.0 + 90.0) * 0.0007, rel=1e-12)


class _HoldLong(Strategy):
    side = 1

    def should_long(self):
        return self.index == 0 and self.side > 0

    def should_short(self):
        return self.index == 0 and self.side < 0

    def go_long(self):
        self.buy = 2, self.price

    def go_short(self):
        self.sell = 2, self.price


@pytest.mark.parametrize("side", [1, -1])
def test_funding_is_charged_on_open_notional_every_eight_hours(side):
    hours = 26  # from 00:00: funding instants at 08:00, 16:00 and 00:00 of the next day
    candles = _flat(hours * 60, price=100.0)
    cls = type("H", (_HoldLong,), {"side": side})
    rate = 0.0001
    with_funding = _run(cls, candles, fee=0, funding_rate=rate)
    without = _run(cls, candles, fee=0)
    paid = with_funding.session.funding_paid
    assert paid == pytest.approx(3 * side * 2 * 100.0 * rate, rel=1e-12)
    # the open position is closed at the end in both runs at the same price; only the wallet differs
    assert with_funding.result["trades"] == without.result["trades"]
    diff = without.session.exchange.wallet_balance - with_funding.session.exchange.wallet_balance
    assert diff == pytest.approx(paid, abs=1e-9)  # a difference of two wallet balances near 10 000


def test_funding_with_no_position_charges_nothing():
    class Never(Strategy):
        def should_long(self):
            return False

        def go_long(self):
            pass

    run = _run(Never, _flat(20 * 60), funding_rate=0.001)
    assert run.session.funding_paid == 0 and run.session.exchange.wallet_balance == 10_000


@pytest.mark.parametrize("key, value", [("slippage", -0.1), ("slippage", 1.0), ("maker_fee", float("nan")),
                                        ("taker_fee", "0.1"), ("funding_rate", math.inf)])
def test_bad_extra_settings_are_refused(key, value):
    with pytest.raises(InvalidConfig, match=key):
        _run(_HoldLong, _flat(10), **{key: value})


def test_funding_on_spot_is_refused():
    with pytest.raises(InvalidConfig, match="funding_rate"):
        _run(_HoldLong, _flat(10), type="spot", funding_rate=0.0001)


@pytest.mark.parametrize("name", ["EmaCrossSLTP", "LimitPullback", "SpotRsiReversion"])
def test_extras_switched_off_give_the_parity_fills_and_fees_bit_for_bit(name, data_dir, parity_dir, tmp_path):
    case = next(c for c in harness.CASES if c["name"] == name)
    config, routes, data_routes, candles, warmup = harness.build_inputs(case, data_dir)
    plain = run_backtest(config, routes, data_routes, candles, warmup).result
    off = dict(config, slippage=0, maker_fee=config["fee"], taker_fee=config["fee"])
    if config.get("type", "futures") == "futures":
        off["funding_rate"] = 0
    explicit = run_backtest(off, routes, data_routes, candles, warmup).result
    assert explicit["trades"] == plain["trades"]
    assert explicit["metrics"] == plain["metrics"]
    # and those are Jesse's trades (the reference the parity suite checks)
    keys = harness.TRADE_KEYS
    ours = {"trades": [{k: t[k] for k in keys} for t in explicit["trades"]], "metrics": explicit["metrics"]}
    proc = harness.run_compare(harness.REFERENCE_DIR / f"{name}.json", harness._dump(ours, tmp_path / "o.json"),
                               parity_dir / "compare.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
