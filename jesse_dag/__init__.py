"""jesse-dag: a research pipeline for crypto trading strategies written in Jesse's style.

Public entry points live in :mod:`jesse_dag.research`; strategies import
:mod:`jesse_dag.strategies`, :mod:`jesse_dag.indicators` and :mod:`jesse_dag.utils`.
"""

__version__ = "0.1.0"

from jesse_dag._startup import defer_blas_import as _defer_blas_import

_defer_blas_import()  # numba's first kernel call would import scipy.linalg (~0.2 s) for nothing: see _startup
