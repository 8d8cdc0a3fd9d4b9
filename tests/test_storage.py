"""Photos through Django's storage API: local files by default, an S3 bucket when configured.

The bucket is on a real S3 API over HTTP (moto's server, its own process), not a mock
patched into boto3."""

import itertools
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import boto3
import pytest
from django.core.files.storage import default_storage

from articles.models import Image

from .conftest import service_missing
from .factories import make_story
from .pictures import picture_bytes, upload
from .servers import BIN, ROOT, free_port

pytestmark = pytest.mark.django_db


def test_s3_bucket_is_configured_from_the_environment(tmp_path):
    env = {
        **os.environ,
        "S3_BUCKET": "ledger-photos",
        "S3_ENDPOINT_URL": "https://s3.example",
        "S3_CUSTOM_DOMAIN": "photos.example",
        "NEWSROOM_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings as s; d = s.STORAGES['default']; "
            "print(d['BACKEND'], d['OPTIONS']['bucket_name'], d['OPTIONS']['custom_domain'], "
            "d['OPTIONS']['querystring_auth'], s.SERVE_MEDIA)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-5:] == [
        "storages.backends.s3.S3Storage",
        "ledger-photos",
        "photos.example",
        "False",
        "False",
    ]


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    """moto's S3 API as its own process (``moto_server``) on a free loopback port:
    boto3 and django-storages talk HTTP to it exactly as to S3, nothing is patched."""
    program = BIN / "moto_server"
    if not program.exists():
        service_missing("moto_server is not installed (pip install 'moto[server]')")
    port = free_port()
    log = tmp_path_factory.mktemp("s3") / "moto.log"
    with open(log, "wb") as log_file:
        server = subprocess.Popen(
            [str(program), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    address = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(address + "/", timeout=5)
            break
        except urllib.error.HTTPError:
            break  # it answers
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.2)
    yield address
    server.terminate()
    server.wait(timeout=10)


CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


@pytest.fixture
def bucket(s3_server, settings):
    """A fresh bucket on the S3 server, Django's storage pointed at it (S3_CUSTOM_DOMAIN
    photos.example), and a client to look inside it."""
    name = f"ledger-photos-{next(_buckets)}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=name)
    settings.STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_server,
                **CREDENTIALS,
                "querystring_auth": False,
                "custom_domain": "photos.example",
                "file_overwrite": False,
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from articles.images import presentation

    presentation._local_prefix.cache_clear()
    yield {"client": client, "name": name, "address": f"{s3_server}/{name}"}
    presentation._local_prefix.cache_clear()


_buckets = itertools.count(1)


def keys_in(bucket):
    listed = bucket["client"].list_objects_v2(Bucket=bucket["name"])
    return {item["Key"] for item in listed.get("Contents", [])}


def fetch(bucket, name):
    """An object's bytes and Cache-Control as the S3 API returns them (None: absent)."""
    try:
        found = bucket["client"].get_object(Bucket=bucket["name"], Key=name)
    except bucket["client"].exceptions.NoSuchKey:
        return None
    return found["Body"].read(), found.get("CacheControl")


def rendition_names(image):
    names = set()
    for kind in ("full", "thumb"):
        for rendition in image.renditions[kind]:
            names |= {rendition["webp"], rendition["fallback"]}
    names |= {card["fallback"] for card in image.renditions["cards"].values()}
    return names


def test_photos_and_renditions_go_to_the_bucket(bucket, client):
    original = picture_bytes((1000, 700))
    image = Image(file=upload(original), alt_text="Crane")
    image.full_clean()
    image.save()
    keys = keys_in(bucket)
    assert image.file.name in keys
    assert rendition_names(image) <= keys
    # Really stored over the S3 API: the bytes come back from the server.
    with default_storage.open(image.file.name) as stored:
        kept = stored.read()
    assert fetch(bucket, image.file.name) == (kept, "public, max-age=31536000, immutable")
    thumb, _ = fetch(bucket, image.renditions["thumb"][0]["webp"])
    assert thumb[8:12] == b"WEBP"


def test_the_same_picture_is_stored_once(bucket):
    first = Image(file=upload(picture_bytes((900, 600))), alt_text="Quay")
    first.full_clean()
    first.save()
    stored = keys_in(bucket)
    second = Image(file=upload(picture_bytes((900, 600))), alt_text="Quay again")
    second.full_clean()
    second.save()
    assert second.file.name == first.file.name
    assert keys_in(bucket) == stored


def test_public_addresses_go_through_the_custom_domain(bucket, client):
    image = Image(file=upload(picture_bytes((1000, 700))), alt_text="Crane")
    image.full_clean()
    image.save()
    assert default_storage.url(image.file.name) == f"https://photos.example/{image.file.name}"
    story = make_story("Crane", lead_image=image)
    html = client.get(story.path).content.decode()
    assert 'srcset="https://photos.example/images/' in html
    assert s3_address_not_in(html, bucket)


def s3_address_not_in(html, bucket):
    return bucket["address"] not in html and "amazonaws" not in html


def test_a_deleted_file_is_gone_from_the_bucket(bucket):
    image = Image(file=upload(picture_bytes((800, 600))), alt_text="Gull")
    image.full_clean()
    image.save()
    for name in {image.file.name, *rendition_names(image)}:
        default_storage.delete(name)
        assert not default_storage.exists(name)
        assert fetch(bucket, name) is None
    assert keys_in(bucket) == set()
