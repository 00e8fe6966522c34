"""Contract of the BlobStore port, run against every adapter.

The shared part runs on the local folder store and on the Cloud Storage adapter
(the real google-cloud-storage client pointed at a local stand-in of the GCS
JSON API). Then what only one backend can show: keys that would escape the
folder, and the upload request Cloud Storage receives.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.adapters.embedded.local_folder_blob_store import LocalFolderBlobStore
from shared.adapters.gcp.cloud_storage_blob_store import CloudStorageBlobStore
from shared.kernel.errors import InvalidInput, NotFound
from shared.ports.blob_store import BlobStore
from tests.support.fake_cloud_storage import FakeCloudStorage
from tests.support.wsgi_server import serve_wsgi

BUCKET = "charla-media"
PROJECT = "demo-test"
BINARY = bytes(range(256)) * 4 + b"\r\n--boundary\r\n\x00"


@pytest.fixture
def local_folder_blobs(tmp_path: Path) -> LocalFolderBlobStore:
    return LocalFolderBlobStore(tmp_path / "blobs")


@pytest.fixture(scope="module")
def storage_server() -> Iterator[tuple[FakeCloudStorage, str]]:
    # One server for the module: stopping one takes half a second.
    fake = FakeCloudStorage(buckets=[BUCKET])
    with serve_wsgi(fake) as url:
        yield fake, url


@pytest.fixture
def fake_storage(storage_server: tuple[FakeCloudStorage, str]) -> FakeCloudStorage:
    fake, _ = storage_server
    fake.reset()
    return fake


@pytest.fixture
def cloud_storage_blobs(
    storage_server: tuple[FakeCloudStorage, str], fake_storage: FakeCloudStorage
) -> Iterator[CloudStorageBlobStore]:
    store = CloudStorageBlobStore(bucket=BUCKET, project=PROJECT, endpoint=storage_server[1])
    yield store
    store.close()


@pytest.fixture(params=["local_folder", "cloud_storage"])
def blobs(request: pytest.FixtureRequest) -> BlobStore:
    return request.getfixturevalue(f"{request.param}_blobs")


# --- the contract, on every adapter -------------------------------------


def test_binary_data_comes_back_byte_for_byte(blobs: BlobStore) -> None:
    blobs.put("media/ws1/photo.jpg", BINARY, content_type="image/jpeg")

    assert blobs.get("media/ws1/photo.jpg") == BINARY


def test_an_empty_blob_is_a_blob(blobs: BlobStore) -> None:
    blobs.put("empty.txt", b"", content_type="text/plain")

    assert blobs.exists("empty.txt")
    assert blobs.get("empty.txt") == b""


def test_putting_a_key_again_replaces_its_bytes(blobs: BlobStore) -> None:
    blobs.put("exports/report.csv", b"old,longer,content\n", content_type="text/csv")
    blobs.put("exports/report.csv", b"new\n", content_type="text/csv")

    assert blobs.get("exports/report.csv") == b"new\n"


def test_exists_follows_put_and_delete(blobs: BlobStore) -> None:
    assert blobs.exists("media/ws1/a.ogg") is False

    blobs.put("media/ws1/a.ogg", b"voice")
    assert blobs.exists("media/ws1/a.ogg") is True

    blobs.delete("media/ws1/a.ogg")
    assert blobs.exists("media/ws1/a.ogg") is False


def test_a_deleted_blob_cannot_be_read(blobs: BlobStore) -> None:
    blobs.put("media/ws1/a.ogg", b"voice")
    blobs.delete("media/ws1/a.ogg")

    with pytest.raises(NotFound):
        blobs.get("media/ws1/a.ogg")


def test_reading_a_missing_key_raises_not_found(blobs: BlobStore) -> None:
    with pytest.raises(NotFound):
        blobs.get("media/ws1/never-stored.png")


def test_deleting_a_missing_key_is_not_an_error(blobs: BlobStore) -> None:
    blobs.delete("media/ws1/never-stored.png")

    assert blobs.exists("media/ws1/never-stored.png") is False


def test_keys_in_subfolders_are_separate_blobs(blobs: BlobStore) -> None:
    blobs.put("media/ws1/a.jpg", b"one")
    blobs.put("media/ws2/a.jpg", b"two")
    blobs.put("media/ws1/deeper/a.jpg", b"three")

    assert blobs.get("media/ws1/a.jpg") == b"one"
    assert blobs.get("media/ws2/a.jpg") == b"two"
    assert blobs.get("media/ws1/deeper/a.jpg") == b"three"
    # A folder of blobs is not a blob itself.
    assert blobs.exists("media/ws1") is False
    with pytest.raises(NotFound):
        blobs.get("media/ws1")


def test_keys_with_spaces_and_unicode_work(blobs: BlobStore) -> None:
    key = "media/ws1/relatório de março #2 (final).pdf"
    blobs.put(key, b"%PDF-1.7", content_type="application/pdf")

    assert blobs.get(key) == b"%PDF-1.7"
    blobs.delete(key)
    assert blobs.exists(key) is False


def test_an_empty_key_is_refused(blobs: BlobStore) -> None:
    with pytest.raises(InvalidInput):
        blobs.put("", b"x")


# --- local folder: the root is a boundary ---------------------------------


@pytest.mark.parametrize(
    "key",
    ["../outside.txt", "media/../../outside.txt", "/etc/passwd", "media//a.jpg", "media/./a.jpg",
     "..\\outside.txt", "media/"],
)
def test_local_folder_refuses_keys_that_could_leave_the_root(tmp_path: Path, key: str) -> None:
    store = LocalFolderBlobStore(tmp_path / "blobs")

    for operation in (lambda: store.put(key, b"x"), lambda: store.get(key), lambda: store.exists(key),
                      lambda: store.delete(key)):
        with pytest.raises(InvalidInput):
            operation()
    assert not (tmp_path / "outside.txt").exists()


def test_local_folder_refuses_a_path_through_a_symlink_out_of_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    store = LocalFolderBlobStore(tmp_path / "blobs")
    (tmp_path / "blobs" / "escape").symlink_to(outside, target_is_directory=True)

    with pytest.raises(InvalidInput):
        store.put("escape/secret.txt", b"x")
    assert list(outside.iterdir()) == []


def test_local_folder_keeps_each_blob_as_a_file_under_the_root(tmp_path: Path) -> None:
    store = LocalFolderBlobStore(tmp_path / "blobs")

    store.put("media/ws1/abc.jpg", b"jpeg bytes", content_type="image/jpeg")

    assert (tmp_path / "blobs" / "media" / "ws1" / "abc.jpg").read_bytes() == b"jpeg bytes"


def test_local_folder_a_failed_write_leaves_the_old_blob_and_no_partial_file(tmp_path: Path) -> None:
    store = LocalFolderBlobStore(tmp_path / "blobs")
    store.put("media/a.bin", b"original")

    with pytest.raises(TypeError):
        store.put("media/a.bin", "not bytes")  # type: ignore[arg-type]

    assert store.get("media/a.bin") == b"original"
    assert os.listdir(tmp_path / "blobs" / "media") == ["a.bin"]


def test_local_folder_a_key_cannot_be_both_a_blob_and_a_folder(tmp_path: Path) -> None:
    # A bucket allows "a" and "a/b" side by side; a folder cannot, so the clash is refused clearly.
    store = LocalFolderBlobStore(tmp_path / "blobs")
    store.put("a", b"blob")
    store.put("b/c", b"blob")

    with pytest.raises(InvalidInput):
        store.put("a/b", b"x")
    with pytest.raises(InvalidInput):
        store.put("b", b"x")
    assert store.exists("a/b") is False
    with pytest.raises(NotFound):
        store.get("a/b")
    store.delete("a/b")
    assert store.get("a") == b"blob"


# --- Cloud Storage: what the real service is asked -------------------------


def test_cloud_storage_uploads_to_the_bucket_with_the_object_name_and_content_type(
    cloud_storage_blobs: CloudStorageBlobStore, fake_storage: FakeCloudStorage
) -> None:
    cloud_storage_blobs.put("media/ws1/abc.jpg", BINARY, content_type="image/jpeg")

    [upload] = fake_storage.uploads()
    assert upload.path == f"/upload/storage/v1/b/{BUCKET}/o"
    assert upload.query["uploadType"] == "multipart"
    metadata, media_headers, media = fake_storage.upload_parts(upload)
    assert metadata["name"] == "media/ws1/abc.jpg"
    assert media_headers["content-type"] == "image/jpeg"
    assert media == BINARY
    assert fake_storage.objects[(BUCKET, "media/ws1/abc.jpg")].content_type == "image/jpeg"


def test_cloud_storage_reads_and_deletes_the_object_by_its_encoded_name(
    cloud_storage_blobs: CloudStorageBlobStore, fake_storage: FakeCloudStorage
) -> None:
    cloud_storage_blobs.put("media/ws1/a b.jpg", b"x")
    cloud_storage_blobs.get("media/ws1/a b.jpg")
    cloud_storage_blobs.delete("media/ws1/a b.jpg")

    object_requests = [(r.method, r.path) for r in fake_storage.requests if "/o/" in r.path]
    assert object_requests == [
        ("GET", f"/download/storage/v1/b/{BUCKET}/o/media%2Fws1%2Fa%20b.jpg"),
        ("DELETE", f"/storage/v1/b/{BUCKET}/o/media%2Fws1%2Fa%20b.jpg"),
    ]


def test_cloud_storage_a_missing_bucket_is_not_found(storage_server: tuple[FakeCloudStorage, str]) -> None:
    store = CloudStorageBlobStore(bucket="no-such-bucket", project=PROJECT, endpoint=storage_server[1])

    with pytest.raises(NotFound):
        store.put("a.txt", b"x")
    with pytest.raises(NotFound):
        store.get("a.txt")
