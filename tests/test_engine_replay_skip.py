"""The replay (gapped input) skips runs of rows where nothing can happen, and ends exactly where stepping
every row ends: same trades, fills, daily balances, candles seen by the strategy."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import jesse_dag.engine.replay as replay
from jesse_dag import research
from jesse_dag.candles.synthetic import synthetic_market
from jesse_dag.strategies import Strategy

KEY = "Sandbox-BTC-USDT"


class _RestingOrders(Strategy):
    """Limit entries 0.3% away (resting for hours, some filled by a gap), stop and target exits; reads a
    1h data route each bar."""

    seen: list = []

    def should_long(self):
        return self.index % 7 == 0

    def should_short(self):
        return self.index % 7 == 3

    def go_long(self):
        self.buy = 0.1, self.price * 0.997

    def go_short(self):
        self.sell = 0.1, self.price * 1.003

    def should_cancel_entry(self):
        return self.index % 11 == 0

    def on_open_position(self, order):
        side = 1 if self.is_long else -1
        self.stop_loss = 0.1, self.price * (1 - 0.004 * side)
        self.take_profit = 0.1, self.price * (1 + 0.006 * side)

    def after(self):
        h1 = self.get_candles(self.exchange, self.symbol, "1h")
        _RestingOrders.seen.append((self.time, self.price, h1[-1].tolist(), len(self.candles)))


def _gapped() -> tuple[np.ndarray, np.ndarray]:
    c = synthetic_market(days=6, seed=11)
    keep = np.ones(len(c), dtype=bool)
    for start, stop in ((2500, 2530), (4000, 4003), (5207, 5300), (7000, 7001)):
        keep[start:stop] = False
    c = c[keep]
    return c[:1440], c[1440:]


def _run(fast_mode: bool) -> tuple[dict, list]:
    warm, trade = _gapped()
    _RestingOrders.seen = []
    config = {"starting_balance": 10_000, "fee": 0.0004, "type": "futures", "futures_leverage": 2,
              "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 20}
    routes = [{"exchange": "Sandbox", "strategy": _RestingOrders, "symbol": "BTC-USDT", "timeframe": "15m"}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the gaps' warning
        result = research.backtest(config, routes, [{"exchange": "Sandbox", "symbol": "BTC-USDT", "timeframe": "1h"}],
                                   {KEY: {"candles": trade}}, {KEY: {"candles": warm}}, fast_mode=fast_mode,
                                   generate_equity_curve=True)
    return result, list(_RestingOrders.seen)


@pytest.mark.parametrize("fast_mode", [True, False], ids=["fast", "step"])
def test_skipping_quiet_rows_changes_nothing_and_steps_fewer_rows(fast_mode: bool, monkeypatch):
    walked = []
    step_row = replay._walk_row
    monkeypatch.setattr(replay, "_walk_row", lambda *a: (walked.append(a[2]), step_row(*a)))
    skipped, seen = _run(fast_mode)
    rows_skipping = len(walked)
    walked.clear()
    monkeypatch.setattr(replay, "SKIP_QUIET_ROWS", False)
    stepped, seen_stepped = _run(fast_mode)
    assert len(stepped["trades"]) >= 20
    assert skipped["trades"] == stepped["trades"]
    assert skipped["metrics"] == stepped["metrics"]
    assert skipped["equity_curve"] == stepped["equity_curve"]
    assert seen == seen_stepped
    assert rows_skipping < len(walked) / 3, f"{rows_skipping} of {len(walked)} rows stepped"
