"""The minute engine on small handcrafted candles: order types, fill order, gaps, liquidation, spot, errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from jesse_dag.candles.synthetic import candles_from_close_prices
from jesse_dag.engine import (
    ConflictingRules, InsufficientBalance, InsufficientMargin, InvalidCandles, InvalidConfig, InvalidRoutes,
    InvalidStrategy, StrategyError, hook_context, run_backtest,
)
from jesse_dag.strategies import Strategy

T0 = 1_609_459_200_000


def _config(**kw):
    c = {"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 1,
         "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0}
    c.update(kw)
    return c


def _run(strategy, candles, timeframe="1m", **config):
    routes = [{"exchange": "Sandbox", "strategy": strategy, "symbol": "BTC-USDT", "timeframe": timeframe}]
    data = {"Sandbox-BTC-USDT": {"exchange": "Sandbox", "symbol": "BTC-USDT", "candles": candles}}
    return run_backtest(_config(**config), routes, [], data)


def _rows(ohlc):
    """1m candles from (open, close, high, low) tuples."""
    out = np.zeros((len(ohlc), 6))
    for i, (o, c, h, l) in enumerate(ohlc):
        out[i] = [T0 + 60_000 * i, o, c, h, l, 1.0]
    return out


# -- order type selection ----------------------------------------------------------------------------------
class _EntryAt(Strategy):
    entry = 0.0
    seen: list

    def should_long(self):
        return self.index == 0

    def go_long(self):
        self.buy = 1, self.entry

    def after(self):
        if self.index == 0:
            type(self).seen = [(o.type, o.side, o.price) for o in self.orders]


@pytest.mark.parametrize("entry, expected", [(1.00001, "MARKET"), (1.5, "STOP"), (0.6, "LIMIT")])
def test_entry_order_type_is_chosen_from_the_price_as_jesse_does(entry, expected):
    cls = type("E", (_EntryAt,), {"entry": entry, "seen": []})
    _run(cls, candles_from_close_prices([1, 1, 1, 1]))
    assert cls.seen[0][0] == expected
    assert cls.seen[0][1] == "buy"


# -- fill order inside one candle (reference S13) -----------------------------------------------------------
class _Bracket(Strategy):
    def should_long(self):
        return self.index == 0

    def go_long(self):
        self.buy = 1, self.price
        self.stop_loss = 1, 95
        self.take_profit = 1, 105


@pytest.mark.parametrize("close, exit_price, pnl", [(101, 95, -5), (99, 105, 5)])
def test_stop_loss_or_take_profit_first_follows_the_candle_colour(close, exit_price, pnl):
    rows = _rows([(100, 100, 100, 100), (100, close, 106, 94), (close, close, close, close)])
    trades = _run(_Bracket, rows).result["trades"]
    assert len(trades) == 1
    assert trades[0]["exit_price"] == exit_price
    assert trades[0]["PNL"] == pnl
    assert trades[0]["closed_at"] == T0 + 2 * 60_000


# -- a gap jumping over the stop fills at the open (3.5.3, reference S9) ------------------------------------
def test_a_gap_over_the_stop_loss_fills_at_the_open_price():
    rows = _rows([(100, 100, 100, 100), (100, 100, 100, 100), (90, 91, 92, 89), (91, 91, 91, 91)])
    trades = _run(_Bracket, rows).result["trades"]
    assert trades[0]["exit_price"] == 90
    assert trades[0]["orders"][-1]["price"] == 90
    assert trades[0]["closed_at"] == T0 + 3 * 60_000


# -- isolated liquidation (reference S7) -------------------------------------------------------------------
class _ShortBig(Strategy):
    def should_long(self):
        return False

    def should_short(self):
        return self.index == 0

    def go_long(self):
        pass

    def go_short(self):
        self.sell = 2000, self.price


def test_isolated_short_is_liquidated_at_the_bankruptcy_price():
    run = _run(_ShortBig, candles_from_close_prices(range(10, 30)), futures_leverage=2,
               futures_leverage_mode="isolated")
    trades = run.result["trades"]
    assert len(trades) == 1
    assert trades[0]["exit_price"] == pytest.approx(15.0)
    assert trades[0]["PNL"] == pytest.approx(-10_000.0)
    assert run.session.exchange.wallet_balance == pytest.approx(0.0, abs=1e-9)
    assert run.session.total_liquidations == 1


def test_cross_mode_never_liquidates():
    run = _run(_ShortBig, candles_from_close_prices(range(10, 16)), futures_leverage=2)
    assert run.session.total_liquidations == 0
    assert run.result["trades"][0]["exit_price"] == 15  # force-closed at the end


# -- spot accounting (reference S6) ------------------------------------------------------------------------
class _SpotLadder(Strategy):
    def should_long(self):
        return self.price == 10

    def go_long(self):
        self.buy = [(1, 10), (2, 12)]

    def after(self):
        if self.price == 10:
            type(self).after_submit = self.balance

    def on_open_position(self, order):
        type(self).btc = [self.position.qty]

    def on_increased_position(self, order):
        type(self).btc.append(self.position.qty)
        self.take_profit = [(0.999, 15), (1.998, 17)]

    def on_reduced_position(self, order):
        type(self).after_tp1 = self.balance


def test_spot_reserves_quote_and_charges_the_fee_on_base_qty():
    cls = type("S", (_SpotLadder,), {})
    run = _run(cls, candles_from_close_prices(range(1, 20)), type="spot", fee=0.001)
    assert cls.after_submit == pytest.approx(9966)
    assert cls.btc == [pytest.approx(0.999), pytest.approx(2.997)]
    assert cls.after_tp1 == pytest.approx(9966 + 14.970015)
    assert run.session.exchange.wallet_balance == pytest.approx(9966 + 14.970015 + 33.932034)
    assert run.session.exchange.assets["BTC"] == pytest.approx(0.0, abs=1e-12)


# -- errors -----------------------------------------------------------------------------------------------
class _TooBig(Strategy):
    def should_long(self):
        return self.index == 2

    def go_long(self):
        self.buy = 10_000, self.price


def test_insufficient_margin_stops_the_run_with_what_why_and_when():
    with pytest.raises(InsufficientMargin) as info:
        _run(_TooBig, candles_from_close_prices(range(1, 10)))
    err = info.value
    assert type(err) is InsufficientMargin
    assert "2021-01-01 00:03 UTC" in str(err) and "available margin" in str(err)
    # where it happened: a PEP 678 note and the context (the engine's own refusal keeps its class)
    assert err.__notes__ == [hook_context(err).note()]
    assert "'_TooBig'" in err.__notes__[0] and "go_long()" in err.__notes__[0]
    assert hook_context(err).strategy == "_TooBig" and hook_context(err).hook == "go_long"


def test_insufficient_balance_on_spot():
    with pytest.raises(InsufficientBalance, match="not enough USDT"):
        _run(_TooBig, candles_from_close_prices(range(1, 10)), type="spot")


class _Both(Strategy):
    def should_long(self):
        return True

    def should_short(self):
        return True

    def go_long(self):
        pass


def test_conflicting_rules():
    with pytest.raises(ConflictingRules, match="should_short and should_long"):
        _run(_Both, candles_from_close_prices(range(1, 10)))


class _Boom(Strategy):
    def should_long(self):
        if self.index == 3:
            raise ZeroDivisionError("boom")
        return False

    def go_long(self):
        pass


def test_a_strategy_exception_keeps_its_class_and_message_and_notes_strategy_hook_and_time():
    with pytest.raises(ZeroDivisionError) as info:
        _run(_Boom, candles_from_close_prices(range(1, 10)))
    err = info.value
    assert type(err) is ZeroDivisionError and str(err) == "boom"
    ctx = hook_context(err)
    assert ctx.hook == "should_long" and ctx.strategy == "_Boom"
    assert ctx.time == T0 + 4 * 60_000
    assert err.__notes__ == ["raised in strategy '_Boom', should_long(), at 2021-01-01 00:04 UTC "
                             f"(t={T0 + 4 * 60_000})"]
    assert err.__cause__ is None  # the user's own exception object, not a wrapper
    assert isinstance(err, StrategyError)  # the old catch-all still answers isinstance
    # the traceback reaches the line that raised it
    import traceback
    assert "raise ZeroDivisionError" in "".join(traceback.format_tb(err.__traceback__))


class _NegativeQty(Strategy):
    def should_long(self):
        return True

    def go_long(self):
        self.buy = -1, self.price


def test_negative_entry_qty_is_refused():
    with pytest.raises(InvalidStrategy, match="qty must be positive"):
        _run(_NegativeQty, candles_from_close_prices(range(1, 10)))


class _SameSlTp(Strategy):
    def should_long(self):
        return self.index == 0

    def go_long(self):
        self.buy = 1, self.price
        self.stop_loss = 1, 0.5
        self.take_profit = 1, 0.5


def test_identical_stop_loss_and_take_profit_are_refused():
    with pytest.raises(InvalidStrategy, match="should not be exactly the same"):
        _run(_SameSlTp, candles_from_close_prices(range(1, 10)))


def test_bad_inputs_are_refused_with_clear_errors():
    candles = candles_from_close_prices(range(1, 10))
    with pytest.raises(InvalidConfig, match="futures_leverage"):
        run_backtest({"starting_balance": 1, "fee": 0, "type": "futures", "exchange": "X"},
                     [{"exchange": "X", "strategy": _Bracket, "symbol": "BTC-USDT", "timeframe": "1m"}], [],
                     {"X-BTC-USDT": {"candles": candles}})
    with pytest.raises(InvalidRoutes, match="at least one route"):
        run_backtest(_config(), [], [], {"Sandbox-BTC-USDT": {"candles": candles}})
    with pytest.raises(InvalidCandles, match="no entry"):
        _run(_Bracket, candles)  # fine
        run_backtest(_config(), [{"exchange": "Sandbox", "strategy": _Bracket, "symbol": "ETH-USDT",
                                  "timeframe": "1m"}], [], {"Sandbox-BTC-USDT": {"candles": candles}})
    bad = candles.copy()
    bad[4, 2] = np.nan
    with pytest.raises(InvalidCandles, match="row 4"):
        _run(_Bracket, bad)
    unsorted = candles[::-1].copy()
    with pytest.raises(InvalidCandles, match="unsorted|not after"):
        _run(_Bracket, unsorted)


def test_gapped_candles_are_accepted_with_a_warning_listing_the_gaps():
    candles = np.delete(candles_from_close_prices(range(1, 30)), [5, 6], axis=0)
    with pytest.warns(UserWarning, match="gap"):
        _run(_Bracket, candles)


class _BoomInPosition(Strategy):
    """Opens at bar 1; at bar 4 update_position fails (``mode`` "raise") or declares a NaN stop ("nan")."""

    mode = "raise"

    def should_long(self):
        return self.index == 1

    def go_long(self):
        self.buy = 1, self.price

    def update_position(self):
        if self.index == 4:
            if self.mode == "raise":
                raise KeyError("missing")
            self.stop_loss = 1, float("nan")


@pytest.mark.parametrize("mode, cause", [("raise", KeyError), ("nan", InvalidStrategy)])
def test_an_error_in_update_position_or_in_what_it_declared_names_that_hook(mode, cause):
    cls = type("_BoomInPosition", (_BoomInPosition,), {"mode": mode})
    with pytest.raises(cause) as info:
        _run(cls, candles_from_close_prices(range(1, 10)))
    err = info.value
    assert type(err) is cause
    ctx = hook_context(err)
    assert ctx.hook == "update_position" and ctx.strategy == "_BoomInPosition"
    assert ctx.time == T0 + 5 * 60_000


class _Idle(Strategy):
    def should_long(self):
        return False

    def go_long(self):
        pass


def test_warm_up_that_cannot_be_honoured_is_refused_naming_the_numbers():
    m = candles_from_close_prices(np.linspace(100, 110, 3 * 1440))
    warm, trade = m[:1440], m[1440:]  # 96 completed 15m candles of warm-up
    routes = [{"exchange": "Sandbox", "strategy": _Idle, "symbol": "BTC-USDT", "timeframe": "15m"}]

    def run(warm_up_candles, warm_rows):
        return run_backtest(_config(warm_up_candles=warm_up_candles), routes, [],
                            {"Sandbox-BTC-USDT": {"candles": trade}},
                            None if warm_rows is None else {"Sandbox-BTC-USDT": {"candles": warm_rows}})

    assert run(96, warm).result["metrics"]["total"] == 0  # exactly enough
    with pytest.raises(InvalidConfig, match=r"warm_up_candles'\] must be a whole number >= 0.*got -5"):
        run(-5, warm)
    with pytest.raises(InvalidConfig, match=r"got 2.5"):
        run(2.5, warm)
    assert run(96.0, warm).result["metrics"]["total"] == 0  # a whole number given as a float, as JSON gives it
    with pytest.raises(InvalidCandles, match=r"warm_up_candles'\] is 97 but warmup_candles\['Sandbox-BTC-USDT'\] "
                                             r"holds 96 completed 15m candles.*at least 1455 warm-up minutes"):
        run(97, warm)
    assert run(10, None).result["metrics"]["total"] == 0  # no warm-up passed at all: Jesse starts without one
    with pytest.raises(InvalidCandles, match="is 10 but .* holds 1 completed 15m"):
        run(10, warm[-15:])  # one 15m candle of warm-up
    # a first candle begun before the warm-up rows still counts (it closed before the start); a missing hour
    # (rows skipped in the warm-up) four candles less
    with pytest.raises(InvalidCandles, match="is 97 but .* holds 96 completed 15m"):
        run(97, warm[7:])
    with pytest.raises(InvalidCandles, match="is 96 but .* holds 92 completed 15m"):
        run(96, np.concatenate([warm[:600], warm[660:]]))
    with pytest.raises(InvalidCandles, match=r"60 of its 1500 rows are at or after the first trading minute "
                                             rf"{int(trade[0, 0])}"):
        run(10, m[:1500])  # the warm-up runs an hour into the trading window


def test_leverage_above_125_is_refused_and_a_negative_cross_balance_warns_once():
    # leverage 1e9 with a huge qty used to end at -404 million from 10,000 (cross mode never liquidates in Jesse)
    with pytest.raises(InvalidConfig, match=r"futures_leverage'\] is 1e\+09, above 125.*between 1 and 125"):
        _run(_ShortBig, candles_from_close_prices(range(10, 16)), futures_leverage=1e9)
    with pytest.warns(RuntimeWarning, match=r"cross-margin wallet balance went negative \(-\d[\d,.]* USDT from "
                                            r"10,000.00, leverage 2\).*isolated") as record:
        run = _run(_ShortBig, candles_from_close_prices(range(10, 40)), futures_leverage=2)
    assert run.session.exchange.wallet_balance < 0  # Jesse's cross fills are unchanged (parity)
    assert sum("went negative" in str(w.message) for w in record) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _run(_ShortBig, candles_from_close_prices(range(10, 40)), futures_leverage=2,
             futures_leverage_mode="isolated")  # liquidated at zero: no warning


def test_cross_liquidation_is_an_opt_in_that_fills_where_the_wallet_is_lost():
    candles = candles_from_close_prices(range(10, 40))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # liquidated before the wallet goes below zero: no warning
        run = _run(_ShortBig, candles, futures_leverage=4, cross_liquidation=True)
    # short 2000 at 10 with a 10,000 wallet: the whole wallet is lost at 15 (isolated at 4x: 12.5)
    assert run.session.total_liquidations == 1
    assert run.result["trades"][0]["exit_price"] == pytest.approx(15.0)
    assert run.session.exchange.wallet_balance == pytest.approx(0.0, abs=1e-6)
    isolated = _run(_ShortBig, candles, futures_leverage=4, futures_leverage_mode="isolated")
    assert isolated.result["trades"][0]["exit_price"] == pytest.approx(12.5)
    with pytest.warns(RuntimeWarning, match="went negative"):
        default = _run(_ShortBig, candles, futures_leverage=4)
    assert default.session.total_liquidations == 0  # off by default: Jesse's cross fills (parity)
    with pytest.raises(InvalidConfig, match="applies to futures in 'cross' leverage mode"):
        _run(_ShortBig, candles, futures_leverage=4, futures_leverage_mode="isolated", cross_liquidation=True)
    with pytest.raises(InvalidConfig, match="must be True or False"):
        _run(_ShortBig, candles, cross_liquidation="yes")
