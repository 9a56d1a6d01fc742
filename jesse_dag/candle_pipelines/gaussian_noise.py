"""``jesse.candle_pipelines.gaussian_noise``: :class:`GaussianNoiseCandlesPipeline`."""
from jesse_dag.candle_pipelines._synthetic import GaussianNoiseCandlesPipeline

__all__ = ["GaussianNoiseCandlesPipeline"]
