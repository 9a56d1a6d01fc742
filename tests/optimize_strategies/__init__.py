"""Strategies and candle builders for the optimisation, batch and Monte Carlo tests."""
