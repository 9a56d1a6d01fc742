"""The per-bar paths the engine runs inline keep Jesse's behaviour: an entry re-placed every bar, the broker's
refusals of a declared row, the hooks of a bar in Jesse's order, other routes told of a cancelled entry, and
the gather point's time and route."""
from __future__ import annotations

import numpy as np
import pytest

from jesse_dag.candles.synthetic import candles_from_close_prices
from jesse_dag.engine import InvalidStrategy, hook_context, run_backtest
from jesse_dag.strategies import Strategy

CLOSES = [100 + (i % 7) for i in range(40)]


def _config(**kw):
    return {"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 2,
            "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0, **kw}


def _route(cls, symbol="BTC-USDT", timeframe="1m"):
    return {"exchange": "Sandbox", "strategy": cls, "symbol": symbol, "timeframe": timeframe}


def _run(routes, closes=CLOSES, **config):
    candles = candles_from_close_prices(closes)
    keys = sorted({f"Sandbox-{r['symbol']}" for r in routes})
    return run_backtest(_config(**config), routes, [], {k: {"candles": candles} for k in keys})


class _ReplacedStop(Strategy):
    """A stop entry far above the price, cancelled and declared again on every bar (it never fills)."""

    log: list

    def should_long(self):
        # runs after the previous bar's entry was cancelled: nothing may stay reserved
        type(self).log.append(("flat", self.available_margin, len(self.orders)))
        return True

    def should_cancel_entry(self):
        return True

    def go_long(self):
        self.buy = 2, self.price * 1.5
        self.stop_loss = 2, self.price * 0.5

    def after(self):
        o = self.orders
        type(self).log.append(("placed", self.available_margin, [(x.type, x.side, x.qty, x.price) for x in o]))


def test_an_entry_replaced_every_bar_frees_its_margin_and_leaves_one_stop_order():
    cls = type("S", (_ReplacedStop,), {"log": []})
    _run([_route(cls)])
    flat = [m for kind, m, _ in cls.log if kind == "flat"]
    placed = [(m, orders) for kind, m, orders in cls.log if kind == "placed"]
    assert len(flat) == len(placed) == len(CLOSES)
    assert flat == [10_000.0] * len(CLOSES)
    for (margin, orders), close in zip(placed, CLOSES):
        assert orders == [("STOP", "buy", 2.0, close * 1.5)]
        assert margin == 10_000.0 - 2.0 * close * 1.5 / 2


class _BadRow(Strategy):
    entry_factor = 1.0

    def should_long(self):
        return self.index == 3

    def go_long(self):
        self.buy = 0, self.price * self.entry_factor


@pytest.mark.parametrize("factor, kind", [(1.0, "market"), (1.5, "stop"), (0.6, "limit")])
def test_a_declared_row_the_broker_refuses_raises_its_error_in_go_long(factor, kind):
    cls = type("B", (_BadRow,), {"entry_factor": factor})
    with pytest.raises(InvalidStrategy, match=f"buy {kind} order: qty cannot be 0") as info:
        _run([_route(cls)])
    assert hook_context(info.value).hook == "go_long"


class _HookOrder(Strategy):
    log: list

    def before(self):
        type(self).log.append(("before", self.index, float(self.price)))

    def should_long(self):
        type(self).log.append(("should_long", self.index))
        return False

    def should_short(self):
        type(self).log.append(("should_short", self.index))
        return False

    def go_long(self):
        pass

    def after(self):
        type(self).log.append(("after", self.index))

    def update_chart(self):
        type(self).log.append(("update_chart", self.index))


def test_the_hooks_of_a_bar_run_in_jesses_order_with_the_bars_price():
    cls = type("H", (_HookOrder,), {"log": []})
    _run([_route(cls)], closes=CLOSES[:3])
    assert cls.log == [entry for i, close in enumerate(CLOSES[:3]) for entry in (
        ("before", i, float(close)), ("should_short", i), ("should_long", i), ("after", i), ("update_chart", i))]


class _Listener(Strategy):
    heard: list

    def should_long(self):
        return False

    def go_long(self):
        pass

    def on_route_canceled(self, strategy):
        type(self).heard.append((strategy.symbol, strategy.index))


def test_other_routes_hear_each_cancelled_entry():
    replacer = type("S", (_ReplacedStop,), {"log": []})
    listener = type("L", (_Listener,), {"heard": []})
    _run([_route(replacer), _route(listener, "ETH-USDT")], closes=CLOSES[:6])
    # the entry of bar i is cancelled at bar i + 1, before should_long; the last one when the run ends
    assert listener.heard == [("BTC-USDT", i) for i in range(1, 7)]


class _Recorder(Strategy):
    def should_long(self):
        if self.index % 3 == 0:
            self.record_features({"i": float(self.index)})
        if self.index % 3 == 1:
            self.record_label("y", self.index)
        return False

    def go_long(self):
        pass


def test_a_gather_point_is_stamped_with_the_open_of_the_route_candle_and_its_route():
    closes = [100.0 + i for i in range(15 * 8)]
    run = run_backtest(_config(), [_route(_Recorder, timeframe="15m")], [],
                       {"Sandbox-BTC-USDT": {"candles": candles_from_close_prices(closes)}})
    points = run.strategies[0]._ml_data_points
    t0 = candles_from_close_prices(closes)[0, 0]
    assert [(p["time"], p["route"], p["features"]["i"]) for p in points] == [
        (int((t0 + 15 * 60_000 * i) / 1000), "Sandbox-BTC-USDT-15m", float(i)) for i in (0, 3, 6)]
    assert all(type(p["time"]) is int for p in points)
    assert np.all(np.diff([p["label_time"] for p in points]) > 0)


class _MergingRecorder(Strategy):
    def should_long(self):
        if self.index % 4 == 0:
            features = {"i": float(self.index)}
            self.record_features(features)
            features["i"] = -1.0  # the point holds its own copy: later changes to the caller's dict stay out
            self.record_features({"j": 2.0 * self.index})
        if self.index % 4 == 2:
            self.record_label("y", self.index)
        return False

    def go_long(self):
        pass


def test_record_features_merges_calls_into_one_point_and_copies_the_dict():
    closes = [100.0 + i for i in range(12)]
    run = run_backtest(_config(), [_route(_MergingRecorder)], [],
                       {"Sandbox-BTC-USDT": {"candles": candles_from_close_prices(closes)}})
    points = run.strategies[0]._ml_data_points
    assert [(p["features"], p["label"]) for p in points] == [
        ({"i": float(i), "j": 2.0 * i}, {"name": "y", "value": i + 2}) for i in (0, 4, 8)]
    assert all(list(p) == ["time", "features", "label", "route", "label_time"] for p in points)


def test_the_ml_mixin_records_on_a_host_that_is_not_a_strategy():
    from jesse_dag.ml.recording import MLMixin

    class Host(MLMixin):
        exchange, symbol, timeframe, time = "Sandbox", "BTC-USDT", "1h", 7_200_000
        current_candle = np.array([3_600_000.0, 1, 1, 1, 1, 1])

    host = Host()
    host.record_label("y", 1)  # no open point: ignored
    host.record_features({"a": 1.0})
    host.record_label("y", 0)
    assert host._ml_data_points == [{"time": 3600, "features": {"a": 1.0}, "label": {"name": "y", "value": 0},
                                     "route": "Sandbox-BTC-USDT-1h", "label_time": 7200}]
