"""Jesse 3.5.3's timestamp replay engine, for gapped or unequal 1m input (reference §4.7).

Dense input (every series gapless, all with the same timestamps) never comes here: it runs on the block
loop of :mod:`jesse_dag.engine.simulator`. Here the run is a list of *events*, the union over markets of
``row timestamp + 1 minute``:

- each source row becomes visible at its event; a missing minute has no event and no callback;
- higher timeframes are clock buckets (``ts // tf_ms * tf_ms``) of the rows present
  (:func:`~jesse_dag.candles.aggregate.group_by_clock`), released at the first event of their market at or
  after the bucket's end; a strategy runs only at an event that closes one of its candles exactly (a bucket
  released late, after a gap, is stored but runs no strategy), in the order (exchange, symbol, timeframe);
- rows before the common start (the latest first timestamp, pushed on until every route has
  ``warm_up_candles`` completed candles) are moved into the warm-up;
- daily balance samples stay on a fixed clock (first at start + 1 day + 1 minute), taken at the first event
  on the sampling cadence (1 minute, or the gcd of the timeframes in fast mode) at or after it.

A higher timeframe read between its closes ends with the forming bucket of the rows seen so far, stamped
with the bucket's clock start.
"""
from __future__ import annotations

from math import gcd

import numpy as np

from jesse_dag.candles.aggregate import group_by_clock
from jesse_dag.engine.exceptions import InvalidCandles
from jesse_dag.engine.models import ACTIVE, BUY, LIMIT, SELL, STOP
from jesse_dag.engine.session import DAY_MS, FIRST_SAMPLE_DELAY_MS, Session, gap_crosses, sort_execution_orders, \
    split_row
from jesse_dag.engine.kernels import first_reached_row
from jesse_dag.engine.store import MarketCandles, aggregate_rows

MINUTE_MS = 60_000


def needs_replay(trade: dict[str, np.ndarray], minute_steps: bool = False) -> bool:
    """True when the rows cannot share one dense minute index (a gap, or series with different timestamps).

    ``minute_steps``: every series is known to advance one minute a row (``candles_pass_checks`` found no
    gap): then equal first timestamps and lengths mean equal timestamps, and no row is read.

    Example:
        >>> ts = np.arange(3) * 60_000.0
        >>> a, b = np.zeros((3, 6)), np.zeros((3, 6))
        >>> a[:, 0], b[:, 0] = ts, ts + 60_000
        >>> needs_replay({"x": a, "y": a}), needs_replay({"x": a, "y": b}, minute_steps=True)
        (False, True)
    """
    if minute_steps:
        return len({(float(arr[0, 0]) if len(arr) else None, len(arr)) for arr in trade.values()}) > 1
    reference = None
    for arr in trade.values():
        ts = arr[:, 0]
        if len(ts) > 1 and not (np.diff(ts) == MINUTE_MS).all():
            return True
        if reference is None:
            reference = ts
        elif not np.array_equal(ts, reference):
            return True
    return False


def _bucket_starts(ts: np.ndarray, tf_ms: int) -> np.ndarray:
    return (ts.astype(np.int64) // tf_ms) * tf_ms


def common_start(trade: dict[str, np.ndarray], warm: dict[str, np.ndarray], routes: list, warm_up_candles: int) -> int:
    """The first trading timestamp shared by every series, after every route has ``warm_up_candles`` completed
    candles (counted in the warm-up given, then taken from the first trading buckets), as Jesse 3.5.3 does."""
    start = max(int(arr[0, 0]) for arr in trade.values())
    if warm_up_candles > 0:
        for r in routes:
            w = warm.get(r.key)
            if r.k == 1:
                completed = 0 if w is None else len(w)
            else:
                completed = 0 if w is None or not len(w) else len(group_by_clock(w, r.timeframe, available_at=start))
            deficit = warm_up_candles - completed
            if deficit <= 0:
                continue
            tf_ms = r.k * MINUTE_MS
            starts = np.unique(_bucket_starts(trade[r.key][:, 0], tf_ms))
            if len(starts) <= deficit:
                raise InvalidCandles(
                    f"candles[{r.key!r}] does not contain {warm_up_candles} completed {r.timeframe} warm-up candles "
                    f"followed by at least one trading candle ({completed} in warmup_candles, {len(starts)} "
                    f"{r.timeframe} buckets in candles)")
            start = max(start, int(starts[deficit - 1]) + tf_ms)
    for key, arr in trade.items():
        if not (arr[:, 0] >= start).any():
            raise InvalidCandles(f"candles[{key!r}]: no trading candle remains after the common start {start} "
                                 "(the latest first timestamp, moved on by the warm-up)")
    return start


class TimeframeBuckets:
    """Clock buckets of one timeframe (all of them, known up front), ``complete`` of them released so far, and
    the spare slot for the forming bucket. Attribute names follow :class:`~jesse_dag.engine.store.TimeframeCandles`
    so the strategy's view cache works unchanged."""

    __slots__ = ("timeframe", "k", "tf_ms", "truth", "live", "n_warm", "dirty", "_forming_key", "view_n1",
                 "view_version", "view", "slot", "complete", "release_row", "closes_at_release", "last_stored",
                 "snapshots")
    table_stride = 0  # no table of forming candles ahead (MarketCandles.timeframe_view's fast path is off)

    def __init__(self, timeframe: str, k: int, m1: np.ndarray, n_start: int, start: int) -> None:
        from jesse_dag.indicators._core import WindowSlot

        self.timeframe = timeframe
        self.k = k
        self.tf_ms = tf_ms = k * MINUTE_MS
        buckets = group_by_clock(m1, timeframe, available_at=int(m1[-1, 0]) + MINUTE_MS) if len(m1) else \
            np.zeros((0, 6))
        ends = buckets[:, 0].astype(np.int64) + tf_ms
        self.n_warm = self.complete = int(np.searchsorted(ends, start, side="right"))
        # the 1m row whose event releases each bucket: the first row closing at or after the bucket's end
        events = m1[:, 0].astype(np.int64) + MINUTE_MS
        release = np.searchsorted(events, ends, side="left")
        release[:self.n_warm] = -1
        self.release_row = release.tolist()
        self.closes_at_release = [bool(r >= 0 and events[r] == e) for r, e in zip(release.tolist(), ends.tolist())]
        self.truth = np.concatenate([buckets, np.zeros((1, 6))])
        self.live = self.truth.copy()
        self.dirty = -1
        self._forming_key = None
        self.view_n1 = -1
        self.view_version = -1
        self.view = None
        self.slot = WindowSlot(self.truth)
        # Jesse's stored candles of this timeframe: every read stores the forming bucket, and a bucket released
        # later than a newer bucket's forming snapshot finds no row to update and is never stored (lost)
        self.last_stored = int(buckets[self.n_warm - 1, 0]) if self.n_warm else -1
        self.snapshots: set[int] = set()

    def touch_forming(self, bucket: int) -> None:
        """A read stored the forming bucket starting at ``bucket``."""
        if bucket > self.last_stored:
            self.last_stored = bucket
            self.snapshots.add(bucket)

    def release_next(self) -> bool:
        """Release the next bucket; False when Jesse would lose it (then it is removed from the buckets)."""
        j = self.complete
        start = int(self.truth[j, 0])
        if start >= self.last_stored or start in self.snapshots:
            self.snapshots.discard(start)
            self.last_stored = max(self.last_stored, start)
            self.complete = j + 1
            return True
        self.truth = np.delete(self.truth, j, axis=0)
        self.live = np.delete(self.live, j, axis=0)
        del self.release_row[j]
        del self.closes_at_release[j]
        self.dirty = -1
        self.slot.pristine = self.truth
        self.slot.columns = {}
        self.slot.entries = {}
        self.slot.view = None
        return False


class ClockMarketCandles(MarketCandles):
    """:class:`MarketCandles` whose higher timeframes are clock buckets released by the replay loop.

    ``m1`` holds every row (warm-up, rows before the common start, trading rows); the first ``n_start`` are
    visible when the run starts.
    """

    def __init__(self, exchange: str, symbol: str, m1: np.ndarray, n_start: int, start: int, timeframes: list[str],
                 window_cache=None) -> None:
        from jesse_dag.candles.timeframes import timeframe_to_minutes
        from jesse_dag.indicators._core import WindowSlot

        self.exchange = exchange
        self.symbol = symbol
        self.n_warm = n_start
        self.n_trade = len(m1) - n_start
        self.m1 = np.ascontiguousarray(m1)
        self._m1_private = True  # build_markets hands over a fresh array: partial rows are written into it
        self._partial = None
        self.n1 = n_start
        self.tfs = {}
        for tf in timeframes:
            if tf != "1m" and tf not in self.tfs:
                self.tfs[tf] = TimeframeBuckets(tf, timeframe_to_minutes(tf), self.m1, n_start, start)
        self._saved_row = None
        self._saved_index = -1
        self._version = 0
        self._m1_view_key = None
        self._m1_view = None
        self.window_cache = window_cache
        self.m1_slot = WindowSlot(self.m1)
        if window_cache is not None:
            window_cache.add(self.m1_slot)
            for tfc in self.tfs.values():
                window_cache.add(tfc.slot)

    def get(self, timeframe: str) -> np.ndarray:
        view = super().get(timeframe)
        if timeframe != "1m":
            tfc = self.tfs[timeframe]
            # the memo serves clean prefixes of the released buckets only (no forming bucket)
            tfc.slot.forming = None
            if tfc.dirty >= 0 and tfc.dirty < len(view):
                tfc.slot.view = None
        return view

    def _get(self, tfc: TimeframeBuckets) -> np.ndarray:
        complete = tfc.complete
        if tfc.dirty >= 0:
            tfc.live[tfc.dirty] = tfc.truth[tfc.dirty]
            tfc.dirty = -1
        if self.n1 == 0:
            return tfc.live[:complete]
        last_ts = int(self.m1[self.n1 - 1, 0])
        bucket = last_ts - last_ts % tfc.tf_ms
        if complete > 0 and int(tfc.truth[complete - 1, 0]) >= bucket:
            return tfc.live[:complete]
        # the forming bucket: the rows seen so far since its clock start
        tfc.touch_forming(bucket)
        first = int(np.searchsorted(self.m1[:self.n1, 0], bucket, side="left"))
        row = aggregate_rows(self.m1[first:self.n1])
        row[0] = bucket
        tfc.live[complete] = row
        tfc.dirty = complete
        tfc._forming_key = (self.n1, self._version)
        return tfc.live[:complete + 1]


def _usable_warmup(trade: dict[str, np.ndarray], warm: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    first = max(int(arr[0, 0]) for arr in trade.values())
    return {k: w[w[:, 0] + MINUTE_MS <= first] for k, w in warm.items() if len(w)}


def replay_common_start(trade: dict[str, np.ndarray], warm: dict[str, np.ndarray], routes: list,
                        warm_up_candles: int) -> int:
    """The timestamp of the first trading event :func:`build_markets` will use (timestamps only)."""
    return common_start(trade, _usable_warmup(trade, warm), routes, warm_up_candles)


def build_markets(trade: dict[str, np.ndarray], warm: dict[str, np.ndarray], order: list[str], pairs: dict,
                  routes: list, warm_up_candles: int, window_cache) -> tuple[int, dict[str, ClockMarketCandles]]:
    """The common start and one clock-bucket candle store per market (warm-up rows closing after the latest
    first trading timestamp are dropped, as Jesse's warm-up injection does)."""
    warm = _usable_warmup(trade, warm)
    start = common_start(trade, warm, routes, warm_up_candles)
    stores = {}
    for k in order:
        ex, symbol = pairs[k]
        w = warm.get(k)
        # a fresh array in every case: the store writes partial rows into it (the caller's rows stay as given)
        m1 = np.concatenate([w, trade[k]]) if w is not None and len(w) else np.array(trade[k], order="C")
        n_start = int(np.searchsorted(m1[:, 0], start, side="left"))
        tfs = [r.timeframe for r in routes if r.key == k]
        stores[k] = ClockMarketCandles(ex, symbol, m1, n_start, start, tfs, window_cache)
    if warm_up_candles > 0:
        for r in routes:
            mc = stores[r.key]
            have = mc.n_warm if r.k == 1 else mc.tfs[r.timeframe].complete
            if have < warm_up_candles:
                raise InvalidCandles(f"only {have} of {warm_up_candles} required completed {r.timeframe} warm-up "
                                     f"candles are available for {r.key} before {start}")
    return start, stores


def _touch_route_candles(position) -> None:
    """Jesse reads the route's current candle after every fill (its chart marker), which stores the forming
    bucket; reproduce that read so a bucket released late is lost exactly when Jesse loses it."""
    strategy = position.strategy
    if strategy is not None and strategy.timeframe != "1m":
        strategy._market.candles.get(strategy.timeframe)


def _touch_partial(mc, idx: int) -> None:
    """Jesse stores, for every timeframe of the market, a candle of the last ``minute-of-bucket + 1`` visible
    rows whenever a fill shows a partial row (stamped with the first of those rows: across a gap, an earlier
    bucket's start); reproduce its effect on which late-released buckets are kept."""
    ts = int(mc.m1[idx, 0])
    for tfc in mc.tfs.values():
        n = (ts % tfc.tf_ms) // MINUTE_MS + 1
        tfc.touch_forming(int(mc.m1[max(0, idx + 1 - n), 0]))


def _walk_row(session: Session, market, idx: int, row: list, prev_close: float | None) -> None:
    """Jesse's ``_simulate_price_change_effect`` for one source row: orders jumped over by the gap from the
    previous close fill at the open, then the orders inside the row along its price path (re-sorted after
    each fill), then the close becomes the price and an isolated position is checked for liquidation."""
    mc = market.candles
    p = market.position
    active = [o for o in market.active if o.status == ACTIVE]
    if active:
        open_price, high, low = row[1], row[3], row[4]
        executing = [o for o in active if low <= o.price <= high]
        gap_orders = []
        if prev_close is not None and prev_close != open_price:
            gap_orders = [o for o in active if gap_crosses(o, prev_close, open_price)]
        shown = False
        if gap_orders:
            if len(gap_orders) > 1:
                gap_orders.sort(key=lambda o: o.price, reverse=open_price < prev_close)
            mc.show_partial(idx, [row[0], open_price, open_price, open_price, open_price, 0.0])
            _touch_partial(mc, idx)
            shown = True
            p.current_price = open_price
            session.time = int(row[0]) + MINUTE_MS
            for o in gap_orders:
                if o.status != ACTIVE:
                    continue
                o.vars = dict(o.vars)
                o.vars["submitted_price"] = o.price
                o.price = open_price
                session.execute_order(o)
                _touch_route_candles(p)
            executing = [o for o in market.active if o.status == ACTIVE and low <= o.price <= high]
        if executing:
            temp = list(row)
            if len(executing) > 1:
                executing = sort_execution_orders(executing, [temp])
            while True:
                executed = False
                for o in executing:
                    if o.status != ACTIVE:
                        continue
                    if temp[4] <= o.price <= temp[3]:
                        before, temp = split_row(temp, o.price)
                        mc.show_partial(idx, before)
                        _touch_partial(mc, idx)
                        shown = True
                        p.current_price = before[2]
                        executed = True
                        session.execute_order(o)
                        _touch_route_candles(p)
                        executing = [x for x in market.active
                                     if x.status == ACTIVE and temp[4] <= x.price <= temp[3]]
                        if len(executing) > 1:
                            executing = sort_execution_orders(executing, [temp])
                        break
                if not executed:
                    break
        if shown:
            mc.end_partial(idx)
            mc.n1 = idx + 1
    p.current_price = row[2]
    if session.isolated and p.qty != 0:
        session.check_liquidation(market, row[1], row[3], row[4], prev_close)


FUNDING_INTERVAL_MS = 8 * 3_600_000
SKIP_QUIET_ROWS = True  # run_replay skips rows where nothing can happen (False: every row stepped, for tests)


class _QuietRows:
    """Finds, for the replay of one market, how far the rows from a cursor on are quiet: no bucket released, no
    daily sample due, no resting order reached, no position to liquidate. Rows before that change nothing but
    the price, the clock and the visible count. What it reads per call is cached: the row of the next sample
    (per sample time) and the resting orders as arrays (per order created and status changed)."""

    def __init__(self, session: Session, market, tfs: list) -> None:
        self.session = session
        self.market = market
        self.tfs = tfs
        self.ts = market.candles.m1[:, 0]
        self.n_rows = len(market.candles.m1)
        self.sample_at = None
        self.sample_row = 0
        self.orders_key = None
        self.prices = self.kinds = None

    def until(self, c: int) -> int:
        """The first row from ``c`` on that the replay must step through (``c`` itself when it must now)."""
        session = self.session
        market = self.market
        if session.isolated and market.position.qty != 0:
            return c
        stop = self.n_rows
        for tfc in self.tfs:
            rel = tfc.release_row
            if tfc.complete < len(rel) and rel[tfc.complete] < stop:
                stop = rel[tfc.complete]
        if session.next_sample != self.sample_at:
            # the first row closing at or after the next sample (taken only at an event on the cadence)
            self.sample_at = session.next_sample
            self.sample_row = int(self.ts.searchsorted(session.next_sample - MINUTE_MS, side="left"))
        if self.sample_row < stop:
            stop = self.sample_row
        if stop <= c + 1 or not market.active:
            return stop
        key = (session._id_counter, session.status_changes)  # every new order, every fill or cancellation
        if key != self.orders_key:
            self.orders_key = key
            prices, kinds = [], []
            for o in market.active:
                if o.status == ACTIVE:
                    prices.append(o.price)
                    kinds.append(gap_kind(o))
            self.prices = np.array(prices, dtype=np.float64)
            self.kinds = np.array(kinds, dtype=np.int64)
        if not len(self.prices):
            return stop
        return first_reached_row(market.candles.m1, self.prices, self.kinds, c, stop)


def gap_kind(order) -> int:
    """1: a gap up fills it (sell LIMIT, buy STOP), -1: a gap down (buy LIMIT, sell STOP), 0: neither."""
    if (order.type == LIMIT and order.side == SELL) or (order.type == STOP and order.side == BUY):
        return 1
    if (order.type == LIMIT and order.side == BUY) or (order.type == STOP and order.side == SELL):
        return -1
    return 0


def run_replay(session: Session, start: int, fast_mode: bool) -> None:
    """Replay every event in time order (the whole run of one backtest on gapped or unequal input)."""
    markets = sorted(session.markets.values(), key=lambda m: m.key)
    # positions that can be liquidated: isolated ones, and cross ones with the opt-in cross_liquidation
    session.isolated = (session.exchange.type == "futures"
                        and (session.exchange.futures_leverage_mode == "isolated"
                             or session.exchange.cross_liquidation))
    # per market: its event times (the row closes from the common start on)
    per_market = []
    all_events = []
    for m in markets:
        mc = m.candles
        ev = mc.m1[mc.n_warm:, 0].astype(np.int64) + MINUTE_MS
        per_market.append(ev)
        all_events.append(ev)
    events = np.unique(np.concatenate(all_events)).tolist() if all_events else []
    routes = sorted(session.routes, key=lambda r: (r.exchange, r.symbol, r.timeframe,
                                                   str(getattr(r.strategy, "name", r.strategy_name))))
    step = 0
    for r in list(session.routes) + list(session.data_routes):
        step = gcd(step, r.k)
    cadence = step * MINUTE_MS if fast_mode else MINUTE_MS

    # per market: a cursor into its rows, its timeframes' release cursors, and its routes
    cursors = [m.candles.n_warm for m in markets]
    # rows read one at a time as lists (Python floats, as _walk_row wants): a whole-array tolist() costs five
    # times the candles' memory and reads every row, most of which the skip below never visits
    m1s = [m.candles.m1 for m in markets]
    n_rows = [len(a) for a in m1s]
    tf_lists = [list(m.candles.tfs.values()) for m in markets]
    route_of = {}
    for r in routes:
        route_of.setdefault((r.key, r.timeframe), []).append(r)

    session.time = start
    session.starting_time = start
    session.save_daily_balance()
    session.next_sample = start + FIRST_SAMPLE_DELAY_MS
    funding = session.funding_rate != 0
    next_funding = (start // FUNDING_INTERVAL_MS + 1) * FUNDING_INTERVAL_MS

    n_markets = len(markets)
    # One market, no 1m route, no funding: runs of rows where nothing can happen (no bucket released, no
    # resting order reached, no daily sample due, no market order waiting, no position to liquidate) are
    # skipped at once; each would only move the price, the clock and the visible count.
    skip = SKIP_QUIET_ROWS and n_markets == 1 and not funding and all(r.k > 1 for r in routes)
    if skip:
        mc0 = markets[0].candles
        m10 = m1s[0]
        quiet = _QuietRows(session, markets[0], tf_lists[0])
    n_events = len(events)
    e = 0
    while e < n_events:
        t = events[e]
        e += 1
        if skip and not session.to_execute:
            c = cursors[0]
            reached = quiet.until(c)
            if reached > c + 1:  # (below two rows: the row is stepped, without looking at the orders)
                # rows c .. reached-1 pass as the loop below would pass them: nothing but moves
                cursors[0] = reached
                mc0.n1 = reached
                markets[0].position.current_price = float(m10[reached - 1, 2])
                session.time = int(m10[reached - 1, 0]) + MINUTE_MS
                e += reached - c - 1
                continue
        session.time = t
        sources = []
        for i in range(n_markets):
            c = cursors[i]
            if c < n_rows[i] and int(m1s[i][c, 0]) + MINUTE_MS == t:
                sources.append(i)
                markets[i].candles.n1 = c + 1
        updated = set()
        for i in sources:
            m = markets[i]
            c = cursors[i]
            cursors[i] = c + 1
            row = m1s[i][c].tolist()
            prev_close = float(m1s[i][c - 1, 2]) if c > 0 else None
            _walk_row(session, m, c, row, prev_close)
            updated.add((m.key, "1m"))
            for tfc in tf_lists[i]:
                rel = tfc.release_row
                while tfc.complete < len(rel) and rel[tfc.complete] == c:
                    closes = tfc.closes_at_release[tfc.complete]
                    if tfc.release_next() and closes:
                        updated.add((m.key, tfc.timeframe))
                    rel = tfc.release_row
                    tfc.view_n1 = -1  # a view handed out before the release is stale
        while funding and session.time >= next_funding:
            session.pay_funding()
            next_funding += FUNDING_INTERVAL_MS
        for r in routes:
            if (r.key, r.timeframe) in updated:
                r.strategy._execute(None)
        for m in markets:
            if m.active:
                m.active = [o for o in m.active if o.status == ACTIVE]
        if session.to_execute:
            session.execute_simulated_market_orders()
        now = int(session.time)
        if now >= session.next_sample and (now - start) % cadence == 0:
            session.save_daily_balance()
            while session.next_sample <= now:
                session.next_sample += DAY_MS

    for r in routes:
        r.strategy._terminate()
        session.execute_simulated_market_orders()
    session.save_daily_balance()
    session.ending_time = session.time + MINUTE_MS
