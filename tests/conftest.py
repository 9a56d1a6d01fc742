"""Shared fixtures: where ../shared is, and a skip with a clear reason when it is absent."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# s3_endpoint / s3_bucket: a real S3-API server (moto) on loopback, for the Parquet store's tests
pytest_plugins = ["tests.s3_server"]

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("JESSE_DAG_SHARED", PROJECT_DIR.parent / "shared"))
DATA_DIR = SHARED_DIR / "data"
PARITY_DIR = SHARED_DIR / "parity"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: this test reads real candles from ../shared (see README)")
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``../shared/data`` with the real 1-minute candle files."""
    return _require(DATA_DIR)


@pytest.fixture(scope="session")
def parity_dir() -> Path:
    """``../shared/parity`` with Jesse's strategies, cases and indicator outputs."""
    return _require(PARITY_DIR)
