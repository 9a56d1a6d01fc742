"""The candle store of one backtest: what a strategy sees of every market and timeframe, as views.

Every candle is known before the run starts, so each timeframe is built once, in full, and the store only
moves a "visible" count forward: ``self.candles`` is a slice of a preallocated array, never a copy of the
history. A higher-timeframe read between two of its closes shows Jesse's *forming* candle (the 1m rows
since the last close aggregated), written into the spare slot after the last complete candle and put back
when the real candle completes.
"""
from __future__ import annotations

import numpy as np

from jesse_dag.candles.aggregate import group_by_clock, group_by_count
from jesse_dag.candles.timeframes import timeframe_to_minutes
from jesse_dag.engine.exceptions import RouteNotFound


def aggregate_rows(rows: np.ndarray) -> np.ndarray:
    """One candle from consecutive rows (Jesse's generate_candle_from_one_minutes; numpy's pairwise volume sum)."""
    return np.array([rows[0, 0], rows[0, 1], rows[-1, 2], rows[:, 3].max(), rows[:, 4].min(), rows[:, 5].sum()])


class TimeframeCandles:
    """Complete candles of one timeframe (warmup + trading) and the spare slot for a forming candle."""

    __slots__ = ("timeframe", "k", "truth", "live", "n_warm", "dirty", "_forming_key")

    def __init__(self, timeframe: str, warm: np.ndarray, trade_1m: np.ndarray, trade_start: int) -> None:
        self.timeframe = timeframe
        self.k = timeframe_to_minutes(timeframe)
        warm_tf = group_by_clock(warm, timeframe, available_at=trade_start) if len(warm) else np.empty((0, 6))
        trade_tf = group_by_count(trade_1m, self.k) if len(trade_1m) >= self.k else np.empty((0, 6))
        self.n_warm = len(warm_tf)
        self.truth = np.concatenate([warm_tf, trade_tf, np.zeros((1, 6))])
        self.live = self.truth.copy()
        self.dirty = -1
        self._forming_key = None


class MarketCandles:
    """The 1m rows of one exchange-symbol (warmup then trading, one array) and its higher timeframes."""

    def __init__(self, exchange: str, symbol: str, warm: np.ndarray, trade: np.ndarray,
                 timeframes: list[str]) -> None:
        self.exchange = exchange
        self.symbol = symbol
        self.n_warm = len(warm)
        self.n_trade = len(trade)
        self.m1 = np.concatenate([warm, trade]) if len(warm) else np.ascontiguousarray(trade)
        self.n1 = self.n_warm  # visible 1m rows
        trade_start = int(trade[0, 0]) if len(trade) else 0
        self.tfs: dict[str, TimeframeCandles] = {}
        for tf in timeframes:
            if tf != "1m" and tf not in self.tfs:
                self.tfs[tf] = TimeframeCandles(tf, warm, trade, trade_start)
        self._saved_row: np.ndarray | None = None
        self._version = 0

    # -- partial 1m rows while an order fills inside a minute -------------------------------------------
    def show_partial(self, index: int, row: np.ndarray) -> None:
        """Make 1m row ``index`` visible as ``row`` (the part of the minute before a fill)."""
        if self._saved_row is None:
            self._saved_row = self.m1[index].copy()
        self.m1[index] = row
        self.n1 = index + 1
        self._version += 1

    def end_partial(self, index: int) -> None:
        """Put the real row ``index`` back (visible count stays at ``index + 1``)."""
        if self._saved_row is not None:
            self.m1[index] = self._saved_row
            self._saved_row = None
            self._version += 1

    # -- reads ---------------------------------------------------------------------------------------------
    def get(self, timeframe: str) -> np.ndarray:
        if timeframe == "1m":
            return self.m1[:self.n1]
        tfc = self.tfs.get(timeframe)
        if tfc is None:
            raise RouteNotFound(
                f"no candles for {self.exchange} {self.symbol} {timeframe}: add it as a route or data route")
        k = tfc.k
        traded = self.n1 - self.n_warm
        complete = tfc.n_warm + traded // k
        dif = traded % k
        if tfc.dirty >= 0 and (tfc.dirty < complete or dif == 0):
            tfc.live[tfc.dirty] = tfc.truth[tfc.dirty]
            tfc.dirty = -1
        if dif == 0:
            return tfc.live[:complete]
        key = (self.n1, self._version)
        if tfc.dirty != complete or tfc._forming_key != key:
            tfc.live[complete] = aggregate_rows(self.m1[self.n1 - dif:self.n1])
            tfc.dirty = complete
            tfc._forming_key = key
        return tfc.live[:complete + 1]

    def current(self, timeframe: str) -> np.ndarray:
        arr = self.get(timeframe)
        if len(arr) == 0:
            return np.zeros(6)
        return arr[-1]
