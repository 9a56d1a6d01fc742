"""Jesse 3.5.3's backtest metrics dict, from the closed trades and the daily equity samples.

Every formula and convention follows Jesse (``../shared/reference/jesse-behaviour.md`` §5) so the
numbers compare one to one:

- daily returns are ``pct_change`` of the balance samples, so the first return is NaN;
- sharpe, sortino, the smart ratios and omega annualise with ``annualization`` (365 or 252);
- sortino divides the downside sum of squares by ``n`` *including* the leading NaN row;
- ``max_drawdown`` is a negative percent, ``max_underwater_period`` whole days by timestamp;
- CAGR always uses 365 days a year and the floor of the elapsed days.

One deliberate difference (``docs/deliberate-differences.md``): ``serenity_index`` drops the leading
NaN before computing, so it is the finite value the formula intends, where Jesse reports NaN or ±inf.

Example:
    >>> trades = [{'type': 'long', 'PNL': 50.0, 'fee': 0.0, 'opened_at': 0, 'closed_at': 300_000}]
    >>> m = compute_metrics(trades, [10_000.0, 10_050.0], [0, 86_460_000], starting_balance=10_000.0,
    ...                     finishing_balance=10_050.0, starting_time=0, ending_time=86_520_000)
    >>> m['total'], m['net_profit_percentage'], m['average_holding_period']
    (1, 0.5, 300.0)
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pandas only for the public Series functions: a backtest's metrics never import it (~0.3 s cold)
    import pandas as pd

__all__ = [
    "compute_metrics",
    "daily_returns",
    "sharpe_ratio",
    "sortino_ratio",
    "smart_sharpe",
    "smart_sortino",
    "autocorr_penalty",
    "calmar_ratio",
    "omega_ratio",
    "serenity_index",
    "cagr",
    "max_drawdown",
    "max_underwater_period",
    "streaks",
]

_DAY_MS = 86_400_000
_REQUIRED_TRADE_FIELDS = ("type", "PNL", "fee", "opened_at", "closed_at")


# --------------------------------------------------------------------------------------------------
# daily-return ratios (pandas Series in, float out)
# --------------------------------------------------------------------------------------------------

def daily_returns(daily_balances: Sequence[float], daily_balance_times: Sequence[int] | None = None) -> pd.Series:
    """``pct_change`` of the balance samples, indexed by their UTC timestamps when given (first value NaN).

    Example:
        >>> daily_returns([100.0, 110.0, 99.0], [0, 86_400_000, 172_800_000]).round(4).tolist()
        [nan, 0.1, -0.1]
    """
    import pandas as pd

    values = np.asarray(daily_balances, dtype=np.float64)
    if daily_balance_times is None:
        index = None
    else:
        index = pd.to_datetime(np.asarray(daily_balance_times, dtype=np.int64), unit="ms", utc=True)
    return pd.Series(_pct_change(values), index=index, dtype=np.float64)


# The ratios below work on a float64 array of returns, NaN rows included (the leading one of pct_change), and
# repeat pandas' NaN-skipping reductions operation for operation (NaN filled with 0 then summed, the same
# two-pass variance), so they give the bits the Series methods gave. The public functions take a Series;
# compute_metrics calls the array versions directly (pandas' per-call overhead was most of its time).

def _pct_change(values: np.ndarray) -> np.ndarray:
    out = np.empty(len(values))
    if len(values):
        out[0] = np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            np.subtract(values[1:] / values[:-1], 1.0, out=out[1:])
    return out


def _nan_sum_count(r: np.ndarray) -> tuple[float, int, np.ndarray, np.ndarray]:
    mask = np.isnan(r)
    filled = np.where(mask, 0.0, r)
    return float(filled.sum()), len(r) - int(np.count_nonzero(mask)), filled, mask


def _nan_mean(r: np.ndarray) -> float:
    total, count, _, _ = _nan_sum_count(r)
    return total / count if count else math.nan


def _nan_std(r: np.ndarray, ddof: int = 1, sums: tuple | None = None) -> float:
    total, count, filled, mask = _nan_sum_count(r) if sums is None else sums
    if count - ddof <= 0:
        return math.nan
    squares = (np.float64(total / count) - filled) ** 2
    squares[mask] = 0.0
    return math.sqrt(float(squares.sum()) / (count - ddof))


def _values(returns) -> np.ndarray:
    return _as_series(returns).to_numpy(dtype=np.float64)


def _as_series(returns, name: str = "returns") -> pd.Series:
    import pandas as pd

    if isinstance(returns, pd.DataFrame):
        returns = returns[returns.columns[0]]
    if not isinstance(returns, pd.Series):
        returns = pd.Series(np.asarray(returns, dtype=np.float64))
    return returns.astype(np.float64)


def _elapsed_days(returns: pd.Series) -> int:
    """Whole days between the first and last index label (``Timedelta.days``, i.e. the floor)."""
    import pandas as pd

    if not isinstance(returns.index, pd.DatetimeIndex):
        raise TypeError(
            "returns must be indexed by a DatetimeIndex (the sample timestamps) to measure elapsed years; "
            f"got {type(returns.index).__name__}"
        )
    return int((returns.index[-1] - returns.index[0]).days)


def _divide(numerator: float, denominator: float) -> float:
    if denominator != 0:
        # Python's float division is IEEE's, numpy's bits; only a zero divisor needs numpy's inf / NaN
        return float(numerator) / float(denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(numerator) / np.float64(denominator))


def _lag1_correlation(r: np.ndarray) -> float:
    """``np.corrcoef(r[:-1], r[1:])[0, 1]``, the same operations on the same values (the same bits), without
    corrcoef's and cov's wrappers (~40 us of a short run's metrics): each row's mean (its pairwise sum
    divided by the count), the centred rows, their product matrix from the same ``np.dot``, cov's scaling
    by ``1 / (n - 1)``, then the division by each row's standard deviation and the clip to [-1, 1]."""
    n = len(r) - 1
    rows = np.empty((2, n))
    rows[0] = r[:-1]
    rows[1] = r[1:]
    count = np.float64(n)
    rows[0] -= np.add.reduce(rows[0]) / count
    rows[1] -= np.add.reduce(rows[1]) / count
    c = np.dot(rows, rows.T)
    scale = np.true_divide(1, count - 1)  # cov's ``c *= np.true_divide(1, fact)``, fact = n - ddof
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = c[0, 1] * scale / np.sqrt(c[0, 0] * scale) / np.sqrt(c[1, 1] * scale)
    if rho > 1.0:  # np.clip's bounds (a NaN stays NaN)
        return 1.0
    if rho < -1.0:
        return -1.0
    return float(rho)


def _autocorr_penalty(r: np.ndarray) -> float:
    r = r[~np.isnan(r)]
    m = len(r)
    if m < 3:
        return float("nan")
    rho = abs(_lag1_correlation(r))
    x = np.arange(1, m, dtype=np.float64)
    return float(np.sqrt(1.0 + 2.0 * np.add.reduce(((m - x) / m) * rho ** x)))


def autocorr_penalty(returns: pd.Series) -> float:
    """Lopez de Prado's autocorrelation penalty √(1 + 2·Σ_{x=1}^{m-1} ((m−x)/m)·|ρ₁|^x); NaN if m < 3.

    NaN values (the leading one from ``pct_change``) are dropped first; m is the remaining count.

    Example:
        >>> import pandas as pd
        >>> round(autocorr_penalty(pd.Series([0.01, -0.02, 0.015, 0.0, 0.03])), 6) > 1
        True
    """
    return _autocorr_penalty(_values(returns))


def _sharpe(r: np.ndarray, periods: int, smart: bool, penalty: float | None = None,
            mean_std: tuple[float, float] | None = None) -> float:
    # ``penalty`` (_autocorr_penalty(r)) and ``mean_std`` (_nan_mean(r), _nan_std(r)): when the caller has
    # them already (compute_metrics computes each once for every ratio)
    mean, divisor = (_nan_mean(r), _nan_std(r)) if mean_std is None else mean_std
    if smart:
        divisor = divisor * (_autocorr_penalty(r) if penalty is None else penalty)
    return _divide(mean, divisor) * math.sqrt(periods)


def sharpe_ratio(returns: pd.Series, periods: int = 365, smart: bool = False) -> float:
    """mean(r) / std(r, ddof=1) × √periods, NaN skipped, risk-free rate 0 (``smart``: std × penalty).

    Example:
        >>> import pandas as pd
        >>> round(sharpe_ratio(pd.Series([0.02, -0.01, 0.03, -0.02, 0.01])), 6)
        5.527942
    """
    return _sharpe(_values(returns), periods, smart)


def smart_sharpe(returns: pd.Series, periods: int = 365) -> float:
    """:func:`sharpe_ratio` with the autocorrelation penalty on its denominator."""
    return sharpe_ratio(returns, periods, smart=True)


def _sortino(r: np.ndarray, periods: int, smart: bool, penalty: float | None = None,
             mean: float | None = None, downside: float | None = None) -> float:
    # ``penalty``, ``mean`` (_nan_mean(r)) and ``downside`` (_downside(r)): when the caller has them already
    if downside is None:
        downside = _downside(r)
    if mean is None:
        mean = _nan_mean(r)
    if downside == 0:
        return math.inf if mean > 0 else -math.inf
    if smart:
        downside = downside * (_autocorr_penalty(r) if penalty is None else penalty)
    return _divide(mean, downside) * math.sqrt(periods)


def _downside(r: np.ndarray) -> float:
    return math.sqrt(float((r[r < 0] ** 2).sum()) / len(r))


def sortino_ratio(returns: pd.Series, periods: int = 365, smart: bool = False) -> float:
    """mean(r) / √(Σ_{r<0} r² / n) × √periods, with n = len(r) counting NaN rows (Jesse's convention).

    No downside at all gives +inf when the mean is positive, else -inf.

    Example:
        >>> import pandas as pd
        >>> round(sortino_ratio(pd.Series([0.02, -0.01, 0.03, -0.02, 0.01])), 6)
        11.462984
    """
    return _sortino(_values(returns), periods, smart)


def smart_sortino(returns: pd.Series, periods: int = 365) -> float:
    """:func:`sortino_ratio` with the autocorrelation penalty on its denominator."""
    return sortino_ratio(returns, periods, smart=True)


def _cagr(r: np.ndarray, days: int) -> float:
    if days == 0:
        return 0.0
    growth = float(np.multiply.reduce(np.where(np.isnan(r), 1.0, 1.0 + r)))
    growth = min(max(growth, 1e-10), 1e10)  # np.clip's bounds (a NaN stays NaN: max and min return it first)
    with np.errstate(over="ignore", under="ignore"):
        return float(growth ** (1.0 / (days / 365.0)) - 1.0)


def cagr(returns: pd.Series) -> float:
    """Compound annual growth as a fraction: (Π(1+r))^(1/years) − 1, years = floor(elapsed days) / 365.

    The growth ratio is clipped to [1e-10, 1e10]; zero whole days gives 0. The index must be the
    sample timestamps (a DatetimeIndex).

    Example:
        >>> import pandas as pd
        >>> r = pd.Series([0.02, -0.01, 0.03, -0.02, 0.01], index=pd.date_range('2025-01-01', periods=5))
        >>> round(cagr(r), 6)
        13.176816
    """
    r = _as_series(returns)
    return _cagr(r.to_numpy(dtype=np.float64), _elapsed_days(r))


def _max_drawdown(r: np.ndarray) -> float:
    # pandas' cumprod skipping NaN (the product carries over a NaN row, which stays NaN), its expanding max
    # (fmax skips NaN) and its NaN-skipping min
    mask = np.isnan(r)
    prices = np.multiply.accumulate(np.where(mask, 1.0, 1.0 + r))  # np.cumprod
    prices[mask] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = prices / np.fmax.accumulate(prices)
    return float(np.fmin.reduce(ratio) - 1.0) if len(ratio) else math.nan


def max_drawdown(returns: pd.Series) -> float:
    """Worst fall from a running peak of the compounded returns, as a negative fraction (0 if none).

    Example:
        >>> import pandas as pd
        >>> round(max_drawdown(pd.Series([-0.01, -0.02, -0.03])), 6)
        -0.0494
    """
    return _max_drawdown(_values(returns))


def _calmar(r: np.ndarray, days: int, growth: float | None = None, drawdown: float | None = None) -> float:
    # ``growth`` (_cagr(r, days)) and ``drawdown`` (_max_drawdown(r)): when the caller has them already
    if days == 0:
        return 0.0
    dd = abs(_max_drawdown(r) if drawdown is None else drawdown)
    return (_cagr(r, days) if growth is None else growth) / dd if dd != 0 else 0.0


def calmar_ratio(returns: pd.Series) -> float:
    """CAGR (fraction) / |max drawdown (fraction)|; 0 when there is no drawdown or no whole day elapsed.

    Example:
        >>> import pandas as pd
        >>> r = pd.Series([0.02, -0.01, 0.03, -0.02, 0.01], index=pd.date_range('2025-01-01', periods=5))
        >>> round(calmar_ratio(r), 4)
        658.8408
    """
    r = _as_series(returns)
    return _calmar(r.to_numpy(dtype=np.float64), _elapsed_days(r))


def _omega(r: np.ndarray, periods: int, required_return: float) -> float:
    threshold = required_return if periods == 1 else (1.0 + required_return) ** (1.0 / periods) - 1.0
    excess = r - threshold
    numerator = float(excess[excess > 0.0].sum())
    denominator = -float(excess[excess < 0.0].sum())
    return numerator / denominator if denominator > 0.0 else float("nan")


def omega_ratio(returns: pd.Series, periods: int = 365, required_return: float = 0.0) -> float:
    """Σ gains over the threshold / −Σ losses under it; threshold (1+required)^(1/periods) − 1; NaN if no losses.

    Example:
        >>> import pandas as pd
        >>> round(omega_ratio(pd.Series([0.02, -0.01, 0.03, -0.02, 0.01])), 12)
        2.0
    """
    return _omega(_values(returns), periods, required_return)


def _conditional_value_at_risk(values: np.ndarray, confidence: float = 0.95) -> float:
    """Mean of the worst int((1-confidence)·n) values; the single worst when that count is 0."""
    if len(values) < 2:
        return 0.0
    ordered = np.sort(values)
    cut = int((1 - confidence) * len(ordered))
    if cut == 0:
        return float(ordered[0])
    tail = float(np.add.reduce(ordered[:cut])) / cut  # ndarray.mean's sum and division
    return 0.0 if math.isnan(tail) else tail


def _serenity(r: np.ndarray) -> float:
    values = r[~np.isnan(r)]
    if len(values) < 2:
        return float("nan")
    prices = np.multiply.accumulate(1.0 + values)  # np.cumprod
    dd = prices / np.maximum.accumulate(prices) - 1.0
    dd[~np.isfinite(dd)] = 0.0
    ulcer = math.sqrt(float(np.add.reduce(dd * dd)) / (len(values) - 1))
    pitfall = _divide(-_conditional_value_at_risk(dd), _nan_std(values))
    return _divide(float(values.sum()), ulcer * pitfall)


def serenity_index(returns: pd.Series) -> float:
    """Σr / (ulcer × pitfall) on the returns with NaN rows dropped (deliberate difference from Jesse).

    ``dd = P / running_max(P) − 1`` with ``P = cumprod(1 + r)``; ulcer = √(Σdd² / (n−1));
    pitfall = −CVaR₉₅(dd) / std(r). Jesse runs the same steps without dropping the leading NaN of
    ``pct_change``, which turns ``dd`` into NaN and the result into NaN or ±inf.

    Example:
        >>> import pandas as pd
        >>> round(serenity_index(pd.Series([0.02, -0.01, 0.03, -0.02, 0.01])), 6)
        2.531178
    """
    return _serenity(_values(returns))


def max_underwater_period(daily_balances: Sequence[float], timestamps: Sequence[int] | None = None) -> int:
    """Longest stretch below a previous peak: whole days by timestamp, or sample count without timestamps.

    A sample equal to the peak ends the stretch (and becomes the new peak).

    Example:
        >>> max_underwater_period([10_000, 11_000, 10_500, 10_400, 11_200, 10_800])
        2
    """
    balances = list(daily_balances)
    if len(balances) < 2:
        return 0
    use_times = timestamps is not None and len(timestamps) == len(balances)
    stamps = list(timestamps) if use_times else range(len(balances))
    longest = 0
    peak = balances[0]
    peak_at = stamps[0]
    for balance, at in zip(balances, stamps):
        if balance >= peak:
            peak, peak_at = balance, at
        elif use_times:
            # int() truncates toward zero, as Jesse does: a fractional day does not count
            span = int((at - peak_at) / _DAY_MS)
            if span > longest:
                longest = span
        elif at - peak_at > longest:
            longest = at - peak_at
    return longest


def streaks(pnls: Sequence[float]) -> list[int]:
    """Signed run lengths over a PNL sequence: wins +1, +2, …; losses −1, −2, …; a zero PNL is 0.

    Example:
        >>> streaks([5, 3, -1, -2, -4, 0, 2])
        [1, 2, -1, -2, -3, 0, 1]
    """
    out: list[int] = []
    run = 0
    for pnl in pnls:
        if pnl > 0:
            run = run + 1 if run > 0 else 1
        elif pnl < 0:
            run = run - 1 if run < 0 else -1
        else:
            run = 0
        out.append(run)
    return out


# --------------------------------------------------------------------------------------------------
# the metrics dict
# --------------------------------------------------------------------------------------------------

def _nan_to_jesse(value) -> float:
    """Jesse's ``safe_convert``: float, with any NaN returned as the ``np.nan`` object."""
    value = float(value)
    return np.nan if math.isnan(value) else value


def _array_mean(values: np.ndarray) -> float:
    # np.mean's steps on float64 (its pairwise sum, then one division by the count) without its wrapper
    return float(np.add.reduce(values)) / len(values) if len(values) else np.nan


_SIDES = frozenset(("long", "short"))


def _trade_columns(trades: Sequence[Mapping]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The fields the metrics read, as columns in trade order: PNL, fee, holding period (seconds) and whether
    the trade is a long (else a short).

    The engine's trades (plain dicts, float PNL and fee, every field well-formed) are read with one lookup
    per field and checked a column at a time; anything else goes through :func:`_check_trades`, whose errors
    name the trade and the field, and the per-trade conversions.
    """
    if set(map(type, trades)) == {dict}:
        try:
            rows = [(t["type"], t["PNL"], t["fee"], t["opened_at"], t["closed_at"], t.get("holding_period"))
                    for t in trades]
        except KeyError:  # a missing field: reported by _check_trades below
            rows = None
        if rows is not None:
            types, pnls, fees, opened, closed, holds = zip(*rows)
            if set(types) <= _SIDES and set(map(type, pnls)) == {float} and set(map(type, fees)) == {float}:
                pnl = np.array(pnls)
                fee = np.array(fees)
                if np.isfinite(pnl).all() and np.isfinite(fee).all():
                    if set(map(type, holds)) == {float}:
                        holding = np.array(holds)
                    else:
                        holding = np.array([float(h) if h is not None else (float(c) - float(o)) / 1000.0
                                            for h, o, c in zip(holds, opened, closed)], dtype=np.float64)
                    return pnl, fee, holding, _is_long(types)
    _check_trades(trades)
    pnl = np.array([float(t["PNL"]) for t in trades], dtype=np.float64)
    fee = np.array([float(t["fee"]) for t in trades], dtype=np.float64)
    holding = np.array([
        float(t["holding_period"]) if t.get("holding_period") is not None
        else (float(t["closed_at"]) - float(t["opened_at"])) / 1000.0
        for t in trades
    ], dtype=np.float64)
    return pnl, fee, holding, _is_long([t["type"] for t in trades])


def _is_long(types: Sequence[str]) -> np.ndarray:
    return np.fromiter(map("long".__eq__, types), dtype=bool, count=len(types))


def _streak_summary(pnls: list[float]) -> tuple[int, int, int]:
    """(longest winning run, longest losing run, the last trade's run) of :func:`streaks`, without its list."""
    best = worst = run = 0
    for pnl in pnls:
        if pnl > 0:
            run = run + 1 if run > 0 else 1
            if run > best:
                best = run
        elif pnl < 0:
            run = run - 1 if run < 0 else -1
            if run < worst:
                worst = run
        else:
            run = 0
    return best, -worst, run


def _check_trades(trades: Sequence[Mapping]) -> None:
    isfinite = math.isfinite
    for i, trade in enumerate(trades):
        # the engine's own trades (plain dicts with every field well-formed) pass in one test per trade
        if type(trade) is dict and trade.get("type") in ("long", "short") and "opened_at" in trade \
                and "closed_at" in trade:
            pnl, fee = trade.get("PNL"), trade.get("fee")
            if type(pnl) is float and type(fee) is float and isfinite(pnl) and isfinite(fee):
                continue
        if not isinstance(trade, Mapping):
            raise TypeError(f"trades[{i}]: expected a dict (Jesse trade dict), got {type(trade).__name__}")
        for field in _REQUIRED_TRADE_FIELDS:
            if field not in trade:
                raise KeyError(f"trades[{i}]: missing field {field!r} (needs {', '.join(_REQUIRED_TRADE_FIELDS)})")
        if trade["type"] not in ("long", "short"):
            raise ValueError(f"trades[{i}]: field 'type' must be 'long' or 'short', got {trade['type']!r}")
        for field in ("PNL", "fee"):
            if not math.isfinite(float(trade[field])):
                raise ValueError(f"trades[{i}]: field {field!r} is not a finite number: {trade[field]!r}")


def compute_metrics(
    trades: list[dict],
    daily_balances: Sequence[float],
    daily_balance_times: Sequence[int] | None,
    *,
    starting_balance: float,
    finishing_balance: float,
    starting_time: int,
    ending_time: int,
    total_open_trades: int = 0,
    open_pl: float = 0.0,
    annualization: int = 365,
) -> dict:
    """Jesse 3.5.3's metrics dict, with its keys in Jesse's order.

    ``trades`` are Jesse trade dicts (``type``, ``PNL`` after fees, ``fee``, ``opened_at``,
    ``closed_at`` in ms; ``holding_period`` in seconds is used when present). ``daily_balances`` are
    the daily equity samples and ``daily_balance_times`` their ms timestamps (``None`` or empty: no
    timestamps, so ``annual_return`` and ``calmar_ratio`` are NaN as in Jesse). ``ending_time`` is the
    last candle's timestamp + 120 000 ms, ``starting_time`` the first trading candle's timestamp.

    Example:
        >>> m = compute_metrics([], [10_000.0], [0], starting_balance=10_000.0, finishing_balance=10_000.0,
        ...                     starting_time=0, ending_time=120_000)
        >>> m
        {'total': 0, 'win_rate': 0, 'net_profit_percentage': 0, 'annualization': 365}
    """
    if isinstance(annualization, bool) or not isinstance(annualization, (int, float, np.number)) \
            or not annualization > 0:
        raise ValueError(f"annualization must be a positive number of periods a year (365 crypto, 252 stocks), "
                         f"got {annualization!r}")
    if not trades:
        return {"total": 0, "win_rate": 0, "net_profit_percentage": 0, "annualization": annualization}
    pnl, fees, holding, long_mask = _trade_columns(trades)

    balances = [float(b) for b in daily_balances]
    times = None if daily_balance_times is None else [int(t) for t in daily_balance_times]
    if times is not None and len(times) == 0:
        times = None
    if times is not None and len(times) != len(balances):
        raise ValueError(
            f"daily_balance_times has {len(times)} timestamps but daily_balances has {len(balances)} samples"
        )
    if times is not None and any(b < a for a, b in zip(times, times[1:])):
        raise ValueError("daily_balance_times must be sorted ascending")

    # array reductions over the trades: np.sum's and np.mean's pairwise sums over the same values in the same
    # order as the lists they were written on (the same bits), without a Python step per trade
    total = len(pnl)
    win_mask = pnl > 0
    loss_mask = pnl < 0
    wins = pnl[win_mask]
    losses = pnl[loss_mask]
    n_wins = len(wins)
    n_losses = len(losses)
    longs_count = int(np.count_nonzero(long_mask))
    shorts_count = total - longs_count

    def side_win_rate(side_mask: np.ndarray) -> float:
        w = int(np.count_nonzero(win_mask & side_mask))
        lo = int(np.count_nonzero(loss_mask & side_mask))
        return w / (w + lo) if (w + lo) > 0 else 0

    win_rate = n_wins / (n_wins + n_losses) if n_wins else 0
    longs_percentage = longs_count / (longs_count + shorts_count) * 100
    fee = float(np.add.reduce(fees))
    net_profit = float(np.add.reduce(pnl))
    average_win = _array_mean(wins)
    average_loss = abs(_array_mean(losses))
    ratio_avg_win_loss = _divide(average_win, average_loss)
    expectancy = ((0 if math.isnan(average_win) else average_win) * win_rate
                  - (0 if math.isnan(average_loss) else average_loss) * (1 - win_rate))
    expectancy_percentage = expectancy / starting_balance * 100
    winning_streak, losing_streak, current_streak = _streak_summary(pnl.tolist())

    duration_days = (ending_time - starting_time) / _DAY_MS
    avg_trades_per_day = total / duration_days if duration_days > 0 else 0

    r = _pct_change(np.asarray(balances, dtype=np.float64))
    days = (times[-1] - times[0]) // _DAY_MS if times is not None and len(times) else 0
    enough = len(r) >= 2
    nan = np.nan
    # what several ratios share, computed once: the autocorrelation penalty (smart sharpe and sortino), the
    # NaN-skipping mean and std, the downside deviation, the drawdown and the growth (calmar)
    if enough:
        penalty = _autocorr_penalty(r)
        sums = _nan_sum_count(r)
        mean = sums[0] / sums[1] if sums[1] else math.nan
        mean_std = (mean, _nan_std(r, sums=sums))
        downside = _downside(r)
        drawdown = _max_drawdown(r)
    else:
        penalty = mean = mean_std = downside = drawdown = nan
    max_dd = drawdown * 100 if enough else nan
    underwater = max_underwater_period(balances, times) if len(balances) >= 2 else nan
    growth = _cagr(r, days) if enough and times is not None else nan
    annual_return = growth * 100
    calmar = _calmar(r, days, growth, drawdown) if enough and times is not None else nan

    return {
        "total": total,
        "total_winning_trades": n_wins,
        "total_losing_trades": n_losses,
        "starting_balance": _nan_to_jesse(starting_balance),
        "finishing_balance": _nan_to_jesse(finishing_balance),
        "win_rate": _nan_to_jesse(win_rate),
        "win_rate_longs": _nan_to_jesse(side_win_rate(long_mask)),
        "win_rate_shorts": _nan_to_jesse(side_win_rate(~long_mask)),
        "ratio_avg_win_loss": _nan_to_jesse(ratio_avg_win_loss),
        "longs_count": longs_count,
        "longs_percentage": _nan_to_jesse(longs_percentage),
        "shorts_percentage": _nan_to_jesse(100 - longs_percentage),
        "shorts_count": shorts_count,
        "fee": _nan_to_jesse(fee),
        "net_profit": _nan_to_jesse(net_profit),
        "net_profit_percentage": _nan_to_jesse(net_profit / starting_balance * 100),
        "average_win": _nan_to_jesse(average_win),
        "average_loss": _nan_to_jesse(average_loss),
        "expectancy": _nan_to_jesse(expectancy),
        "expectancy_percentage": _nan_to_jesse(expectancy_percentage),
        "expected_net_profit_every_100_trades": _nan_to_jesse(expectancy_percentage * 100),
        "average_holding_period": _nan_to_jesse(_array_mean(holding)),
        "average_winning_holding_period": _nan_to_jesse(_array_mean(holding[win_mask])),
        "average_losing_holding_period": _nan_to_jesse(_array_mean(holding[loss_mask])),
        "gross_profit": _nan_to_jesse(float(np.add.reduce(wins)) if n_wins else 0.0),
        "gross_loss": _nan_to_jesse(float(np.add.reduce(losses)) if n_losses else 0.0),
        "max_drawdown": _nan_to_jesse(max_dd),
        "max_underwater_period": _nan_to_jesse(underwater),
        "annual_return": _nan_to_jesse(annual_return),
        "annualization": annualization,
        "sharpe_ratio": _nan_to_jesse(_sharpe(r, annualization, False, None, mean_std) if enough else nan),
        "calmar_ratio": _nan_to_jesse(calmar),
        "sortino_ratio": _nan_to_jesse(_sortino(r, annualization, False, None, mean, downside) if enough else nan),
        "smart_sharpe": _nan_to_jesse(_sharpe(r, annualization, True, penalty, mean_std) if enough else nan),
        "smart_sortino": _nan_to_jesse(_sortino(r, annualization, True, penalty, mean, downside) if enough else nan),
        "omega_ratio": _nan_to_jesse(_omega(r, annualization, 0.0) if enough else nan),
        "serenity_index": _nan_to_jesse(_serenity(r) if enough else nan),
        "total_open_trades": int(total_open_trades),
        "open_pl": _nan_to_jesse(open_pl),
        "winning_streak": winning_streak,
        "losing_streak": losing_streak,
        "largest_losing_trade": _nan_to_jesse(np.minimum.reduce(losses) if n_losses else 0),
        "largest_winning_trade": _nan_to_jesse(np.maximum.reduce(wins) if n_wins else 0),
        "current_streak": current_streak,
        "avg_trades_per_day": _nan_to_jesse(avg_trades_per_day),
        "avg_trades_per_week": _nan_to_jesse(avg_trades_per_day * 7),
        "avg_trades_per_month": _nan_to_jesse(avg_trades_per_day * 30.44),
    }
