"""One backtest's whole state and its minute loop (Jesse 3.5.3's fast-mode "skip" simulator, §4.6).

Everything a run touches lives on a :class:`Session` instance: positions, orders, the exchange, the candle
store, the clock, closed trades, daily balances. Nothing is module-level, so two runs in one process, or the
same run in parallel processes, cannot see each other.

The loop steps over blocks of ``step = gcd(route and data-route minutes)`` 1m rows. A block where no
active order is touched (neither inside its high/low nor jumped over by the gap from the previous close) is
skipped at once: the numba kernel in :mod:`jesse_dag.engine.kernels` finds the next block that needs
Python, so cost grows with bars and fills, not with minutes. A touched block is walked minute by minute
with Jesse's rules: gap fills at the open, then intrabar fills in the order of Jesse's price-path model,
splitting the minute at each fill.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

import numpy as np

from jesse_dag.candles.timeframes import timeframe_to_minutes
from jesse_dag.engine.exceptions import EmptyPosition, OpenPositionError
from jesse_dag.engine.models import (
    ACTIVE, BUY, CANCELED, EXECUTED, LIMIT, MARKET, SELL, STOP, ClosedTrade, Exchange, Order, Position, exact_sub,
    exact_sum, format_id,
)
from jesse_dag.engine.store import MarketCandles

DAY_MS = 86_400_000
FIRST_SAMPLE_DELAY_MS = 86_460_000
_new_object = object.__new__  # (create_order builds an Order without calling its class)


def format_time(ms: float | int | None) -> str:
    """UTC ``YYYY-MM-DD HH:MM`` of an epoch-ms time (for error messages)."""
    if ms is None:
        return "?"
    return datetime.fromtimestamp(int(ms) / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


class Route:
    """A trading route (strategy attached) or a data route (``strategy`` None)."""

    __slots__ = ("exchange", "symbol", "timeframe", "strategy", "strategy_name", "k", "key")

    def __init__(self, exchange: str, symbol: str, timeframe: str, strategy_name: Any = None) -> None:
        self.exchange = exchange
        self.symbol = symbol
        self.timeframe = timeframe
        self.strategy_name = strategy_name
        self.strategy = None
        self.k = timeframe_to_minutes(timeframe)
        self.key = f"{exchange}-{symbol}"


def split_candle(c: np.ndarray, price: float) -> tuple[np.ndarray, np.ndarray]:
    """Jesse's split of a 1m candle at ``price``: (the part before the touch, the part after)."""
    ts, o, cl, h, l, v = c[0], c[1], c[2], c[3], c[4], c[5]
    bull = cl >= o
    bear = cl < o
    A = np.array
    if bull and l < price < o:
        return A([ts, o, price, o, price, v]), A([ts, price, cl, h, l, v])
    if price == o:
        return c, c
    if bear and o < price < h:
        return A([ts, o, price, price, o, v]), A([ts, price, cl, h, l, v])
    if bear and l < price < cl:
        return A([ts, o, price, h, price, v]), A([ts, price, cl, cl, l, v])
    if bull and cl < price < h:
        return A([ts, o, price, price, l, v]), A([ts, price, cl, h, cl, v])
    if bear and price == cl:
        return A([ts, o, cl, h, cl, v]), A([ts, price, price, price, l, v])
    if bull and price == cl:
        return A([ts, o, cl, cl, l, v]), A([ts, price, price, h, price, v])
    if bear and price == h:
        return A([ts, o, h, h, o, v]), A([ts, h, cl, h, l, v])
    if bull and price == l:
        return A([ts, o, l, o, l, v]), A([ts, l, cl, h, l, v])
    if bear and price == l:
        return A([ts, o, l, h, l, v]), A([ts, l, cl, cl, l, v])
    if bull and price == h:
        return A([ts, o, h, h, l, v]), A([ts, h, cl, h, cl, v])
    if bear and cl < price < o:
        return A([ts, o, price, h, price, v]), A([ts, price, cl, price, l, v])
    if bull and o < price < cl:
        return A([ts, o, price, price, l, v]), A([ts, price, cl, h, price, v])
    return None, c  # unreachable for a price inside the candle


def split_row(c: list, price: float) -> tuple[list, list]:
    """:func:`split_candle` on a candle given as a list (the engine's hot path; same arithmetic, no arrays)."""
    ts, o, cl, h, l, v = c
    bull = cl >= o
    bear = cl < o
    if bull and l < price < o:
        return [ts, o, price, o, price, v], [ts, price, cl, h, l, v]
    if price == o:
        return c, c
    if bear and o < price < h:
        return [ts, o, price, price, o, v], [ts, price, cl, h, l, v]
    if bear and l < price < cl:
        return [ts, o, price, h, price, v], [ts, price, cl, cl, l, v]
    if bull and cl < price < h:
        return [ts, o, price, price, l, v], [ts, price, cl, h, cl, v]
    if bear and price == cl:
        return [ts, o, cl, h, cl, v], [ts, price, price, price, l, v]
    if bull and price == cl:
        return [ts, o, cl, cl, l, v], [ts, price, price, h, price, v]
    if bear and price == h:
        return [ts, o, h, h, o, v], [ts, h, cl, h, l, v]
    if bull and price == l:
        return [ts, o, l, o, l, v], [ts, l, cl, h, l, v]
    if bear and price == l:
        return [ts, o, l, h, l, v], [ts, l, cl, cl, l, v]
    if bull and price == h:
        return [ts, o, h, h, l, v], [ts, h, cl, h, cl, v]
    if bear and cl < price < o:
        return [ts, o, price, h, price, v], [ts, price, cl, price, l, v]
    if bull and o < price < cl:
        return [ts, o, price, price, l, v], [ts, price, cl, h, price, v]
    return None, c  # unreachable for a price inside the candle


def gap_crosses(order: Order, prev_close: float, open_price: float) -> bool:
    """Was this resting order jumped over by the move from the previous close to this open (3.5.3)?"""
    p = order.price
    if open_price > prev_close:
        return prev_close <= p <= open_price and (
            (order.type == LIMIT and order.side == SELL) or (order.type == STOP and order.side == BUY))
    if open_price < prev_close:
        return open_price <= p <= prev_close and (
            (order.type == LIMIT and order.side == BUY) or (order.type == STOP and order.side == SELL))
    return False


def sort_execution_orders(orders: list[Order], rows: np.ndarray) -> list[Order]:
    """Jesse's fill order inside candles: by the first row that reaches each order, then the path model."""
    remaining = list(orders)
    out: list[Order] = []
    for row in rows:
        o_, c_, l_, h_ = row[1], row[2], row[4], row[3]
        included = [o for o in remaining if l_ <= o.price <= h_]
        if len(included) == 1:
            out.append(included[0])
            remaining.remove(included[0])
        elif len(included) > 1:
            on_open, above, below = [], [], []
            for o in included:
                if o.price == o_:
                    on_open.append(o)
                if o.price > o_:
                    above.append(o)
                else:
                    below.append(o)
            out += on_open
            if o_ > c_:  # red: O -> H -> L -> C
                above.sort(key=lambda x: x.price)
                below.sort(key=lambda x: x.price, reverse=True)
                out += above + below
            else:
                below.sort(key=lambda x: x.price, reverse=True)
                above.sort(key=lambda x: x.price)
                out += below + above
            remaining = [o for o in remaining if o not in included]
        if len(out) >= len(orders) or not remaining:
            break
    return out


class Market:
    """Per exchange-symbol state: candles, position, orders (all / active), the trade being built."""

    def __init__(self, key: str, exchange: str, symbol: str, candles: MarketCandles, position: Position) -> None:
        self.key = key
        self.exchange = exchange
        self.symbol = symbol
        self.candles = candles
        self.position = position
        self.orders: list[Order] = []
        self.active: list[Order] = []
        self.current_trade: ClosedTrade | None = None
        self.just_closed: ClosedTrade | None = None


class Session:
    """The whole mutable state of one backtest."""

    def __init__(self, *, exchange: Exchange, markets: dict[str, Market], routes: list[Route],
                 data_routes: list[Route], session_id: str, options: dict) -> None:
        self.exchange = exchange
        self.markets = markets
        self.routes = routes
        self.data_routes = data_routes
        self.session_id = session_id
        self.options = options
        self.time = 0
        self.starting_time = 0
        self.ending_time = 0
        self.to_execute: list[Order] = []
        self.closed_trades: list[ClosedTrade] = []
        self.shared_vars: dict = {}
        self.daily_balance: list[float] = []
        self.daily_balance_timestamps: list[int] = []
        self.total_open_trades = 0
        self.total_open_pl = 0.0
        self.total_liquidations = 0
        self.step_sampling = False  # fast_mode=False: daily samples at their own minute, as step mode
        self.next_sample = 0
        self.sampled_in_block = False
        self.isolated = False
        self._id_counter = 0
        self.funding_rate = 0.0  # opt-in, per 8 hours
        self.funding_paid = 0.0
        self.status_changes = 0  # orders cancelled or executed so far (the active lists need filtering)
        self.user_code_runs = 0  # bumped whenever a strategy's own code may run (hooks, callbacks)
        # progress of simulated time: checked at each daily sample only (never per minute or bar), and the
        # callback runs at most every 1% of the run (inf: no callback, a single comparison per day)
        self.progress_callback = None
        self.progress_next = float("inf")
        self.progress_span = (0, 0)
        self._id_namespace = uuid.UUID(int=0)
        self._last_market: Market | None = None  # execute_order's last market

    # -- ids and time ------------------------------------------------------------------------------------------
    def new_id(self) -> str:
        """Deterministic ids (same run, same ids), shaped like Jesse's uuid4 strings."""
        self._id_counter += 1
        return format_id(self._id_counter)

    def new_id_number(self) -> int:
        """:meth:`new_id`'s number, formatted later by :func:`format_id` (orders format theirs when read)."""
        self._id_counter += 1
        return self._id_counter

    def time_text(self) -> str:
        return format_time(self.time)

    # -- order submission (Jesse's Sandbox driver + order_service.create_order) --------------------------------
    def create_order(self, market: Market, side: str, type: str, qty: float, price: float,
                     reduce_only: bool) -> Order:
        if qty.__class__ is not float:
            qty = float(qty)
        if price.__class__ is not float:
            price = float(price)
        self._id_counter += 1  # self.new_id_number(), inlined
        # Order(id, session_id, exchange, symbol, side, type, signed qty, price, reduce_only, time) with its
        # __init__ written out: calling a class costs about as much as setting the fields
        order = _new_object(Order)
        order._id = self._id_counter
        order.trade_id = None
        order.session_id = self.session_id
        order.exchange = market.exchange
        order.symbol = market.symbol
        order.side = side
        order.type = type
        order.qty = abs(qty) if side == BUY else -abs(qty)
        order.filled_qty = 0.0
        order.price = price
        order.reduce_only = reduce_only
        order.status = ACTIVE
        order.created_at = self.time
        order.executed_at = None
        order.canceled_at = None
        order.submitted_via = None
        order.fee = None
        order.vars = {}
        order._recorded_fill_qty = 0.0
        ex = self.exchange
        if not reduce_only or ex.books_reduce_only:  # (a futures exchange books no reduce-only order)
            ex.on_order_submission(order, self.time_text)
        market.orders.append(order)
        market.active.append(order)
        if type == MARKET:
            self.to_execute.append(order)
        return order

    def cancel_order(self, order: Order) -> None:
        if order.status == CANCELED or order.status == EXECUTED:
            return
        order.canceled_at = self.time
        order.status = CANCELED
        self.status_changes += 1
        self.exchange.on_order_cancellation(order)

    def cancel_all_orders(self, market: Market) -> None:
        # cancel_order on each active order, inlined (a strategy re-placing its entry cancels every bar);
        # cancelling changes no list, so market.active is walked as it is
        time = self.time
        ex = self.exchange
        on_cancellation = ex.on_order_cancellation
        books_reduce_only = ex.books_reduce_only
        for o in market.active:
            status = o.status
            if status == CANCELED or status == EXECUTED:
                continue
            o.canceled_at = time
            o.status = CANCELED
            self.status_changes += 1
            if books_reduce_only or not o.reduce_only:  # (a futures exchange books no reduce-only order)
                on_cancellation(o)
        market.orders.clear()

    def execute_simulated_market_orders(self) -> None:
        if not self.to_execute:
            return
        for o in self.to_execute:
            self.execute_order(o)
        self.to_execute = []

    # -- order execution (order_service.execute_order + position_service.on_executed_order) ---------------------
    def execute_order(self, order: Order) -> None:
        status = order.status
        if status == CANCELED or status == EXECUTED:
            return
        symbol = order.symbol
        market = self._last_market
        if market is None or market.symbol is not symbol or market.exchange != order.exchange:
            # (a run's orders are on one market or a few: the last one looked up, without building its key)
            market = self._last_market = self.markets[f"{order.exchange}-{symbol}"]
        p = market.position
        ex = self.exchange
        otype = order.type
        rate = ex.fill_rate = ex.maker_fee if otype == LIMIT else ex.taker_fee  # ex.rate_for(order)
        if ex.slippage and otype != LIMIT and not order.vars.get("liquidation"):
            # opt-in slippage: market and stop fills move against the trader
            order.vars = dict(order.vars)
            order.vars["slipped_from"] = order.price
            order.price = order.price * (1 + ex.slippage) if order.side == BUY else order.price * (1 - ex.slippage)
        order.executed_at = self.time
        order.status = EXECUTED
        self.status_changes += 1
        qty = order.qty
        price = order.price
        pq = p.qty
        reduce_only = order.reduce_only
        if reduce_only and pq != 0 and abs(qty) > abs(pq):
            filled = order.filled_qty = -pq
        else:
            filled = order.filled_qty = qty
        if order.fee is None:
            order.fee = rate * (abs(filled or qty) * price)

        # closed_trade_service.add_executed_order. A flip (a non-reduce-only order larger than the position)
        # is booked per trade on purpose, unlike Jesse: the closing leg (qty and fee) on the closed trade,
        # the opening leg on the new one (Jesse books the whole order on the closed trade).
        fill = abs(filled or 0.0)
        flip_open_qty = 0.0
        if (not reduce_only and pq != 0 and pq * qty < 0 and abs(qty) > abs(pq)
                and exact_sum(pq, qty) != 0):
            flip_open_qty = abs(exact_sum(pq, qty))
            fill = abs(pq)
        t = market.current_trade
        if t is None:
            self._id_counter += 1  # self.new_id(), inlined
            t = market.current_trade = ClosedTrade(format_id(self._id_counter))
        order.trade_id = t.id
        t.orders.append(order)
        t.leg_fees.append(order.fee if not flip_open_qty else rate * (fill * price))
        incremental = fill - order._recorded_fill_qty
        if incremental > 0:
            order._recorded_fill_qty = fill
            (t.buy_orders if order.side == BUY else t.sell_orders).append((incremental, price))

        if not reduce_only or ex.books_reduce_only:  # (a futures exchange books no reduce-only order)
            ex.on_order_execution(order)

        # position_service.on_executed_order
        if ex.type == "futures":
            # ex.charge_fee(filled * price), inlined
            currency = ex.settlement_currency
            balance = ex.assets[currency] = ex.assets[currency] - abs(filled * price) * rate
            if balance < 0:
                ex._warn_negative_balance()
        if pq == 0:
            self._open(market, p, qty, price)
        elif qty == -pq and pq - pq == 0 or exact_sum(pq, qty) == 0:  # (exact_sum's own shortcut first)
            self._close(market, p, price)
        elif pq * qty > 0:
            if not reduce_only:
                self._increase(p, qty, price)
        elif pq * qty < 0:
            if abs(qty) > abs(pq):
                if reduce_only:
                    self._close(market, p, price)
                else:
                    diff_qty = exact_sum(pq, qty)
                    self._close(market, p, price)
                    self._open(market, p, diff_qty, price)
                    opening = market.current_trade
                    leg = abs(diff_qty)
                    opening.orders.append(order)
                    opening.leg_fees.append(ex.fill_rate * (leg * price))
                    (opening.buy_orders if order.side == BUY else opening.sell_orders).append((leg, price))
            else:
                self._reduce(p, qty, price)
        if p.strategy is not None:
            p.strategy._on_updated_position(order)

    def _update_qty(self, p: Position, qty: float, operation: str) -> None:
        p.previous_qty = p.qty
        if self.exchange.type == "spot":
            if operation == "set":
                p.qty = qty * (1 - self.exchange.fill_rate)
            elif operation == "add":
                p.qty = exact_sum(p.qty, qty * (1 - self.exchange.fill_rate))
            else:
                p.qty = exact_sub(p.qty, qty)
        else:
            if operation == "set":
                p.qty = qty
            elif operation == "add":
                p.qty = exact_sum(p.qty, qty)
            else:
                p.qty = exact_sub(p.qty, qty)

    @staticmethod
    def _estimate_pnl(qty: float, entry: float, exit_: float, long: bool) -> float:
        qty = abs(qty)
        profit = qty * (exit_ - entry)
        if not long:
            profit *= -1
        return profit - 0 * qty * (entry + exit_)

    def _open(self, market: Market, p: Position, qty: float, price: float) -> None:
        if p.qty != 0:
            raise OpenPositionError("an already open position cannot be opened")
        p.entry_price = price
        p.exit_price = None
        # self._update_qty(p, qty, "set"), inlined
        p.previous_qty = p.qty
        p.qty = qty * (1 - self.exchange.fill_rate) if self.exchange.type == "spot" else qty
        # a float as in Jesse, whose clock is a candle timestamp read from a float64 array (trade dicts and
        # their hashes then match Jesse's: 1747918620000.0, not 1747918620000)
        opened_at = p.opened_at = float(self.time)
        t = market.current_trade
        if t is None:
            self._id_counter += 1
            t = market.current_trade = ClosedTrade(format_id(self._id_counter))
        t.opened_at = opened_at
        t.leverage = p.leverage
        strategy = p.strategy
        t.timeframe = strategy.timeframe if strategy is not None else None
        t.strategy_name = strategy.name if strategy is not None else None
        t.exchange = p.exchange_name
        t.symbol = p.symbol
        t.type = "long" if p.qty > 0 else "short" if p.qty < 0 else "close"  # p.type
        t.session_id = self.session_id

    def _close(self, market: Market, p: Position, price: float) -> None:
        pq = p.qty
        if pq == 0:
            raise EmptyPosition("The position is already closed.")
        p.exit_price = price
        closed_at = p.closed_at = float(self.time)
        ex = self.exchange
        if ex.type == "futures":
            ex.add_realized_pnl(self._estimate_pnl(abs(pq), p.entry_price, price, pq > 0))
        # self._update_qty(p, 0, "set"), inlined
        p.previous_qty = pq
        p.qty = 0 * (1 - ex.fill_rate) if ex.type == "spot" else 0
        p.entry_price = None
        t = market.current_trade
        if t is None or t.opened_at is None:  # (not t.is_open)
            return
        t.closed_at = closed_at
        strategy = p.strategy
        if strategy is not None:
            strategy.trades_count += 1
        self.closed_trades.append(t)
        market.just_closed = t
        market.current_trade = None

    def _reduce(self, p: Position, qty: float, price: float) -> None:
        if p.qty == 0:
            raise EmptyPosition("The position is closed.")
        qty = abs(qty)
        if self.exchange.type == "futures":
            self.exchange.add_realized_pnl(self._estimate_pnl(qty, p.entry_price, price, p.qty > 0))
        self._update_qty(p, qty, "subtract" if p.qty > 0 else "add")

    def _increase(self, p: Position, qty: float, price: float) -> None:
        qty = abs(qty)
        p.entry_price = (abs(qty) * price + abs(p.qty) * p.entry_price) / (abs(qty) + abs(p.qty))
        self._update_qty(p, qty, "add" if p.qty > 0 else "subtract")

    # -- balances --------------------------------------------------------------------------------------------
    def portfolio_balance(self) -> float:
        if self.exchange.type == "futures":
            total = self.exchange.assets[self.exchange.settlement_currency]
            for m in self.markets.values():
                if m.position.qty != 0:
                    total += m.position.pnl
            return total
        for m in self.markets.values():
            if m.position.strategy is not None:
                return m.position.strategy.portfolio_value
        return self.exchange.wallet_balance

    def advance_sample(self) -> None:
        while self.next_sample <= self.time:
            self.next_sample += DAY_MS

    def watch_progress(self, callback, start_ms: int, end_ms: int) -> None:
        """Call ``callback(fraction_done)`` as simulated time passes ``start_ms..end_ms``, every 1% at most."""
        self.progress_callback = callback
        self.progress_span = (start_ms, max(end_ms, start_ms + 1))
        self.progress_next = start_ms

    def _report_progress(self, ts: int) -> None:
        start, end = self.progress_span
        share = min(max((ts - start) / (end - start), 0.0), 1.0)
        self.progress_next = ts + (end - start) / 100
        self.progress_callback(share)

    def save_daily_balance(self) -> None:
        value = self.portfolio_balance()
        ts = int(self.time)
        if ts >= self.progress_next:
            self._report_progress(ts)
        if self.daily_balance_timestamps and self.daily_balance_timestamps[-1] == ts:
            self.daily_balance[-1] = value
        else:
            self.daily_balance.append(value)
            self.daily_balance_timestamps.append(ts)

    # -- funding (opt-in, perpetual futures) ----------------------------------------------------------------
    def pay_funding(self) -> None:
        """Charge ``funding_rate`` on every open position's notional at the current price (longs pay a
        positive rate, shorts receive it), as a perpetual exchange does at 00:00, 08:00 and 16:00 UTC."""
        rate = self.funding_rate
        ex = self.exchange
        for m in self.markets.values():
            p = m.position
            if p.qty != 0 and p.current_price is not None:
                payment = p.qty * p.current_price * rate
                ex.assets[ex.settlement_currency] = ex.assets[ex.settlement_currency] - payment
                self.funding_paid += payment

    # -- liquidation (isolated mode; cross with the opt-in ``cross_liquidation``) -------------------------------
    def check_liquidation(self, market: Market, candle_open: float, high: float, low: float,
                          prev_close: float | None) -> None:
        p = market.position
        if p.qty == 0 or self.exchange.type != "futures":
            return
        cross = self.exchange.futures_leverage_mode == "cross"
        if cross and not self.exchange.cross_liquidation:
            return
        liq = p.liquidation_price
        reached = low <= liq <= high
        if prev_close is not None:
            reached = reached or (min(prev_close, candle_open) <= liq <= max(prev_close, candle_open))
        if not reached:
            return
        side = SELL if p.qty > 0 else BUY
        order = Order(self.new_id_number(), self.session_id, market.exchange, market.symbol, side, MARKET,
                      -abs(p.qty) if side == SELL else abs(p.qty),
                      p.cross_bankruptcy_price if cross else p.bankruptcy_price, True, self.time)
        order.vars["liquidation"] = True
        market.orders.append(order)
        market.active.append(order)
        self.total_liquidations += 1
        self.execute_order(order)
