"""Exceptions leaving strategy code keep their class, message and object (as in Jesse) and get a note naming
the strategy, the hook and the bar; what a user's ``__init__`` can read (Jesse's global store)."""
from __future__ import annotations

import traceback

import pytest

from jesse_dag.candles.synthetic import candles_from_close_prices
from jesse_dag.engine import InvalidStrategy, StrategyError, hook_context, run_backtest
from jesse_dag.engine.exceptions import HookContext
from jesse_dag.strategies import Strategy

T0 = 1_609_459_200_000
CLOSES = [100 + (i % 7) for i in range(60)]


def _config(**kw):
    return {"starting_balance": 10_000, "fee": 0, "type": "futures", "futures_leverage": 1,
            "futures_leverage_mode": "cross", "exchange": "Sandbox", "warm_up_candles": 0, **kw}


def _run(routes, closes=CLOSES, **kw):
    candles = candles_from_close_prices(closes)
    keys = {f"Sandbox-{r['symbol']}" for r in routes}
    return run_backtest(_config(), routes, [], {k: {"candles": candles} for k in sorted(keys)}, **kw)


def _route(cls, symbol="BTC-USDT", timeframe="1m"):
    return {"exchange": "Sandbox", "strategy": cls, "symbol": symbol, "timeframe": timeframe}


class _OddArgs(Exception):
    """An exception whose __init__ takes two arguments (its args hold one string): it cannot be rebuilt
    from its args, so only passing the object itself on keeps it."""

    def __init__(self, code, detail):
        super().__init__(f"code {code}: {detail}")
        self.code = code


class _FailsIn(Strategy):
    """Opens a long at bar 2 (SL and TP far away), closes it at bar 5; raises ``error`` in hook ``where``."""

    where = "go_long"
    error: BaseException = ValueError("bad value")

    def _maybe_fail(self, hook):
        if hook == self.where:
            raise type(self).error

    def __init__(self):
        super().__init__()
        self._maybe_fail("__init__")

    def hyperparameters(self):
        self._maybe_fail("hyperparameters")
        return [{"name": "n", "type": int, "min": 1, "max": 9, "default": 3}]

    def dna(self):
        self._maybe_fail("dna")
        return ""

    def before(self):
        self._maybe_fail("before")

    def after(self):
        self._maybe_fail("after")

    def should_long(self):
        self._maybe_fail("should_long")
        return self.index == 2

    def go_long(self):
        self._maybe_fail("go_long")
        self.buy = 1, self.price

    def filters(self):
        self._maybe_fail("filters")
        return [self.filter_ok]

    def filter_ok(self):
        self._maybe_fail("filter_ok")
        return True

    def on_open_position(self, order):
        self._maybe_fail("on_open_position")

    def update_position(self):
        self._maybe_fail("update_position")
        if self.index == 5:
            self.liquidate()

    def on_close_position(self, order, closed_trade):
        self._maybe_fail("on_close_position")

    def candles_pipeline(self):
        self._maybe_fail("candles_pipeline")
        return None

    def before_terminate(self):
        self._maybe_fail("before_terminate")

    def terminate(self):
        self._maybe_fail("terminate")


def _failing(where, error):
    return type("_FailsIn", (_FailsIn,), {"where": where, "error": error})


# hook, bar index at which it fails (None: before the first bar), the hook name in the note
HOOKS = [
    ("__init__", None), ("hyperparameters", None), ("dna", None), ("candles_pipeline", None),
    ("before", 0), ("should_long", 0), ("go_long", 2), ("filters", 2), ("filter_ok", 2), ("on_open_position", 2),
    ("update_position", 3), ("on_close_position", 5), ("after", 0), ("before_terminate", "end"), ("terminate", "end"),
]


@pytest.mark.parametrize("where, bar", HOOKS)
def test_an_exception_in_any_hook_keeps_its_class_message_and_object_and_names_strategy_and_hook(where, bar):
    error = ValueError(f"bad value in {where}")
    with pytest.raises(ValueError) as info:
        _run([_route(_failing(where, error))])
    err = info.value
    assert err is error  # the user's own object: class, args, attributes all theirs
    assert str(err) == f"bad value in {where}"
    ctx = hook_context(err)
    assert isinstance(ctx, HookContext)
    assert (ctx.strategy, ctx.hook) == ("_FailsIn", where)
    if bar is None:
        assert ctx.time == T0  # Jesse's clock when it creates the strategies: the first candle
    elif bar == "end":
        assert ctx.time == T0 + len(CLOSES) * 60_000
    else:
        assert ctx.time == T0 + (bar + 1) * 60_000  # a 1m bar's close
    assert err.__notes__ == [ctx.note()]
    assert f"'_FailsIn', {where}()" in ctx.note()
    # the traceback shows the user's line and prints the note under the original message
    text = "".join(traceback.format_exception(err))
    assert "raise type(self).error" in text
    assert f"ValueError: bad value in {where}\nraised in strategy '_FailsIn', {where}()" in text
    assert isinstance(err, StrategyError) and not issubclass(ValueError, StrategyError)


def test_not_implemented_error_and_odd_exceptions_pass_through_unchanged():
    with pytest.raises(NotImplementedError, match="^not yet") as info:  # (pytest's match sees the note too)
        _run([_route(_failing("go_long", NotImplementedError("not yet")))])
    assert str(info.value) == "not yet"
    odd = _OddArgs(7, "no fill")
    with pytest.raises(_OddArgs) as info:
        _run([_route(_failing("on_open_position", odd))])
    assert info.value is odd and info.value.code == 7 and str(odd) == "code 7: no fill"
    assert hook_context(odd).hook == "on_open_position"


def test_user_code_catching_its_own_exception_type_works_as_in_jesse():
    caught = []
    try:
        _run([_route(_failing("should_long", KeyError("missing")))])
    except KeyError as exc:  # what a Jesse user writes
        caught.append(exc)
    assert caught and caught[0].args == ("missing",)


def test_a_type_error_in_init_is_invalid_strategy_as_in_jesse_with_the_original_chained():
    with pytest.raises(InvalidStrategy) as info:
        _run([_route(_failing("__init__", TypeError("unsupported operand")))])
    err = info.value
    assert "unsupported operand" in str(err) and isinstance(err.__cause__, TypeError)
    assert hook_context(err).hook == "__init__" and hook_context(err).strategy == "_FailsIn"


class _NoGoLong(Strategy):
    def should_long(self):
        return False


def test_a_strategy_without_go_long_is_refused_before_the_first_bar_as_jesses_abstract_class():
    with pytest.raises(InvalidStrategy, match="does not define go_long()") as info:
        _run([_route(_NoGoLong)])
    assert hook_context(info.value).time == T0


class _Listener(Strategy):
    """Fails when the other route opens a position (on_route_open_position)."""

    def should_long(self):
        return False

    def go_long(self):
        pass

    def on_route_open_position(self, strategy):
        raise RuntimeError(f"saw {strategy.symbol}")


class _Opener(Strategy):
    def should_long(self):
        return self.index == 1

    def go_long(self):
        self.buy = 1, self.price


def test_an_exception_in_another_routes_callback_names_that_strategy():
    with pytest.raises(RuntimeError, match="^saw BTC-USDT") as info:
        _run([_route(_Opener), _route(_Listener, "ETH-USDT")])
    assert str(info.value) == "saw BTC-USDT"
    ctx = hook_context(info.value)
    assert (ctx.strategy, ctx.hook) == ("_Listener", "on_route_open_position")
    assert len(info.value.__notes__) == 1  # the innermost hook only, not every engine layer above it


# -- what __init__ can read ---------------------------------------------------------------------------------
class _SharesInInit(Strategy):
    """Jesse's pattern: the first route's __init__ creates shared state, every route reads it at init."""

    seen: list = []

    def __init__(self):
        self.shared_vars.setdefault("ready", []).append(len(self.shared_vars.get("ready", [])))  # before super()
        super().__init__()
        type(self).seen.append({"shared": {k: list(v) for k, v in self.shared_vars.items()}, "routes": [r.symbol for r in self.routes],
                                "time": self.time, "balance": self.balance, "symbol": self.symbol,
                                "vars": dict(self.vars), "hp": dict(self.hp)})
        self.vars["created"] = True

    def should_long(self):
        return False

    def go_long(self):
        pass


def test_shared_vars_routes_time_and_balance_are_readable_in_init_as_in_jesse():
    _SharesInInit.seen = []
    run = _run([_route(_SharesInInit), _route(_SharesInInit, "ETH-USDT")])
    first, second = _SharesInInit.seen
    assert first["shared"] == {"ready": [0]} and second["shared"] == {"ready": [0, 1]}
    assert first["routes"] == ["BTC-USDT", "ETH-USDT"]
    assert first["time"] == T0 and first["balance"] == 10_000
    # as in Jesse, the route's own attributes are set after __init__
    assert first["symbol"] is None and first["vars"] == {} and first["hp"] == {}
    assert run.session.shared_vars == {"ready": [0, 1]}
    assert [s.vars for s in run.strategies] == [{"created": True}, {"created": True}]


def test_a_strategy_made_outside_a_backtest_has_no_session():
    s = _SharesInInit.__new__(_SharesInInit)
    assert s._session is None


class _ShortsOnSpot(Strategy):
    def should_long(self):
        return False

    def go_long(self):
        pass

    def should_short(self):
        return self.index == 3


def test_an_engine_refusal_names_the_hook_that_caused_it():
    candles = candles_from_close_prices(CLOSES)
    with pytest.raises(InvalidStrategy, match="^should_short cannot be True") as info:
        run_backtest(_config(type="spot"), [_route(_ShortsOnSpot)], [], {"Sandbox-BTC-USDT": {"candles": candles}})
    ctx = hook_context(info.value)
    assert (ctx.hook, ctx.time) == ("should_short", T0 + 4 * 60_000)
