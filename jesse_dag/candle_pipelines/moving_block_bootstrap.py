"""``jesse.candle_pipelines.moving_block_bootstrap``: :class:`MovingBlockBootstrapCandlesPipeline`."""
from jesse_dag.candle_pipelines._synthetic import MovingBlockBootstrapCandlesPipeline

__all__ = ["MovingBlockBootstrapCandlesPipeline"]
