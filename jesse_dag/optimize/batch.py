"""Batch backtests: many (strategy, hyperparameters, window) variations over candles loaded once.

The candles go to the workers once, without copies: with joblib's process backend (``loky``) each array is
written once to a temporary ``.npy`` file that every worker maps read-only (``numpy.load(mmap_mode='r')``,
the pages shared by the operating system); with the Dask backend the candles are scattered to the workers
once (``joblib.parallel_config(backend='dask', scatter=...)``), so the same code runs on a cluster. Each
variation is an independent backtest, so results equal the serial run bit for bit; a variation that raises
reports its error and the others go on.

Example:
    >>> from jesse_dag.optimize import Variation, run_batch  # doctest: +SKIP
    >>> results = run_batch(config, routes, [], candles, warmup,  # doctest: +SKIP
    ...                     [Variation({'sl': s}) for s in (1.5, 2.0, 2.5)], n_jobs=2)
    >>> [r['metrics']['net_profit'] for r in results]  # doctest: +SKIP
"""
from __future__ import annotations

import os
import shutil
import tempfile
import traceback
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

import joblib
import numpy as np

from jesse_dag._progress import progress as progress_bar

BACKENDS = ("sequential", "loky", "fork", "threading", "dask")


@dataclass(frozen=True)
class Variation:
    """One backtest of a batch.

    ``hyperparameters``: the dict every route's strategy gets (None: the strategies' defaults).
    ``strategy``: a Strategy subclass (or strategy name) that replaces every route's strategy (None: keep).
    ``window``: ``(start_ms, end_ms)``, the trading minutes ``start <= timestamp < end``; each window gets the
    same number of warm-up minutes as the batch's ``warmup_candles`` (or ``warmup_minutes``), taken from the
    minutes before ``start`` (warm-up and trading candles joined). None: the whole trading candles.
    ``name``: a label carried into the result.
    """

    hyperparameters: dict | None = None
    strategy: Any = None
    window: tuple[int, int] | None = None
    name: str | None = None


# ------------------------------------------------------------------------------------------------
# sharing arrays with workers
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _ArrayRef:
    path: str


_MAPPED: dict[str, np.ndarray] = {}  # per process: path -> read-only memory map (opened once per worker)


@dataclass(frozen=True)
class _ForkRef:
    """The payload a forked worker inherited from its parent (``backend='fork'``): nothing is pickled."""

    token: int


# Set in the parent just before the workers fork, read by them, removed afterwards.
_FORK_PAYLOADS: dict[int, Any] = {}


def _swap_arrays(obj: Any, fn: Callable[[Any], Any]) -> Any:
    if isinstance(obj, (np.ndarray, _ArrayRef)):
        return fn(obj)
    if isinstance(obj, dict):
        return {k: _swap_arrays(v, fn) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_swap_arrays(v, fn) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_swap_arrays(v, fn) for v in obj)
    return obj


def materialize(payload: Any) -> Any:
    """``payload`` with every shared-array reference replaced by its read-only memory map."""
    if isinstance(payload, _ForkRef):
        return _FORK_PAYLOADS[payload.token]
    def open_ref(x: Any) -> Any:
        if isinstance(x, _ArrayRef):
            if x.path not in _MAPPED:
                _MAPPED[x.path] = np.load(x.path, mmap_mode="r")
            return _MAPPED[x.path]
        return x
    return _swap_arrays(payload, open_ref)


@contextmanager
def shared_payload(payload: Any, backend: str) -> Iterator[Any]:
    """What to hand to the workers for ``payload`` (nested dicts/lists of arrays) under ``backend``.

    ``loky``: arrays dumped once to ``.npy`` files (removed on exit), passed as small references. Other
    backends get the object itself (threads share memory; Dask scatters it, see :func:`parallel`).
    """
    if backend == "fork":
        token = id(payload)
        _FORK_PAYLOADS[token] = payload
        try:
            yield _ForkRef(token)
        finally:
            _FORK_PAYLOADS.pop(token, None)
        return
    if backend != "loky":
        yield payload
        return
    folder = tempfile.mkdtemp(prefix="jesse-dag-batch-")
    counter = iter(range(1 << 30))

    def dump(a: np.ndarray) -> _ArrayRef:
        path = os.path.join(folder, f"a{next(counter)}.npy")
        np.save(path, np.ascontiguousarray(a))
        return _ArrayRef(path)
    try:
        yield _swap_arrays(payload, dump)
    finally:
        for path in [p for p in _MAPPED if p.startswith(folder)]:
            del _MAPPED[path]
        shutil.rmtree(folder, ignore_errors=True)


def resolve_n_jobs(n_jobs: int | None) -> int:
    """``None``/``-1`` -> all cores; otherwise clamped to [1, cores]."""
    cores = os.cpu_count() or 1
    if n_jobs is None or n_jobs == -1:
        return cores
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be a positive int, -1 or None, got {n_jobs!r}")
    return max(1, min(n_jobs, cores))


def _check_backend(backend: str, n_jobs: int) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "dask":
        try:
            from distributed import get_client
        except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
            raise ValueError("backend='dask' needs dask[distributed]: pip install 'dask[distributed]'") from exc
        try:
            get_client()
        except ValueError as exc:
            raise ValueError("backend='dask' needs a running distributed.Client, e.g. "
                             "Client('tcp://scheduler:8786') before the call (see docs/optimize.md)") from exc
        return backend
    return "sequential" if n_jobs == 1 else backend


@contextmanager
def parallel(n_jobs: int, backend: str, scatter: Any = None) -> Iterator[joblib.Parallel | None]:
    """A reusable ``joblib.Parallel`` (None for the in-process serial path); workers start once.

    Results come back as each one is ready, in order (``return_as="generator"``), so :func:`pmap` can report
    progress per finished item; joblib's multiprocessing backend (``"fork"``) hands them over at the end.
    """
    if backend == "sequential":
        yield None
        return
    if backend == "dask":
        with joblib.parallel_config(backend="dask", scatter=[scatter] if scatter is not None else None):
            with joblib.Parallel(n_jobs=-1, return_as="generator") as par:
                yield par
        return
    if backend == "fork":
        # joblib's multiprocessing backend forks (Linux): workers start with this process's modules,
        # compiled numba kernels and the shared candles already in memory, so start-up costs almost nothing.
        with joblib.Parallel(n_jobs=n_jobs, backend="multiprocessing") as par:
            yield par
        return
    with joblib.Parallel(n_jobs=n_jobs, backend=backend, return_as="generator") as par:
        yield par


def pmap(par: joblib.Parallel | None, fn: Callable, items: Iterable[tuple],
         on_result: Callable[[Any], None] | None = None) -> list:
    """``[fn(*item) for item in items]``, in order, on ``par`` (or here when ``par`` is None);
    ``on_result(result)`` hears each result as it comes back (for progress).

    Example:
        >>> seen = []
        >>> pmap(None, pow, [(2, 3), (3, 2)], on_result=seen.append), seen
        ([8, 9], [8, 9])
    """
    results = (fn(*item) for item in items) if par is None else par(joblib.delayed(fn)(*item) for item in items)
    out = []
    for r in results:
        out.append(r)
        if on_result is not None:
            on_result(r)
    return out


# ------------------------------------------------------------------------------------------------
# one variation
# ------------------------------------------------------------------------------------------------

# Per process: the warm-up and trading rows of each market joined once per batch (windowed variations slice
# views of it; the engine reads adjacent warm-up and trading slices of one array without copying them).
# Holds one batch at a time: (batch id, {key: (trade, warm, joined)}).
_JOINED: list = [None, {}]


def _joined_rows(batch_id: str | None, key: str, trade: np.ndarray, warm: np.ndarray) -> np.ndarray:
    """The warm-up rows before the first trading minute, then the trading rows, as one array (made once a
    batch and process: every variation of a batch is handed the same arrays)."""
    if _JOINED[0] != batch_id:
        _JOINED[0], _JOINED[1] = batch_id, {}
    hit = _JOINED[1].get(key) if batch_id is not None else None
    if hit is not None and hit[0] is trade and hit[1] is warm:
        return hit[2]
    full = np.concatenate([warm[warm[:, 0] < trade[0, 0]], trade]) if len(warm) else trade
    if batch_id is not None:
        _JOINED[1][key] = (trade, warm, full)
    return full


# Per process: the candle arrays this process has checked in the running batch (engine.run's
# candles_checked_once): every variation passes the same arrays, checked once. (batch id, {id: entry})
_CHECKED: list = [None, {}]


def _checked_arrays(batch_id: str | None) -> dict:
    if batch_id is None:
        return {}
    if _CHECKED[0] != batch_id:
        _CHECKED[0], _CHECKED[1] = batch_id, {}
    return _CHECKED[1]


def _window(candles: dict, warmup: dict | None, window: tuple[int, int] | None,
            warmup_minutes: int | None, batch_id: str | None = None) -> tuple[dict, dict | None]:
    if window is None:
        return candles, warmup
    start, end = int(window[0]), int(window[1])
    if end <= start:
        raise ValueError(f"window {window!r}: end must be after start")
    out_c, out_w = {}, {}
    for key, entry in candles.items():
        trade = np.asarray(entry["candles"] if isinstance(entry, dict) else entry)
        warm_entry = (warmup or {}).get(key)
        warm = np.asarray(warm_entry["candles"] if isinstance(warm_entry, dict) else warm_entry) \
            if warm_entry is not None else np.empty((0, 6))
        n_warm = len(warm) if warmup_minutes is None else int(warmup_minutes)
        full = _joined_rows(batch_id, key, trade, warm)
        ts = full[:, 0]
        lo, hi = np.searchsorted(ts, start), np.searchsorted(ts, end)
        if hi <= lo:
            raise ValueError(f"window {window!r}: no candles of {key!r} in it")
        if lo < n_warm:
            raise ValueError(f"window {window!r}: {key!r} has {lo} minutes before the window start, "
                             f"{n_warm} warm-up minutes are needed")
        meta = {k: v for k, v in entry.items() if k != "candles"} if isinstance(entry, dict) else {}
        out_c[key] = {**meta, "candles": full[lo:hi]}
        if n_warm:
            out_w[key] = {**meta, "candles": full[lo - n_warm:lo]}
    return out_c, (out_w or None)


def run_variation(base: dict, shared: Any, variation: Variation, index: int, keep_trades: bool) -> dict:
    """Run one variation (in a worker); never raises: an error is reported in the result."""
    from jesse_dag.engine.run import candles_checked_once
    from jesse_dag.research._backtest import backtest, backtest_metrics

    out = {"index": index, "name": variation.name, "hyperparameters": variation.hyperparameters,
           "window": variation.window, "metrics": None, "error": None}
    try:
        candles, warmup = materialize(shared)
        candles, warmup = _window(candles, warmup, variation.window, base["warmup_minutes"], base.get("batch_id"))
        routes = [dict(r) for r in base["routes"]]
        if variation.strategy is not None:
            for r in routes:
                r["strategy"] = variation.strategy
        args = (base["config"], routes, base["data_routes"], candles, warmup)
        with candles_checked_once(_checked_arrays(base.get("batch_id"))):
            if keep_trades:
                result = backtest(*args, hyperparameters=variation.hyperparameters, fast_mode=base["fast_mode"])
                out["metrics"], out["trades"] = result["metrics"], result["trades"]
            else:  # the metrics alone: the trades' order dicts are never built
                out["metrics"] = backtest_metrics(*args, hyperparameters=variation.hyperparameters,
                                                  fast_mode=base["fast_mode"])
    except Exception as exc:  # one bad variation must not stop the batch
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["traceback"] = traceback.format_exc()
    return out


def run_batch(config: dict, routes: list[dict], data_routes: list[dict] | None, candles: dict,
              warmup_candles: dict | None = None, variations: Sequence[Variation | dict] = (), *,
              n_jobs: int | None = -1, backend: str = "loky", fast_mode: bool = True,
              keep_trades: bool = False, warmup_minutes: int | None = None,
              progress: bool | None = None) -> list[dict]:
    """Run every variation as its own backtest and return one result dict per variation, in order.

    Arguments are ``research.backtest``'s (candles in its dict format), plus ``variations`` (each a
    :class:`Variation` or a hyperparameter dict), ``n_jobs`` (-1/None: all cores; 1: serial in this process),
    ``backend`` (``'loky'`` processes, ``'threading'``, ``'sequential'``, or ``'dask'`` with a running
    ``distributed.Client``), ``keep_trades`` (add each run's trades) and ``warmup_minutes`` (warm-up length
    for windowed variations; default: the length of ``warmup_candles``) and ``progress`` (finished runs on
    stderr; None: when stderr is a terminal).

    Each result: ``index``, ``name``, ``hyperparameters``, ``window``, ``metrics`` (Jesse's dict, None on
    error), ``error`` (None, or ``"<Exception>: message"`` with ``traceback``), and ``trades`` if asked.

    Example:
        >>> res = run_batch(config, routes, [], candles, warmup, [{'sl': 2.0}, {'sl': 3.0}])  # doctest: +SKIP
    """
    n_jobs = resolve_n_jobs(n_jobs)
    backend = _check_backend(backend, n_jobs)
    items = [v if isinstance(v, Variation) else Variation(hyperparameters=dict(v)) for v in variations]
    for i, v in enumerate(items):
        if v.hyperparameters is not None and not isinstance(v.hyperparameters, dict):
            raise ValueError(f"variations[{i}]: hyperparameters must be a dict, got {v.hyperparameters!r}")
    if not items:
        return []
    base = {"config": config, "routes": list(routes), "data_routes": list(data_routes or []),
            "fast_mode": fast_mode, "warmup_minutes": warmup_minutes, "batch_id": uuid.uuid4().hex}
    try:
        with progress_bar(len(items), "batch", progress, unit="runs") as bar, \
                shared_payload((candles, warmup_candles), backend) as shared, \
                parallel(n_jobs, backend, scatter=shared) as par:
            return pmap(par, run_variation, ((base, shared, v, i, keep_trades) for i, v in enumerate(items)),
                        on_result=lambda r: bar.update(note=f"{r['name'] or '#' + str(r['index'])}"
                                                            f"{' failed' if r['error'] else ''}"))
    finally:
        if _JOINED[0] == base["batch_id"]:  # this process's joined rows (serial and threads) go with the batch
            _JOINED[0], _JOINED[1] = None, {}
        if _CHECKED[0] == base["batch_id"]:  # and the arrays it checked
            _CHECKED[0], _CHECKED[1] = None, {}
