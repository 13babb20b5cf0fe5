"""Reports on S3 (django-storages against moto's S3 server on loopback): the file lands in the
bucket, and the download view hands out a short-lived presigned link that downloads it."""

import hashlib
from urllib.parse import parse_qs, urlsplit

import requests
from django.urls import reverse

from reporting.models import RunStatus
from tests.reporting.conftest import request_run


def test_the_report_lands_in_the_bucket_and_the_presigned_link_downloads_it(
    trading, accountant, eager_tasks, s3_storage, client, media_root
):
    run = request_run("sales_summary", accountant, start=trading.first_day, end=trading.last_day)
    assert run.status == RunStatus.DONE
    assert s3_storage.keys() == [run.file.name]
    stored = s3_storage.read(run.file.name)
    assert (len(stored), hashlib.sha256(stored).hexdigest()) == (run.size, run.checksum)
    assert not media_root.exists() or not any(media_root.rglob("*"))  # nothing on local disk

    client.force_login(accountant)
    response = client.get(reverse("admin:reporting_reportrun_download", args=[run.pk]))
    assert response.status_code == 302
    link = urlsplit(response["Location"])
    assert f"{link.scheme}://{link.netloc}" == s3_storage.endpoint
    assert link.path == f"/{s3_storage.bucket}/{run.file.name}"
    query = parse_qs(link.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]  # Signature Version 4
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
    download = requests.get(response["Location"], timeout=10)
    assert download.status_code == 200
    assert download.content == stored
    filename = run.file.name.rsplit("/", 1)[-1]
    assert download.headers["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_without_a_signature_the_bucket_gives_nothing(trading, accountant, eager_tasks, s3_storage):
    run = request_run("tax_summary", accountant, start=trading.first_day, end=trading.last_day)
    bare = f"{s3_storage.endpoint}/{s3_storage.bucket}/{run.file.name}"
    assert requests.get(bare, timeout=10).status_code == 403


def test_a_run_that_cannot_reach_its_bucket_fails_and_leaves_nothing(
    trading, accountant, eager_tasks, s3_storage
):
    s3_storage.client.delete_bucket(Bucket=s3_storage.bucket)
    run = request_run("sales_summary", accountant, start=trading.first_day, end=trading.last_day)
    assert run.status == RunStatus.FAILED
    assert "NoSuchBucket" in run.error
    assert (run.file.name, run.checksum, run.size) == ("", "", None)
    s3_storage.client.create_bucket(Bucket=s3_storage.bucket)
    assert s3_storage.keys() == []
