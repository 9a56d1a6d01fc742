"""Walk-forward splits that do not leak: purge overlapping label windows, embargo around each test fold.

A sample's label window is ``[information_time, label_time]`` (the features are known at the close of the
candle, the label when it was decided). Training on a sample whose window overlaps the test period lets
the model see the test period's prices through its label: shuffled K-fold on overlapping triple-barrier
labels scores well above chance on pure noise. :class:`PurgedWalkForward` trains only on samples that
come before each test fold and drops those whose window touches the test fold widened by ``embargo`` on
both sides.

It follows scikit-learn's splitter protocol (``split``, ``get_n_splits``, parameters in ``__init__``), so
it works as ``cv=`` in ``cross_val_score`` and ``GridSearchCV``.

Example:
    >>> import numpy as np
    >>> info = np.arange(10) * 60
    >>> cv = PurgedWalkForward(n_splits=2, embargo=0, info_times=info, label_times=info + 120)
    >>> [(tr.tolist(), te.tolist()) for tr, te in cv.split(np.zeros((10, 1)))]
    [([0, 1], [4, 5, 6]), ([0, 1, 2, 3, 4], [7, 8, 9])]
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils.validation import _num_samples

from jesse_dag.candles.timeframes import timeframe_to_ms


def embargo_seconds(embargo: float | str) -> float:
    """An embargo in seconds from a number (seconds) or a timeframe such as ``"1h"``.

    Example:
        >>> embargo_seconds("15m"), embargo_seconds(30)
        (900.0, 30.0)
    """
    if isinstance(embargo, str):
        return timeframe_to_ms(embargo) / 1000.0
    value = float(embargo)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"embargo must be a non-negative number of seconds or a timeframe, got {embargo!r}")
    return value


class PurgedWalkForward(BaseCrossValidator):
    """Expanding walk-forward folds with purge and embargo.

    The samples (in time order) are cut into ``n_splits + 1`` consecutive blocks; fold k tests block
    k + 1 and trains on the samples before it, minus every sample whose ``[info_time, label_time]``
    touches ``[min info_time of the test fold - embargo, max label_time of the test fold + embargo]``.

    Samples pooled from several markets are purged by time, whatever their market: a block boundary never
    splits samples with the same information time, and any earlier sample (of any market) whose label window
    touches the test fold's span is dropped, since the same period in another market is not out of sample.

    Parameters:
        n_splits: number of test folds (>= 2).
        embargo: extra gap, seconds or a timeframe string, added on both sides of each test window.
        info_times: per sample, when its features were known (epoch seconds), aligned with X's rows.
        label_times: per sample, when its label was decided (epoch seconds).
        min_train_size: a fold whose purged training set is smaller is skipped.
    """

    def __init__(self, n_splits: int = 5, embargo: float | str = 0, info_times: Sequence[float] | None = None,
                 label_times: Sequence[float] | None = None, min_train_size: int = 1):
        self.n_splits = n_splits
        self.embargo = embargo
        self.info_times = info_times
        self.label_times = label_times
        self.min_train_size = min_train_size

    @classmethod
    def from_points(cls, points: Sequence[dict], n_splits: int = 5, embargo: float | str = 0,
                    min_train_size: int = 1) -> "PurgedWalkForward":
        """A splitter for data points (in the order the rows of X will have), reading their label windows."""
        from jesse_dag.ml.datapoints import label_windows

        info, lab = label_windows(points)
        return cls(n_splits=n_splits, embargo=embargo, info_times=info, label_times=lab,
                   min_train_size=min_train_size)

    _PARAMS = ("n_splits", "embargo", "info_times", "label_times", "min_train_size")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The ``__init__`` parameters, as scikit-learn's estimators report theirs."""
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params: Any) -> "PurgedWalkForward":
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ValueError(f"PurgedWalkForward has no parameter {k!r}; valid: {self._PARAMS}")
            setattr(self, k, v)
        return self

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return int(self.n_splits)

    def _windows(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if self.info_times is None or self.label_times is None:
            raise ValueError("PurgedWalkForward needs info_times and label_times (one per sample) to purge; "
                             "build it with PurgedWalkForward.from_points(points) or pass both arrays")
        info = np.asarray(self.info_times, dtype=np.float64)
        lab = np.asarray(self.label_times, dtype=np.float64)
        if info.shape != (n,) or lab.shape != (n,):
            raise ValueError(f"PurgedWalkForward: X has {n} samples but info_times has {info.shape} and "
                             f"label_times {lab.shape}")
        if np.any(lab < info):
            i = int(np.flatnonzero(lab < info)[0])
            raise ValueError(f"PurgedWalkForward: sample {i} has label_time {lab[i]} before info_time {info[i]}")
        if np.any(np.diff(info) < 0):
            i = int(np.flatnonzero(np.diff(info) < 0)[0]) + 1
            raise ValueError(f"PurgedWalkForward: samples must be in time order; sample {i} is earlier than "
                             f"sample {i - 1}")
        return info, lab

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = _num_samples(X)
        k = int(self.n_splits)
        if k < 2:
            raise ValueError(f"n_splits must be at least 2, got {self.n_splits}")
        if n < k + 1:
            raise ValueError(f"cannot make {k} walk-forward folds from {n} samples")
        info, lab = self._windows(n)
        gap = embargo_seconds(self.embargo)
        # the same block boundaries as TimeSeriesSplit: the first block is the initial training set
        test_size = n // (k + 1)
        # a boundary inside a group of samples with the same information time (the same candle in several
        # markets) moves to the group's first sample: one period is never both training and test
        starts = [int(np.searchsorted(info, info[n - (k - j) * test_size], side="left")) for j in range(k)]
        for start, stop in zip(starts, [*starts[1:], n]):
            if stop <= start:
                continue  # one time group spans the whole block
            test = np.arange(start, stop)
            lo, hi = info[start:stop].min() - gap, lab[start:stop].max() + gap
            before = np.arange(start)
            touches = (info[:start] <= hi) & (lab[:start] >= lo)
            train = before[~touches]
            if train.size < self.min_train_size:
                continue
            yield train, test

    def _iter_test_indices(self, X: Any = None, y: Any = None, groups: Any = None):  # pragma: no cover
        for _, test in self.split(X, y, groups):
            yield test
