"""Orders, positions, closed trades and the two exchanges (futures, spot), with Jesse 3.5.3's accounting.

Every formula here reproduces Jesse's arithmetic in the same order of operations, so balances and PNLs
agree bit for bit (see reference §4.3-§4.5). Quantity updates use :func:`exact_sum` /
:func:`exact_sub`, Jesse's decimal-rounded ``sum_floats`` / ``subtract_floats``.
"""
from __future__ import annotations

import math
import uuid
import warnings
from decimal import Decimal

import numpy as np

from jesse_dag.engine.exceptions import InsufficientBalance, InsufficientMargin

MARKET, LIMIT, STOP = "MARKET", "LIMIT", "STOP"
BUY, SELL = "buy", "sell"
ACTIVE, EXECUTED, CANCELED = "ACTIVE", "EXECUTED", "CANCELED"
STOP_LOSS_VIA, TAKE_PROFIT_VIA = "stop-loss", "take-profit"


def format_id(number: int) -> str:
    """The deterministic id of a session's ``number``-th object: a valid uuid4 string, as Jesse's ids are
    (``jh.is_valid_uuid`` holds), ``str(uuid.UUID(int=number, version=4))``; the counter sits in the low bits,
    below the version and variant bits, so ids stay distinct.

    Example:
        >>> format_id(3)
        '00000000-0000-4000-8000-000000000003'
    """
    if number < 0x1_0000_0000_0000:  # the common case, without building a UUID object
        return f"00000000-0000-4000-8000-{number:012x}"
    return str(uuid.UUID(int=number, version=4))


def exact_sum(a: float, b: float) -> float:
    """Jesse's ``sum_floats``: the sum of the two decimal reprs, rounded once (so 0.1 + 0.2 == 0.3)."""
    a = float(a)
    b = float(b)
    # Exact shortcuts (a repr has at most 17 digits, within the 28-digit context, and round-trips): x + 0 is
    # x, and x + (-x) is +0 under the default rounding. They skip four decimal conversions on a fill.
    if b == 0.0 and a != 0.0:
        return a
    if a == -b and a != 0.0 and a - a == 0.0:  # (finite: inf - inf is an error, as in Jesse)
        return 0.0
    return float(Decimal(repr(a)) + Decimal(repr(b)))


def exact_sub(a: float, b: float) -> float:
    """Jesse's ``subtract_floats``."""
    a = float(a)
    b = float(b)
    if b == 0.0 and a != 0.0:
        return a
    if a == b and a != 0.0 and a - a == 0.0:
        return 0.0
    return float(Decimal(repr(a)) - Decimal(repr(b)))


def np_sum(values: list[float]) -> float:
    """``numpy.sum`` of a list (pairwise order), as Jesse sums its DynamicNumpyArray columns."""
    if not values:
        return 0.0
    return float(np.asarray(values, dtype=np.float64).sum())


def _sum_of_products(rows: list[tuple[float, float]]) -> float:
    """``(qty * price).sum()`` over a book's rows, as numpy sums the products."""
    if not rows:
        return 0.0
    if len(rows) < 8:
        # numpy's pairwise sum is a plain left-to-right loop below 8 items: same bits, no array overhead
        total = 0.0
        for q, p in rows:
            total += q * p
        return total
    arr = np.asarray(rows).reshape(-1, 2)
    return float((arr[:, 0] * arr[:, 1]).sum())


NEAR_PRICE_THRESHOLD = 0.00015


def is_price_near(order_price: float, price_to_compare: float, threshold: float = NEAR_PRICE_THRESHOLD) -> bool:
    """Within 0.015% of the current price: Jesse then submits a MARKET order."""
    return abs(1 - (order_price / price_to_compare)) <= threshold


# Jesse's order dict: its keys in order, with the fields that are the same for every backtest order
_ORDER_DICT: dict = {
    "id": None, "trade_id": None, "session_id": None, "exchange_id": None, "symbol": None, "side": None,
    "type": None, "qty": None, "filled_qty": None, "price": None, "status": None, "created_at": None,
    "canceled_at": None, "executed_at": None, "exchange": None, "reduce_only": None, "submitted_via": None,
    "jesse_submitted": True, "order_exist_in_exchange": True, "updated_at": None, "session_mode": "backtest",
}


class Order:
    """One order. ``qty`` is signed (buys positive); ``price`` is the fill price once executed."""

    __slots__ = ("_id", "trade_id", "session_id", "symbol", "exchange", "side", "type", "reduce_only", "qty",
                 "filled_qty", "price", "status", "created_at", "executed_at", "canceled_at", "submitted_via",
                 "fee", "vars", "_recorded_fill_qty")

    def __init__(self, id: str | int, session_id: str, exchange: str, symbol: str, side: str, type: str,
                 qty: float, price: float, reduce_only: bool, created_at: int) -> None:
        # (Session.create_order sets these same fields itself: keep the two in step)
        self._id = id  # an int is a session's id number, formatted when read (most orders' ids never are)
        self.trade_id = None
        self.session_id = session_id
        self.exchange = exchange
        self.symbol = symbol
        self.side = side
        self.type = type
        self.qty = qty
        self.filled_qty = 0.0
        self.price = price
        self.reduce_only = reduce_only
        self.status = ACTIVE
        self.created_at = created_at
        self.executed_at = None
        self.canceled_at = None
        self.submitted_via = None
        self.fee = None
        self.vars = {}
        self._recorded_fill_qty = 0.0

    @property
    def id(self) -> str:
        i = self._id
        return format_id(i) if type(i) is int else i

    @id.setter
    def id(self, value: str) -> None:
        self._id = value

    is_active = property(lambda self: self.status == ACTIVE)
    is_executed = property(lambda self: self.status == EXECUTED)
    is_filled = is_executed
    is_canceled = property(lambda self: self.status == CANCELED)
    is_queued = property(lambda self: False)
    is_partially_filled = property(lambda self: False)
    is_cancellable = is_active
    is_new = is_active
    is_stop_loss = property(lambda self: self.submitted_via == STOP_LOSS_VIA)
    is_take_profit = property(lambda self: self.submitted_via == TAKE_PROFIT_VIA)

    @property
    def value(self) -> float:
        return abs(self.qty) * self.price

    @property
    def remaining_qty(self) -> float:
        rest = abs(self.qty) - abs(self.filled_qty)
        return rest if self.side == BUY else -rest

    @property
    def to_dict(self) -> dict:
        # a copy of the template (its table sized once, the constant fields in place) filled in: about half the
        # cost of a 21-key dict display, which grows its table as it goes (two orders a trade in every result)
        d = _ORDER_DICT.copy()
        i = self._id  # the id property and format_id's common case, inlined
        d["id"] = (f"00000000-0000-4000-8000-{i:012x}" if i < 0x1_0000_0000_0000 else format_id(i)) \
            if type(i) is int else i
        d["trade_id"] = self.trade_id
        d["session_id"] = self.session_id
        d["symbol"] = self.symbol
        d["side"] = self.side
        d["type"] = self.type
        d["qty"] = self.qty
        d["filled_qty"] = self.filled_qty
        d["price"] = self.price
        d["status"] = self.status
        d["created_at"] = self.created_at
        d["canceled_at"] = self.canceled_at
        d["executed_at"] = self.executed_at
        d["exchange"] = self.exchange
        d["reduce_only"] = self.reduce_only
        d["submitted_via"] = self.submitted_via
        return d

    def __repr__(self) -> str:
        return (f"Order({self.side} {self.type} qty={self.qty} price={self.price} status={self.status}"
                f"{' reduce_only' if self.reduce_only else ''})")


# Jesse's trade dict (``to_dict_with_orders``): its keys in order
_TRADE_DICT: dict = dict.fromkeys((
    "id", "strategy_name", "symbol", "exchange", "type", "entry_price", "exit_price", "qty", "opened_at", "closed_at",
    "fee", "size", "PNL", "PNL_percentage", "holding_period", "orders"))


def _fill_sums(rows: list) -> tuple[float, float]:
    # the quantity and the quantity-weighted price sum of (qty, price) fills, added left to right as _vwap does
    qty = 0.0
    value = 0.0
    for q, p in rows:
        qty += q
        value += q * p
    return qty, value


class ClosedTrade:
    """A position from open to close: Jesse's ClosedTrade (VWAP entry/exit, fees summed over its orders)."""

    __slots__ = ("id", "session_id", "strategy_name", "symbol", "exchange", "type", "timeframe", "opened_at",
                 "closed_at", "leverage", "buy_orders", "sell_orders", "orders", "leg_fees")

    def __init__(self, id: str) -> None:
        self.id = id
        self.session_id = None
        self.strategy_name = None
        self.symbol = None
        self.exchange = None
        self.type = None
        self.timeframe = None
        self.opened_at = None
        self.closed_at = None
        self.leverage = None
        self.buy_orders: list[tuple[float, float]] = []
        self.sell_orders: list[tuple[float, float]] = []
        self.orders: list[Order] = []
        self.leg_fees: list[float] = []  # the fee of each order's part booked on this trade

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    is_long = property(lambda self: self.type == "long")
    is_short = property(lambda self: self.type == "short")

    def _side_rows(self, entry: bool) -> list[tuple[float, float]]:
        if self.type == "long":
            return self.buy_orders if entry else self.sell_orders
        if self.type == "short":
            return self.sell_orders if entry else self.buy_orders
        return []

    @staticmethod
    def _vwap(rows: list[tuple[float, float]]) -> float:
        if not rows:
            return math.nan
        if len(rows) < 8:
            # numpy's pairwise sum is a plain left-to-right loop below 8 items: same bits, no array overhead
            quantity, value = _fill_sums(rows)
            if quantity == 0:
                return math.nan
            return float(value / quantity)
        arr = np.asarray(rows, dtype=np.float64)
        quantity = arr[:, 0].sum()
        if quantity == 0:
            return math.nan
        return float((arr[:, 0] * arr[:, 1]).sum() / quantity)

    @property
    def qty(self) -> float:
        if self.type not in ("long", "short"):
            return 0.0
        rows = self._side_rows(True)
        if len(rows) < 8:
            total = 0.0
            for q, _ in rows:
                total += q
            return float(total)
        return float(np.asarray(rows, dtype=np.float64).reshape(-1, 2)[:, 0].sum())

    @property
    def entry_price(self) -> float:
        return self._vwap(self._side_rows(True))

    @property
    def exit_price(self) -> float:
        return self._vwap(self._side_rows(False))

    @property
    def fee(self) -> float:
        return sum(self.leg_fees)

    @property
    def size(self) -> float:
        return self.qty * self.entry_price

    @property
    def pnl(self) -> float:
        qty = abs(self.qty)
        profit = qty * (self.exit_price - self.entry_price)
        if self.type == "short":
            profit *= -1
        return profit - self.fee

    @property
    def total_cost(self) -> float:
        return self.entry_price * abs(self.qty) / self.leverage

    @property
    def roi(self) -> float:
        return self.pnl / self.total_cost * 100

    pnl_percentage = roi

    @property
    def holding_period(self) -> float | None:
        if self.closed_at is None:
            return None
        return (self.closed_at - self.opened_at) / 1000

    def to_dict(self, orders: bool = True) -> dict:
        """Jesse's trade dict (``to_dict_with_orders``); ``orders=False`` leaves its ``orders`` list empty (the
        metrics never read it: batch variations and optimisation trials that keep only metrics)."""
        # the properties' formulas, each input computed once
        typ = self.type
        entry_rows = self.buy_orders if typ == "long" else self.sell_orders
        exit_rows = self.sell_orders if typ == "long" else self.buy_orders
        if (typ == "long" or typ == "short") and 0 < len(entry_rows) < 8 and 0 < len(exit_rows) < 8:
            # the common trade, a few fills a side: _vwap's and qty's left-to-right sums, each done once
            qty, value = _fill_sums(entry_rows)
            entry = float(value / qty) if qty != 0 else math.nan
            qty = float(qty)
            quantity, value = _fill_sums(exit_rows)
            exit_ = float(value / quantity) if quantity != 0 else math.nan
        else:
            entry = self.entry_price
            exit_ = self.exit_price
            qty = self.qty
        fee = sum(self.leg_fees)
        profit = abs(qty) * (exit_ - entry)
        if self.type == "short":
            profit *= -1
        pnl = profit - fee
        total_cost = entry * abs(qty) / self.leverage
        d = _TRADE_DICT.copy()  # (filled in: see Order.to_dict)
        d["id"] = self.id
        d["strategy_name"] = self.strategy_name
        d["symbol"] = self.symbol
        d["exchange"] = self.exchange
        d["type"] = typ
        d["entry_price"] = entry
        d["exit_price"] = exit_
        d["qty"] = qty
        closed_at = self.closed_at
        d["opened_at"] = self.opened_at
        d["closed_at"] = closed_at
        d["fee"] = fee
        d["size"] = qty * entry
        d["PNL"] = pnl
        d["PNL_percentage"] = pnl / total_cost * 100
        d["holding_period"] = None if closed_at is None else (closed_at - self.opened_at) / 1000
        d["orders"] = [o.to_dict for o in self.orders] if orders else []
        return d


class Position:
    """The open position of one exchange-symbol pair (signed qty, average entry price)."""

    __slots__ = ("exchange_name", "symbol", "exchange", "strategy", "entry_price", "exit_price", "current_price",
                 "qty", "previous_qty", "opened_at", "closed_at", "id")

    def __init__(self, exchange_name: str, symbol: str, exchange: "Exchange", id: str = "") -> None:
        self.id = id
        self.exchange_name = exchange_name
        self.symbol = symbol
        self.exchange = exchange
        self.strategy = None
        self.entry_price = None
        self.exit_price = None
        self.current_price = None
        self.qty = 0
        self.previous_qty = 0
        self.opened_at = None
        self.closed_at = None

    @property
    def type(self) -> str:
        if self.qty > 0:
            return "long"
        if self.qty < 0:
            return "short"
        return "close"

    is_open = property(lambda self: self.qty != 0)
    is_close = property(lambda self: self.qty == 0)
    is_long = property(lambda self: self.qty > 0)
    is_short = property(lambda self: self.qty < 0)

    @property
    def exchange_type(self) -> str:
        return self.exchange.type

    @property
    def mark_price(self) -> float:
        return self.current_price

    funding_rate = property(lambda self: 0)
    next_funding_timestamp = property(lambda self: None)

    @property
    def value(self) -> float:
        if self.qty == 0:
            return 0
        if self.current_price is None:
            return None
        return abs(self.current_price * self.qty)

    @property
    def leverage(self) -> float:
        if self.exchange.type == "spot":
            return 1
        return self.exchange.futures_leverage

    @property
    def total_cost(self) -> float:
        if self.qty == 0:
            return math.nan
        base_cost = self.entry_price * abs(self.qty)
        if self.strategy is not None:
            return base_cost / self.leverage
        return base_cost

    entry_margin = total_cost

    @property
    def pnl(self) -> float:
        if self.entry_price is None or self.qty == 0:
            return 0
        value = self.value
        if value is None:
            return 0
        diff = value - abs(self.entry_price * self.qty)
        return -diff if self.qty < 0 else diff

    @property
    def roi(self) -> float:
        pnl = self.pnl
        if pnl == 0:
            return 0
        return pnl / self.total_cost * 100

    pnl_percentage = roi

    @property
    def mode(self) -> str:
        if self.exchange.type == "spot":
            return "spot"
        return self.exchange.futures_leverage_mode

    @property
    def liquidation_price(self) -> float:
        if self.qty != 0 and self.mode == "cross" and getattr(self.exchange, "cross_liquidation", False):
            # the opt-in cross liquidation: the same 0.4% maintenance margin as Jesse's isolated price, on
            # the price where the whole wallet is lost
            bankrupt = self.cross_bankruptcy_price
            return bankrupt + 0.004 * self.entry_price * (1 if self.qty > 0 else -1)
        if self.qty == 0 or self.mode != "isolated":
            return math.nan
        rate = 1 / self.leverage
        if self.qty > 0:
            return self.entry_price * (1 - rate + 0.004)
        return self.entry_price * (1 + rate - 0.004)

    @property
    def cross_bankruptcy_price(self) -> float:
        """The price at which the position's loss equals the whole cross wallet (one position: the wallet
        is its margin), ``nan`` when no price can lose that much (a long needing a price below zero)."""
        if self.qty == 0:
            return math.nan
        price = self.entry_price - self.exchange.wallet_balance / self.qty
        return price if price > 0 else math.nan

    @property
    def bankruptcy_price(self) -> float:
        rate = 1 / self.leverage
        if self.qty > 0:
            return self.entry_price * (1 - rate)
        if self.qty < 0:
            return self.entry_price * (1 + rate)
        return math.nan

    @property
    def to_dict(self) -> dict:
        return {
            "entry_price": self.entry_price, "qty": self.qty, "current_price": self.current_price,
            "value": self.value, "type": self.type, "exchange": self.exchange_name, "pnl": self.pnl,
            "pnl_percentage": self.pnl_percentage, "leverage": self.leverage,
            "liquidation_price": self.liquidation_price, "bankruptcy_price": self.bankruptcy_price,
            "mode": self.mode,
        }

    def __repr__(self) -> str:
        return f"Position({self.exchange_name} {self.symbol} {self.type} qty={self.qty} entry={self.entry_price})"


_BASES: dict[str, str] = {}


def base_asset(symbol: str) -> str:
    base = _BASES.get(symbol)
    if base is None:
        base = _BASES[symbol] = symbol.split("-")[0]
    return base


def quote_asset(symbol: str) -> str:
    return symbol.split("-")[1]


class Exchange:
    """Balances shared by every route of one exchange."""

    type = ""
    books_reduce_only = True  # on_order_submission has something to do for a reduce-only order

    def __init__(self, name: str, starting_balance: float, fee_rate: float, symbols: list[str],
                 settlement_currency: str) -> None:
        self.name = name
        self.starting_balance = starting_balance
        self.fee_rate = fee_rate
        # opt-in extras (off by default, so Jesse parity holds): maker/taker fee rates, fill slippage
        self.maker_fee = fee_rate
        self.taker_fee = fee_rate
        self.slippage = 0.0
        self.fill_rate = fee_rate  # the rate of the fill being booked (maker for LIMIT, taker otherwise)
        self.settlement_currency = settlement_currency
        self.assets: dict[str, float] = {}
        self.starting_assets: dict[str, float] = {}
        self.buy_orders: dict[str, list[tuple[float, float]]] = {}
        self.sell_orders: dict[str, list[tuple[float, float]]] = {}
        self.positions: dict[str, Position] = {}
        for symbol in symbols:
            base = base_asset(symbol)
            self.buy_orders[base] = []
            self.sell_orders[base] = []
            self.assets[base] = 0.0
            self.assets[settlement_currency] = starting_balance
            self.starting_assets[base] = 0.0
            self.starting_assets[settlement_currency] = starting_balance

    def rate_for(self, order: Order) -> float:
        """The fee rate of a fill: ``maker_fee`` for a LIMIT order, ``taker_fee`` otherwise (both ``fee`` unless set)."""
        return self.maker_fee if order.type == LIMIT else self.taker_fee

    @property
    def wallet_balance(self) -> float:
        return self.assets[self.settlement_currency]

    @property
    def started_balance(self) -> float:
        return self.starting_assets[self.settlement_currency]


class FuturesExchange(Exchange):
    """Futures wallet: fees off the wallet at each fill, realized PNL on reduce/close, margin checks."""

    type = "futures"
    books_reduce_only = False

    def __init__(self, name: str, starting_balance: float, fee_rate: float, symbols: list[str],
                 settlement_currency: str, futures_leverage: float, futures_leverage_mode: str) -> None:
        super().__init__(name, starting_balance, fee_rate, symbols, settlement_currency)
        self.futures_leverage = futures_leverage
        self.futures_leverage_mode = futures_leverage_mode
        self.warned_negative_balance = False
        self.cross_liquidation = False  # the opt-in extra (Jesse 3.5.3 never liquidates cross positions)
        # per asset but the settlement currency, in the assets' order: its position's key and its pending
        # buy and sell books (lists changed in place only), for available_margin
        self._margin_books = [(f"{asset}-{settlement_currency}", self.buy_orders[asset], self.sell_orders[asset])
                              for asset in self.assets if asset != settlement_currency]
        self._only_book = self._margin_books[0] if len(self._margin_books) == 1 else None

    @property
    def available_margin(self) -> float:
        margin = self.assets[self.settlement_currency]
        total_spent = 0
        leverage = self.futures_leverage
        only = self._only_book
        if only is not None and not only[1] and not only[2]:
            position = self.positions.get(only[0])
            if position is None or position.qty == 0:
                # one asset, flat, nothing pending (a strategy sizing its entry on a flat account): the loop
                # below with nothing to add but the empty books' quotient
                total_spent += 0.0 / leverage
                margin -= total_spent
                return margin
        positions = self.positions
        for position_key, buys, sells in self._margin_books:
            position = positions.get(position_key)
            if position is not None and position.qty != 0:
                total_spent += position.total_cost
                total_spent -= position.pnl
            if buys or sells:
                sum_buy = _sum_of_products(buys) if buys else 0.0
                sum_sell = _sum_of_products(sells) if sells else 0.0
                total_spent += max(abs(sum_buy) / leverage, abs(sum_sell) / leverage)
            else:
                total_spent += 0.0 / leverage  # (both books empty: the max of two equal quotients)
        margin -= total_spent
        return margin

    def charge_fee(self, amount: float) -> None:
        fee_amount = abs(amount) * self.fill_rate
        self.assets[self.settlement_currency] = self.assets[self.settlement_currency] - fee_amount
        if self.assets[self.settlement_currency] < 0:
            self._warn_negative_balance()

    def add_realized_pnl(self, realized_pnl: float) -> None:
        self.assets[self.settlement_currency] = self.assets[self.settlement_currency] + realized_pnl
        if self.assets[self.settlement_currency] < 0:
            self._warn_negative_balance()

    def _warn_negative_balance(self) -> None:
        """Once per run: a cross wallet below zero is a result no exchange would produce (it liquidates first),
        but Jesse 3.5.3 has no cross liquidation, so the run goes on as Jesse's does."""
        if self.warned_negative_balance or self.futures_leverage_mode != "cross" or self.cross_liquidation:
            return  # (with cross_liquidation only a liquidation's fee can take the wallet below zero)
        self.warned_negative_balance = True
        warnings.warn(
            f"the cross-margin wallet balance went negative ({self.assets[self.settlement_currency]:,.2f} "
            f"{self.settlement_currency} from {self.started_balance:,.2f}, leverage {self.futures_leverage:g}): "
            "Jesse 3.5.3 never liquidates cross positions, so the results from here on are not what an exchange "
            "would do; lower the leverage or the order sizes, use futures_leverage_mode='isolated', or opt in to "
            "config['cross_liquidation'] = True",
            RuntimeWarning, stacklevel=3)

    def on_order_submission(self, order: Order, time_text) -> None:
        if not order.reduce_only:
            qty = order.qty
            price = order.price
            leverage = self.futures_leverage
            effective_order_size = abs(qty * price) / leverage
            only = self._only_book
            if only is not None and not only[1] and not only[2]:
                # one asset, nothing pending (a flat account placing its entry, a strategy re-placing it every
                # bar): available_margin's sum, inlined, with nothing to add for the empty books
                position = self.positions.get(only[0])
                if position is None or position.qty == 0:
                    available = self.assets[self.settlement_currency] - 0.0 / leverage
                else:
                    available = self.available_margin
            else:
                available = self.available_margin
            if effective_order_size > available:
                raise InsufficientMargin(
                    f"{order.exchange} {order.symbol} at {time_text()}: cannot submit a {order.side} "
                    f"{order.type} order of {abs(qty)} @ {price} (value {abs(qty * price):.2f}, "
                    f"margin needed {effective_order_size:.2f} at leverage {self.futures_leverage}) when the "
                    f"available margin is {available:.2f}. Reduce the order size or raise the leverage."
                )
            symbol = order.symbol
            base = _BASES.get(symbol) or base_asset(symbol)
            (self.buy_orders if order.side == BUY else self.sell_orders)[base].append((qty, price))

    def _forget(self, order: Order) -> None:
        if order.reduce_only:
            return
        symbol = order.symbol
        book = (self.buy_orders if order.side == BUY else self.sell_orders)[_BASES.get(symbol) or base_asset(symbol)]
        qty = order.qty
        price = order.vars.get("slipped_from", order.price) if order.vars else order.price
        if len(book) == 1:  # (the common book: this order's row alone)
            row = book[0]
            if row[0] == qty and row[1] == price:
                book.clear()
            return
        for i, row in enumerate(book):
            if row[0] == qty and row[1] == price:
                del book[i]
                return

    # a fill and a cancellation both take the order's row out of its pending book
    on_order_execution = _forget
    on_order_cancellation = _forget


class SpotExchange(Exchange):
    """Spot wallet: buys reserve quote at submission; fills credit base/quote net of the fee."""

    type = "spot"
    futures_leverage = 1
    futures_leverage_mode = "spot"

    def __init__(self, name: str, starting_balance: float, fee_rate: float, symbols: list[str],
                 settlement_currency: str) -> None:
        super().__init__(name, starting_balance, fee_rate, symbols, settlement_currency)
        self.stop_orders_sum: dict[str, float] = {}
        self.limit_orders_sum: dict[str, float] = {}

    @property
    def available_margin(self) -> float:
        return self.wallet_balance

    def on_order_submission(self, order: Order, time_text) -> None:
        if order.side == SELL:
            if order.type == STOP:
                self.stop_orders_sum[order.symbol] = exact_sum(self.stop_orders_sum.get(order.symbol, 0), abs(order.qty))
            elif order.type == LIMIT:
                self.limit_orders_sum[order.symbol] = exact_sum(self.limit_orders_sum.get(order.symbol, 0), abs(order.qty))
        base = base_asset(order.symbol)
        quote = self.settlement_currency
        if order.side == BUY:
            quote_balance = self.assets[quote]
            self.assets[quote] = exact_sub(self.assets[quote], abs(order.qty) * order.price)
            if self.assets[quote] < 0:
                raise InsufficientBalance(
                    f"{order.exchange} {order.symbol} at {time_text()}: not enough {quote} to buy "
                    f"{abs(order.qty)} @ {order.price} ({abs(order.qty * order.price):.8g} {quote}); "
                    f"the available balance is {quote_balance:.8g} {quote}."
                )
        else:
            base_balance = self.assets[base]
            if order.type == MARKET:
                order_qty = exact_sum(abs(order.qty), self.limit_orders_sum.get(order.symbol, 0))
            elif order.type == STOP:
                order_qty = self.stop_orders_sum[order.symbol]
            else:
                order_qty = self.limit_orders_sum[order.symbol]
            if order_qty > base_balance:
                raise InsufficientBalance(
                    f"{order.exchange} {order.symbol} at {time_text()}: not enough {base} to sell {order_qty} "
                    f"(including pending sells); the available balance is {base_balance} {base}."
                )

    def on_order_execution(self, order: Order) -> None:
        if order.side == SELL:
            if order.type == STOP:
                self.stop_orders_sum[order.symbol] = exact_sub(self.stop_orders_sum[order.symbol], abs(order.qty))
            elif order.type == LIMIT:
                self.limit_orders_sum[order.symbol] = exact_sub(self.limit_orders_sum[order.symbol], abs(order.qty))
        base = base_asset(order.symbol)
        quote = self.settlement_currency
        if order.side == BUY:
            self.assets[base] = exact_sum(self.assets[base], abs(order.qty) * (1 - self.fill_rate))
        else:
            current = self.assets[base]
            order_qty = abs(current) if abs(order.qty) > current else abs(order.qty)
            self.assets[quote] = exact_sum(self.assets[quote], (order_qty * order.price) * (1 - self.fill_rate))
            self.assets[base] = exact_sub(self.assets[base], order_qty)

    def on_order_cancellation(self, order: Order) -> None:
        if order.side == SELL:
            if order.type == STOP:
                self.stop_orders_sum[order.symbol] = exact_sub(self.stop_orders_sum[order.symbol], abs(order.qty))
            elif order.type == LIMIT:
                self.limit_orders_sum[order.symbol] = exact_sub(self.limit_orders_sum[order.symbol], abs(order.qty))
        base = base_asset(order.symbol)
        if order.side == BUY:
            self.assets[self.settlement_currency] = exact_sum(self.assets[self.settlement_currency],
                                                              abs(order.qty) * order.price)
        else:
            # Jesse subtracts the pending sums a second time here (its SpotExchange does); kept for parity.
            if order.type == STOP:
                self.stop_orders_sum[order.symbol] = exact_sub(self.stop_orders_sum[order.symbol], abs(order.qty))
            elif order.type == LIMIT:
                self.limit_orders_sum[order.symbol] = exact_sub(self.limit_orders_sum[order.symbol], abs(order.qty))
