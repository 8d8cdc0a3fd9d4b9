"""Photos through Django's storage API: local files by default, an S3 bucket when configured."""

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import default_storage
from django.test import override_settings
from moto import mock_aws

from articles.models import Image

from .factories import make_story
from .pictures import picture_bytes, upload

ROOT = Path(__file__).resolve().parents[1]
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


@pytest.fixture
def bucket(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="ledger-photos")
        storages = {
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": "ledger-photos",
                    "querystring_auth": False,
                    "custom_domain": "photos.example",
                    "file_overwrite": False,
                },
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with override_settings(STORAGES=storages):
            from articles.images import presentation

            presentation._local_prefix.cache_clear()
            yield boto3.client("s3", region_name="us-east-1")
            presentation._local_prefix.cache_clear()


def test_photos_and_renditions_go_to_the_bucket(bucket, client):
    image = Image(file=upload(picture_bytes((1000, 700))), alt_text="Crane")
    image.full_clean()
    image.save()
    keys = {item["Key"] for item in bucket.list_objects_v2(Bucket="ledger-photos")["Contents"]}
    assert image.file.name in keys
    for rendition in image.renditions["full"] + image.renditions["thumb"]:
        assert {rendition["webp"], rendition["fallback"]} <= keys
    assert default_storage.url(image.file.name).startswith("https://photos.example/images/")
    story = make_story("Crane", lead_image=image)
    html = client.get(story.path).content.decode()
    assert 'srcset="https://photos.example/images/' in html
