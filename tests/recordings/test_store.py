"""The recording stores keep the same contract: the local folder, and an S3-compatible bucket (a
moto S3 server on loopback, spoken to over HTTP by boto3 as a real deployment's MinIO would be)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from recordings.errors import MissingObject
from recordings.settings import S3Settings
from recordings.store import LocalStore, RecordingStore
from recordings.store_s3 import S3Store
from tests.support.ports import free_port

BODY = random.Random(7).randbytes(200_000)  # more than three read chunks


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["local", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RecordingStore]:
    if request.param == "local":
        yield LocalStore(tmp_path / "archive")
        return
    import boto3

    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"rec-{random.Random().randrange(1 << 30)}"
    creds = {"aws_access_key_id": "test", "aws_secret_access_key": "test-secret"}
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **creds).create_bucket(Bucket=bucket)
    settings = S3Settings(
        endpoint_url=endpoint,
        bucket=bucket,
        prefix="hotline/",
        access_key_id="test",
        secret_access_key="test-secret",
    )
    yield S3Store(settings)


async def _read(store: RecordingStore, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([block async for block in store.read(key, start, end)])


async def test_a_store_keeps_reads_ranges_digests_and_deletes(store: RecordingStore, tmp_path: Path) -> None:
    source = tmp_path / "incoming" / "1718000000.1.wav"
    source.parent.mkdir(parents=True)
    source.write_bytes(BODY)
    key = "lanzhou/2024/06/10/1718000000.1.wav"
    stored = await store.put(key, source)
    assert (stored.key, stored.size, stored.sha256) == (key, len(BODY), hashlib.sha256(BODY).hexdigest())
    assert not source.exists()  # handed over
    assert await store.size(key) == len(BODY)
    assert await _read(store, key) == BODY
    assert await _read(store, key, 0, 99) == BODY[:100]
    assert await _read(store, key, 100_000, 165_535) == BODY[100_000:165_536]
    assert await _read(store, key, len(BODY) - 10) == BODY[-10:]
    assert await store.digest(key) == hashlib.sha256(BODY).hexdigest()
    assert await store.delete(key) is True
    assert await store.delete(key) is False
    with pytest.raises(MissingObject):
        await store.size(key)
    with pytest.raises(MissingObject):
        await store.digest(key)


async def test_the_local_store_never_reads_outside_its_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.wav").write_bytes(b"not a recording")
    store = LocalStore(tmp_path / "archive")
    for key in ("../secret.wav", "/etc/passwd", ""):
        with pytest.raises(MissingObject):
            await store.size(key)


async def test_an_unreachable_bucket_is_a_clear_error(tmp_path: Path) -> None:
    from recordings.errors import StoreUnavailable

    store = S3Store(
        S3Settings(endpoint_url=f"http://127.0.0.1:{free_port()}", access_key_id="a", secret_access_key="b")
    )
    with pytest.raises(StoreUnavailable, match="S3 head_object"):
        await store.size("lanzhou/x.wav")
