"""Jesse's timeframes and their lengths in minutes (``1M`` is 30 days, as in Jesse).

Example:
    >>> from jesse_dag.candles.timeframes import timeframe_to_minutes
    >>> timeframe_to_minutes("4h"), timeframe_to_minutes("1D")
    (240, 1440)
"""
from __future__ import annotations

TIMEFRAME_MINUTES: dict[str, int] = {
    "1m": 1,
    "3m": 3,
    "5m": 5,
    "15m": 15,
    "30m": 30,
    "45m": 45,
    "1h": 60,
    "2h": 120,
    "3h": 180,
    "4h": 240,
    "6h": 360,
    "8h": 480,
    "12h": 720,
    "1D": 1440,
    "3D": 4320,
    "1W": 10080,
    "1M": 43200,
}

TIMEFRAMES: tuple[str, ...] = tuple(TIMEFRAME_MINUTES)


def timeframe_to_minutes(timeframe: str) -> int:
    """Length of ``timeframe`` in minutes; raises ``ValueError`` naming the valid choices."""
    try:
        return TIMEFRAME_MINUTES[timeframe]
    except KeyError:
        raise ValueError(
            f"unknown timeframe {timeframe!r}; expected one of {', '.join(TIMEFRAMES)}"
        ) from None


def timeframe_to_ms(timeframe: str) -> int:
    """Length of ``timeframe`` in milliseconds."""
    return timeframe_to_minutes(timeframe) * 60_000
