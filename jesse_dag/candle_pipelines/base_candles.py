"""``jesse.candle_pipelines.base_candles``: :class:`BaseCandlesPipeline`."""
from jesse_dag.engine.pipelines import BaseCandlesPipeline

__all__ = ["BaseCandlesPipeline"]
