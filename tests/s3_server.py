"""A real S3-API server on loopback for tests: moto's server mode on 127.0.0.1 and a free port.

Use the ``s3_endpoint`` fixture (session-wide: one server) and ``s3_bucket`` (a fresh bucket per test).
Credentials are dummies set in the environment, as a real deployment's would be (never in project.yaml).
"""
from __future__ import annotations

import os
import socket
import uuid

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """``http://127.0.0.1:<port>`` of a moto S3 server running for the session (credentials in the env)."""
    moto_server = pytest.importorskip("moto.server", reason="moto[server] is a dev dependency")
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(key, value)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint) -> str:
    """A new empty bucket's store URI (``s3://<bucket>/store?endpoint_url=...``)."""
    import boto3

    name = f"jesse-dag-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    from jesse_dag.store.location import store_uri

    return store_uri(f"s3://{name}/store", endpoint_url=s3_endpoint, region="us-east-1")
