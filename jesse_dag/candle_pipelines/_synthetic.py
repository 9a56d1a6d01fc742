"""Jesse's three ready-made pipelines (imported by :mod:`jesse_dag.candle_pipelines` and its submodules)."""
from __future__ import annotations

import numpy as np

from jesse_dag.engine.pipelines import BaseCandlesPipeline

__all__ = ["GaussianNoiseCandlesPipeline", "GaussianResamplerCandlesPipeline",
           "MovingBlockBootstrapCandlesPipeline"]

_EPS = 1e-12  # prices stay strictly positive


def _clamp(out: np.ndarray) -> None:
    """Open and close positive, high the largest price, low the smallest and positive."""
    out[:, 1] = np.maximum(out[:, 1], _EPS)
    out[:, 2] = np.maximum(out[:, 2], _EPS)
    out[:, 3] = np.maximum(np.maximum(out[:, 1], out[:, 2]), np.maximum(out[:, 3], out[:, 4]))
    out[:, 4] = np.minimum(np.minimum(out[:, 1], out[:, 2]), np.minimum(out[:, 3], out[:, 4]))
    out[:, 4] = np.maximum(out[:, 4], _EPS)


def _std_or_zero(x: np.ndarray) -> float:
    return float(np.nan_to_num(np.std(x), nan=0.0))


def _mean_or_zero(x: np.ndarray) -> float:
    return float(np.nan_to_num(np.mean(x), nan=0.0))


class _Synthetic(BaseCandlesPipeline):
    """The batch driver shared by the ready-made pipelines, plus ``transform`` for Monte Carlo."""

    def _normal(self, mu: float, sigma, size: int) -> np.ndarray:
        # numpy's global state, as Jesse; transform() swaps in the scenario's generator
        return np.random.normal(mu, sigma, size=size)

    def transform(self, candles: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """All of ``candles`` rewritten batch by batch, drawing from ``rng``.

        The pipeline's state (last price, previous batch) starts afresh, so each call is one scenario.
        """
        rows = np.array(candles, dtype=np.float64)
        self._reset(rng)
        out = np.empty_like(rows)
        for i in range(0, len(rows), self._batch_size):
            batch = rows[i:i + self._batch_size]
            out[i:i + len(batch)] = self.get_candles(batch, i, len(batch))
        return out

    def _reset(self, rng: np.random.Generator) -> None:
        self.last_price = 0.0
        self._output[:] = 0.0
        self._normal = lambda mu, sigma, size: rng.normal(mu, sigma, size=size)


class GaussianNoiseCandlesPipeline(_Synthetic):
    """Closes plus a Gaussian random walk (``close_mu``, ``close_sigma`` in price units per minute), each
    open the previous close, highs and lows shifted by their own Gaussian noise.

    Example:
        >>> import numpy as np
        >>> from jesse_dag.research import candles_from_close_prices
        >>> c = candles_from_close_prices(100 + np.arange(10.0))
        >>> p = GaussianNoiseCandlesPipeline(5, close_sigma=0.5, high_sigma=0.1, low_sigma=0.1)
        >>> out = p.transform(c, np.random.default_rng(0))
        >>> bool((out[1:, 1] == out[:-1, 2]).all()), bool((out[:, 3] >= out[:, 4]).all())
        (True, True)
    """

    def __init__(self, batch_size: int, *, close_mu: float = 0.0, close_sigma: float, high_mu: float = 0.0,
                 high_sigma: float, low_mu: float = 0.0, low_sigma: float) -> None:
        super().__init__(batch_size)
        self._first_time = True
        self.close_mu, self.close_sigma = close_mu, close_sigma
        self.high_mu, self.high_sigma = high_mu, high_sigma
        self.low_mu, self.low_sigma = low_mu, low_sigma

    def _reset(self, rng: np.random.Generator) -> None:
        super()._reset(rng)
        self._first_time = True

    def process(self, original_1m_candles: np.ndarray, out: np.ndarray) -> bool:
        # ``out`` still holds the previous batch: its last close continues the path
        if self._first_time:
            self._first_time = False
            last_price = original_1m_candles[0, 1]
        else:
            last_price = out[-1, 2]
        out[:] = original_1m_candles[:]
        n = len(out)
        out[:, 2] = np.maximum(out[:, 2] + self._normal(self.close_mu, self.close_sigma, n).cumsum(), _EPS)
        out[1:, 1] = out[:-1, 2]
        out[0, 1] = max(last_price, _EPS)
        high_noise = 0.0 if self.high_sigma == 0.0 else self._normal(0, self.high_sigma, n)
        out[:, 3] = out[:, 3] + self.high_mu + high_noise
        low_noise = 0.0 if self.low_sigma == 0.0 else self._normal(0, self.low_sigma, n)
        out[:, 4] = out[:, 4] + self.low_mu + low_noise
        _clamp(out)
        return True


class GaussianResamplerCandlesPipeline(_Synthetic):
    """A new close path drawn from a Gaussian fitted to the batch's close-to-close changes (scaled so its
    spread matches the batch's relative returns, or by ``sigma``), highs and lows drawn from the fitted
    high-close and close-low distances; ``mu`` shifts every draw.

    Example:
        >>> import numpy as np
        >>> from jesse_dag.research import candles_from_close_prices
        >>> c = candles_from_close_prices(100 + np.sin(np.arange(30.0)))
        >>> out = GaussianResamplerCandlesPipeline(10).transform(c, np.random.default_rng(0))
        >>> bool(out[0, 1] == c[0, 1]), bool((out[:, 4] > 0).all())
        (True, True)
    """

    def __init__(self, batch_size: int, *, mu: float = 0.0, sigma: float | None = None) -> None:
        super().__init__(batch_size)
        self.mu, self.sigma = mu, sigma

    def process(self, original_1m_candles: np.ndarray, out: np.ndarray) -> bool:
        src = original_1m_candles
        out[:] = src[:]
        closes = src[:, 2]
        n = len(out)
        changes = np.diff(closes, prepend=self.last_price)[1:]
        change_mu, change_sigma = _mean_or_zero(changes), _std_or_zero(changes)
        if self.sigma is None:
            # scale the change spread to the spread the relative returns imply at the median price
            median = float(np.nan_to_num(np.median(closes), nan=0.0))
            ret_std = _std_or_zero(np.diff(closes) / np.maximum(closes[:-1], _EPS)) if n >= 2 else 0.0
            target = max(ret_std * median if ret_std > 0.0 else median * 0.0005, _EPS)
            scale = target / max(change_sigma, _EPS)
        else:
            scale = self.sigma
        out[:, 2] = np.maximum(self._normal(change_mu + self.mu, change_sigma * scale, n).cumsum()
                               + self.last_price, _EPS)
        out[1:, 1] = out[:-1, 2]
        out[0, 1] = max(self.last_price, _EPS)
        up = src[:, 3] - src[:, 2]
        out[:, 3] = out[:, 2] + self._normal(_mean_or_zero(up) + self.mu, _std_or_zero(up) * scale, n)
        down = src[:, 2] - src[:, 4]
        out[:, 4] = out[:, 2] - self._normal(_mean_or_zero(down) + self.mu, _std_or_zero(down) * scale, n)
        _clamp(out)
        return True


class MovingBlockBootstrapCandlesPipeline(_Synthetic):
    """Each batch rebuilt from overlapping blocks of its own (close change, high-close, close-low) triples,
    ``max(10, batch_size // 10)`` minutes long (at most ``batch_size - 1``); ``seed`` makes it repeatable.

    Example:
        >>> import numpy as np
        >>> from jesse_dag.research import candles_from_close_prices
        >>> c = candles_from_close_prices(100 + np.arange(30.0))
        >>> out = MovingBlockBootstrapCandlesPipeline(10, seed=3).transform(c, np.random.default_rng(0))
        >>> np.allclose(np.diff(out[:, 2]), 1.0)  # every change in the input was +1
        True
    """

    def __init__(self, batch_size: int, seed: int | None = None, **_ignored) -> None:
        super().__init__(batch_size)
        self._block_size = max(1, min(batch_size - 1, max(10, batch_size // 10)))
        self._rng = np.random.default_rng(seed)

    def _reset(self, rng: np.random.Generator) -> None:
        super()._reset(rng)
        self._rng = rng

    def _bootstrap_blocks(self, arr: np.ndarray, n: int) -> np.ndarray:
        t = arr.shape[0]
        if t == 0:
            return np.zeros((n, 3), dtype=arr.dtype)
        block = max(1, min(self._block_size, t))
        starts = self._rng.integers(0, t - block + 1, size=int(np.ceil(n / block)) + 1)
        return np.vstack([arr[s:s + block] for s in starts])[:n]

    def process(self, original_1m_candles: np.ndarray, out: np.ndarray) -> bool:
        src = original_1m_candles
        out[:] = src[:]
        n = len(out)
        change = np.diff(src[:, 2], prepend=self.last_price)
        triples = np.column_stack([change[1:], (src[:, 3] - src[:, 2])[1:], (src[:, 2] - src[:, 4])[1:]])
        boot = self._bootstrap_blocks(triples, n)
        close = np.maximum(np.cumsum(boot[:, 0]) + self.last_price, _EPS)
        out[:, 2] = close
        out[1:, 1] = close[:-1]
        out[0, 1] = max(self.last_price, _EPS)
        out[:, 3] = close + boot[:, 1]
        out[:, 4] = close - boot[:, 2]
        out[:, 1] = np.maximum(out[:, 1], _EPS)
        out[:, 2] = np.maximum(out[:, 2], _EPS)
        out[:, 3] = np.maximum.reduce([out[:, 1], out[:, 2], out[:, 3], out[:, 4]])
        out[:, 4] = np.minimum.reduce([out[:, 1], out[:, 2], out[:, 3], out[:, 4]])
        out[:, 4] = np.maximum(out[:, 4], _EPS)
        return True
