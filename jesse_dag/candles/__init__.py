"""The candle contract: float64 arrays in Jesse's column order, 1-minute input, every timeframe built from it."""
from jesse_dag.candles.columns import (
    CLOSE,
    COLUMNS,
    HIGH,
    LOW,
    N_COLUMNS,
    ONE_DAY_MS,
    ONE_MINUTE_MS,
    OPEN,
    TIMESTAMP,
    VOLUME,
)
from jesse_dag.candles.timeframes import TIMEFRAME_MINUTES, TIMEFRAMES, timeframe_to_minutes, timeframe_to_ms

__all__ = [
    "CLOSE", "COLUMNS", "HIGH", "LOW", "N_COLUMNS", "ONE_DAY_MS", "ONE_MINUTE_MS", "OPEN", "TIMESTAMP", "VOLUME",
    "TIMEFRAME_MINUTES", "TIMEFRAMES", "timeframe_to_minutes", "timeframe_to_ms",
]
