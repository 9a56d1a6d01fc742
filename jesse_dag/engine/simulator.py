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

from jesse_dag.engine.kernels import first_touched_block
from jesse_dag.engine.models import ACTIVE, BUY, LIMIT, SELL, STOP
from jesse_dag.engine.session import (
    FIRST_SAMPLE_DELAY_MS, Market, Session, gap_crosses, sort_execution_orders, split_candle,
)


def _executing(active: list, lo: float, hi: float) -> list:
    return [o for o in active if o.status == ACTIVE and lo <= o.price <= hi]


def walk_block(session: Session, market: Market, base: int, n_rows: int, real_lo: float, real_hi: float,
               prev_close: float | None) -> None:
    """Jesse's ``_simulate_price_change_effect_multiple_candles`` for one touched block, minute by minute."""
    mc = market.candles
    p = market.position
    rows = mc.m1[base:base + n_rows].copy()
    executing = _executing(market.active, real_lo, real_hi)
    if len(executing) > 1:
        executing = sort_execution_orders(executing, rows)
    for j in range(n_rows):
        idx = base + j
        mc.n1 = idx
        temp = rows[j].copy()
        cprev = rows[j - 1, 2] if j > 0 else prev_close
        open_price = temp[1]
        if cprev is not None and cprev != open_price:
            gap_orders = [o for o in market.active if o.status == ACTIVE and gap_crosses(o, cprev, open_price)]
            if gap_orders:
                if len(gap_orders) > 1:
                    gap_orders.sort(key=lambda o: o.price, reverse=open_price < cprev)
                opening = temp.copy()
                opening[2:5] = open_price
                opening[5] = 0
                mc.show_partial(idx, opening)
                p.current_price = open_price
                session.time = int(temp[0]) + 60_000
                for o in gap_orders:
                    if o.status != ACTIVE:
                        continue
                    o.vars = dict(o.vars)
                    o.vars["submitted_price"] = o.price
                    o.price = open_price
                    session.execute_order(o)
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
                    before, temp = split_candle(temp, price)
                    mc.show_partial(idx, before)
                    p.current_price = before[2]
                    executed = True
                    session.time = int(before[0]) + 60_000
                    session.execute_order(o)
                    executing = _executing(market.active, real_lo, real_hi)
                    break
            if not executed:
                mc.end_partial(idx)
                mc.n1 = idx + 1
                p.current_price = temp[2]
                break
        if session.step_sampling and j < n_rows - 1:
            minute_end = int(rows[j, 0]) + 60_000
            if minute_end >= session.next_sample:
                session.time = minute_end
                session.save_daily_balance()
                session.advance_sample()
                session.sampled_in_block = True
    mc.end_partial(base + n_rows - 1)


class _Blocks:
    """Per-market block aggregates of the trading rows (open, close, high, low per block), as lists."""

    def __init__(self, market: Market, step: int) -> None:
        mc = market.candles
        trade = mc.m1[mc.n_warm:]
        n = len(trade)
        nb = -(-n // step)
        idx = np.arange(nb) * step
        ends = np.minimum(idx + step, n)
        self.open = trade[idx, 1]
        self.close = trade[ends - 1, 2]
        self.high = np.maximum.reduceat(trade[:, 3], idx)
        self.low = np.minimum.reduceat(trade[:, 4], idx)
        self.first_ts = trade[idx, 0]
        self.prev_close = np.concatenate([[np.nan], trade[idx[1:] - 1, 2]]) if nb > 1 else np.array([np.nan])
        self.n_rows = (ends - idx)
        self.open_l = self.open.tolist()
        self.close_l = self.close.tolist()
        self.high_l = self.high.tolist()
        self.low_l = self.low.tolist()
        self.ts_l = self.first_ts.tolist()
        self.prev_l = [None] + self.close_l[:-1]
        self.nrows_l = self.n_rows.tolist()


def _needs_walk(market: Market, b: int, blocks: _Blocks) -> bool:
    active = market.active
    if not active:
        return False
    lo = blocks.low_l[b]
    hi = blocks.high_l[b]
    prev = blocks.prev_l[b]
    op = blocks.open_l[b]
    for o in active:
        if o.status != ACTIVE:
            continue
        pr = o.price
        if lo <= pr <= hi:
            return True
        if prev is not None and prev != op and gap_crosses(o, prev, op):
            return True
    return False


def _simulate_block(session: Session, market: Market, b: int, step: int, blocks: _Blocks) -> None:
    mc = market.candles
    n_rows = blocks.nrows_l[b]
    base = mc.n_warm + b * step
    if _needs_walk(market, b, blocks):
        walk_block(session, market, base, n_rows, blocks.low_l[b], blocks.high_l[b], blocks.prev_l[b])
    mc.n1 = base + n_rows
    session.time = int(blocks.ts_l[b]) + 60_000 * n_rows
    p = market.position
    if p.qty != 0 and session.isolated:
        session.check_liquidation(market, blocks.open_l[b], blocks.high_l[b], blocks.low_l[b], blocks.prev_l[b])
    p.current_price = blocks.close_l[b]


def _order_arrays(markets: list[Market]):
    """Active orders of the (single) market as arrays for the skip kernel."""
    market = markets[0]
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
    if p.qty != 0 and market is not None:
        liq = p.liquidation_price
    return np.array(prices, dtype=np.float64), np.array(kinds, dtype=np.int64), float(liq)


def _mid_block_sample(session: Session, markets: list[Market], all_blocks: list[_Blocks], b: int,
                      step: int) -> None:
    """Step-mode sampling: a daily sample due inside a block, at its own minute (positions at that close)."""
    if session.sampled_in_block:
        return
    bl = all_blocks[0]
    block_end = int(bl.ts_l[b]) + 60_000 * bl.nrows_l[b]
    while session.next_sample < block_end:
        minute = (session.next_sample - 60_000 - int(bl.ts_l[b])) // 60_000
        if minute < 0:
            session.advance_sample()
            continue
        saved = [(m.position, m.position.current_price) for m in markets]
        for m in markets:
            row = m.candles.m1[m.candles.n_warm + b * step + minute]
            m.position.current_price = float(row[2])
        end_time = session.time
        session.time = session.next_sample
        session.save_daily_balance()
        session.time = end_time
        for pos, price in saved:
            pos.current_price = price
        session.advance_sample()


def run_fast(session: Session, step: int) -> None:
    """The fast-mode loop: blocks of ``step`` minutes, strategies at their timeframe closes."""
    markets = list(session.markets.values())
    routes = session.routes
    n = markets[0].candles.n_trade
    all_blocks = [_Blocks(m, step) for m in markets]
    n_blocks = len(all_blocks[0].open_l)
    session.isolated = (session.exchange.type == "futures"
                        and session.exchange.futures_leverage_mode == "isolated")
    first_ts = int(markets[0].candles.m1[markets[0].candles.n_warm, 0])
    session.time = first_ts
    session.starting_time = first_ts
    session.save_daily_balance()
    session.next_sample = next_sample = first_ts + FIRST_SAMPLE_DELAY_MS
    route_ks = [r.k for r in routes]
    single = len(markets) == 1
    b = 0
    while b < n_blocks:
        end_minutes = (b + 1) * step
        runs = any(k == 1 or end_minutes % k == 0 for k in route_ks)
        if not runs and single and end_minutes < n:
            # Nothing needs Python until the next strategy close or daily sample: the kernel finds the
            # next block whose orders or liquidation price are reached, and the blocks before it are skipped.
            market = markets[0]
            bl = all_blocks[0]
            stop_block = n_blocks - 1
            for k in route_ks:
                stop_block = min(stop_block, (-(-end_minutes // k) * k) // step - 1)
            sample_block = -(-(next_sample - first_ts) // (step * 60_000)) - 1
            stop_block = min(stop_block, max(sample_block, b))
            if stop_block > b:
                prices, kinds, liq = _order_arrays(markets)
                hit = first_touched_block(bl.open, bl.high, bl.low, bl.prev_close, prices, kinds, liq, b,
                                          stop_block)
                if hit > b:
                    mc = market.candles
                    last = hit - 1
                    mc.n1 = mc.n_warm + last * step + bl.nrows_l[last]
                    session.time = int(bl.ts_l[last]) + 60_000 * bl.nrows_l[last]
                    market.position.current_price = bl.close_l[last]
                    b = hit
                    continue
        session.sampled_in_block = False
        for m, bl in zip(markets, all_blocks):
            _simulate_block(session, m, b, step, bl)
        if session.step_sampling:
            _mid_block_sample(session, markets, all_blocks, b, step)
        for r in routes:
            if r.k == 1 or end_minutes % r.k == 0:
                r.strategy._execute()
            market = session.markets[r.key]
            if market.active:
                market.active = [o for o in market.active if o.status == ACTIVE]
        if session.to_execute:
            session.execute_simulated_market_orders()
        if session.time >= session.next_sample:
            session.save_daily_balance()
            session.advance_sample()
        next_sample = session.next_sample
        b += 1

    for r in routes:
        r.strategy._terminate()
        session.execute_simulated_market_orders()
    session.save_daily_balance()
    session.ending_time = session.time + 60_000
