"""S3 on loopback: moto's server, started once per run, and the default storage pointed at a
bucket of the test's own (as STORAGE_BACKEND=s3 with an endpoint configures it). The fixtures
are offered to every test by tests/conftest.py."""

import os
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer


@dataclass
class S3:
    endpoint: str
    bucket: str
    client: object

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.bucket)
        return [item["Key"] for item in listing.get("Contents", [])]

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()


S3_KEYS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}
# S3-compatible servers other than AWS reject the checksum headers of boto3 >= 1.36.
S3_CLIENT_CONFIG = Config(
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
    signature_version="s3v4",
)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")  # never ask the network
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_storage(settings, moto_endpoint, request) -> S3:
    """The default storage is S3 (django-storages) on moto's server, as STORAGE_BACKEND=s3 with
    an endpoint configures it, in a bucket of this test's own."""
    bucket = f"test-{abs(hash(request.node.nodeid)) % 10**9}"
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        aws_access_key_id=S3_KEYS["access_key"],
        aws_secret_access_key=S3_KEYS["secret_key"],
        region_name=S3_KEYS["region_name"],
        config=S3_CLIENT_CONFIG,
    )
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **S3_KEYS,
                "bucket_name": bucket,
                "endpoint_url": moto_endpoint,
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
                "querystring_expire": 300,
                "client_config": S3_CLIENT_CONFIG,
            },
        },
    }
    return S3(moto_endpoint, bucket, client)
