"""jesse-dag: a research pipeline for crypto trading strategies written in Jesse's style.

Public entry points live in :mod:`jesse_dag.research`; strategies import
:mod:`jesse_dag.strategies`, :mod:`jesse_dag.indicators` and :mod:`jesse_dag.utils`.
"""

__version__ = "0.1.0"
