"""Jesse's optimisation fitness (reference §1.4), with its flaws fixed.

score = min(log10(trades) / log10(optimal_total), 1) × (ratio + 0.5) / (max + 0.5), computed on the training
period only, for a training run with at least :data:`MIN_TRADES` closed trades and a non-negative ratio;
otherwise the sentinel :data:`SENTINEL`. Fixed here: a NaN or ±inf ratio (Jesse let an infinite serenity
index win) always gets the sentinel; ``optimal_total`` below 2 (Jesse divides by log10(1) = 0 or makes the
trade factor negative) is refused up front.

Example:
    >>> fitness({'total': 62, 'sharpe_ratio': 0.60648}, 'sharpe', 200).score  # doctest: +ELLIPSIS
    0.1567...
"""
from __future__ import annotations

import math
from dataclasses import dataclass

#: score of a trial that cannot be a candidate (too few trades, negative or non-finite ratio, error)
SENTINEL = 0.0001
#: fewest closed training trades a trial needs to be scored (Jesse: ``total > 5``)
MIN_TRADES = 6

#: objective -> (metrics key, the ratio's normalisation maximum), Jesse's seven
OBJECTIVES: dict[str, tuple[str, float]] = {
    "sharpe": ("sharpe_ratio", 5.0),
    "calmar": ("calmar_ratio", 30.0),
    "sortino": ("sortino_ratio", 15.0),
    "omega": ("omega_ratio", 5.0),
    "serenity": ("serenity_index", 15.0),
    "smart sharpe": ("smart_sharpe", 5.0),
    "smart sortino": ("smart_sortino", 15.0),
}


def objective_name(objective: str) -> str:
    """The canonical objective name (case, spaces and underscores do not matter); ValueError if unknown.

    Example:
        >>> objective_name('Smart_Sharpe')
        'smart sharpe'
    """
    if not isinstance(objective, str):
        raise ValueError(f"objective_function must be a string, got {type(objective).__name__}")
    name = " ".join(objective.strip().lower().replace("_", " ").split())
    if name not in OBJECTIVES:
        raise ValueError(f"objective_function {objective!r} is not one of {sorted(OBJECTIVES)}")
    return name


def check_optimal_total(optimal_total: int) -> int:
    """``optimal_total`` as an int >= 2, the trade count at which the trade factor reaches 1."""
    if isinstance(optimal_total, bool) or not isinstance(optimal_total, (int, float)) \
            or not math.isfinite(optimal_total) or optimal_total < 2:
        raise ValueError(f"optimal_total must be a number >= 2 (the target training trade count), "
                         f"got {optimal_total!r}")
    return int(optimal_total)


@dataclass(frozen=True)
class Fitness:
    """One trial's score and why: ``reason`` is ``'scored'`` or the cause of the sentinel."""

    score: float
    ratio: float
    trades: int
    reason: str

    @property
    def is_candidate(self) -> bool:
        return self.score > SENTINEL


def fitness(training_metrics: dict, objective: str, optimal_total: int) -> Fitness:
    """Score the training metrics of one trial (see the module docstring)."""
    key, ratio_max = OBJECTIVES[objective_name(objective)]
    optimal_total = check_optimal_total(optimal_total)
    trades = int((training_metrics or {}).get("total", 0) or 0)
    if trades < MIN_TRADES:
        return Fitness(SENTINEL, math.nan, trades, f"fewer than {MIN_TRADES} training trades ({trades})")
    ratio = training_metrics.get(key)
    ratio = math.nan if ratio is None else float(ratio)
    if not math.isfinite(ratio):
        return Fitness(SENTINEL, ratio, trades, f"{key} is not finite ({ratio})")
    if ratio < 0:
        return Fitness(SENTINEL, ratio, trades, f"{key} is negative ({ratio:.4g})")
    trade_factor = min(math.log10(trades) / math.log10(optimal_total), 1.0)
    score = trade_factor * (ratio + 0.5) / (ratio_max + 0.5)
    if not math.isfinite(score):
        return Fitness(SENTINEL, ratio, trades, f"score is not finite ({score})")
    return Fitness(score, ratio, trades, "scored")
