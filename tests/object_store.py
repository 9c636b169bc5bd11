"""A local S3-compatible server for the tests (moto's, on a free port), and the settings that point the file
store (``STORAGES["default"]``) at a bucket in it: what production does with ``DJANGO_S3_*``."""

import socket
import uuid
from contextlib import contextmanager

import boto3
from moto.server import ThreadedMotoServer

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-west-2"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Store:
    def __init__(self, endpoint: str, bucket: str):
        self.endpoint, self.bucket = endpoint, bucket
        self.client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-2",
                                   aws_access_key_id="testing", aws_secret_access_key="testing")

    def names(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def environ(self) -> dict[str, str]:
        """The variables that point a server at this bucket (config/settings.py)."""
        return {**CREDENTIALS, "DJANGO_S3_BUCKET": self.bucket, "DJANGO_S3_ENDPOINT_URL": self.endpoint,
                "DJANGO_S3_REGION": "eu-west-2"}

    def storages(self) -> dict:
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": self.bucket, "endpoint_url": self.endpoint, "region_name": "eu-west-2",
            "access_key": "testing", "secret_key": "testing", "default_acl": None, "file_overwrite": False}}


@contextmanager
def s3_server():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        store = Store(f"http://127.0.0.1:{port}", f"cdi-{uuid.uuid4().hex[:12]}")
        store.client.create_bucket(Bucket=store.bucket,
                                   CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        yield store
    finally:
        server.stop()
