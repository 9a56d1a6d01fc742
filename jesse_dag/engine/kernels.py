"""Numba kernels of the minute engine: finding the next block where anything can fill.

Compiled on first use and cached on disk (``cache=True``), typed by their inputs.
"""
from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True, nogil=True)
def first_touched_block(block_open: np.ndarray, block_high: np.ndarray, block_low: np.ndarray,
                        block_prev_close: np.ndarray, prices: np.ndarray, gap_kinds: np.ndarray,
                        liquidation_price: float, start: int, stop: int) -> int:
    """First block in ``[start, stop)`` that an active order or the liquidation price reaches, else ``stop``.

    An order is reached when its price lies inside the block's [low, high], or when the jump from the
    previous block's close to this block's open passes over it and its kind fills on such a jump
    (``gap_kinds``: 1 = up-gap fills it (sell LIMIT / buy STOP), -1 = down-gap (buy LIMIT / sell STOP)).
    Jesse checks the isolated liquidation price against [low, high] and the close-to-open jump.

    Example:
        >>> import numpy as np
        >>> o = np.array([10., 10., 10.]); h = np.array([11., 11., 13.]); l = np.array([9., 9., 9.])
        >>> pc = np.array([np.nan, 10., 10.])
        >>> int(first_touched_block(o, h, l, pc, np.array([12.5]), np.array([0]), np.nan, 0, 3))
        2
    """
    n_orders = prices.shape[0]
    for b in range(start, stop):
        lo = block_low[b]
        hi = block_high[b]
        op = block_open[b]
        pc = block_prev_close[b]
        for i in range(n_orders):
            p = prices[i]
            if lo <= p <= hi:
                return b
            k = gap_kinds[i]
            if k == 1 and op > pc and pc <= p <= op:
                return b
            if k == -1 and op < pc and op <= p <= pc:
                return b
        liq = liquidation_price
        if lo <= liq <= hi:
            return b
        if pc == pc and min(pc, op) <= liq <= max(pc, op):
            return b
    return stop
