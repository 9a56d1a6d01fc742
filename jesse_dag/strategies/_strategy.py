"""Jesse's ``Strategy`` base class: the hooks, the order declarations and the properties.

A Jesse strategy runs after changing only its import lines (``jesse`` -> ``jesse_dag``). Behaviour follows
Jesse 3.5.3's ``Strategy`` (reference §3): the same call order of hooks, the same order-type choice, the
same cancel-and-resubmit of changed SL/TP groups.

Example:
    >>> from jesse_dag.strategies import Strategy
    >>> class BuyAndHold(Strategy):
    ...     def should_long(self):
    ...         return self.index == 0
    ...     def go_long(self):
    ...         self.buy = 1, self.price
"""
from __future__ import annotations

import math
from contextvars import ContextVar
from typing import Any

import numpy as np

from jesse_dag.engine.exceptions import (
    ConflictingRules, InvalidShape, InvalidStrategy, OrderNotAllowed, annotate_hook_error,
)
from jesse_dag.engine.models import (ACTIVE, BUY, CANCELED, EXECUTED, LIMIT, MARKET, NEAR_PRICE_THRESHOLD, SELL, STOP,
                                     STOP_LOSS_VIA, TAKE_PROFIT_VIA)
from jesse_dag.ml.recording import MLMixin
from jesse_dag.reports.chart_series import ChartSeriesMixin


class _Rows(list):
    """A declaration the engine formatted from one (qty, price) pair and has not handed to strategy code: its
    rows as ``[[qty, price]]`` Python floats, what ``ndarray.tolist()`` of the (1, 2) array would give. Reading
    ``self.buy`` & co. turns it into that array (``Strategy.buy``); until then the engine works on the floats
    (making a small array costs ~1 µs, and every use of one converted it back). Never changed in place."""

    __slots__ = ()


def _np_array_equal(a1: Any, a2: Any) -> bool:
    if type(a1) is _Rows or type(a2) is _Rows:
        return _rows(a1) == _rows(a2)  # (no NaN in a _Rows: plain list equality is numpy's here)
    if type(a1) is np.ndarray and type(a2) is np.ndarray:
        if a1.shape != a2.shape:
            return False
        if a1.size <= 64:
            # Same semantics as (a1 == a2).all() without ufunc overhead: tolist() makes fresh float objects
            # for each call, so a NaN never compares equal (no identity shortcut), as in numpy.
            return a1.tolist() == a2.tolist()
        return bool((a1 == a2).all())
    return np.array_equal(a1, a2)


def _average_price(arr: np.ndarray, rows: list | None = None) -> np.float64:
    """``sum(|qty * price|) / sum(|qty|)`` of an (n, 2) declaration, as numpy computes it (``rows``: its
    ``tolist()`` when the caller has it)."""
    if type(arr) is _Rows:
        rows = arr
        if len(arr) >= 8:
            arr = np.array(arr)
    if len(arr) < 8:
        # numpy's pairwise sum is a plain left-to-right loop below 8 items: same bits without the ufuncs
        num = 0.0
        den = 0.0
        for q, p in (arr.tolist() if rows is None else rows):
            num += abs(q * p)
            den += abs(q)
        return np.float64(num) / den
    return (np.abs(arr[:, 0] * arr[:, 1])).sum() / np.abs(arr[:, 0]).sum()


def _rows(declared: Any):
    """The (qty, price) rows of a formatted declaration as Python floats (an empty one is ``[]``)."""
    return declared.tolist() if type(declared) is np.ndarray else declared


# The applied declarations (``self._buy`` & co.) are private copies the engine replaces but never changes in
# place: their rows as lists, kept by identity (the entry holds the array, so its id stays its own)
_APPLIED_ROWS: dict[int, tuple[np.ndarray, list]] = {}


def _applied_rows(old: np.ndarray) -> list:
    if type(old) is _Rows:
        return old
    entry = _APPLIED_ROWS.get(id(old))
    if entry is not None and entry[0] is old:
        return entry[1]
    if len(_APPLIED_ROWS) >= 64:
        _APPLIED_ROWS.clear()
    rows = old.tolist()
    _APPLIED_ROWS[id(old)] = (old, rows)
    return rows


def _applied_declaration_rows(applied: Any):
    """The (qty, price) rows of an applied declaration as Python floats (orders convert them to float)."""
    return _applied_rows(applied) if type(applied) is np.ndarray else applied  # (a _Rows is its own rows)


def _same_declaration(new: Any, old: Any) -> bool:
    """Fast path of the per-bar "did the declaration change" test: both already formatted and equal."""
    tn = type(new)
    to = type(old)
    if tn is _Rows:
        return new is old or ((to is _Rows or to is np.ndarray) and new == _applied_rows(old))
    if tn is np.ndarray:
        if to is np.ndarray:
            return new.shape == old.shape and new.tolist() == _applied_rows(old)
        return to is _Rows and new.tolist() == old
    return False


_PLAIN_NUMBERS = (float, int, np.float64)
_DECLARATION_TYPES = (tuple, list, np.ndarray, _Rows)


def _plain_pair_rows(value, entry: bool) -> _Rows | None:
    """The common declaration, one valid ``(qty, price)`` pair of plain numbers, as the engine's rows (what
    ``_get_formatted_order`` gives for it, without its checks); None for anything else, which takes that path.
    An entry's qty must be >= 0; an exit's only not NaN (``_get_formatted_order`` judges the rest)."""
    if type(value) is tuple and len(value) == 2 and type(value[0]) in _PLAIN_NUMBERS \
            and type(value[1]) in _PLAIN_NUMBERS and value[1] > 0 \
            and (value[0] >= 0 if entry else value[0] == value[0]):
        rows = _Rows()
        rows.append([float(value[0]), float(value[1])])
        return rows
    return None

# Hooks whose base-class version does nothing: the engine skips calling them when a strategy does not
# override them (a per-bar saving; the result is the same as calling the no-op).
_NO_OP_HOOKS = ("before", "after", "update_chart", "update_position", "filters", "should_cancel_entry",
                "on_cancel", "before_terminate", "terminate", "should_short", "on_open_position",
                "on_close_position", "on_increased_position", "on_reduced_position")


# The session of the backtest creating a strategy, while its class is called: Jesse's store is global, so a
# user's __init__ can read shared_vars, routes, time and balance; here they live on the session.
_CREATING_SESSION: ContextVar[Any] = ContextVar("jesse_dag_creating_session", default=None)


class Broker:
    """Jesse's ``self.broker``: direct order submission for strategies that bypass the declarations."""

    def __init__(self, strategy: "Strategy") -> None:
        self._s = strategy

    def buy_at_market(self, qty: float):
        return self._s._broker_market(BUY, qty)

    def sell_at_market(self, qty: float):
        return self._s._broker_market(SELL, qty)

    def buy_at(self, qty: float, price: float):
        return self._s._broker_limit(BUY, qty, price)

    def sell_at(self, qty: float, price: float):
        return self._s._broker_limit(SELL, qty, price)

    def start_profit_at(self, side: str, qty: float, price: float):
        return self._s._start_profit_at(side, qty, price)

    def reduce_position_at(self, qty: float, price: float, current_price: float):
        return self._s._reduce_position_at(qty, price, current_price)

    def cancel_all_orders(self) -> None:
        self._s._session.cancel_all_orders(self._s._market)

    def cancel_order(self, order_id: str) -> None:
        for o in reversed(self._s._market.orders):
            if order_id in str(o.id):
                self._s._session.cancel_order(o)
                return


class Strategy(ChartSeriesMixin, MLMixin):
    """Base class of every strategy; override ``should_long`` and ``go_long`` at least."""

    # ``self.buy``, ``self.sell``, ``self.stop_loss`` and ``self.take_profit`` are kept in ``_d_<name>``.
    # Reading or assigning one records that object as handed to strategy code (``_h_<name>``): strategy code
    # may change such an object in place at any time, so the per-bar "did a declaration change" check compares
    # it. An object the engine made (a formatted copy) and never handed out is compared by identity alone, and
    # is itself the applied declaration (``_<name>``) until it is handed out, when the applied one becomes a
    # copy. (Four explicit properties: a generic one by attribute name costs twice as much per access.)
    _d_buy = _d_sell = _d_stop_loss = _d_take_profit = None
    _buy = _sell = _stop_loss = _take_profit = None
    _h_buy = _h_sell = _h_stop_loss = _h_take_profit = None
    _verified_declarations = None
    # Reads and assignments of the four declarations so far (each may change what a declaration check finds;
    # the engine's own changes come with an order executed or cancelled, or a new position); and, as of the
    # last check that found nothing left to do, that count and session.status_changes: in a position (with
    # the position's qty; -1 while a declaration is handed to strategy code, which may change it in place at
    # any time), and flat with nothing to reset (_check).
    _declaration_touches = 0
    _checked_touches = _clean_touches = -1
    _checked_status = _clean_status = -1
    _checked_qty = None

    @property
    def buy(self):
        """The declared entry orders of a long: (qty, price) or a list of them."""
        self._declaration_touches += 1
        value = self._d_buy
        if type(value) is _Rows:
            value = self._d_buy = np.array(value)
        self._h_buy = value
        if value is self._buy and type(value) is np.ndarray:
            self._buy = value.copy()  # the applied copy must not follow changes made in place
        return value

    @buy.setter
    def buy(self, value) -> None:
        self._declaration_touches += 1
        self._d_buy = self._h_buy = value

    @property
    def sell(self):
        """The declared entry orders of a short: (qty, price) or a list of them."""
        self._declaration_touches += 1
        value = self._d_sell
        if type(value) is _Rows:
            value = self._d_sell = np.array(value)
        self._h_sell = value
        if value is self._sell and type(value) is np.ndarray:
            self._sell = value.copy()
        return value

    @sell.setter
    def sell(self, value) -> None:
        self._declaration_touches += 1
        self._d_sell = self._h_sell = value

    @property
    def stop_loss(self):
        """The declared stop-loss exits: (qty, price) or a list of them."""
        self._declaration_touches += 1
        value = self._d_stop_loss
        if type(value) is _Rows:
            value = self._d_stop_loss = np.array(value)
        self._h_stop_loss = value
        if value is self._stop_loss and type(value) is np.ndarray:
            self._stop_loss = value.copy()
        return value

    @stop_loss.setter
    def stop_loss(self, value) -> None:
        self._declaration_touches += 1
        self._d_stop_loss = self._h_stop_loss = value

    @property
    def take_profit(self):
        """The declared take-profit exits: (qty, price) or a list of them."""
        self._declaration_touches += 1
        value = self._d_take_profit
        if type(value) is _Rows:
            value = self._d_take_profit = np.array(value)
        self._h_take_profit = value
        if value is self._take_profit and type(value) is np.ndarray:
            self._take_profit = value.copy()
        return value

    @take_profit.setter
    def take_profit(self, value) -> None:
        self._declaration_touches += 1
        self._d_take_profit = self._h_take_profit = value

    def __new__(cls, *args: Any, **kwargs: Any) -> "Strategy":
        # set before any __init__ runs, so a user's __init__ can read self.shared_vars even before super()
        self = super().__new__(cls)
        self._session = _CREATING_SESSION.get()
        return self

    def __init__(self) -> None:
        self.id = ""
        self.name: Any = None
        self.symbol: str = None  # type: ignore[assignment]
        self.exchange: str = None  # type: ignore[assignment]
        self.timeframe: str = None  # type: ignore[assignment]
        self.hp: dict = {}
        self.index = 0
        self.last_trade_index = 0
        self.vars: dict = {}
        self.increased_count = 0
        self.reduced_count = 0
        self._d_buy = None
        self._buy = None
        self._d_sell = None
        self._sell = None
        self._d_stop_loss = None
        self._stop_loss = None
        self._d_take_profit = None
        self._take_profit = None
        self.trade = None
        self.trades_count = 0
        self.ml_mode = getattr(type(self), "ml_mode", "gather")
        self._is_executing = False
        self._is_initiated = False
        self._cached_price = None
        self._cached_metrics: dict = {}
        self._current_route_index = None
        self._hook = "__init__"
        self._overrides = {name: True for name in _NO_OP_HOOKS}
        self._set_hook_flags()
        self._session = _CREATING_SESSION.get()
        self._market = None
        self._mc = None
        self._tfc = None
        # (exchange, symbol, timeframe) -> (exchange, symbol, market candles, timeframe buffer); and by timeframe
        # alone, the source of that timeframe's last read (get_candles)
        self._candle_sources: dict = {}
        self._timeframe_sources: dict = {}
        self._dense_store = False
        self._declarations_checked = None
        self.position = None
        self.broker = None
        self._ml_reset()

    # ── set-up by the engine ─────────────────────────────────────────────────────────────────────────
    @classmethod
    def _create(cls, session, name: str) -> "Strategy":
        """``cls()`` as the engine calls it: the session readable in ``__init__`` (``shared_vars``, ``routes``,
        ``time``, ``balance``; ``symbol`` & co. are set after it, as in Jesse). An exception keeps its class
        with a note naming the strategy and ``__init__``; a TypeError becomes InvalidStrategy, as Jesse's."""
        missing = [m for m in ("should_long", "go_long") if getattr(cls, m) is getattr(Strategy, m)]
        if missing:
            # Jesse's Strategy declares them abstract: its class cannot be created without them
            err = InvalidStrategy(f"{cls.__name__} does not define {' and '.join(m + '()' for m in missing)}: a "
                                  "strategy must define should_long() and go_long() (Jesse's abstract methods)")
            raise annotate_hook_error(err, strategy=name, hook="__init__", time=int(session.time),
                                      time_text=session.time_text())
        token = _CREATING_SESSION.set(session)
        try:
            return cls()
        except TypeError as exc:
            err = InvalidStrategy(f"could not create {cls.__name__}(): {exc} (a strategy defines should_long() "
                                  "and go_long(), and its __init__ takes no arguments)")
            raise annotate_hook_error(err, strategy=name, hook="__init__", time=int(session.time),
                                      time_text=session.time_text()) from exc
        except Exception as exc:
            annotate_hook_error(exc, strategy=name, hook="__init__", time=int(session.time),
                                time_text=session.time_text())
            raise
        finally:
            _CREATING_SESSION.reset(token)

    def _attach(self, session, market, route_index: int) -> None:
        self._session = session
        self._market = market
        self.position = market.position
        self.broker = Broker(self)
        self._current_route_index = route_index
        self._mc = market.candles
        self._candle_sources = {}
        self._timeframe_sources = {}
        self._tfc = market.candles.tfs.get(self.timeframe)  # None for 1m (no aggregated buffer)
        # the dense store (not the gapped-input replay's): ``candles`` may read its buffers directly
        from jesse_dag.engine.store import MarketCandles
        self._dense_store = type(market.candles) is MarketCandles
        cls = type(self)
        self._overrides = {name: (getattr(cls, name) is not getattr(Strategy, name) or name in self.__dict__)
                           for name in _NO_OP_HOOKS}
        self._set_hook_flags()
        self.id = session.new_id()
        self._ml_reset()

    def _set_hook_flags(self) -> None:
        """The per-bar tests of ``_overrides`` as plain attributes (read on every bar)."""
        overrides = self._overrides
        self._plain_bar = not (overrides["before"] or overrides["after"] or overrides["update_chart"])
        self._has_should_short = overrides["should_short"]
        self._has_should_cancel_entry = overrides["should_cancel_entry"]
        self._has_update_position = overrides["update_position"]

    # ── user hooks (override) ────────────────────────────────────────────────────────────────────────
    def should_long(self) -> bool:
        raise NotImplementedError(f"{type(self).__name__}.should_long() is not implemented")

    def go_long(self) -> None:
        raise NotImplementedError(f"{type(self).__name__}.go_long() is not implemented")

    def should_short(self) -> bool:
        return False

    def go_short(self) -> None:
        pass

    def should_cancel_entry(self) -> bool:
        return True

    def before(self) -> None:
        pass

    def after(self) -> None:
        pass

    def update_position(self) -> None:
        pass

    def on_open_position(self, order) -> None:
        pass

    def on_close_position(self, order, closed_trade) -> None:
        pass

    def on_increased_position(self, order) -> None:
        pass

    def on_reduced_position(self, order) -> None:
        pass

    def on_cancel(self) -> None:
        pass

    def on_route_open_position(self, strategy) -> None:
        pass

    def on_route_close_position(self, strategy) -> None:
        pass

    def on_route_increased_position(self, strategy) -> None:
        pass

    def on_route_reduced_position(self, strategy) -> None:
        pass

    def on_route_canceled(self, strategy) -> None:
        pass

    def filters(self) -> list:
        return []

    def hyperparameters(self) -> list:
        return []

    def dna(self) -> str:
        return ""

    def before_terminate(self) -> None:
        pass

    def terminate(self) -> None:
        pass

    def watch_list(self) -> list:
        return []

    def update_chart(self) -> None:
        pass

    def candles_pipeline(self):
        return None

    # The chart helpers (add_line_to_candle_chart, add_extra_line_chart, ...) come from ChartSeriesMixin.

    @staticmethod
    def log(msg: str, log_type: str = "info", send_notification: bool = False, webhook=None) -> None:
        if log_type not in ("info", "error"):
            raise ValueError(f'log_type should be either "info" or "error". You passed {log_type}')

    # ── error context ────────────────────────────────────────────────────────────────────────────────
    def _strategy_name(self) -> str:
        name = self.name
        return name if isinstance(name, str) else getattr(name, "__name__", type(self).__name__)

    def _annotate(self, exc: BaseException) -> BaseException:
        """``exc`` with the strategy, the current hook and the bar time added (its class and message kept)."""
        s = self._session
        return annotate_hook_error(exc, strategy=self._strategy_name(), hook=self._hook,
                                   time=None if s is None else int(s.time),
                                   time_text="?" if s is None else s.time_text())

    def _hook_failed(self, exc: BaseException, previous: str) -> None:
        """Note the strategy, hook and time on an exception leaving a hook (the caller re-raises it as it is);
        the hook name is restored."""
        self._annotate(exc)
        self._hook = previous

    def _call(self, hook: str, *args):
        previous = self._hook
        self._hook = hook
        self._session.user_code_runs += 1
        try:
            out = getattr(self, hook)(*args)
        except Exception as exc:
            self._hook_failed(exc, previous)
            raise
        self._hook = previous
        return out

    # ── broker (Jesse's Broker + Sandbox driver) ─────────────────────────────────────────────────────
    def _validate_qty(self, qty: float, what: str) -> None:
        if qty == 0:
            raise InvalidStrategy(f"{what}: qty cannot be 0 (at {self._session.time_text()})")
        if not math.isfinite(qty):
            raise InvalidStrategy(f"{what}: qty must be a finite number, got {qty} (at {self._session.time_text()})")

    def _broker_market(self, side: str, qty: float, reduce_only: bool = False, price: float | None = None):
        self._validate_qty(qty, f"{side} market order")
        return self._session.create_order(self._market, side, MARKET, abs(qty),
                                          self.position.current_price if price is None else price, reduce_only)

    def _broker_limit(self, side: str, qty: float, price: float, reduce_only: bool = False):
        self._validate_qty(qty, f"{side} limit order")
        if price < 0:
            raise InvalidStrategy(f"{side} limit order: price cannot be negative, got {price}")
        return self._session.create_order(self._market, side, LIMIT, abs(qty), price, reduce_only)

    def _broker_stop(self, side: str, qty: float, price: float, reduce_only: bool = False):
        self._validate_qty(qty, f"{side} stop order")
        if price < 0:
            raise InvalidStrategy(f"{side} stop order: price cannot be negative, got {price}")
        return self._session.create_order(self._market, side, STOP, abs(qty), price, reduce_only)

    def _start_profit_at(self, side: str, qty: float, price: float):
        current = self.position.current_price
        if side == BUY and price < current:
            raise OrderNotAllowed(f"a buy stop order ({price}) must be priced above the current price ({current})")
        if side == SELL and price > current:
            raise OrderNotAllowed(f"a sell stop order ({price}) must be priced below the current price ({current})")
        if qty == 0 or price < 0 or not math.isfinite(qty):
            return self._broker_stop(side, qty, price)  # its checks raise the error
        return self._session.create_order(self._market, side, STOP, abs(qty), price, False)

    def _reduce_position_at(self, qty: float, price: float, current_price: float):
        if not (qty != 0 and qty - qty == 0):  # (nonzero and finite: nothing to raise)
            self._validate_qty(qty, "exit order")
        qty = abs(qty)
        if price < 0:
            raise InvalidStrategy(f"exit order price cannot be negative, got {price}")
        p = self.position
        if p.qty == 0:
            raise OrderNotAllowed("cannot submit a reduce-position order when there is no open position")
        long = p.qty > 0
        side = SELL if long else BUY
        # the broker calls below, whose checks (qty, price) passed above, straight to create_order
        if abs(1 - (price / current_price)) <= NEAR_PRICE_THRESHOLD:  # is_price_near
            return self._session.create_order(self._market, side, MARKET, qty, price, True)
        if (long and price > current_price) or (not long and price < current_price):
            return self._session.create_order(self._market, side, LIMIT, qty, price, True)
        if (long and price < current_price) or (not long and price > current_price):
            return self._session.create_order(self._market, side, STOP, qty, price, True)
        raise OrderNotAllowed("This order doesn't seem to be for reducing the position.")

    def _cancel_order(self, order) -> None:
        self._session.cancel_order(order)

    # ── declarations ─────────────────────────────────────────────────────────────────────────────────
    def _get_formatted_order(self, var, name: str):
        tv = type(var)
        if tv is tuple and len(var) == 2:
            # the common declaration, one valid (qty, price) pair: the rows of the same (1, 2) array as the
            # general path below (as a _Rows), without its shape and value checks (anything unusual takes that
            # path and its errors)
            q, p = var
            if type(q) in _PLAIN_NUMBERS and type(p) in _PLAIN_NUMBERS:
                q = float(q)
                p = float(p)
                if p > 0 and q == q and (q >= 0 or (name != "buy" and name != "sell")):
                    rows = _Rows()
                    rows.append([q, p])  # (half the cost of _Rows(([q, p],)))
                    return rows
        elif tv is np.ndarray or tv is _Rows:
            return var
        if var is None or (isinstance(var, list) and var == []):
            return []
        try:
            if type(var[0]) not in (list, tuple):
                var = [var]
            arr = np.array(var, dtype=float)
            if arr.ndim != 2 or arr.shape[1] != 2:
                raise ValueError
        except (ValueError, TypeError, IndexError):
            raise InvalidShape(
                f"self.{name} must be (qty, price) or a list of (qty, price) tuples; got {var!r} "
                f"(at {self._session.time_text()})") from None
        # the checks of numpy's min (NaN-propagating) and isnan, on a few Python floats
        flat = arr.ravel().tolist()
        prices = flat[1::2]
        qtys = flat[0::2]
        if all(x == x for x in prices) and min(prices) <= 0:
            raise InvalidStrategy(
                f"self.{name}: order price must be greater than zero, got {var!r}; current price {self.price}, "
                f"time {self._session.time_text()}")
        if name in ("buy", "sell") and all(x == x for x in qtys) and min(qtys) < 0:
            raise InvalidStrategy(
                f"self.{name}: qty must be positive (the side comes from buy/sell), got {var!r} "
                f"at {self._session.time_text()}")
        if not all(x == x for x in flat):
            raise InvalidStrategy(f"self.{name} contains NaN: {var!r} (at {self._session.time_text()})")
        return arr

    def _prepare(self, name: str, make_copies: bool = True) -> None:
        value = self._get_formatted_order(getattr(self, "_d_" + name), name)
        setattr(self, "_d_" + name, value)
        if make_copies:
            setattr(self, "_" + name, self._applied_copy(value, getattr(self, "_h_" + name)))

    @staticmethod
    def _validate_exit_order_values(orders: np.ndarray, name: str) -> None:
        for qty, price in _rows(orders):
            if not math.isfinite(qty) or not math.isfinite(price):
                raise InvalidStrategy(
                    f"self.{name} must contain valid numbers, but ({qty}, {price}) was given. The existing "
                    f"{name} order was kept.")

    def _check_exit_type(self, name: str) -> None:
        value = getattr(self, "_d_" + name)
        if value is None:
            raise InvalidStrategy(f"You forgot to set self.{name}. example (qty, price)")
        if type(value) not in _DECLARATION_TYPES:
            raise InvalidStrategy(f"self.{name} must be either a list or a tuple. example: (qty, price). "
                                  f"You set {type(value)}")

    # ── the execution cycle ──────────────────────────────────────────────────────────────────────────
    def _execute(self, price: float | None = None) -> None:
        """One bar: the hooks in Jesse's order. ``price`` is the bar's close when the engine knows it."""
        if self._is_executing:
            return
        self._is_executing = True
        self._cached_price = self.close if price is None else price
        overrides = self._overrides
        if self._plain_bar:
            # no before / after / update_chart to call: the bar is the checks alone
            try:
                self._check()
            finally:
                self._cached_price = None
                self._is_executing = False
            self.index += 1
            return
        try:
            if overrides["before"]:
                # self._call("before") inlined (a gather strategy's every bar)
                previous = self._hook
                self._hook = "before"
                self._session.user_code_runs += 1
                try:
                    self.before()
                except Exception as exc:
                    self._hook_failed(exc, previous)
                    raise
                self._hook = previous
            self._check()
            if overrides["after"]:
                self._call("after")
            if overrides["update_chart"]:
                self._call("update_chart")
        finally:
            self._cached_price = None
            self._is_executing = False
        self.index += 1

    def _check(self) -> None:
        self._is_initiated = True
        p = self.position
        market = self._market
        session = self._session
        if p.qty != 0:
            if self._has_update_position:
                # self._call_internal("update_position", self._update_position) inlined (every bar in a
                # position): the same hook name, counter and error wrapping, two Python frames less
                previous = self._hook
                self._hook = "update_position"
                session.user_code_runs += 1
                try:
                    self.update_position()
                    # the declaration check, unless nothing it looks at changed since it last found nothing to do
                    if (self._checked_touches != self._declaration_touches
                            or self._checked_status != session.status_changes or self._checked_qty != p.qty):
                        self._detect_and_handle_entry_and_exit_modifications()
                        self._note_checked()
                except Exception as exc:
                    self._hook_failed(exc, previous)
                    raise
                self._hook = previous
            # (nothing to do when update_position is not overridden and nothing the check looks at changed)
            elif (self._checked_touches != self._declaration_touches or self._checked_status != session.status_changes
                  or self._checked_qty != p.qty):
                self._call_internal("update_position", self._update_position)
                self._note_checked()
        # (flat: entry_orders is a copy of the market's orders, so "any entry orders" is "any orders")
        elif market.orders:
            if self._has_should_cancel_entry:
                # self._call("should_cancel_entry") inlined (every bar with a pending entry)
                previous = self._hook
                self._hook = "should_cancel_entry"
                session.user_code_runs += 1
                try:
                    cancel = self.should_cancel_entry()
                except Exception as exc:
                    self._hook_failed(exc, previous)
                    raise
                self._hook = previous
            else:
                cancel = True
            if cancel:
                self._execute_cancel()
                if p.qty != 0:
                    self._call_internal("update_position", self._update_position)
        if session.to_execute:
            self._call_internal("executing market orders", session.execute_simulated_market_orders)
        if p.qty == 0 and not market.orders:
            # self._reset(), whose own first test (nothing to reset: most flat bars) is inlined; and known to pass
            # without its fourteen tests when no declaration was touched and no order executed or cancelled since
            # it last passed (an order created since is in market.orders)
            if self._clean_touches != self._declaration_touches or self._clean_status != session.status_changes:
                if not (self._d_buy is None and self._buy is None and self._d_sell is None and self._sell is None
                        and self._d_stop_loss is None and self._stop_loss is None and self._d_take_profit is None
                        and self._take_profit is None and not market.active
                        and self.increased_count == 0 and self.reduced_count == 0):
                    self._reset()
                self._clean_touches = self._declaration_touches
                self._clean_status = session.status_changes
            # self._call("should_short") then self._call("should_long"), inlined (they run on every flat bar):
            # the same hook names and error wrapping; one count of user code for both (nothing reads the
            # counter between them)
            previous = self._hook
            session.user_code_runs += 1
            if self._has_should_short:
                self._hook = "should_short"
                try:
                    should_short = self.should_short()
                except Exception as exc:
                    self._hook_failed(exc, previous)
                    raise
                if should_short and session.exchange.type == "spot":
                    raise self._annotate(InvalidStrategy('should_short cannot be True if the exchange type is '
                                                         '"spot".'))
            else:
                should_short = False
            self._hook = "should_long"
            try:
                should_long = self.should_long()
            except Exception as exc:
                self._hook_failed(exc, previous)
                raise
            self._hook = previous
            if should_long:
                if should_short:
                    self._hook = "should_long/should_short"
                    raise self._annotate(ConflictingRules(
                        "should_short and should_long should not be true at the same time."))
                # self._call_internal("go_long", self._execute_long), inlined
                self._hook = "go_long"
                try:
                    self._execute_long()
                except Exception as exc:
                    self._hook_failed(exc, previous)
                    raise
                self._hook = previous
            elif should_short:
                self._hook = "go_short"
                try:
                    self._execute_short()
                except Exception as exc:
                    self._hook_failed(exc, previous)
                    raise
                self._hook = previous

    def _note_checked(self) -> None:
        """After a declaration check that completed in a position: what it saw (_check skips the next one while
        that holds), unless a declaration it looked at is one strategy code holds."""
        p = self.position
        if p.qty == 0:
            return
        entry = self._d_buy if p.qty > 0 else self._d_sell
        sl = self._d_stop_loss
        tp = self._d_take_profit
        handed = ((entry is not None and entry is (self._h_buy if p.qty > 0 else self._h_sell))
                  or (sl is not None and sl is self._h_stop_loss) or (tp is not None and tp is self._h_take_profit))
        self._checked_touches = -1 if handed else self._declaration_touches
        self._checked_status = self._session.status_changes
        self._checked_qty = p.qty

    def _call_internal(self, hook: str, fn, *args):
        previous = self._hook
        self._hook = hook
        try:
            out = fn(*args)
        except Exception as exc:
            self._hook_failed(exc, previous)
            raise
        self._hook = previous
        return out

    def _execute_long(self) -> None:
        session = self._session
        session.user_code_runs += 1
        self.go_long()
        buy = self._d_buy
        rows = _plain_pair_rows(buy, True)
        if rows is not None:
            # (rows never handed to strategy code: they are the applied declaration too)
            self._d_buy = self._buy = buy = rows
        else:
            if buy is None:
                raise InvalidStrategy("You forgot to set self.buy. example (qty, price)")
            if type(buy) not in (tuple, list):
                raise InvalidStrategy(f"self.buy must be either a list or a tuple. example: (qty, price). "
                                      f"You set: {type(self.buy)}")
            buy = self._get_formatted_order(buy, "buy")
            self._d_buy = buy
            buy = self._buy = buy.copy() if buy is self._h_buy and type(buy) is np.ndarray else buy
        tp = self._d_take_profit
        sl = self._d_stop_loss
        if tp is not None or sl is not None:
            if session.exchange.type == "spot":
                if tp is not None:
                    raise InvalidStrategy("Setting self.take_profit in go_long() is not supported for spot "
                                          "trading; set it in on_open_position() instead.")
                raise InvalidStrategy("Setting self.stop_loss in go_long() is not supported for spot "
                                      "trading; set it in on_open_position() instead.")
            if tp is not None:
                self._prepare_take_profit(tp)
            if sl is not None:
                self._prepare_stop_loss(sl)
        if self._overrides["filters"] and not self._execute_filters():
            return
        self._submit_entry_orders(BUY, buy)

    def _prepare_stop_loss(self, value) -> None:
        # self._check_exit_type("stop_loss") then self._prepare("stop_loss"): ``value`` is self._d_stop_loss
        rows = _plain_pair_rows(value, False)
        if rows is not None:
            self._d_stop_loss = self._stop_loss = rows
            return
        if type(value) not in _DECLARATION_TYPES:
            self._check_exit_type("stop_loss")  # raises the error
        value = self._get_formatted_order(value, "stop_loss")
        self._d_stop_loss = value
        self._stop_loss = value.copy() if value is self._h_stop_loss and type(value) is np.ndarray else value

    def _prepare_take_profit(self, value) -> None:
        rows = _plain_pair_rows(value, False)
        if rows is not None:
            self._d_take_profit = self._take_profit = rows
            return
        if type(value) not in _DECLARATION_TYPES:
            self._check_exit_type("take_profit")  # raises the error
        value = self._get_formatted_order(value, "take_profit")
        self._d_take_profit = value
        self._take_profit = value.copy() if value is self._h_take_profit and type(value) is np.ndarray else value

    def _execute_short(self) -> None:
        self._session.user_code_runs += 1
        self.go_short()
        sell = self._d_sell
        rows = _plain_pair_rows(sell, True)
        if rows is not None:
            self._d_sell = self._sell = sell = rows
        else:
            if sell is None:
                raise InvalidStrategy("You forgot to set self.sell. example (qty, price)")
            if type(sell) not in (tuple, list):
                raise InvalidStrategy(f"self.sell must be either a list or a tuple. example: (qty, price). "
                                      f"You set {type(self.sell)}")
            sell = self._get_formatted_order(sell, "sell")
            self._d_sell = sell
            sell = self._sell = sell.copy() if sell is self._h_sell and type(sell) is np.ndarray else sell
        tp = self._d_take_profit
        if tp is not None:
            self._prepare_take_profit(tp)
        sl = self._d_stop_loss
        if sl is not None:
            self._prepare_stop_loss(sl)
        if self._overrides["filters"] and not self._execute_filters():
            return
        self._submit_entry_orders(SELL, sell)

    def _submit_buy_orders(self) -> None:
        self._submit_entry_orders(BUY, self._buy)

    def _submit_sell_orders(self) -> None:
        self._submit_entry_orders(SELL, self._sell)

    def _submit_entry_orders(self, side: str, declared) -> None:
        """Jesse's order choice for each declared entry row: MARKET within 0.015% of the price, a STOP beyond
        it (``start_profit_at``), a LIMIT before it. Rows that pass the broker's checks are submitted
        directly; any other goes through the broker method, which raises its error."""
        price_to_compare = self._cached_price  # self.price, inlined
        if price_to_compare is None or not self._is_executing:
            price_to_compare = self.close
        # the same comparisons and quotient as with the numpy scalar (a zero keeps its type: numpy's inf)
        ptc = float(price_to_compare) if price_to_compare else price_to_compare
        buy = side == BUY
        session = self._session
        market = self._market
        current = self.position.current_price
        for qty, price in (declared.tolist() if type(declared) is np.ndarray else declared):  # _rows(declared)
            # is_price_near, inlined (one entry per declared row on every submission)
            if abs(1 - (price / ptc)) <= NEAR_PRICE_THRESHOLD:
                if qty != 0 and qty - qty == 0:  # _validate_qty's checks (nonzero, finite)
                    session.create_order(market, side, MARKET, abs(qty), current, False)
                else:
                    self._broker_market(side, qty)
            elif price > ptc if buy else price < ptc:
                if (qty != 0 and qty - qty == 0 and price >= 0
                        and (price >= current if buy else price <= current)):  # _start_profit_at's checks
                    session.create_order(market, side, STOP, abs(qty), price, False)
                else:
                    self._start_profit_at(side, qty, price)
            elif price < ptc if buy else price > ptc:
                if qty != 0 and qty - qty == 0 and price >= 0:  # _broker_limit's checks
                    session.create_order(market, side, LIMIT, abs(qty), price, False)
                else:
                    self._broker_limit(side, qty, price)
            else:
                raise ValueError(f"Invalid order price: {price}, self.price: {price_to_compare}")

    def _execute_filters(self) -> bool:
        if not self._overrides["filters"]:
            return True
        for f in self._call("filters"):
            if not callable(f):
                raise InvalidStrategy("Invalid filter format: return the filter methods WITHOUT calling them "
                                      "(return [self.filter_1], not [self.filter_1()])")
            self._hook = getattr(f, "__name__", "filter")
            passed = f()
            if not passed:
                self._reset()
                return False
        return True

    def _execute_cancel(self) -> None:
        if self.position.qty != 0:
            raise RuntimeError("cannot cancel orders while the position is open")
        session = self._session
        market = self._market
        active = market.active
        if active:
            # session.cancel_all_orders(market) then self._clear() (the cancelled orders are still in
            # market.active, so _reset would clear); every re-placed entry and every close runs this, so a
            # one-order book is cancelled here without the loop, and _clear is inlined
            if len(active) == 1:
                o = active[0]
                status = o.status
                if status != CANCELED and status != EXECUTED:
                    o.canceled_at = session.time
                    o.status = CANCELED
                    session.status_changes += 1
                    ex = session.exchange
                    if ex.books_reduce_only or not o.reduce_only:  # (a futures exchange books no reduce-only order)
                        ex.on_order_cancellation(o)
                market.orders.clear()
            else:
                session.cancel_all_orders(market)
            self._d_buy = None
            self._buy = None
            self._d_sell = None
            self._sell = None
            self._d_stop_loss = None
            self._stop_loss = None
            self._d_take_profit = None
            self._take_profit = None
            market.orders = []
            market.active = []
            self.increased_count = 0
            self.reduced_count = 0
        else:
            session.cancel_all_orders(market)
            self._reset()
        if len(session.routes) > 1:
            self._broadcast("on_route_canceled")
        if self._overrides["on_cancel"]:
            self._call("on_cancel")
        self._market.orders.clear()

    def _reset(self) -> None:
        market = self._market
        if (self._d_buy is None and self._buy is None and self._d_sell is None and self._sell is None
                and self._d_stop_loss is None and self._stop_loss is None and self._d_take_profit is None
                and self._take_profit is None and not market.orders and not market.active
                and self.increased_count == 0 and self.reduced_count == 0):
            return  # already reset (most flat bars)
        self._clear()

    def _clear(self) -> None:
        """Forget the declarations, the route's orders and the counts (``_reset`` without its test)."""
        self._d_buy = None
        self._buy = None
        self._d_sell = None
        self._sell = None
        self._d_stop_loss = None
        self._stop_loss = None
        self._d_take_profit = None
        self._take_profit = None
        self._market.orders = []
        self._market.active = []
        self.increased_count = 0
        self.reduced_count = 0

    def _update_position(self) -> None:
        if self.position.qty == 0:
            return
        if self._overrides["update_position"]:
            self._call("update_position")
        self._detect_and_handle_entry_and_exit_modifications()

    def _detect_and_handle_entry_and_exit_modifications(self) -> None:
        p = self.position
        if p.qty == 0:
            return
        # Declarations change only in user code (hooks, callbacks; fills run callbacks too). When none ran
        # since this check last completed on the same position, it would find nothing to do again.
        if self._declarations_checked == (self._session.user_code_runs, p.qty):
            return
        # Fastest path (most bars): the declarations and their applied copies are the objects this check last
        # verified, and none was ever handed to strategy code (``_declaration``): they cannot have changed.
        verified = self._verified_declarations
        if verified is not None:
            long = p.qty > 0
            entry = self._d_buy if long else self._d_sell
            sl = self._d_stop_loss
            tp = self._d_take_profit
            if (verified[0] is entry and verified[2] is sl and verified[4] is tp and verified[6] == long
                    and verified[1] is (self._buy if long else self._sell) and verified[3] is self._stop_loss
                    and verified[5] is self._take_profit
                    and (entry is None or entry is not (self._h_buy if long else self._h_sell))
                    and (sl is None or sl is not self._h_stop_loss)
                    and (tp is None or tp is not self._h_take_profit)):
                self._declarations_checked = (self._session.user_code_runs, p.qty)
                return
        # Fast path: every declaration is the array already applied, unchanged. Equivalent to the full check
        # below, which then finds nothing to do.
        # (a declaration the engine formatted and never handed out is its own applied copy: ``is`` decides)
        if p.qty > 0:
            entry = self._d_buy
            entry_same = (entry is self._buy and type(entry) is _Rows) or _same_declaration(entry, self._buy)
        else:
            entry = self._d_sell
            entry_same = (entry is self._sell and type(entry) is _Rows) or _same_declaration(entry, self._sell)
        sl = self._d_stop_loss
        tp = self._d_take_profit
        if (entry_same
                and (sl is None or (sl is self._stop_loss and type(sl) is _Rows)
                     or _same_declaration(sl, self._stop_loss))
                and (tp is None or (tp is self._take_profit and type(tp) is _Rows)
                     or _same_declaration(tp, self._take_profit))):
            if sl is not None and tp is not None and len(sl) > 0 and _rows(sl) == _rows(tp):
                raise InvalidStrategy("stop-loss and take-profit should not be exactly the same. "
                                      "Just use either one of them and it will do.")
            self._declarations_checked = (self._session.user_code_runs, p.qty)
            self._verify_declarations(p.qty > 0)
            return
        try:
            if p.qty > 0:
                # self._prepare("buy", make_copies=False), then the comparison (an engine-formatted declaration
                # never handed out is its own applied copy: unchanged)
                entry = self._d_buy = self._get_formatted_order(self._d_buy, "buy")
                if not (entry is self._buy and type(entry) is _Rows) and not _np_array_equal(entry, self._buy):
                    self._buy = self._applied_copy(self._d_buy, self._h_buy)
                    for o in self.entry_orders:
                        if o.is_active:
                            self._cancel_order(o)
                    self._submit_buy_orders()
            elif p.qty < 0:
                entry = self._d_sell = self._get_formatted_order(self._d_sell, "sell")
                if not (entry is self._sell and type(entry) is _Rows) and not _np_array_equal(entry, self._sell):
                    self._sell = self._applied_copy(self._d_sell, self._h_sell)
                    for o in self.entry_orders:
                        if o.is_active:
                            self._cancel_order(o)
                    self._submit_sell_orders()
            # each exit declaration (its formatting, comparison and replacement written out for the two names;
            # nothing below runs strategy code, so the take-profit is read after the stop-loss is applied)
            sl = self._d_stop_loss
            if sl is not None and p.qty != 0:
                if type(sl) not in _DECLARATION_TYPES:
                    self._check_exit_type("stop_loss")  # raises the error
                sl = self._d_stop_loss = self._get_formatted_order(sl, "stop_loss")
                applied = self._stop_loss
                if not (sl is applied and type(sl) is _Rows) and not _np_array_equal(sl, applied):
                    self._validate_exit_order_values(sl, "stop_loss")
                    self._stop_loss = self._applied_copy(sl, self._h_stop_loss)
                    self._replace_exit_orders(p, sl, STOP_LOSS_VIA)
            tp = self._d_take_profit
            if tp is not None and p.qty != 0:
                if type(tp) not in _DECLARATION_TYPES:
                    self._check_exit_type("take_profit")
                tp = self._d_take_profit = self._get_formatted_order(tp, "take_profit")
                applied = self._take_profit
                if not (tp is applied and type(tp) is _Rows) and not _np_array_equal(tp, applied):
                    self._validate_exit_order_values(tp, "take_profit")
                    self._take_profit = self._applied_copy(tp, self._h_take_profit)
                    self._replace_exit_orders(p, tp, TAKE_PROFIT_VIA)
        except TypeError as exc:
            raise InvalidStrategy(f"a TypeError while applying the order declarations: {exc}") from exc
        if (p.qty != 0 and self._d_stop_loss is not None and self._d_take_profit is not None
                and _np_array_equal(self._d_stop_loss, self._d_take_profit) and len(self._d_stop_loss) > 0):
            raise InvalidStrategy("stop-loss and take-profit should not be exactly the same. "
                                  "Just use either one of them and it will do.")
        if p.qty != 0:
            self._declarations_checked = (self._session.user_code_runs, p.qty)
            self._verify_declarations(p.qty > 0)

    def _replace_exit_orders(self, p, declared, via: str) -> None:
        """Jesse's update of a changed exit group: cancel the route's active exit orders submitted ``via`` it,
        then submit each declared row (one row at the current price goes at that price, as a market order)."""
        rows = _rows(declared)  # (Python floats: each order converts them to float anyway)
        price_now = self.price  # (read once: nothing below executes an order or moves the candles)
        temp_current_price = price_now if len(rows) == 1 else None
        market = self._market
        if p.qty != 0 and market.active:
            # active_exit_orders' filter and the is_stop_loss / is_take_profit and is_active tests in one pass
            # (a cancellation changes no list)
            side = BUY if p.qty > 0 else SELL
            cancel = self._session.cancel_order
            for o in market.active:
                if o.side != side and o.status == ACTIVE and o.submitted_via == via:
                    cancel(o)
        for qty, price in rows:
            if p.qty == 0:
                break
            submitted = self._reduce_position_at(qty, price_now if temp_current_price == price else price, price_now)
            if submitted:
                submitted.submitted_via = via

    @staticmethod
    def _applied_copy(declared: Any, handed: Any) -> Any:
        """The applied copy of a declaration: itself, unless strategy code holds it (it may change in place)."""
        return declared.copy() if declared is handed and type(declared) is np.ndarray else declared

    def _verify_declarations(self, long: bool) -> None:
        """Record the declaration objects a completed check found applied (the fastest path's test)."""
        self._verified_declarations = (
            self._d_buy if long else self._d_sell, self._buy if long else self._sell,
            self._d_stop_loss, self._stop_loss, self._d_take_profit, self._take_profit, long)

    # ── fill callbacks ───────────────────────────────────────────────────────────────────────────────
    def _on_updated_position(self, order) -> None:
        self._session.user_code_runs += 1
        p = self.position
        before_qty = p.previous_qty
        after_qty = p.qty
        if abs(before_qty) <= 0 < abs(after_qty):
            hook = "on_open_position"
            callback = self._on_open_position
        elif abs(before_qty) > 0 >= abs(after_qty):
            hook = "on_close_position"
            callback = self._on_close_position
        elif abs(after_qty) > abs(before_qty):
            hook = "on_increased_position"
            callback = self._on_increased_position
        else:
            hook = "on_reduced_position"
            callback = self._on_reduced_position
        # self._call_internal(hook, callback, order), inlined (every fill)
        previous = self._hook
        self._hook = hook
        try:
            callback(order)
        except Exception as exc:
            self._hook_failed(exc, previous)
            raise
        self._hook = previous

    def _on_open_position(self, order) -> None:
        self.increased_count = 1
        session = self._session
        if len(session.routes) > 1:
            self._broadcast("on_route_open_position")
        p = self.position
        entry = p.entry_price
        # (is_long / is_short: no order below executes at once, so the position and the price stay as they are)
        is_long = p.qty > 0
        is_short = p.qty < 0
        current_price = None  # self.price, read once when an exit needs it
        if self._d_stop_loss is not None:
            applied = self._stop_loss
            for qty, price in (applied if type(applied) is _Rows else _applied_declaration_rows(applied)):
                if is_long and price >= entry:
                    submitted = self._broker_market(SELL, qty)
                elif is_short and price <= entry:
                    submitted = self._broker_market(BUY, qty)
                else:
                    if current_price is None:
                        current_price = self.price
                    submitted = self._reduce_position_at(qty, price, current_price)
                if submitted:
                    submitted.submitted_via = STOP_LOSS_VIA
        if self._d_take_profit is not None:
            applied = self._take_profit
            for qty, price in (applied if type(applied) is _Rows else _applied_declaration_rows(applied)):
                if is_long and price <= entry:
                    submitted = self._broker_market(SELL, qty)
                elif is_short and price >= entry:
                    submitted = self._broker_market(BUY, qty)
                else:
                    if current_price is None:
                        current_price = self.price
                    submitted = self._reduce_position_at(qty, price, current_price)
                if submitted:
                    submitted.submitted_via = TAKE_PROFIT_VIA
        if self._overrides["on_open_position"]:
            self.on_open_position(order)
        self._detect_and_handle_entry_and_exit_modifications()

    def _on_close_position(self, order) -> None:
        self.last_trade_index = self.index
        market = self._market
        closed_trade = market.just_closed
        market.just_closed = None
        if len(self._session.routes) > 1:
            self._broadcast("on_route_close_position")
        self._execute_cancel()
        if self._overrides["on_close_position"]:
            self.on_close_position(order, closed_trade)
        if self.position.qty != 0:  # (the check returns at once on a closed position)
            self._detect_and_handle_entry_and_exit_modifications()

    def _on_increased_position(self, order) -> None:
        self.increased_count += 1
        if len(self._session.routes) > 1:
            self._broadcast("on_route_increased_position")
        if self._overrides["on_increased_position"]:
            self.on_increased_position(order)
        self._detect_and_handle_entry_and_exit_modifications()

    def _on_reduced_position(self, order) -> None:
        self.reduced_count += 1
        if len(self._session.routes) > 1:
            self._broadcast("on_route_reduced_position")
        if self._overrides["on_reduced_position"]:
            self.on_reduced_position(order)
        self._detect_and_handle_entry_and_exit_modifications()

    def _broadcast(self, hook: str) -> None:
        for r in self._session.routes:
            other = r.strategy
            if other is self:
                continue
            other._call(hook, self)
            other._call_internal("applying order changes", other._detect_and_handle_entry_and_exit_modifications)

    def _terminate(self) -> None:
        s = self._session
        if self._overrides["before_terminate"]:
            self._call("before_terminate")
        self._call_internal("before_terminate", self._detect_and_handle_entry_and_exit_modifications)
        self._call_internal("executing market orders", s.execute_simulated_market_orders)
        if self.position.qty != 0:
            s.total_open_trades += 1
            s.total_open_pl += self.position.pnl
            if s.exchange.type == "spot":
                s.cancel_all_orders(self._market)
            self._call_internal("closing the open position at the end",
                                self._reduce_position_at, self.position.qty, self.position.current_price,
                                self.price)
            self._call("terminate")
            return
        if len(self.entry_orders):
            self._execute_cancel()
        self._call("terminate")

    # ── properties ───────────────────────────────────────────────────────────────────────────────────
    @property
    def candles(self) -> np.ndarray:
        """All candles of the route's timeframe, warmup included (a view)."""
        tfc = self._tfc
        if tfc is not None:
            mc = self._mc
            n1 = mc.n1
            if tfc.view_n1 == n1 and tfc.view_version == mc._version:
                return tfc.view
            if self._dense_store and tfc.dirty < 0 and mc._saved_row is None:
                # MarketCandles.get at one of the route's closes with no forming candle written (the first
                # read of most bars), inlined: the complete candles as a view, told to the indicator memo
                traded = n1 - mc.n_warm
                if traded % tfc.k == 0:
                    view = tfc.live[:tfc.n_warm + traded // tfc.k]
                    tfc.view = view
                    tfc.view_n1 = n1
                    tfc.view_version = mc._version
                    slot = tfc.slot
                    slot.view = view
                    slot.forming = None
                    return view
        return self._market.candles.get(self.timeframe)

    def get_candles(self, exchange: str, symbol: str, timeframe: str) -> np.ndarray:
        """Candles of any route or data route (with a forming candle between its closes)."""
        # the source of this timeframe's last read first (a dict keyed by a str, whose hash is kept: cheaper than
        # the (exchange, symbol, timeframe) key's tuple); another market's or a new one through the full key
        source = self._timeframe_sources.get(timeframe)
        if source is None or source[0] != exchange or source[1] != symbol:
            source = self._candle_sources.get((exchange, symbol, timeframe))
            if source is None:
                return self._first_read(exchange, symbol, timeframe)
            self._timeframe_sources[timeframe] = source
        mc = source[2]
        tfc = source[3]
        # nothing visible changed since this timeframe's last read: the same view (as the store's get)
        if tfc is not None:
            n1 = mc.n1
            view_n1 = tfc.view_n1
            if view_n1 == n1:
                if tfc.view_version == mc._version:
                    return tfc.view
            elif (self._dense_store and n1 == tfc.next_tick and tfc.view_version == mc._version
                  and view_n1 == n1 - tfc.table_stride):
                # The next tick of the bucket the last read (from the table of forming candles) showed, nothing
                # read or shown in between (the same store version: still no partial row): only the forming
                # row changes. The steps of MarketCandles.timeframe_view's table path left to do, inlined (the
                # slot already holds this view as forming; its key, last_forming_tick and _forming_key: see
                # there and MarketCandles._get).
                j = tfc.next_j
                at = tfc.forming_at
                tfc.live_bytes[at:at + 48] = tfc.table_bytes[j * 48:j * 48 + 48]
                tfc.last_forming_tick = n1
                tfc.view_n1 = n1
                tfc.slot.tick = n1
                tfc.next_tick = n1 + tfc.table_stride if n1 < tfc.last_fast_tick else -1
                tfc.next_j = j + 1
                return tfc.view
            elif (self._dense_store and n1 == tfc.close_tick and tfc.view_version == mc._version
                  and view_n1 == n1 - tfc.table_stride and tfc.dirty >= 0):
                # The bucket's close, right after its last tick was read: the view of the complete candles has the
                # forming view's length; its last row, put back, is the complete candle (MarketCandles._get's
                # steps): the same view object, now complete (as the indicator memo is told)
                at = tfc.forming_at
                tfc.live_bytes[at:at + 48] = tfc.truth_bytes[at:at + 48]
                tfc.dirty = -1
                tfc.view_n1 = n1
                tfc.close_tick = -1
                view = tfc.view
                slot = tfc.slot
                slot.view = view
                slot.forming = None
                return view
            if self._dense_store:
                return mc.timeframe_view(tfc)
        return mc.get(timeframe)

    def _first_read(self, exchange: str, symbol: str, timeframe: str) -> np.ndarray:
        """:meth:`get_candles` of a (exchange, symbol, timeframe) not read yet: its source kept for the next reads."""
        market = self._session.markets.get(f"{exchange}-{symbol}")
        if market is None:
            from jesse_dag.engine.exceptions import RouteNotFound
            raise RouteNotFound(f"no candles for {exchange} {symbol}: add it as a route or data route")
        view = market.candles.get(timeframe)  # raises for a timeframe that is not there
        tfc = market.candles.tfs.get(timeframe) if hasattr(market.candles, "tfs") else None
        if tfc is not None or timeframe == "1m":
            self._candle_sources[(exchange, symbol, timeframe)] = (exchange, symbol, market.candles, tfc)
        return view

    def _current_value(self, column: int):
        # ``candles.current(timeframe)[column]`` through the route's cached view (the same array)
        c = self.candles
        if len(c) == 0:
            return np.zeros(6)[column]
        return c[-1, column]

    @property
    def current_candle(self) -> np.ndarray:
        return self._market.candles.current(self.timeframe).copy()

    def _ml_point_time(self) -> int:
        # MLMixin's ``int(self.current_candle[0] / 1000)`` on the route's candles, without the copy
        # (``candles`` is the store's ``get`` of the route's timeframe, as ``current`` reads)
        c = self.candles
        return int(c[-1, 0] / 1000) if len(c) else 0

    @property
    def open(self) -> float:
        return self._current_value(1)

    @property
    def close(self) -> float:
        # during a bar the close of the route's candle is the bar's price the engine handed over (``price``;
        # set only while the bar executes: _execute and the engine's loop put None back when it ends)
        cached = self._cached_price
        if cached is not None:
            return cached
        if self._dense_store:
            # The last candle of the route (complete or forming) closes at the last visible 1m row's close:
            # read it there rather than build the candles (a fill's callbacks, a partial row showing).
            mc = self._mc
            n1 = mc.n1
            if n1 > mc.n_warm:
                partial = mc._partial  # the partial row, when it is not written into the 1m rows
                if partial is not None and mc._saved_index == n1 - 1:
                    return np.float64(partial[2])
                return mc.m1[n1 - 1, 2]
        return self._current_value(2)

    @property
    def high(self) -> float:
        return self._current_value(3)

    @property
    def low(self) -> float:
        return self._current_value(4)

    @property
    def volume(self) -> float:
        return self._current_value(5)

    @property
    def price(self) -> float:
        cached = self._cached_price  # (see close)
        if cached is not None:
            return cached
        return self.close

    @property
    def time(self) -> int:
        return self._session.time

    @property
    def balance(self) -> float:
        e = self._session.exchange
        return e.assets[e.settlement_currency]  # e.wallet_balance, one property call less

    @property
    def capital(self) -> float:
        raise NotImplementedError('The alias "self.capital" has been removed. Please use "self.balance" instead.')

    @property
    def available_margin(self) -> float:
        return self._session.exchange.available_margin

    @property
    def leveraged_available_margin(self) -> float:
        return self.leverage * self.available_margin

    @property
    def fee_rate(self) -> float:
        return self._session.exchange.fee_rate

    @property
    def leverage(self):
        e = self._session.exchange
        return 1 if e.type == "spot" else e.futures_leverage

    @property
    def is_long(self) -> bool:
        return self.position.qty > 0

    @property
    def is_short(self) -> bool:
        return self.position.qty < 0

    @property
    def is_open(self) -> bool:
        return self.position.qty != 0

    @property
    def is_close(self) -> bool:
        return self.position.qty == 0

    @property
    def mark_price(self) -> float:
        return self.position.mark_price

    @property
    def funding_rate(self) -> float:
        return 0

    @property
    def next_funding_timestamp(self):
        return None

    @property
    def liquidation_price(self) -> float:
        return self.position.liquidation_price

    # (applied declaration, its average price) of the last read: an applied declaration is replaced, never
    # changed in place (see _applied_rows), so a trailing strategy's read on every bar is an identity test
    _average_sl = (None, None)
    _average_tp = (None, None)

    @property
    def average_stop_loss(self) -> float:
        applied = self._stop_loss
        if applied is None:
            raise InvalidStrategy("You cannot access self.average_stop_loss before setting self.stop_loss")
        cached = self._average_sl
        if cached[0] is applied:
            return cached[1]
        value = _average_price(applied, _applied_rows(applied))
        self._average_sl = (applied, value)
        return value

    @property
    def average_take_profit(self) -> float:
        applied = self._take_profit
        if applied is None:
            raise InvalidStrategy("You cannot access self.average_take_profit before setting self.take_profit")
        cached = self._average_tp
        if cached[0] is applied:
            return cached[1]
        value = _average_price(applied, _applied_rows(applied))
        self._average_tp = (applied, value)
        return value

    @property
    def average_entry_price(self):
        if self.is_long:
            arr = self._buy
        elif self.is_short:
            arr = self._sell
        elif self.has_long_entry_orders:
            arr = self._get_formatted_order(self._d_buy, "buy")
        elif self.has_short_entry_orders:
            arr = self._get_formatted_order(self._d_sell, "sell")
        else:
            return None
        if type(arr) is _Rows:
            arr = np.array(arr)
        elif type(arr) is not np.ndarray:
            arr = None
        if arr is None and self.position.qty != 0:
            return self.position.entry_price
        if arr is None:
            return None
        return (np.abs(arr[:, 0] * arr[:, 1])).sum() / np.abs(arr[:, 0]).sum()

    @property
    def has_long_entry_orders(self) -> bool:
        entries = self.entry_orders
        if entries == [] and self._d_buy is not None:
            return True
        return entries != [] and entries[0].side == BUY

    @property
    def has_short_entry_orders(self) -> bool:
        entries = self.entry_orders
        if entries == [] and self._d_sell is not None:
            return True
        return entries != [] and entries[0].side == SELL

    def liquidate(self) -> None:
        """Close the open position with a market order (as a take-profit if in profit, else a stop-loss)."""
        if self.position.qty == 0:
            return
        if self.position.pnl > 0:
            self.take_profit = self.position.qty, self.price
        else:
            self.stop_loss = self.position.qty, self.price

    @property
    def shared_vars(self) -> dict:
        return self._session.shared_vars

    @property
    def routes(self) -> list:
        return self._session.routes

    @property
    def data_routes(self) -> list:
        return self._session.data_routes

    @property
    def current_route_index(self) -> int:
        return self._current_route_index

    @property
    def all_positions(self) -> dict:
        return {r.symbol: r.strategy.position for r in self._session.routes}

    @property
    def portfolio_value(self) -> float:
        total = 0
        if self.is_spot_trading:
            entry_orders_value = 0
            for o in self.entry_orders:
                if o.is_active:
                    entry_orders_value += o.value
            positions_value = 0
            for p in self.all_positions.values():
                positions_value += p.value
            total = entry_orders_value + positions_value
        else:
            for p in self.all_positions.values():
                total += p.pnl
        return (total * self.leverage) + self.balance

    @property
    def trades(self) -> list:
        """Every closed trade so far, across all routes (ClosedTrade objects)."""
        return self._session.closed_trades

    @property
    def orders(self) -> list:
        return self._market.orders

    @property
    def entry_orders(self) -> list:
        p = self.position
        if p.qty == 0:
            return self._market.orders.copy()
        side = BUY if p.qty > 0 else SELL
        return [o for o in self._market.active if o.side == side and not o.is_canceled]

    @property
    def exit_orders(self) -> list:
        p = self.position
        if p.qty == 0 or not self._market.orders:
            return []
        side = BUY if p.qty > 0 else SELL
        return [o for o in self._market.orders if o.side != side and not o.is_canceled]

    @property
    def active_exit_orders(self) -> list:
        p = self.position
        if p.qty == 0 or not self._market.active:
            return []
        side = BUY if p.qty > 0 else SELL
        return [o for o in self._market.active if o.side != side and not o.is_canceled]

    @property
    def exchange_type(self) -> str:
        return self._session.exchange.type

    @property
    def is_spot_trading(self) -> bool:
        return self._session.exchange.type == "spot"

    @property
    def is_futures_trading(self) -> bool:
        return self._session.exchange.type == "futures"

    @property
    def daily_balances(self) -> list:
        return self._session.daily_balance

    @property
    def metrics(self) -> dict:
        """Running metrics over the trades closed so far (cached per trade count)."""
        if self.trades_count not in self._cached_metrics:
            from jesse_dag.metrics import compute_metrics
            s = self._session
            trades = [t.to_dict() for t in s.closed_trades]
            self._cached_metrics[self.trades_count] = compute_metrics(
                trades, s.daily_balance, s.daily_balance_timestamps,
                starting_balance=s.exchange.started_balance, finishing_balance=s.exchange.wallet_balance,
                starting_time=s.starting_time, ending_time=int(s.time) + 60_000)
        return self._cached_metrics[self.trades_count]

    is_backtesting = property(lambda self: True)
    is_livetrading = property(lambda self: False)
    is_papertrading = property(lambda self: False)
    is_live = property(lambda self: False)

    @property
    def base_asset(self) -> str:
        return self.symbol.split("-")[0]

    @property
    def quote_asset(self) -> str:
        return self.symbol.split("-")[1]

    @property
    def min_qty(self) -> float:
        return 0.0
