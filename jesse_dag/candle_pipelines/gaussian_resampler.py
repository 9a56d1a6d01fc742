"""``jesse.candle_pipelines.gaussian_resampler``: :class:`GaussianResamplerCandlesPipeline`."""
from jesse_dag.candle_pipelines._synthetic import GaussianResamplerCandlesPipeline

__all__ = ["GaussianResamplerCandlesPipeline"]
