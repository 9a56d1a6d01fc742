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
from jesse_dag.engine.kernels import aggregate_rows_kernel, forming_candles, forming_table
from jesse_dag.indicators._core import WindowCache, WindowSlot


def joined_rows(warm: np.ndarray, trade: np.ndarray) -> tuple[np.ndarray, bool]:
    """The warm-up rows then the trading rows as one array, and whether it is a private copy.

    When the two are adjacent slices of one writable C-contiguous float64 buffer (``c[:split]``,
    ``c[split:]``, as Jesse's research scripts and every benchmark pass them) the answer is a view spanning
    both: no copy. The engine never writes into a view it does not own (see :meth:`MarketCandles.show_partial`).
    Read-only arrays are copied: numba would compile its kernels again for read-only arguments.

    Example:
        >>> c = np.arange(24.0).reshape(4, 6)
        >>> rows, private = joined_rows(c[:1], c[1:])
        >>> private, np.shares_memory(rows, c), rows.shape
        (False, True, (4, 6))
        >>> joined_rows(c[:1].copy(), c[1:])[1]
        True
    """
    if not len(warm):
        if trade.flags.c_contiguous and trade.flags.writeable and trade.dtype == np.float64:
            return trade, False
        return np.array(trade, dtype=np.float64, order="C"), True
    if (warm.dtype == trade.dtype == np.float64 and warm.flags.c_contiguous and trade.flags.c_contiguous
            and warm.flags.writeable and trade.flags.writeable and warm.shape[1:] == trade.shape[1:] == (6,)
            and warm.base is not None and warm.base is trade.base
            and warm.ctypes.data + warm.nbytes == trade.ctypes.data):
        return np.lib.stride_tricks.as_strided(warm, shape=(len(warm) + len(trade), 6)), False
    return np.concatenate([warm, trade]), True


def aggregate_rows(rows: np.ndarray) -> np.ndarray:
    """One candle from consecutive rows (Jesse's generate_candle_from_one_minutes; numpy's pairwise volume sum)."""
    return np.array([rows[0, 0], rows[0, 1], rows[-1, 2], rows[:, 3].max(), rows[:, 4].min(), rows[:, 5].sum()])


# ``MarketCandles._saved_row`` while a partial row shows over a row of the caller's array (not copied: that
# array is never written, the partial row is held aside)
_ROW_UNWRITTEN = np.empty((0,))


class TimeframeCandles:
    """Complete candles of one timeframe (warmup + trading) and the spare slot for a forming candle."""

    __slots__ = ("timeframe", "k", "truth", "live", "n_warm", "dirty", "_forming_key", "view_n1", "view_version",
                 "view", "slot", "live_bytes", "truth_bytes", "table", "table_bytes", "table_first", "table_stride",
                 "table_count", "last_forming_tick", "forming_view", "next_tick", "next_j", "forming_at",
                 "last_fast_tick", "close_tick")

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
        # the last view handed out and the (visible 1m rows, store version) it was made for
        self.view_n1 = -1
        self.view_version = -1
        self.view = None
        self.slot = WindowSlot(self.truth)  # MarketCandles gives it the forming-candle source
        # Forming candles of the ticks ahead, computed in one kernel pass and copied in as the 48 bytes of a row
        # through byte memoryviews (a kernel call per read costs ~1 µs of dispatch, a numpy row assignment or
        # a float memoryview copy ~0.7 µs, a byte memoryview copy ~0.4 µs)
        self.live_bytes = memoryview(self.live).cast("B")
        self.truth_bytes = memoryview(self.truth).cast("B")  # (a complete row put back: the same 48-byte copy)
        self.table = None
        self.table_bytes = None
        # the view ending in the forming candle after ``complete`` rows, as (complete, view): the same object
        # for every tick of a bucket (its last row is rewritten in place, as any view of it always was)
        self.forming_view = (-1, None)
        self.table_first = 0
        self.table_stride = 0
        self.table_count = 0
        self.last_forming_tick = -1
        # After a read from the table: the next tick of the same bucket that is in the table (else -1), its
        # table row, the byte offset of the forming row in ``live`` and the last tick of the bucket in the
        # table (Strategy.get_candles' shortcut)
        self.next_tick = -1
        self.next_j = 0
        self.forming_at = 0
        self.last_fast_tick = -1
        self.close_tick = -1  # the bucket's close when it is the tick after last_fast_tick (else -1)


class MarketCandles:
    """The 1m rows of one exchange-symbol (warmup then trading, one array) and its higher timeframes."""

    def __init__(self, exchange: str, symbol: str, warm: np.ndarray, trade: np.ndarray,
                 timeframes: list[str], window_cache: WindowCache | None = None) -> None:
        self.exchange = exchange
        self.symbol = symbol
        self.n_warm = len(warm)
        self.n_trade = len(trade)
        # One array of the warm-up and trading rows: the caller's own memory when the two are adjacent slices
        # of one buffer, else a copy. While an order fills, the minute's part before the fill is shown as its
        # 1m row: written into a private array; into the caller's never (``_partial`` holds it instead, and the
        # array is copied the first time a 1m view must show it: most runs read only higher timeframes then).
        self.m1, self._m1_private = joined_rows(warm, trade)
        self._partial: list | None = None
        self.n1 = self.n_warm  # visible 1m rows
        trade_start = int(trade[0, 0]) if len(trade) else 0
        self.tfs: dict[str, TimeframeCandles] = {}
        for tf in timeframes:
            if tf != "1m" and tf not in self.tfs:
                self.tfs[tf] = TimeframeCandles(tf, warm, trade, trade_start)
        self._saved_row: np.ndarray | None = None
        self._saved_index = -1
        self._version = 0
        self._m1_view_key = None
        self._m1_view = None
        # the indicator memo (jesse_dag.indicators._core): told which handed-out views are clean prefixes
        self.window_cache = window_cache
        self.m1_slot = WindowSlot(self.m1)
        for tfc in self.tfs.values():
            tfc.slot.forming_rows = self._forming_rows_of(tfc)
        if window_cache is not None:
            window_cache.add(self.m1_slot)
            for tfc in self.tfs.values():
                window_cache.add(tfc.slot)

    # -- partial 1m rows while an order fills inside a minute -------------------------------------------
    def show_partial(self, index: int, row: list) -> None:
        """Make 1m row ``index`` visible as ``row`` (the part of the minute before a fill)."""
        if self._saved_row is None:
            # the real row, to put back; the caller's array is never written, so it still holds it
            self._saved_row = self.m1[index].copy() if self._m1_private else _ROW_UNWRITTEN
            self._saved_index = index
            self.m1_slot.view = None
        if self._m1_private:
            self.m1[index] = row
        else:
            self._partial = list(row)  # (floats; read as a row, or its close, while it shows)
        self.n1 = index + 1
        self._version += 1

    def end_partial(self, index: int) -> None:
        """Put the real row ``index`` back (visible count stays at ``index + 1``)."""
        if self._saved_row is not None:
            if self._m1_private:
                self.m1[index] = self._saved_row
            self._partial = None
            self._saved_row = None
            self._saved_index = -1
            self._version += 1

    def _own_m1(self) -> None:
        """Copy the 1m rows into a private array and write the partial row showing into it (a 1m view must
        show that row; the caller's array is never written)."""
        self.m1 = np.array(self.m1, order="C")
        self._m1_private = True
        if self._partial is not None:
            self._saved_row = self.m1[self._saved_index].copy()  # (end_partial writes it back from now on)
            self.m1[self._saved_index] = self._partial
            self._partial = None

    def _aggregate_shown(self, start: int, stop: int, out: np.ndarray, row: int) -> None:
        """``out[row]`` = the candle of the visible 1m rows ``start..stop-1``, the partial row included."""
        if self._partial is None:
            aggregate_rows_kernel(self.m1, start, stop, out, row)
            return
        rows = self.m1[start:stop].copy()  # the bar's minutes only, with the partial one where it shows
        rows[self._saved_index - start] = self._partial
        aggregate_rows_kernel(rows, 0, stop - start, out, row)

    # -- reads ---------------------------------------------------------------------------------------------
    def get(self, timeframe: str) -> np.ndarray:
        if timeframe == "1m":
            if self._partial is not None:
                self._own_m1()
            key = (self.n1, self._version)
            if self._m1_view_key != key:
                self._m1_view = view = self.m1[:self.n1]
                self._m1_view_key = key
                self.m1_slot.view = view if self._saved_row is None else None
            return self._m1_view
        tfc = self.tfs.get(timeframe)
        if tfc is None:
            raise RouteNotFound(
                f"no candles for {self.exchange} {self.symbol} {timeframe}: add it as a route or data route")
        return self.timeframe_view(tfc)

    def timeframe_view(self, tfc: TimeframeCandles) -> np.ndarray:
        """:meth:`get` of a higher timeframe, given its buffer (strategies keep it per timeframe)."""
        n1 = self.n1
        # Nothing visible changed since the last read (same 1m count, no partial row shown or put back):
        # hand out the same view object again.
        if tfc.view_n1 == n1 and tfc.view_version == self._version:
            return tfc.view
        if tfc.table_stride > 0 and self._saved_row is None:
            # The common read between two closes (a route's bar, no partial row showing): the forming candle
            # comes from the table of ticks ahead. The same steps as _get and _write_forming, in one frame.
            j, off = divmod(n1 - tfc.table_first, tfc.table_stride)
            traded = n1 - self.n_warm
            dif = traded % tfc.k
            if off == 0 and 0 <= j < tfc.table_count and dif != 0:
                complete = tfc.n_warm + traded // tfc.k
                dirty = tfc.dirty
                if 0 <= dirty < complete:
                    tfc.live_bytes[dirty * 48:dirty * 48 + 48] = tfc.truth_bytes[dirty * 48:dirty * 48 + 48]
                tfc.live_bytes[complete * 48:complete * 48 + 48] = tfc.table_bytes[j * 48:j * 48 + 48]
                tfc.dirty = complete
                tfc._forming_key = (n1, self._version)
                tfc.last_forming_tick = n1
                cached = tfc.forming_view
                if cached[0] == complete:
                    view = cached[1]
                else:
                    view = tfc.live[:complete + 1]
                    tfc.forming_view = (complete, view)
                tfc.view = view
                tfc.view_n1 = n1
                tfc.view_version = self._version
                slot = tfc.slot
                slot.view = None
                slot.forming = view
                slot.tick = n1
                # the next bar's read is the next tick of this bucket if the bucket goes on past it
                stride = tfc.table_stride
                ahead = min((tfc.k - 1 - dif) // stride, tfc.table_count - 1 - j)  # ticks left in both
                tfc.next_tick = n1 + stride if ahead > 0 else -1
                tfc.last_fast_tick = last = n1 + ahead * stride
                close = n1 - dif + tfc.k
                tfc.close_tick = close if last + stride == close else -1
                tfc.next_j = j + 1
                tfc.forming_at = complete * 48
                return view
        tfc.view = view = self._get(tfc)
        tfc.view_n1 = self.n1
        tfc.view_version = self._version
        # the indicator memo may answer for this view: as a prefix of the complete candles, or as complete
        # candles then the forming one aggregated from clean 1m rows (no partial row shown)
        slot = tfc.slot
        if tfc.dirty < 0 or tfc.dirty >= len(view):
            slot.view = view
            slot.forming = None
        else:
            slot.view = None
            slot.forming = view if self._saved_row is None else None
            slot.tick = self.n1
        return view

    def _forming_rows_of(self, tfc: TimeframeCandles):
        def forming_rows(ticks: np.ndarray):
            return forming_candles(self.m1, ticks.astype(np.int64), self.n_warm, tfc.n_warm, tfc.k,
                                   self.n_warm + self.n_trade)
        return forming_rows

    def _get(self, tfc: TimeframeCandles) -> np.ndarray:
        k = tfc.k
        traded = self.n1 - self.n_warm
        complete = tfc.n_warm + traded // k
        dif = traded % k
        dirty = tfc.dirty
        if dirty >= 0 and (dirty < complete or dif == 0):
            tfc.live_bytes[dirty * 48:dirty * 48 + 48] = tfc.truth_bytes[dirty * 48:dirty * 48 + 48]
            tfc.dirty = -1
        if dif == 0:
            if self._saved_row is not None and self._saved_index == self.n1 - 1 and complete > tfc.n_warm:
                # An order fills in the bar's last minute: Jesse rebuilds this bar from its 1m rows with the
                # split minute (close at the fill price) before the fill's callbacks run, so they see that
                # candle, not the complete bar; it is put back when the real minute returns (end_partial).
                self._aggregate_shown(self.n1 - k, self.n1, tfc.live, complete - 1)
                tfc.dirty = complete - 1
                tfc._forming_key = (self.n1, self._version)
            return tfc.live[:complete]
        key = (self.n1, self._version)
        if tfc.dirty != complete or tfc._forming_key != key:
            if self._saved_row is None:
                self._write_forming(tfc, complete)
            else:  # a partial 1m row is showing: the table holds the real rows
                self._aggregate_shown(self.n1 - dif, self.n1, tfc.live, complete)
            tfc.dirty = complete
            tfc._forming_key = key
        return tfc.live[:complete + 1]

    def _write_forming(self, tfc: TimeframeCandles, complete: int) -> None:
        """``tfc.live[complete]`` = the forming candle at the visible count, from the table of ticks ahead."""
        t = self.n1
        j = -1
        if tfc.table_stride > 0:
            d = t - tfc.table_first
            if d >= 0 and d % tfc.table_stride == 0 and d // tfc.table_stride < tfc.table_count:
                j = d // tfc.table_stride
        if j < 0:
            # the reads so far advance by a fixed number of rows (a route's bar): tabulate the next ticks
            previous = tfc.last_forming_tick
            tfc.last_forming_tick = t
            stride = t - previous
            if previous < 0 or stride <= 0 or stride > tfc.k:
                dif = (t - self.n_warm) % tfc.k
                aggregate_rows_kernel(self.m1, t - dif, t, tfc.live, complete)
                return
            count = min(4096, (self.n_warm + self.n_trade - t) // stride + 1)
            tfc.table = forming_table(self.m1, t, stride, count, self.n_warm, tfc.k, self.n_warm + self.n_trade)
            tfc.table_bytes = memoryview(tfc.table).cast("B")
            tfc.table_first = t
            tfc.table_stride = stride
            tfc.table_count = count
            j = 0
        tfc.last_forming_tick = t
        tfc.live_bytes[complete * 48:complete * 48 + 48] = tfc.table_bytes[j * 48:j * 48 + 48]

    def current(self, timeframe: str) -> np.ndarray:
        arr = self.get(timeframe)
        if len(arr) == 0:
            return np.zeros(6)
        return arr[-1]
