"""jesse-dag: a research pipeline for crypto trading strategies written in Jesse's style.

Public entry points live in :mod:`jesse_dag.research`; strategies import
:mod:`jesse_dag.strategies`, :mod:`jesse_dag.indicators` and :mod:`jesse_dag.utils`.
"""

__version__ = "0.1.0"

from jesse_dag._startup import defer_unused_startup as _defer_unused_startup

_defer_unused_startup()  # numba's first kernel call would import scipy.linalg and build a cffi parser: see _startup
