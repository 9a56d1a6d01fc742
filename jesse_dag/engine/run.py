"""``run_backtest``: validate the inputs, build one :class:`Session`, run it, shape Jesse's result dict.

Config keys (Jesse's): ``starting_balance``, ``fee``, ``type`` ('futures' | 'spot'; aliases
``simulation_model`` / ``market_type``), ``futures_leverage``, ``futures_leverage_mode`` ('cross' |
'isolated'), ``exchange``, ``warm_up_candles``, ``annualization`` (365 | 252).

Opt-in extras (not in Jesse, off by default): ``slippage`` (a fraction; MARKET and STOP fills, liquidations
excepted, at ``price * (1 + slippage)`` for buys and ``price * (1 - slippage)`` for sells), ``maker_fee`` /
``taker_fee`` (LIMIT fills pay the maker rate, MARKET and STOP fills the taker rate; each defaults to
``fee``), ``funding_rate`` (perpetual futures: per 8 hours, charged on ``qty * price`` of every open
position at 00:00, 08:00 and 16:00 UTC, at the close of the block ending there; longs pay a positive rate),
``cross_liquidation`` (True: a cross position on one market is liquidated, as an isolated one is, when the
price comes within 0.4% of entry of the price where its loss equals the whole wallet, and fills there).

Example:
    >>> from jesse_dag.engine import run_backtest  # doctest: +SKIP
    >>> run = run_backtest(config, routes, [], candles, warmup)  # doctest: +SKIP
    >>> run.result["metrics"]["total"], run.strategies[0].index  # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
import gc
import math
import warnings
from contextvars import ContextVar
from dataclasses import dataclass, field
from math import gcd
from typing import Any, Callable, Iterator

import numpy as np

from jesse_dag._config import run_config
from jesse_dag.candles.timeframes import TIMEFRAMES
from jesse_dag.engine.kernels import candles_pass_checks
from jesse_dag.engine.exceptions import (
    InvalidCandles, InvalidConfig, InvalidHyperparameters, InvalidRoutes,
)
from jesse_dag.engine.models import FuturesExchange, Position, SpotExchange, quote_asset
from jesse_dag.engine.pipelines import apply_pipelines, make_pipelines
from jesse_dag.engine.replay import build_markets, needs_replay, replay_common_start, run_replay
from jesse_dag.engine.session import Market, Route, Session
from jesse_dag.engine.strategy_loading import load_strategy_class  # noqa: F401 (its old home; callers import it here)
from jesse_dag.engine.simulator import run_fast
from jesse_dag.engine.store import MarketCandles
from jesse_dag.helpers import forget_last_slice
from jesse_dag.indicators._core import WindowCache, window_cache


@dataclass
class BacktestRun:
    """What one backtest leaves: Jesse's result dict and the strategy instances (route order)."""

    result: dict
    strategies: list = field(default_factory=list)
    session: Any = None


def _resolve_type(config: dict) -> str:
    candidates = []
    if "type" in config:
        candidates.append(("type", str(config["type"]).lower()))
    if "simulation_model" in config:
        v = str(config["simulation_model"]).lower()
        candidates.append(("simulation_model", "futures" if v in ("perpetual_futures", "futures") else v))
    if "market_type" in config:
        v = str(config["market_type"]).lower()
        candidates.append(("market_type", "futures" if v in ("perpetual_futures", "futures") else v))
    if not candidates:
        return "futures"
    values = {v for _, v in candidates}
    if len(values) > 1:
        raise InvalidConfig(f"config: contradicting market types {dict(candidates)}")
    value = values.pop()
    if value not in ("futures", "spot"):
        raise InvalidConfig(f"config['type'] must be 'futures' or 'spot', got {value!r}")
    return value


MAX_LEVERAGE = 125


def _check_config(config: dict) -> dict:
    if not isinstance(config, dict):
        raise InvalidConfig(f"config must be a dict, got {type(config).__name__}")
    for key in ("starting_balance", "fee", "exchange"):
        if key not in config:
            raise InvalidConfig(f"config is missing {key!r}")
    kind = _resolve_type(config)
    balance = config["starting_balance"]
    if not isinstance(balance, (int, float)) or not math.isfinite(balance) or balance <= 0:
        raise InvalidConfig(f"config['starting_balance'] must be a positive number, got {balance!r}")
    fee = config["fee"]
    if not isinstance(fee, (int, float)) or not math.isfinite(fee) or fee < 0 or fee >= 1:
        raise InvalidConfig(f"config['fee'] must be a rate in [0, 1), got {fee!r}")
    warm_up = config.get("warm_up_candles", 0) or 0
    if isinstance(warm_up, bool) or not isinstance(warm_up, (int, float, np.integer, np.floating)) \
            or not math.isfinite(warm_up) or warm_up != int(warm_up) or warm_up < 0:
        raise InvalidConfig(f"config['warm_up_candles'] must be a whole number >= 0 (completed route-timeframe "
                            f"candles before the trading window), got {warm_up!r}")
    out = {"type": kind, "starting_balance": balance, "fee": fee, "exchange": config["exchange"],
           "warm_up_candles": int(warm_up),
           "annualization": int(config.get("annualization", 365))}
    if out["annualization"] not in (365, 252):
        raise InvalidConfig(f"config['annualization'] must be 365 or 252, got {config.get('annualization')!r}")
    if kind == "futures":
        for key in ("futures_leverage", "futures_leverage_mode"):
            if key not in config:
                raise InvalidConfig(f"config is missing {key!r} (required when type is 'futures')")
        lev = config["futures_leverage"]
        if not isinstance(lev, (int, float)) or not math.isfinite(lev) or lev <= 0:
            raise InvalidConfig(f"config['futures_leverage'] must be a positive number, got {lev!r}")
        if lev > MAX_LEVERAGE:
            # no exchange offers more; beyond it a cross run (never liquidated, as in Jesse) ends far below zero
            raise InvalidConfig(f"config['futures_leverage'] is {lev:g}, above {MAX_LEVERAGE}, the most any exchange "
                                f"offers; use a leverage between 1 and {MAX_LEVERAGE}")
        mode = config["futures_leverage_mode"]
        if mode not in ("cross", "isolated"):
            raise InvalidConfig(f"config['futures_leverage_mode'] must be 'cross' or 'isolated', got {mode!r}")
        out["futures_leverage"] = lev
        out["futures_leverage_mode"] = mode
    # opt-in extras, off by default (Jesse 3.5.3 has none of them, so parity runs leave them out)
    for key in ("slippage", "maker_fee", "taker_fee"):
        value = config.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or value < 0 or value >= 1:
            raise InvalidConfig(f"config[{key!r}] must be a fraction in [0, 1), got {value!r}")
        out[key] = float(value)
    funding = config.get("funding_rate")
    if funding is not None:
        if isinstance(funding, bool) or not isinstance(funding, (int, float)) or not math.isfinite(funding) \
                or abs(funding) >= 1:
            raise InvalidConfig(f"config['funding_rate'] must be a rate per 8 hours in (-1, 1), got {funding!r}")
        if funding and kind != "futures":
            raise InvalidConfig("config['funding_rate'] applies to perpetual futures only; type is 'spot'")
        out["funding_rate"] = float(funding)
    cross_liquidation = config.get("cross_liquidation", False)
    if cross_liquidation is not None and not isinstance(cross_liquidation, bool):
        raise InvalidConfig(f"config['cross_liquidation'] must be True or False, got {cross_liquidation!r}")
    if cross_liquidation:
        if kind != "futures" or out["futures_leverage_mode"] != "cross":
            raise InvalidConfig("config['cross_liquidation'] applies to futures in 'cross' leverage mode (isolated "
                                "positions are always liquidated)")
        if out.get("funding_rate"):
            # funding moves the wallet between fills, so the liquidation price would drift between the checks
            raise InvalidConfig("config['cross_liquidation'] cannot be combined with funding_rate yet")
        out["cross_liquidation"] = True
    return out


def _check_routes(routes: list, data_routes: list) -> tuple[list[Route], list[Route]]:
    if not routes:
        raise InvalidRoutes("at least one route is required")
    out, seen_pairs = [], set()
    for i, r in enumerate(routes):
        for key in ("exchange", "strategy", "symbol", "timeframe"):
            if key not in r:
                raise InvalidRoutes(f"route #{i} is missing {key!r}: {r!r}")
        if r["timeframe"] not in TIMEFRAMES:
            raise InvalidRoutes(f"route #{i}: unknown timeframe {r['timeframe']!r}; expected one of {TIMEFRAMES}")
        if "-" not in r["symbol"]:
            raise InvalidRoutes(f"route #{i}: symbol {r['symbol']!r} must look like BASE-QUOTE")
        pair = (r["exchange"], r["symbol"])
        if pair in seen_pairs:
            raise InvalidRoutes(f"route #{i}: {r['exchange']} {r['symbol']} is traded by more than one route")
        seen_pairs.add(pair)
        out.append(Route(r["exchange"], r["symbol"], r["timeframe"], r["strategy"]))
    quotes = {quote_asset(r.symbol) for r in out}
    if len(quotes) > 1:
        raise InvalidRoutes(f"all routes must share one quote asset, got {sorted(quotes)}")
    if len({r.exchange for r in out}) > 1:
        raise InvalidRoutes("only one exchange per backtest is supported (as in Jesse)")
    data = []
    for i, r in enumerate(data_routes or []):
        for key in ("exchange", "symbol", "timeframe"):
            if key not in r:
                raise InvalidRoutes(f"data route #{i} is missing {key!r}: {r!r}")
        if r["timeframe"] not in TIMEFRAMES:
            raise InvalidRoutes(f"data route #{i}: unknown timeframe {r['timeframe']!r}")
        data.append(Route(r["exchange"], r["symbol"], r["timeframe"]))
    return out, data


# A batch's variations (optimize.run_batch) pass the same candle arrays to every backtest: the arrays one
# process has checked in the running batch, id -> (the array passed, the checked array, whether it has gaps).
# None outside a batch (every run checks its candles). The checked arrays are never written (copy=False).
_batch_checked: ContextVar[dict | None] = ContextVar("batch_checked", default=None)
_BATCH_CHECKED_MAX = 64  # windowed variations pass new slices each time: the ones kept are bounded


@contextlib.contextmanager
def candles_checked_once(checked: dict) -> Iterator[None]:
    """Within the block, candle arrays already checked into ``checked`` (a dict the caller keeps for its batch)
    are not checked again: the same array object, unchanged in between (run_batch's variations).

    Example:
        >>> with candles_checked_once({}):  # doctest: +SKIP
        ...     run_backtest(config, routes, [], candles, warmup)
    """
    token = _batch_checked.set(checked)
    try:
        yield
    finally:
        _batch_checked.reset(token)


def _check_candles(candles: dict, keys: list[str], what: str, gapped: set | None = None,
                   copy: bool = True) -> dict[str, np.ndarray]:
    """Each market's candles as a C-contiguous float64 array, checked (``gapped`` collects the keys whose
    timestamps skip minutes): a private copy, or with ``copy=False`` the caller's own array when it already
    is one (the caller then copies before writing, so the candles passed in are never changed)."""
    if not isinstance(candles, dict):
        raise InvalidCandles(f"{what} must be a dict keyed 'exchange-symbol', got {type(candles).__name__}")
    checked = None if copy else _batch_checked.get()
    out = {}
    for key in keys:
        if key not in candles:
            raise InvalidCandles(f"{what} has no entry for {key!r} (a route or data route needs it)")
        raw = candles[key]["candles"] if isinstance(candles[key], dict) else candles[key]
        if checked is not None:
            hit = checked.get(id(raw))
            if hit is not None and hit[0] is raw:
                if hit[2] and gapped is not None:
                    gapped.add(key)
                out[key] = hit[1]
                continue
        arr = np.array(raw, dtype=np.float64, copy=True if copy else None, order="C")
        passed, has_gaps = (candles_pass_checks(arr) if arr.ndim == 2 and arr.shape[1] == 6 and len(arr)
                            else (False, False))
        if not passed:
            # the validator names the row and the problem
            from jesse_dag.candles.validate import CandleValidationError, validate_candles

            try:
                validate_candles(arr, allow_gaps=True, name=f"{what}[{key!r}]")
            except CandleValidationError as exc:
                raise InvalidCandles(str(exc)) from exc
            # rows the validator accepts after all: the kernel stopped early, so look for gaps here
            has_gaps = arr.ndim == 2 and len(arr) > 1 and not bool((np.diff(arr[:, 0]) == 60_000).all())
        if has_gaps and gapped is not None:
            gapped.add(key)
        out[key] = arr
        if checked is not None:
            if len(checked) >= _BATCH_CHECKED_MAX:
                checked.clear()
            checked[id(raw)] = (raw, arr, has_gaps)
    return out


def _check_warmup(trade: dict[str, np.ndarray], warm: dict[str, np.ndarray], routes: list, warm_up_candles: int,
                  replay: bool) -> None:
    """Refuse warm-up rows inside or after the trading window (Jesse drops them silently) and, on contiguous
    candles, a warm-up with fewer completed candles than ``warm_up_candles`` asks for (Jesse runs on with NaN
    indicators; on gapped candles the deficit is taken from the first trading buckets, as Jesse does)."""
    for key, w in warm.items():
        if key not in trade or not len(w):
            continue
        first = int(trade[key][0, 0])
        late = int(np.count_nonzero(w[:, 0] >= first))
        if late:
            raise InvalidCandles(
                f"warmup_candles[{key!r}]: {late} of its {len(w)} rows are at or after the first trading minute "
                f"{first} (last warm-up row {int(w[-1, 0])}); the warm-up must end before the trading candles start")
    if replay or warm_up_candles <= 0:
        return
    for r in routes:
        w = warm.get(r.key)
        if w is None:  # no warm-up passed at all: Jesse's research.backtest then starts without one (its docs' usage)
            continue
        start = int(trade[r.key][0, 0])
        tf_ms = r.k * 60_000
        # the route candles closed by the trading start: buckets b with (b + 1) * tf_ms <= start, i.e. b below
        # start // tf_ms; the checked rows rise, so they are a prefix and each new bucket is a step in it
        buckets = w[:, 0].astype(np.int64) // tf_ms
        closed = buckets[:int(np.searchsorted(buckets, start // tf_ms, side="left"))]
        completed = int(np.count_nonzero(closed[1:] != closed[:-1])) + 1 if len(closed) else 0
        if completed < warm_up_candles:
            raise InvalidCandles(
                f"config['warm_up_candles'] is {warm_up_candles} but warmup_candles[{r.key!r}] holds {completed} "
                f"completed {r.timeframe} candles before the trading start {start}: pass at least "
                f"{warm_up_candles * r.k} warm-up minutes, or lower warm_up_candles (indicators would be NaN)")


def run_backtest(config: dict, routes: list[dict], data_routes: list[dict] | None, candles: dict,
                 warmup_candles: dict | None = None, hyperparameters: dict | None = None,
                 fast_mode: bool = True, generate_equity_curve: bool = False,
                 generate_hyperparameters: bool = False, project_dir: str | None = None,
                 session_id: str = "00000000-0000-4000-8000-000000000000",
                 candles_pipeline_class: Any = None, candles_pipeline_kwargs: dict | None = None,
                 merge_hyperparameters: bool = False, progress_callback: Callable[[float], None] | None = None,
                 trade_orders: bool = True, **_ignored: Any) -> BacktestRun:
    """Run one backtest; return the result dict (as ``research.backtest``) and the strategy instances.

    ``fast_mode`` False follows Jesse's step simulator (§4.1), True its fast mode (§4.6); they differ where
    Jesse's do: daily samples at their own minute; MARKET orders submitted at a fill filled at that
    minute's end; each minute's orders sorted for that minute; isolated liquidation checked every minute;
    several markets walked minute by minute; no strategy run on a short last bar (candles ending inside a
    route bar). ``candles_pipeline_class(**candles_pipeline_kwargs)`` (or each
    strategy's ``candles_pipeline()``) rewrites the trading rows first, as Jesse's pipelines do
    (:mod:`jesse_dag.engine.pipelines`). ``hyperparameters`` replace a strategy's ``hp`` as in Jesse; with
    ``merge_hyperparameters`` (``research.backtest``, the CLI's ``--hp``) they are laid over the strategy's
    defaults and a name its ``hyperparameters()`` does not declare is refused with the known names.
    ``progress_callback(fraction)`` hears how much of the simulated time has passed (0.0 .. 1.0), checked at
    the daily samples and called every 1% of the run at most, so it costs the run nothing measurable.
    ``trade_orders`` False leaves each trade dict's ``orders`` list empty (callers that keep only the metrics).
    """
    # The run allocates many small objects (orders, memoized indicator tuples) and frees almost all of them
    # by reference counting; the cyclic collector's passes over them cost 5-10% and find nothing, so it
    # is paused for the run (its collections resume afterwards, when the last nested run ends).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run_backtest(config, routes, data_routes, candles, warmup_candles, hyperparameters, fast_mode,
                             generate_equity_curve, generate_hyperparameters, project_dir, session_id,
                             candles_pipeline_class, candles_pipeline_kwargs, merge_hyperparameters,
                             progress_callback, trade_orders)
    finally:
        forget_last_slice()  # the run's candles are not kept alive by slice_candles' last slice
        if gc_was_enabled:
            gc.enable()


def _run_backtest(config, routes, data_routes, candles, warmup_candles, hyperparameters, fast_mode,
                  generate_equity_curve, generate_hyperparameters, project_dir, session_id,
                  candles_pipeline_class, candles_pipeline_kwargs, merge_hyperparameters=False,
                  progress_callback=None, trade_orders=True) -> BacktestRun:
    from jesse_dag.strategies import Strategy

    cfg = _check_config(config)
    route_objs, data_objs = _check_routes(routes, data_routes or [])
    keys: list[str] = []
    for r in route_objs + data_objs:
        if r.key not in keys:
            keys.append(r.key)
    # Jesse walks the markets in the order of the candles dict
    if not isinstance(candles, dict):
        raise InvalidCandles(f"candles must be a dict keyed 'exchange-symbol', got {type(candles).__name__}")
    missing = [k for k in keys if k not in candles]
    if missing:
        raise InvalidCandles(f"candles has no entry for {missing[0]!r} (a route or data route needs it)")
    order = [k for k in candles if k in keys]
    gapped: set = set()
    # not copied: the store joins warm-up and trading rows (a view when they are adjacent in one buffer, else
    # one copy) and never writes into the caller's rows; the replay's store and the pipelines copy them
    trade = _check_candles(candles, order, "candles", gapped, copy=False)
    warm = _check_candles(warmup_candles, order, "warmup_candles", copy=False) if warmup_candles else {}

    # (the checks found every step one minute long when nothing is gapped: no second pass over the rows)
    replay = bool(gapped) or needs_replay(trade, minute_steps=True)
    # trading routes only: Jesse's parity cases give data routes of longer timeframes a shorter warm-up
    _check_warmup(trade, warm, route_objs, cfg["warm_up_candles"], replay)
    if not replay:
        lengths = {len(trade[k]) for k in order}
        starts = {float(trade[k][0, 0]) for k in order}
        if len(lengths) > 1 or len(starts) > 1:
            raise InvalidCandles("all markets' trading candles must start at the same minute and have the same "
                                 f"length; got lengths {sorted(lengths)}")
    for k in order:
        if k not in gapped:
            continue
        ts = trade[k][:, 0]
        steps = np.diff(ts)
        if len(steps) and (steps != 60_000).any():
            gaps = np.flatnonzero(steps != 60_000)
            listed = ", ".join(f"{int(ts[g])}->{int(ts[g + 1])}" for g in gaps[:10])
            warnings.warn(f"candles[{k!r}] has {len(gaps)} gap(s) ({listed}{'...' if len(gaps) > 10 else ''}); "
                          "replayed as Jesse 3.5.3 does (timestamp events, clock-aligned higher timeframes)",
                          stacklevel=2)

    pairs = {r.key: (r.exchange, r.symbol) for r in route_objs + data_objs}
    settlement = quote_asset(route_objs[0].symbol)
    if cfg["type"] == "futures":
        exchange = FuturesExchange(cfg["exchange"], cfg["starting_balance"], cfg["fee"],
                                   [r.symbol for r in route_objs], settlement, cfg["futures_leverage"],
                                   cfg["futures_leverage_mode"])
    else:
        exchange = SpotExchange(cfg["exchange"], cfg["starting_balance"], cfg["fee"],
                                [r.symbol for r in route_objs], settlement)

    exchange.maker_fee = cfg.get("maker_fee", cfg["fee"])
    exchange.taker_fee = cfg.get("taker_fee", cfg["fee"])
    exchange.slippage = cfg.get("slippage", 0.0)
    if cfg.get("cross_liquidation"):
        if len({r.key for r in route_objs}) > 1:
            # one position: the wallet is its margin; with several, the others' open PNL would move its price
            raise InvalidConfig("config['cross_liquidation'] supports routes on one market; got "
                                f"{sorted({r.key for r in route_objs})}")
        exchange.cross_liquidation = True

    # The session exists before the strategies, as Jesse's store does: a user's __init__ can read
    # shared_vars, routes, time and balance (the markets are added once the candles are in place)
    session = Session(exchange=exchange, markets={}, routes=route_objs, data_routes=data_objs,
                      session_id=session_id, options=cfg)
    session.time = int(trade[order[0]][0, 0])  # Jesse's store.app.time when it creates the strategies
    strategies = []
    for i, r in enumerate(route_objs):
        cls = r.strategy_name
        if isinstance(cls, str):
            cls = load_strategy_class(cls, project_dir)
        if not (isinstance(cls, type) and issubclass(cls, Strategy)):
            raise InvalidRoutes(f"route #{i}: strategy must be a Strategy subclass or a strategy name, got {cls!r}")
        name = r.strategy_name if isinstance(r.strategy_name, str) else cls.__name__
        strategy = cls._create(session, name)
        strategy.name = name
        strategy.exchange = r.exchange
        strategy.symbol = r.symbol
        strategy.timeframe = r.timeframe
        route_hp = hyperparameters
        if route_hp is None and len(strategy._call("dna")) > 0:
            route_hp = strategy._call_internal("dna", dna_to_hp, strategy._call("hyperparameters"),
                                               strategy._call("dna"))
        if route_hp is not None and merge_hyperparameters and hyperparameters is not None:
            route_hp = merged_hyperparameters(strategy._call("hyperparameters"), route_hp, name)
        if route_hp is not None:
            strategy.hp = dict(route_hp)
        if not strategy.hp:
            defaults = strategy._call("hyperparameters")
            if len(defaults) > 0:
                strategy.hp = strategy._call_internal("hyperparameters", _defaults, defaults)
        strategies.append(strategy)

    step = 0
    for r in route_objs + data_objs:
        step = gcd(step, r.k)
    pipelines = make_pipelines(candles_pipeline_class, candles_pipeline_kwargs, [r.key for r in route_objs],
                               strategies, [r.key for r in data_objs])
    if any(p is not None for p in pipelines.values()):
        trade = {k: v.copy() for k, v in trade.items()}  # the pipelines rewrite these rows; the caller's stay
        if replay:
            apply_pipelines(pipelines, trade, order, "replay",
                            start=replay_common_start(trade, warm, route_objs + data_objs, cfg["warm_up_candles"]))
        else:
            apply_pipelines(pipelines, trade, order, "blocks" if fast_mode else "rows", step=step)

    markets: dict[str, Market] = {}
    indicator_memo = WindowCache()
    if replay:
        replay_start, clock_stores = build_markets(trade, warm, order, pairs, route_objs + data_objs,
                                                   cfg["warm_up_candles"], indicator_memo)
    for k in order:
        ex, symbol = pairs[k]
        tfs = [r.timeframe for r in route_objs + data_objs if r.key == k]
        if replay:
            mc = clock_stores[k]
        else:
            w = warm.get(k, np.empty((0, 6)))
            if len(w):
                # the rows closed before the first trading minute: a prefix (checked timestamps rise), taken as
                # a slice so that warm-up and trading rows adjacent in one buffer stay so (the store's no-copy)
                w = w[:int(np.searchsorted(w[:, 0], trade[k][0, 0] - 60_000, side="right"))]
            mc = MarketCandles(ex, symbol, w, trade[k], tfs, window_cache=indicator_memo)
        position = Position(ex, symbol, exchange)
        markets[k] = Market(k, ex, symbol, mc, position)
        exchange.positions[symbol] = position

    session.markets = markets
    for i, (r, strategy) in enumerate(zip(route_objs, strategies)):
        strategy._attach(session, markets[r.key], i)
        markets[r.key].position.strategy = strategy
        r.strategy = strategy

    session.step_sampling = not fast_mode
    session.funding_rate = cfg.get("funding_rate", 0.0)
    if progress_callback is not None:
        session.watch_progress(progress_callback, min(int(trade[k][0, 0]) for k in order),
                               max(int(trade[k][-1, 0]) + 60_000 for k in order))
    with run_config(warmup_candles_num=cfg["warm_up_candles"], clock=session), window_cache(indicator_memo):
        if replay:
            run_replay(session, replay_start, fast_mode)
        else:
            run_fast(session, step)
    # The memo is read inside the run only. Its values (a tuple per bar for some indicators) would outlive the
    # run as cyclic garbage (its slots and entries point at each other), which the collector then traverses
    # and frees at the caller's next allocations (4-6 ms after a 91-day run); emptied here they go at once.
    for slot in indicator_memo.slots:
        slot.entries.clear()
    indicator_memo.recent.clear()
    if progress_callback is not None:
        progress_callback(1.0)

    result = _result(session, cfg, generate_equity_curve, generate_hyperparameters, strategies, trade_orders)
    return BacktestRun(result=result, strategies=strategies, session=session)


def merged_hyperparameters(declared: list, given: dict, strategy: str) -> dict:
    """``given`` laid over the defaults of ``declared`` (a ``hyperparameters()`` list); an unknown name is refused.

    A strategy that declares no hyperparameters gets ``given`` as it is, as Jesse hands it over: such
    strategies read ``self.hp.get(...)`` with their own fallbacks, so there is nothing to check names against.

    Example:
        >>> merged_hyperparameters([{"name": "fast", "default": 9}, {"name": "slow", "default": 21}],
        ...                        {"slow": 50}, "EmaCross")
        {'fast': 9, 'slow': 50}
    """
    if not isinstance(given, dict):
        raise InvalidConfig(f"hyperparameters must be a dict of name -> value, got {type(given).__name__}")
    known = [item["name"] for item in declared]
    if not known:
        return dict(given)
    unknown = [k for k in given if k not in known]
    if unknown:
        raise InvalidHyperparameters(f"hyperparameters {unknown} are not declared by {strategy}.hyperparameters(); "
                                     f"known: {known}")
    return {**_defaults(declared), **given}


def _defaults(hyperparameters: list) -> dict:
    """``{name: default}`` of a ``hyperparameters()`` list (Jesse's ``_init_objects``)."""
    return {item["name"]: item["default"] for item in hyperparameters}


def dna_to_hp(strategy_hp: list, dna: str) -> dict:
    """Decode a DNA string: base64 JSON first, else Jesse's legacy one-character-per-parameter rule."""
    import base64
    import json

    try:
        decoded = json.loads(base64.b64decode(dna.encode()).decode())
        if isinstance(decoded, dict):
            return decoded
    except Exception:
        pass
    hp = {}
    for gene, h in zip(dna, strategy_hp):
        value = (ord(gene) - 40) / (119 - 40) * (h["max"] - h["min"]) + h["min"]
        if h["type"] is int:
            value = int(round(value))
        hp[h["name"]] = value
    return hp


def _result(session: Session, cfg: dict, generate_equity_curve: bool, generate_hyperparameters: bool,
            strategies: list, trade_orders: bool = True) -> dict:
    trades = [t.to_dict(trade_orders) for t in session.closed_trades]
    result: dict = {"metrics": None, "logs": None, "trades": trades}
    if trades:
        from jesse_dag.metrics import compute_metrics

        result["metrics"] = compute_metrics(
            trades, session.daily_balance, session.daily_balance_timestamps,
            starting_balance=session.exchange.started_balance,
            finishing_balance=session.exchange.wallet_balance,
            starting_time=session.starting_time, ending_time=session.ending_time,
            total_open_trades=session.total_open_trades, open_pl=session.total_open_pl,
            annualization=cfg["annualization"])
    else:
        result["metrics"] = {"total": 0, "win_rate": 0, "net_profit_percentage": 0,
                             "annualization": cfg["annualization"]}
    if generate_equity_curve:
        if not trades:
            result["equity_curve"] = None
        else:
            result["equity_curve"] = [{
                "name": "Portfolio", "color": "#818CF8",
                "data": [{"time": t / 1000, "value": v, "color": "#818CF8"}
                         for t, v in zip(session.daily_balance_timestamps, session.daily_balance)],
            }]
    if generate_hyperparameters:
        rows = [["DNA", strategies[0]._call("dna") if strategies else ""]]
        for s in strategies:
            rows += [[k, v] for k, v in s.hp.items()]
        result["hyperparameters"] = rows
    return result
