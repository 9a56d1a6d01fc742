"""Per-run settings that Jesse keeps in its global config, kept here in context variables.

A backtest sets them for its own duration with :func:`run_config` and restores them afterwards, so
nothing leaks from one run into the next (Jesse 3.0.7's process-wide config cache is the bug we avoid).

Example:
    >>> from jesse_dag._config import run_config, warmup_candles_num
    >>> with run_config(warmup_candles_num=210):
    ...     warmup_candles_num()
    210
    >>> warmup_candles_num()
    240
"""
from __future__ import annotations

import contextlib
import contextvars
from typing import Iterator

# Jesse's default outside a backtest (env.data.warmup_candles_num).
DEFAULT_WARMUP_CANDLES_NUM = 240

_warmup_candles_num: contextvars.ContextVar[int] = contextvars.ContextVar(
    "warmup_candles_num", default=DEFAULT_WARMUP_CANDLES_NUM
)

# ``_warmup_candles_num.get`` bound once, for the indicators' per-call path: ``_warmup_candles_num.get()``
# written out creates a bound method per call (LOAD_METHOD does not specialise for a ContextVar), ~50 ns.
_warmup_now = _warmup_candles_num.get

# The running backtest's indicator memo (``jesse_dag.indicators._core.WindowCache``), or None outside a run.
# It lives here, beside the window length, because its fast lookups hold values for one window length:
# :func:`run_config` hands the indicators the memo's variant for a new length whenever it sets one (the
# memo's hits then never read the length again).
_window_cache: contextvars.ContextVar = contextvars.ContextVar("jesse_dag_window_cache", default=None)

# The running backtest's session (anything with a ``time`` attribute, epoch ms), or None outside a run.
_clock: contextvars.ContextVar = contextvars.ContextVar("backtest_clock", default=None)


def warmup_candles_num() -> int:
    """How many trailing candles a non-sequential indicator call sees (0 means all of them)."""
    return _warmup_candles_num.get()


def backtest_time() -> int | None:
    """The simulated time of the running backtest (what ``Strategy.time`` gives), or None outside one."""
    clock = _clock.get()
    return None if clock is None else clock.time


def running_session():
    """The running backtest's session (its ``routes``, ``time``...), or None outside one."""
    return _clock.get()


@contextlib.contextmanager
def run_config(*, warmup_candles_num: int | None = None, clock=None) -> Iterator[None]:
    """Set the per-run settings for the duration of a ``with`` block (``clock``: the run's session).

    The only setter of the window length: inside a backtest (an active indicator memo) a new length also
    makes the memo's variant for that length the active one, for the same block.
    """
    tokens = []
    if warmup_candles_num is not None:
        warmup = int(warmup_candles_num)
        tokens.append((_warmup_candles_num, _warmup_candles_num.set(warmup)))
        memo = _window_cache.get()
        if memo is not None and memo.warmup != warmup:
            tokens.append((_window_cache, _window_cache.set(memo.for_warmup(warmup))))
    if clock is not None:
        tokens.append((_clock, _clock.set(clock)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
