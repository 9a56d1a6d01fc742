#!/usr/bin/env python3
"""The bar-level peer of ``bench_vs_jesse.py``: backtesting.py running ``bench/strategies/EmaCrossFixed.py``.

Runs in the peer's own venv (``bench/requirements-bench.txt``). Reads route-timeframe candles (``.npy``,
Jesse's column order: timestamp, open, close, high, low, volume), runs EMA 9/21 with a fixed 2 % stop and
3 % target, half the equity a trade, fills at the bar's close (``trade_on_close``, as Jesse's market entry
at the candle's close), commission 0.0004; one warm-up run, then the best of ``--repeat`` runs of
``Backtest.run()`` (indicators included: they are computed inside ``run``). Prints one JSON line.

Example:
    >>> # bench/.venv-peer/bin/python bench/peer_backtesting.py year_15m.npy --repeat 5  # doctest: +SKIP
"""
from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd
from backtesting import Backtest, Strategy


def ema(values, n: int):
    return pd.Series(values).ewm(span=n, adjust=False).mean().to_numpy()


class EmaCrossFixed(Strategy):
    def init(self):
        self.fast = self.I(ema, self.data.Close, 9)
        self.slow = self.I(ema, self.data.Close, 21)

    def next(self):
        if self.position:
            return
        price = self.data.Close[-1]
        if self.fast[-1] > self.slow[-1]:
            self.buy(size=0.5, sl=price * 0.98, tp=price * 1.03)
        elif self.fast[-1] < self.slow[-1]:
            self.sell(size=0.5, sl=price * 1.02, tp=price * 0.97)


def frame(candles: np.ndarray) -> pd.DataFrame:
    """backtesting.py's OHLCV frame from candles in Jesse's column order."""
    index = pd.to_datetime(candles[:, 0].astype("int64"), unit="ms")
    return pd.DataFrame({"Open": candles[:, 1], "High": candles[:, 3], "Low": candles[:, 4],
                         "Close": candles[:, 2], "Volume": candles[:, 5]}, index=index)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("candles")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    data = frame(np.load(a.candles))
    # cash large enough that half the equity buys whole units (backtesting.py sizes fractions in whole units)
    bt = Backtest(data, EmaCrossFixed, cash=10_000_000, commission=0.0004, trade_on_close=True)
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(1 + a.repeat):
            t0 = time.perf_counter()
            stats = bt.run()
            times.append(time.perf_counter() - t0)
    import backtesting

    print(json.dumps({"version": backtesting.__version__, "bars": len(data), "first_s": times[0],
                      "seconds": min(times[1:]) if a.repeat else times[0], "trades": int(stats["# Trades"])}))


if __name__ == "__main__":
    main()
