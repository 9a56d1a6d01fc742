"""Shared by the report tests: a real EmaCrossSLTP backtest (91 days of BTC) and a small hand-made result."""
from __future__ import annotations

import functools
import types
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import DATA_DIR, PARITY_DIR

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EXCHANGE, SYMBOL, TIMEFRAME, WARMUP_BARS = "Sandbox", "BTC-USDT", "15m", 210
CONFIG = {"starting_balance": 10_000, "fee": 0.0004, "type": "futures", "futures_leverage": 2,
          "futures_leverage_mode": "cross", "exchange": EXCHANGE, "warm_up_candles": WARMUP_BARS}
ROUTES_NAME = [{"exchange": EXCHANGE, "strategy": "EmaCrossSLTP", "symbol": SYMBOL, "timeframe": TIMEFRAME}]


def load_parity_strategy(name: str) -> type:
    """A strategy of ``../shared/parity/strategies`` with its imports changed jesse -> jesse_dag, nothing else."""
    path = PARITY_DIR / "strategies" / f"{name}.py"
    if not path.exists():
        pytest.skip(f"{path} is absent: the real-backtest report tests need ../shared/parity")
    src = path.read_text()
    src = src.replace("from jesse.", "from jesse_dag.").replace("import jesse.", "import jesse_dag.")
    src = src.replace("from jesse import", "from jesse_dag import")
    mod = types.ModuleType(f"reports_test_{name}")
    exec(compile(src, str(path), "exec"), mod.__dict__)
    return getattr(mod, name)


@functools.lru_cache(maxsize=1)
def btc_candles() -> tuple[np.ndarray, np.ndarray]:
    """(warm-up, trading) 1m candles of the BTC file, split as jesse_oracle.py splits them."""
    path = DATA_DIR / "binance_BTCUSDT_1m.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent: the real-backtest report tests read ../shared/data")
    raw = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    c = raw[:, [0, 1, 4, 2, 3, 5]].copy()
    split = WARMUP_BARS * 15
    return c[:split], c[split:]


def drawing_strategy() -> type:
    """EmaCrossSLTP that also draws its EMAs on the price chart and RSI (line + histogram) in a pane."""
    from jesse_dag import indicators as ta

    base = load_parity_strategy("EmaCrossSLTP")

    class EmaCrossSLTP(base):  # Strategy carries the chart helpers (ChartSeriesMixin)
        def before(self):
            self.add_line_to_candle_chart("EMA 21", ta.ema(self.candles, 21))
            rsi = ta.rsi(self.candles)
            self.add_extra_line_chart("RSI", "rsi", rsi, color="#AA00FF")
            self.add_extra_histogram_chart("RSI", "rsi - 50", rsi - 50)
            self.add_horizontal_line_to_extra_chart("RSI", "overbought", 70, line_style="dotted")

    return EmaCrossSLTP


@functools.lru_cache(maxsize=2)
def real_run(draw: bool = False):
    """The 91-day EmaCrossSLTP backtest (454 trades) with its equity curve: ``BacktestRun``."""
    from jesse_dag.engine import run_backtest

    warm, trade = btc_candles()
    cls = drawing_strategy() if draw else load_parity_strategy("EmaCrossSLTP")
    key = f"{EXCHANGE}-{SYMBOL}"
    routes = [{"exchange": EXCHANGE, "strategy": cls, "symbol": SYMBOL, "timeframe": TIMEFRAME}]
    return run_backtest(CONFIG, routes, [], {key: {"exchange": EXCHANGE, "symbol": SYMBOL, "candles": trade}},
                        {key: {"exchange": EXCHANGE, "symbol": SYMBOL, "candles": warm}},
                        generate_equity_curve=True, fast_mode=True)


def small_result() -> tuple[dict, np.ndarray]:
    """A hand-made 3-day result with 2 trades (one long winner, one short loser) and its 1m candles."""
    day = 86_400_000
    t0 = 1_700_006_400_000  # 2023-11-15 00:00 UTC
    n = 3 * 1440
    ts = t0 + 60_000 * np.arange(n, dtype=float)
    close = 100 + np.sin(np.arange(n) / 200.0) * 5
    open_ = np.r_[close[0], close[:-1]]
    candles = np.column_stack([ts, open_, close, np.maximum(open_, close) + 0.5,
                               np.minimum(open_, close) - 0.5, np.full(n, 2.0)])
    trades = [
        {"id": "a", "strategy_name": "Small", "symbol": "BTC-USDT", "exchange": "Sandbox", "type": "long",
         "entry_price": 100.0, "exit_price": 104.0, "qty": 1.0, "fee": 0.1, "size": 100.0, "PNL": 3.9,
         "PNL_percentage": 3.9, "holding_period": 3600, "opened_at": t0 + 60 * 60_000,
         "closed_at": t0 + 120 * 60_000,
         "orders": [{"side": "buy", "type": "MARKET", "qty": 1.0, "price": 100.0, "status": "EXECUTED",
                     "executed_at": t0 + 60 * 60_000, "symbol": "BTC-USDT", "submitted_via": None},
                    {"side": "sell", "type": "LIMIT", "qty": -1.0, "price": 104.0, "status": "EXECUTED",
                     "executed_at": t0 + 120 * 60_000, "symbol": "BTC-USDT", "submitted_via": "take-profit"}]},
        {"id": "b", "strategy_name": "Small", "symbol": "BTC-USDT", "exchange": "Sandbox", "type": "short",
         "entry_price": 103.0, "exit_price": 105.0, "qty": 2.0, "fee": 0.2, "size": 206.0, "PNL": -4.2,
         "PNL_percentage": -2.04, "holding_period": 7200, "opened_at": t0 + day + 300 * 60_000,
         "closed_at": t0 + day + 420 * 60_000, "orders": []},
    ]
    equity = [{"name": "Portfolio", "color": "#818CF8",
               "data": [{"time": (t0 + i * day) / 1000, "value": v} for i, v in enumerate([1000.0, 1003.9, 999.7])]}]
    metrics = {"total": 2, "starting_balance": 1000.0, "finishing_balance": 999.7, "net_profit": -0.3,
               "win_rate": 0.5, "sharpe_ratio": float("nan"), "serenity_index": float("-inf")}
    return {"metrics": metrics, "trades": trades, "logs": None, "equity_curve": equity}, candles
