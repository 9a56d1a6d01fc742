"""Trade and order ids: valid uuid4 strings as Jesse's (``jh.is_valid_uuid``), distinct, and the same on every
run of the same input (ours are counted, not drawn at random)."""
from __future__ import annotations

from jesse_dag import helpers as jh
from jesse_dag import research
from jesse_dag.strategies import Strategy


class _Bracket(Strategy):
    def should_long(self):
        return self.index % 6 == 0

    def go_long(self):
        self.buy = 1, self.price
        self.take_profit = 1, self.price * 1.01
        self.stop_loss = 1, self.price * 0.99


def _ids():
    closes = [100 + (i % 13) - (i % 7) for i in range(1500)]
    candles = research.candles_from_close_prices(closes)
    config = {"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 1,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0}
    routes = [{"exchange": "Sandbox", "strategy": _Bracket, "symbol": "BTC-USDT", "timeframe": "5m"}]
    from jesse_dag.engine import run_backtest

    run = run_backtest(config, routes, [], {"Sandbox-BTC-USDT": {"candles": candles}})
    trades = run.strategies[0].trades
    orders = [o for t in trades for o in t.orders]
    return [t.id for t in trades], [o.id for o in orders]


def test_trade_and_order_ids_are_distinct_valid_uuid4_and_repeatable():
    trade_ids, order_ids = _ids()
    assert len(trade_ids) > 5 and len(order_ids) >= 2 * len(trade_ids)
    assert all(jh.is_valid_uuid(i) for i in trade_ids + order_ids)
    assert len(set(trade_ids + order_ids)) == len(trade_ids) + len(order_ids)
    assert _ids() == (trade_ids, order_ids)
