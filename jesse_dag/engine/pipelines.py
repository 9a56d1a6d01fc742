"""Candle pipelines (``candles_pipeline_class`` of ``backtest``, a strategy's ``candles_pipeline()``).

Jesse 3.5.3 hands each market's trading 1m rows to a pipeline object while it simulates: one pipeline per
route market and per data-route market, ``pipeline.get_candles(rows[i:i + pipeline._batch_size], i, step)``
in step order, and the returned rows replace rows ``i..`` for everything after (fills, prices, higher
timeframes, indicators). The rewrite never depends on what the strategy does, so it is applied here to the
trading arrays before the run, with the very same calls in the very same order:

- dense input, ``fast_mode=True``: blocks of ``step`` rows (the gcd of the route and data-route timeframes),
  ``get_candles(rows[i:i + batch], i, step)``, markets in the order of the candles dict within each block;
- dense input, ``fast_mode=False``: one row at a time, ``get_candles(rows[i:i + batch], i, -1)``;
- gapped or unequal input (the timestamp replay): one row at a time from each market's first trading row
  (rows before the common start stay as they are: they are warm-up), ordered by timestamp, then market key.

A pipeline given by class serves every market (routes and data routes); without a class, each route's
strategy's ``candles_pipeline()`` serves its own market (data routes of other markets are left as they are),
as in Jesse. The rewritten rows must keep their timestamps and be valid candles.

Example:
    >>> import numpy as np
    >>> class Double(BaseCandlesPipeline):
    ...     def process(self, original_1m_candles, out):
    ...         out[:] = original_1m_candles
    ...         out[:, 1:5] *= 2
    ...         return True
    >>> rows = np.array([[0., 1., 1., 1., 1., 1.], [60_000., 1., 2., 2., 1., 1.]])
    >>> apply_pipelines({"k": Double(2)}, {"k": rows}, ["k"], mode="rows")
    >>> rows[:, 2].tolist()
    [2.0, 4.0]
"""
from __future__ import annotations

from typing import Any

import numpy as np

from jesse_dag.engine.exceptions import InvalidCandles


class BaseCandlesPipeline:
    """Jesse's pipeline base: every ``batch_size`` rows, ``process(original, out)`` may fill ``out`` with the
    rows to use instead (return True), or leave the originals (return False). ``last_price`` is the open of
    the first batch, then the last close of the previous batch's output.

    Example:
        >>> import numpy as np
        >>> p = BaseCandlesPipeline(batch_size=2)
        >>> rows = np.arange(12.0).reshape(2, 6)
        >>> p.get_candles(rows, 0, 2).tolist() == rows.tolist()
        True
    """

    def __init__(self, batch_size: int) -> None:
        self._batch_size = batch_size
        self._output: np.ndarray = np.zeros((batch_size, 6))
        self.last_price = 0.0

    def get_candles(self, candles: np.ndarray, index: int, candles_step: int = -1) -> np.ndarray:
        """Row ``index`` (``candles_step == -1``) or rows ``index..index + candles_step`` of the output;
        ``candles`` are the original rows from ``index`` on (a batch when ``index`` starts one)."""
        index = index % self._batch_size
        if index == 0:
            self.last_price = candles[0, 1] if self.last_price == 0.0 else self._output[-1, 2]
            if not self.process(candles, self._output[:len(candles)]):
                self._output[:len(candles)] = candles
        if candles_step == -1:
            return self._output[index]
        if index + candles_step <= self._batch_size:
            return self._output[index:index + candles_step]
        raise ValueError("the candle pipeline's batch size must be a multiple of the smallest timeframe of the "
                         f"routes ({candles_step} minutes); got {self._batch_size}")

    def process(self, original_1m_candles: np.ndarray, out: np.ndarray) -> bool:
        """Fill ``out`` with the rows to simulate instead of ``original_1m_candles``; True if it did."""
        return False


def make_pipelines(pipeline_class: Any, pipeline_kwargs: dict | None, route_keys: list[str],
                   strategies: list, data_keys: list[str]) -> dict[str, Any]:
    """One pipeline per market, created in Jesse's order (routes, then data routes of other markets);
    ``None`` where a market keeps its candles."""
    pipelines: dict[str, Any] = {}
    for key, strategy in zip(route_keys, strategies):
        if pipeline_class is not None:
            pipelines[key] = pipeline_class(**(pipeline_kwargs or {}))
        else:
            pipelines[key] = strategy._call("candles_pipeline")
    for key in data_keys:
        if key not in pipelines:
            pipelines[key] = pipeline_class(**(pipeline_kwargs or {})) if pipeline_class is not None else None
    for key, p in pipelines.items():
        if p is not None and not (callable(getattr(p, "get_candles", None)) and hasattr(p, "_batch_size")):
            raise TypeError(f"the candle pipeline for {key!r} ({type(p).__name__}) has no get_candles(candles, "
                            "index, candles_step) method and _batch_size attribute (see "
                            "jesse_dag.candle_pipelines.BaseCandlesPipeline)")
    return pipelines


def apply_pipelines(pipelines: dict[str, Any], trade: dict[str, np.ndarray], order: list[str], mode: str,
                    step: int = 1, start: int | None = None) -> None:
    """Rewrite ``trade`` (each market's trading rows, written in place) through ``pipelines`` with Jesse's
    calls: ``mode`` 'blocks' (dense fast mode, blocks of ``step``), 'rows' (dense step mode) or 'replay'
    (gapped input, rows at or after ``start``)."""
    active = [k for k in order if pipelines.get(k) is not None]
    if not active:
        return
    before = {k: trade[k][:, 0].copy() for k in active}
    if mode == "replay":
        ranked = sorted(active)
        ts_parts, rank_parts, idx_parts = [], [], []
        for rank, k in enumerate(ranked):
            first = int(np.searchsorted(trade[k][:, 0], start, side="left"))
            idx = np.arange(first, len(trade[k]))
            ts_parts.append(trade[k][first:, 0])
            rank_parts.append(np.full(len(idx), rank))
            idx_parts.append(idx)
        ts, rank, idx = (np.concatenate(p) for p in (ts_parts, rank_parts, idx_parts))
        for j in np.lexsort((rank, ts)).tolist():
            k = ranked[int(rank[j])]
            i = int(idx[j])
            arr, p = trade[k], pipelines[k]
            arr[i] = p.get_candles(arr[i:i + p._batch_size], i, -1)
    else:
        n = len(trade[active[0]])
        pairs = [(trade[k], pipelines[k]) for k in active]
        if mode == "rows":
            for i in range(n):
                for arr, p in pairs:
                    arr[i] = p.get_candles(arr[i:i + p._batch_size], i, -1)
        else:
            for i in range(0, n, step):
                for arr, p in pairs:
                    block = arr[i:i + step]
                    block[:] = np.asarray(p.get_candles(arr[i:i + p._batch_size], i, step))[:len(block)]
    from jesse_dag.engine.kernels import candles_pass_checks

    for k in active:
        arr = trade[k]
        moved = np.flatnonzero(arr[:, 0] != before[k])
        if len(moved):
            r = int(moved[0])
            raise InvalidCandles(f"the candle pipeline changed the timestamp of candles[{k!r}] row {r} "
                                 f"({int(before[k][r])} -> {arr[r, 0]!r}); it may change prices and volume only")
        if not candles_pass_checks(arr)[0]:
            from jesse_dag.candles.validate import CandleValidationError, validate_candles

            try:
                validate_candles(arr, allow_gaps=True, name=f"candles[{k!r}] after the candle pipeline")
            except CandleValidationError as exc:
                raise InvalidCandles(str(exc)) from exc
