"""The minute loop over a :class:`~jesse_dag.engine.session.Session` (Jesse's fast-mode simulator, §4.6).

Blocks of ``step`` 1m rows; a block where no active order is reached and no liquidation price is crossed is
skipped without looking at its minutes. Touched blocks are walked minute by minute in Python with Jesse's
exact rules (gap fills at the open, then intrabar fills along the assumed price path, splitting the minute
at each fill). Long stretches between strategy executions are scanned by the numba kernel
:func:`jesse_dag.engine.kernels.first_touched_block`.
"""
from __future__ import annotations

import math

import numpy as np

from jesse_dag.engine.kernels import block_table, first_reached_block
from jesse_dag.engine.models import ACTIVE, BUY, LIMIT, SELL, STOP
from jesse_dag.engine.session import (
    FIRST_SAMPLE_DELAY_MS, Market, Session, gap_crosses, sort_execution_orders, split_row,
)


def _executing(active: list, lo: float, hi: float) -> list:
    return [o for o in active if o.status == ACTIVE and lo <= o.price <= hi]


def _first_reachable_minute(rows: list, j: int, n_rows: int, active: list, cprev: float | None) -> int:
    """The first of the minutes ``j..n_rows-1`` whose range, widened by the jump from the previous close,
    holds the price of an active order (``n_rows`` if none): no minute before it can fill anything.

    A superset of the walk's own test (an order inside the minute's high/low, or jumped over from the
    previous close to the open, which lies inside the range): only ever too early, never too late.

    Example:
        >>> rows = [[0, 10., 10., 11., 9., 1.], [60_000, 10., 12., 12., 10., 1.]]
        >>> _first_reachable_minute(rows, 0, 2, [], None)
        2
    """
    prices = [o.price for o in active if o.status == ACTIVE]
    if not prices:
        return n_rows
    while j < n_rows:
        r = rows[j]
        lo = r[4]
        hi = r[3]
        if cprev is not None:
            if cprev < lo:
                lo = cprev
            elif cprev > hi:
                hi = cprev
        for price in prices:
            if lo <= price <= hi:
                return j
        cprev = r[2]
        j += 1
    return n_rows


def walk_block(session: Session, market: Market, base: int, n_rows: int, real_lo: float, real_hi: float,
               prev_close: float | None) -> None:
    """Jesse's ``_simulate_price_change_effect_multiple_candles`` for one touched block, minute by minute.

    Minutes that no active order reaches (neither inside their high/low nor jumped over from the previous
    close) only move the visible count and the price; the rest are split at each fill in Jesse's order.
    Rows are handled as Python lists (same float arithmetic as the arrays, without numpy scalar overhead).
    Nothing observes the minutes that reach nothing (in step mode, unless a daily sample is due at one's end
    or an isolated position is open): a scan jumps over them.
    """
    mc = market.candles
    p = market.position
    rows = mc.m1[base:base + n_rows].tolist()
    step_sampling = session.step_sampling
    if step_sampling:
        executing = []  # (each minute takes its own)
    else:
        executing = _executing(market.active, real_lo, real_hi)
        if len(executing) > 1:
            executing = sort_execution_orders(executing, rows)
    reachable = -1  # the next minute the scan found an order may be reached in
    for j in range(n_rows):
        if j < reachable:
            continue
        if reachable < j:
            # the orders may have changed since the last scan (a fill at the minute before)
            reachable = _first_reachable_minute(rows, j, n_rows, market.active,
                                                rows[j - 1][2] if j > 0 else prev_close)
            if step_sampling and reachable > j:
                if session.isolated and p.qty != 0:
                    reachable = j  # its liquidation is checked at every minute
                else:
                    # a daily sample due at the end of a minute (the block's last is sampled by the loop)
                    next_sample = session.next_sample
                    last = min(reachable, n_rows - 1) - 1
                    if last >= j and int(rows[last][0]) + 60_000 >= next_sample:  # (most blocks: none due)
                        for m in range(j, last + 1):
                            if int(rows[m][0]) + 60_000 >= next_sample:
                                reachable = m
                                break
            if reachable > j:
                # the minutes before it reach nothing: the state the walk of each leaves at its end
                mc.n1 = base + reachable
                p.current_price = rows[reachable - 1][2]
                continue
        idx = base + j
        temp = rows[j]
        cprev = rows[j - 1][2] if j > 0 else prev_close
        open_price = temp[1]
        lo = temp[4]
        hi = temp[3]
        gapped = cprev is not None and cprev != open_price
        if step_sampling:
            # Jesse's step simulator: each minute takes the active orders inside that minute, sorted for it
            # (fast mode: the block's orders, sorted once for the block)
            executing = _executing(market.active, lo, hi)
            if len(executing) > 1:
                executing = sort_execution_orders(executing, [temp])
        # Skip a minute nothing reaches: the state after it is what the full walk below leaves.
        reached = False
        for o in executing:
            if o.status == ACTIVE and lo <= o.price <= hi:
                reached = True
                break
        if not reached and gapped:
            for o in market.active:
                if o.status == ACTIVE and gap_crosses(o, cprev, open_price):
                    reached = True
                    break
        if not reached:
            mc.n1 = idx + 1
            p.current_price = temp[2]
            if step_sampling:
                if session.isolated and p.qty != 0:
                    _liquidation_minute(session, market, temp, cprev)
                if j < n_rows - 1:
                    _step_sample(session, temp)
            continue
        mc.n1 = idx
        if gapped:
            gap_orders = [o for o in market.active if o.status == ACTIVE and gap_crosses(o, cprev, open_price)]
            if gap_orders:
                if len(gap_orders) > 1:
                    gap_orders.sort(key=lambda o: o.price, reverse=open_price < cprev)
                mc.show_partial(idx, [temp[0], open_price, open_price, open_price, open_price, 0.0])
                p.current_price = open_price
                session.time = int(temp[0]) + 60_000
                for o in gap_orders:
                    if o.status != ACTIVE:
                        continue
                    o.vars = dict(o.vars)
                    o.vars["submitted_price"] = o.price
                    o.price = open_price
                    session.execute_order(o)
                if step_sampling:
                    executing = _executing(market.active, lo, hi)
                    if len(executing) > 1:
                        executing = sort_execution_orders(executing, [temp])
                else:
                    executing = _executing(market.active, real_lo, real_hi)
                    if len(executing) > 1:
                        executing = sort_execution_orders(executing, rows[j:])
        while True:
            executed = False
            for o in executing:
                if o.status != ACTIVE:
                    continue
                price = o.price
                if temp[4] <= price <= temp[3]:
                    before, temp = split_row(temp, price)
                    mc.show_partial(idx, before)
                    p.current_price = before[2]
                    executed = True
                    session.time = int(before[0]) + 60_000
                    session.execute_order(o)
                    if step_sampling:
                        # step mode: the orders inside what is left of the minute, sorted for it
                        executing = _executing(market.active, temp[4], temp[3])
                        if len(executing) > 1:
                            executing = sort_execution_orders(executing, [temp])
                    else:
                        executing = _executing(market.active, real_lo, real_hi)
                    break
            if not executed:
                mc.end_partial(idx)
                mc.n1 = idx + 1
                p.current_price = temp[2]
                break
        if step_sampling and session.isolated and p.qty != 0:
            _liquidation_minute(session, market, rows[j], cprev)
        if step_sampling and j < n_rows - 1:
            if session.to_execute:
                # step mode executes the MARKET orders a fill's callbacks submitted (e.g. exits within
                # 0.01% of the price) at the end of that minute; fast mode at the end of the block
                _step_market_orders(session, int(rows[j][0]) + 60_000)
                executing = _executing(market.active, real_lo, real_hi)
            _step_sample(session, rows[j])
    mc.end_partial(base + n_rows - 1)


def _liquidation_minute(session: Session, market: Market, row: list, prev_close: float | None) -> None:
    """Step mode: Jesse's step simulator checks an isolated position's liquidation after every minute."""
    session.time = int(row[0]) + 60_000
    session.check_liquidation(market, row[1], row[3], row[4], prev_close)


def _step_market_orders(session: Session, minute_end: int) -> None:
    session.time = minute_end
    session.execute_simulated_market_orders()


def _step_sample(session: Session, row: list) -> None:
    minute_end = int(row[0]) + 60_000
    if minute_end >= session.next_sample:
        session.time = minute_end
        session.save_daily_balance()
        session.advance_sample()
        session.sampled_in_block = True


BLOCK_CHUNK = 4096  # blocks whose Python lists exist at once (a few MiB, whatever the run's length)


class _Blocks:
    """Per-market block aggregates of the trading rows (open, close, high, low per block): numpy arrays for
    every block, and Python lists (indexing them is faster in the loop) for a window of ``BLOCK_CHUNK`` blocks.

    The lists are indexed from the window's first block ``lo``: block ``b`` is at ``b - lo``. Building them
    per window, not for the whole run, keeps a year of 1m candles from holding ~1 M Python floats at once.
    ``load`` builds the lists the one-route loop reads on every bar; the ranges resting orders are tested
    against (``lo_any_l``, ``hi_any_l``) are None until ``load_ranges``, the lists walks, liquidation checks and
    the general loop read (``open_l``, ``high_l``, ``low_l``, ``ts_l``, ``prev_l``, ``nrows_l``, ``base_l``)
    until ``load_rest``: most windows of a strategy that rests no order never need them.

    Example:
        >>> # blocks = _Blocks(market, 15); blocks.load(b); blocks.close_l[b - blocks.lo] == blocks.close[b]
    """

    def __init__(self, market: Market, step: int) -> None:
        mc = market.candles
        trade = mc.m1[mc.n_warm:]
        self.table = table = block_table(trade, step)
        self.open, self.close, self.high, self.low, self.first_ts, self.prev_close, self.lo_any, self.hi_any = \
            table[:8]
        self.n_blocks = table.shape[1]
        self.step = step
        self.n_warm = mc.n_warm
        self.lo = self.hi = 0  # no window yet: the loops load the first one they need

    def load(self, lo: int) -> None:
        """The lists of blocks ``lo`` up to ``lo + BLOCK_CHUNK`` (the same values as the arrays, as floats and ints)."""
        hi = min(lo + BLOCK_CHUNK, self.n_blocks)
        self.lo, self.hi = lo, hi
        table = self.table
        self.close_l = table[1, lo:hi].tolist()
        n_rows = table[8, lo:hi].astype(np.int64)
        # the row counts are whole numbers: int64 arithmetic as before
        self.end_time_l = (table[4, lo:hi].astype(np.int64) + 60_000 * n_rows).tolist()
        # the visible 1m count at each block's end
        self.n1_l = (self._base(lo, hi) + n_rows).tolist()
        self.lo_any_l = self.hi_any_l = None
        self.open_l = self.high_l = self.low_l = self.ts_l = self.prev_l = self.nrows_l = self.base_l = None

    def load_full(self, lo: int) -> None:
        """``load`` then every list of the window."""
        self.load(lo)
        self.load_ranges()
        self.load_rest()

    def load_rest(self) -> None:
        """The window's lists of walks, liquidation checks and the general loop (see the class docstring)."""
        lo, hi = self.lo, self.hi
        window = self.table[:, lo:hi]
        self.open_l, _, self.high_l, self.low_l, self.ts_l, prev_l = window[:6].tolist()
        if lo == 0 and prev_l:
            prev_l[0] = None  # the first block has no previous close
        self.prev_l = prev_l
        self.nrows_l = window[8].astype(np.int64).tolist()  # whole numbers, as ints
        self.base_l = self._base(lo, hi).tolist()

    def load_ranges(self) -> list:
        """The window's ``lo_any_l`` and ``hi_any_l`` (each block's range widened by the gap from the previous
        close); returns ``lo_any_l``."""
        self.lo_any_l = lo_any = self.table[6, self.lo:self.hi].tolist()
        self.hi_any_l = self.table[7, self.lo:self.hi].tolist()
        return lo_any

    def _base(self, lo: int, hi: int) -> np.ndarray:
        return np.arange(self.n_warm + lo * self.step, self.n_warm + hi * self.step, self.step, dtype=np.int64)


def _load(all_blocks: list[_Blocks], b: int) -> int:
    """Every market's lists from block ``b`` on unless ``b`` is in the loaded window; ``b``'s index in them."""
    bl = all_blocks[0]
    if not bl.lo <= b < bl.hi:
        for blocks in all_blocks:
            blocks.load_full(b)
    return b - bl.lo


def _needs_walk(market: Market, i: int, blocks: _Blocks) -> bool:
    lo_any_l = blocks.lo_any_l
    if lo_any_l is None:
        lo_any_l = blocks.load_ranges()
    lo_any = lo_any_l[i]
    hi_any = blocks.hi_any_l[i]
    for o in market.active:
        pr = o.price
        # a cheap superset test first; most resting orders are far from the block's range
        if lo_any <= pr <= hi_any and o.status == ACTIVE:
            if blocks.low_l[i] <= pr <= blocks.high_l[i]:
                return True
            prev = blocks.prev_l[i]
            op = blocks.open_l[i]
            if prev is not None and prev != op and gap_crosses(o, prev, op):
                return True
    return False


def _simulate_block(session: Session, market: Market, i: int, blocks: _Blocks) -> None:
    walked = bool(market.active) and _needs_walk(market, i, blocks)
    if walked:
        walk_block(session, market, blocks.base_l[i], blocks.nrows_l[i], blocks.low_l[i], blocks.high_l[i],
                   blocks.prev_l[i])
    _finish_block(session, market, i, blocks, minutes_checked=walked and session.step_sampling)


def _finish_block(session: Session, market: Market, i: int, blocks: _Blocks,
                  minutes_checked: bool = False) -> None:
    """The state at the block's end; an isolated position's liquidation checked on the block (fast mode) or,
    in step mode, on each of its minutes unless the walk already did (``minutes_checked``)."""
    mc = market.candles
    p = market.position
    if session.isolated and p.qty != 0 and not minutes_checked:
        if session.step_sampling:
            base = blocks.base_l[i]
            prev = blocks.prev_l[i]
            for k, row in enumerate(mc.m1[base:base + blocks.nrows_l[i]].tolist()):
                # the liquidation's callbacks see the candles and the price of its minute
                mc.n1 = base + k + 1
                p.current_price = row[2]
                _liquidation_minute(session, market, row, prev)
                if p.qty == 0:
                    break
                prev = row[2]
        else:
            session.time = blocks.end_time_l[i]
            session.check_liquidation(market, blocks.open_l[i], blocks.high_l[i], blocks.low_l[i],
                                      blocks.prev_l[i])
    mc.n1 = blocks.n1_l[i]
    session.time = blocks.end_time_l[i]
    p.current_price = blocks.close_l[i]


def _simulate_block_by_minute(session: Session, pairs: list, i: int) -> None:
    """Step mode with several markets: Jesse's step simulator goes minute by minute, and each minute market by
    market, so fills (and the trades they close) come in time order across markets, and a daily sample due
    inside the block sees every market at its own minute. Blocks no order reaches are simulated whole."""
    walking = [bool(m.active) and _needs_walk(m, i, bl) for m, bl in pairs]
    # isolated positions are checked for liquidation at every minute, in time order across markets
    if not any(walking) and not (session.isolated and any(m.position.qty != 0 for m, _ in pairs)):
        for m, bl in pairs:
            _finish_block(session, m, i, bl)
        return
    n_rows = pairs[0][1].nrows_l[i]
    first_ts = int(pairs[0][1].ts_l[i])
    for j in range(n_rows):
        for (m, bl), walk in zip(pairs, walking):
            mc = m.candles
            idx = bl.base_l[i] + j
            if walk and m.active:
                prev = bl.prev_l[i] if j == 0 else float(mc.m1[idx - 1, 2])
                walk_block(session, m, idx, 1, float(mc.m1[idx, 4]), float(mc.m1[idx, 3]), prev)
            else:
                mc.n1 = idx + 1
                m.position.current_price = float(mc.m1[idx, 2])
                if session.isolated and m.position.qty != 0:
                    prev = bl.prev_l[i] if j == 0 else float(mc.m1[idx - 1, 2])
                    _liquidation_minute(session, m, mc.m1[idx].tolist(), prev)
        minute_end = first_ts + 60_000 * (j + 1)
        if j < n_rows - 1 and session.to_execute:
            _step_market_orders(session, minute_end)
        if j < n_rows - 1 and minute_end >= session.next_sample:
            session.time = minute_end
            session.save_daily_balance()
            session.advance_sample()
            session.sampled_in_block = True
    for m, bl in pairs:
        _finish_block(session, m, i, bl, minutes_checked=True)


def _order_arrays(market: Market):
    """Active orders of the market as arrays for the skip kernel (price, gap kind) and the liquidation price."""
    prices, kinds = [], []
    for o in market.active:
        if o.status != ACTIVE:
            continue
        prices.append(o.price)
        # gap rule: 1 = filled by an up-gap (sell LIMIT / buy STOP), -1 = by a down-gap, 0 = never
        if (o.type == LIMIT and o.side == SELL) or (o.type == STOP and o.side == BUY):
            kinds.append(1)
        elif (o.type == LIMIT and o.side == BUY) or (o.type == STOP and o.side == SELL):
            kinds.append(-1)
        else:
            kinds.append(0)
    p = market.position
    liq = math.nan
    if p.qty != 0:
        liq = p.liquidation_price
    return np.array(prices, dtype=np.float64), np.array(kinds, dtype=np.int64), float(liq)


def _mid_block_sample(session: Session, markets: list[Market], all_blocks: list[_Blocks], i: int) -> None:
    """Step-mode sampling: a daily sample due inside a block, at its own minute (positions at that close)."""
    if session.sampled_in_block:
        return
    bl = all_blocks[0]
    block_end = int(bl.ts_l[i]) + 60_000 * bl.nrows_l[i]
    while session.next_sample < block_end:
        minute = (session.next_sample - 60_000 - int(bl.ts_l[i])) // 60_000
        if minute < 0:
            session.advance_sample()
            continue
        saved = [(m.position, m.position.current_price) for m in markets]
        for m, blocks in zip(markets, all_blocks):
            row = m.candles.m1[blocks.base_l[i] + minute]
            m.position.current_price = float(row[2])
        end_time = session.time
        session.time = session.next_sample
        session.save_daily_balance()
        session.time = end_time
        for pos, price in saved:
            pos.current_price = price
        session.advance_sample()


FUNDING_INTERVAL_MS = 8 * 3_600_000


def _run_every_block(session: Session, market: Market, bl: _Blocks, strategy, n_blocks: int) -> int:
    """:func:`run_fast`'s loop over blocks ``0..n_blocks-1`` when one route on one market runs at every block
    (no funding, no liquidation checked per minute): the block simulation and the bookkeeping of the general
    loop, inlined. Returns the number of blocks done (the general loop goes on from there)."""
    mc = market.candles
    p = market.position
    # Strategy._execute inlined: its bookkeeping around the hooks, ``before`` called as Strategy._call does
    check = strategy._check
    overrides = strategy._overrides
    has_before = overrides["before"]
    has_after = overrides["after"]
    has_chart = overrides["update_chart"]
    has_update_position = overrides["update_position"]
    # no hook runs on a bar in a position but the declaration check (no before / after / update_chart /
    # update_position): while that check has nothing to do and nothing happens (no walk, no liquidation check,
    # no market order), a bar in a position is its index (``holding``; see the end of the loop)
    quiet_in_position = not (has_before or has_after or has_chart or has_update_position)
    holding = False
    filtered_at = -1  # session.status_changes when market.active was last filtered
    # (the strategy is never executing at the top of a block, so _execute's re-entry test is left out)
    session.sampled_in_block = False
    step_sampling = session.step_sampling
    isolated = session.isolated  # (fast mode: an open position's liquidation is checked on each block)
    # An isolated position's liquidation price depends on its side, entry price and the leverage only: kept
    # for the (qty, entry price) it was computed for (a cross one's also on the wallet: asked each block)
    liq_kept = isolated and session.exchange.futures_leverage_mode == "isolated"
    liq_qty = liq_entry = liq = None
    next_sample = session.next_sample
    for lo in range(0, n_blocks, BLOCK_CHUNK):
        # one window of blocks at a time (bl's lists are indexed from its first block)
        bl.load(lo)
        stop = min(bl.hi, n_blocks)
        closes = list(bl.close[lo:stop])  # the same numpy float64 prices, without an array index per block
        close_l = bl.close_l
        end_time_l = bl.end_time_l
        n1_l = bl.n1_l
        lo_any_l = hi_any_l = None  # (read from the window's first bar with a resting order)
        for i in range(stop - lo):
            if market.active:
                # _needs_walk's superset test inlined: most bars no resting order is near the block's range
                if lo_any_l is None:
                    lo_any_l = bl.lo_any_l or bl.load_ranges()
                    hi_any_l = bl.hi_any_l
                lo_any = lo_any_l[i]
                hi_any = hi_any_l[i]
                for o in market.active:
                    if lo_any <= o.price <= hi_any:
                        if bl.low_l is None:
                            bl.load_rest()
                        if _needs_walk(market, i, bl):
                            walk_block(session, market, bl.base_l[i], bl.nrows_l[i], bl.low_l[i], bl.high_l[i],
                                       bl.prev_l[i])
                            holding = False
                        break
            if isolated and p.qty != 0:
                # _finish_block's test, before the block's end state is set
                if liq_kept:
                    if p.qty != liq_qty or p.entry_price != liq_entry:
                        liq_qty = p.qty
                        liq_entry = p.entry_price
                        liq = p.liquidation_price
                    # the test's range: the block's, widened by the gap from the previous close
                    reached = (bl.lo_any_l or bl.load_ranges())[i] <= liq <= bl.hi_any_l[i]
                else:
                    reached = True
                if reached:
                    holding = False
                    if bl.low_l is None:
                        bl.load_rest()
                    session.time = end_time_l[i]
                    session.check_liquidation(market, bl.open_l[i], bl.high_l[i], bl.low_l[i], bl.prev_l[i])
            mc.n1 = n1_l[i]
            session.time = t = end_time_l[i]
            p.current_price = close_l[i]
            if step_sampling:
                # a daily sample due inside the block, at its own minute (unless the walk took it)
                next_sample = session.next_sample  # (a walk may have taken one)
                if next_sample < t and not session.sampled_in_block:
                    if bl.low_l is None:
                        bl.load_rest()
                    _mid_block_sample(session, [market], [bl], i)
                    next_sample = session.next_sample
                session.sampled_in_block = False
            if holding:
                # nothing happened since the last bar, which ended holding: this one would run no code
                strategy.index += 1
                if t >= next_sample:
                    session.save_daily_balance()
                    session.advance_sample()
                    next_sample = session.next_sample
                continue
            strategy._is_executing = True
            strategy._cached_price = closes[i]
            try:
                if has_before:
                    previous = strategy._hook
                    strategy._hook = "before"
                    session.user_code_runs += 1
                    try:
                        strategy.before()
                    except Exception as exc:
                        strategy._hook_failed(exc, previous)
                        raise
                    strategy._hook = previous
                if (p.qty == 0 or has_update_position or session.to_execute or strategy._checked_qty != p.qty
                        or strategy._checked_touches != strategy._declaration_touches
                        or strategy._checked_status != session.status_changes):
                    check()
                # (else: in a position, no update_position, nothing the declaration check looks at changed since
                # it last found nothing to do, no market order to execute: _check would do nothing)
                if has_after:
                    strategy._call("after")
                if has_chart:
                    strategy._call("update_chart")
            finally:
                strategy._cached_price = None
                strategy._is_executing = False
            strategy.index += 1
            if market.active and session.status_changes != filtered_at:
                market.active = [o for o in market.active if o.status == ACTIVE]
                filtered_at = session.status_changes
            if session.to_execute:
                session.execute_simulated_market_orders()
            if t >= next_sample:
                session.save_daily_balance()
                session.advance_sample()
                next_sample = session.next_sample
            # the next bar in a position skips _check (above) and the rest of the bar's steps as long as nothing
            # happens (each of them either did nothing on this bar or is skipped: no code runs)
            holding = (quiet_in_position and p.qty != 0 and not session.to_execute and strategy._checked_qty == p.qty
                       and strategy._checked_touches == strategy._declaration_touches
                       and strategy._checked_status == session.status_changes
                       and (not market.active or filtered_at == session.status_changes))
    return n_blocks


def run_fast(session: Session, step: int) -> None:
    """The fast-mode loop: blocks of ``step`` minutes, strategies at their timeframe closes."""
    markets = list(session.markets.values())
    routes = session.routes
    n = markets[0].candles.n_trade
    all_blocks = [_Blocks(m, step) for m in markets]
    n_blocks = all_blocks[0].n_blocks
    # positions that can be liquidated: isolated ones, and cross ones with the opt-in cross_liquidation
    session.isolated = (session.exchange.type == "futures"
                        and (session.exchange.futures_leverage_mode == "isolated"
                             or session.exchange.cross_liquidation))
    first_ts = int(markets[0].candles.m1[markets[0].candles.n_warm, 0])
    session.time = first_ts
    session.starting_time = first_ts
    session.save_daily_balance()
    session.next_sample = next_sample = first_ts + FIRST_SAMPLE_DELAY_MS
    route_ks = [r.k for r in routes]
    # per route: blocks per bar, its strategy, its market, and the close of its market's block (the price)
    route_plan = [(r.k // step, r.strategy, session.markets[r.key],
                   all_blocks[markets.index(session.markets[r.key])].close) for r in routes]
    single = len(markets) == 1
    market0 = markets[0]
    bl0 = all_blocks[0]
    pairs = list(zip(markets, all_blocks))
    can_skip = single and min(route_ks) > step
    step_sampling = session.step_sampling
    funding = session.funding_rate != 0
    next_funding = (first_ts // FUNDING_INTERVAL_MS + 1) * FUNDING_INTERVAL_MS
    if funding:
        can_skip = False  # every funding instant needs its block's close
    if (single and len(routes) == 1 and route_plan[0][0] == 1 and not (session.isolated and step_sampling)
            and not funding):
        # the common shape (one market, one route, a strategy bar per block): the same steps, inlined; step
        # mode runs no strategy on a short last block: the loop below takes that one
        b = _run_every_block(session, market0, bl0, routes[0].strategy,
                             n_blocks - 1 if step_sampling and n % step else n_blocks)
        if b < n_blocks and bl0.lo <= b < bl0.hi:
            bl0.load_full(bl0.lo)  # (the general loop below reads every list of the window)
    else:
        b = 0
    filtered_at = [-1] * len(route_plan)  # per route: session.status_changes when its market's list was filtered
    while b < n_blocks:
        end_minutes = (b + 1) * step
        if can_skip and end_minutes < n and not any(end_minutes % k == 0 for k in route_ks):
            # Nothing needs Python until the next strategy close or daily sample: the kernel finds the
            # next block whose orders or liquidation price are reached, and the blocks before it are skipped.
            stop_block = n_blocks - 1
            for k in route_ks:
                stop_block = min(stop_block, (-(-end_minutes // k) * k) // step - 1)
            sample_block = -(-(next_sample - first_ts) // (step * 60_000)) - 1
            stop_block = min(stop_block, max(sample_block, b))
            if stop_block > b:
                prices, kinds, liq = _order_arrays(market0)
                hit = first_reached_block(bl0.lo_any, bl0.hi_any, bl0.low, bl0.high, prices, kinds, liq, b,
                                          stop_block)
                if hit > b:
                    mc = market0.candles
                    last = _load(all_blocks, hit - 1)
                    mc.n1 = bl0.n1_l[last]
                    session.time = bl0.end_time_l[last]
                    market0.position.current_price = bl0.close_l[last]
                    b = hit
                    continue
        session.sampled_in_block = False
        if b >= bl0.hi:
            _load(all_blocks, b)
        i = b - bl0.lo  # b's index in the blocks' lists
        if single:
            _simulate_block(session, market0, i, bl0)
        elif step_sampling:
            _simulate_block_by_minute(session, pairs, i)
        else:
            for m, bl in pairs:
                _simulate_block(session, m, i, bl)
        if step_sampling:
            _mid_block_sample(session, markets, all_blocks, i)
        while funding and session.time >= next_funding:
            session.pay_funding()
            next_funding += FUNDING_INTERVAL_MS
        nb1 = b + 1
        # Step mode runs a route only at a complete bar; fast mode also at the end of a short last block
        # (Jesse's block counter reaches the bar's end even when the candles stop before it).
        run_routes = not (step_sampling and nb1 == n_blocks and n % step)
        for r, (kb, strategy, market, closes) in enumerate(route_plan):
            if nb1 % kb == 0 and run_routes:
                strategy._execute(closes[b])
            # (no order cancelled or executed since this route's last filtering: every order left is active)
            if market.active and session.status_changes != filtered_at[r]:
                market.active = [o for o in market.active if o.status == ACTIVE]
                filtered_at[r] = session.status_changes
        if session.to_execute:
            session.execute_simulated_market_orders()
        if session.time >= session.next_sample:
            session.save_daily_balance()
            session.advance_sample()
        next_sample = session.next_sample
        b = nb1

    for r in routes:
        r.strategy._terminate()
        session.execute_simulated_market_orders()
    session.save_daily_balance()
    session.ending_time = session.time + 60_000
