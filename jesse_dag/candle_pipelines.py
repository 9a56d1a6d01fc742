"""Jesse's ``jesse.candle_pipelines`` import path: subclass :class:`BaseCandlesPipeline` for
``backtest(..., candles_pipeline_class=...)`` or a strategy's ``candles_pipeline()``.

Example:
    >>> from jesse_dag.candle_pipelines import BaseCandlesPipeline
    >>> BaseCandlesPipeline(batch_size=60)._batch_size
    60
"""
from jesse_dag.engine.pipelines import BaseCandlesPipeline

__all__ = ["BaseCandlesPipeline"]
