"""Product pictures as a storefront gets them from the API: absolute addresses that anyone can
fetch, that never expire and never show another picture, measured, with their renditions, in
local storage and on S3 (moto's server) — and the feed tells replicas when they change."""

import io
import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import default_storage
from django.test import TestCase
from PIL import Image

from integrations.api.schemas import RenditionsOut
from inventory.models import ProductImage
from inventory.services import catalog_object_save, product_image_store
from tests.conftest import set_store
from tests.integrations.api_helpers import SYSTEM, get, issue_key, replay_feed
from tests.integrations.api_helpers import fresh_cache as fresh_cache  # autouse

BASE = "https://backoffice.example.com"
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture
def key(shop):
    set_store(public_base_url=BASE)
    return issue_key(shop.channel)


def picture(size=(2000, 1500), colour="teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def store_picture(product, content: bytes, image: ProductImage | None = None) -> ProductImage:
    """A picture kept in the storage as an upload or an import's copy keeps it; its
    renditions are made when the transaction commits (tasks run in the process here)."""
    image = image or catalog_object_save(
        instance=ProductImage(product=product, source_url="https://cdn.example.com/tee.jpg"),
        actor=SYSTEM,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        product_image_store(image=image, content=content, extension="jpg", actor=SYSTEM, reason="t")
    image.refresh_from_db()
    return image


def images_of(client, product, key) -> list[dict]:
    response = get(client, f"/products/{product.pk}", key)
    assert response.status_code == 200, response.content
    return response.json()["images"]


def fetched_anonymously(client, url: str):
    """What a browser without any login gets at the address (the test client stands in for
    the back office's host)."""
    assert url.startswith(f"{BASE}/media/"), url
    client.logout()
    return client.get(urlsplit(url).path)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def assert_served(client, url: str, content: bytes | None, size: tuple[int, int], kind: str):
    response = fetched_anonymously(client, url)
    assert response.status_code == 200
    assert response["Cache-Control"] == IMMUTABLE
    served = body(response)
    if content is not None:
        assert served == content
    opened = Image.open(io.BytesIO(served))
    assert (opened.format, opened.size) == (kind, size)
    assert response["Content-Type"] == f"image/{kind.lower()}"


def test_a_stored_picture_has_public_addresses_sizes_and_renditions(
    client, shop, key, media_root, eager_tasks
):
    content = picture((2000, 1500))
    image = store_picture(shop.tee.product, content)
    [shown] = images_of(client, shop.tee.product, key)
    assert shown["url"] == f"{BASE}/media/{image.image.name}"
    assert (shown["width"], shown["height"]) == (2000, 1500)
    assert_served(client, shown["url"], content, (2000, 1500), "JPEG")
    sizes = {"thumbnail": (160, 160), "medium": (800, 600), "large": (1600, 1200)}
    assert set(shown["renditions"]) == set(sizes) == set(RenditionsOut.model_fields)
    for name, size in sizes.items():
        made = shown["renditions"][name]
        assert (made["width"], made["height"]) == size
        assert_served(client, made["url"], None, size, "WEBP")


def test_a_picture_gets_new_addresses_when_its_content_changes(
    client, shop, key, media_root, eager_tasks
):
    image = store_picture(shop.tee.product, picture(colour="teal"))
    [before] = images_of(client, shop.tee.product, key)
    store_picture(shop.tee.product, picture(colour="orange"), image=image)
    [after] = images_of(client, shop.tee.product, key)
    assert after["url"] != before["url"]
    assert {r["url"] for r in after["renditions"].values()}.isdisjoint(
        r["url"] for r in before["renditions"].values()
    )
    # The old address still shows the old picture: a replica that kept it is never wrong.
    old = Image.open(io.BytesIO(body(fetched_anonymously(client, before["url"]))))
    assert old.getpixel((0, 0)) != Image.open(io.BytesIO(picture(colour="orange"))).getpixel((0, 0))


def test_a_picture_not_copied_yet_is_its_source_address_unmeasured(client, shop, key):
    catalog_object_save(
        instance=ProductImage(
            product=shop.tee.product, source_url="https://cdn.example.com/tee.jpg"
        ),
        actor=SYSTEM,
    )
    [shown] = images_of(client, shop.tee.product, key)
    assert (shown["url"], shown["width"], shown["height"]) == (
        "https://cdn.example.com/tee.jpg",
        None,
        None,
    )
    assert shown["renditions"] == {"thumbnail": None, "medium": None, "large": None}


# On PostgreSQL the feed serves only finished transactions: this test commits its writes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_feed_tells_when_renditions_are_made(client, shop, key, media_root, monkeypatch):
    """The renditions are made after the picture is stored, by a worker: the replica that
    copied the product before must learn its sizes and renditions."""
    from inventory import tasks

    queued = []
    monkeypatch.setattr(tasks.product_image_renditions_task, "delay", queued.append)
    image = store_picture(shop.tee.product, picture((1200, 900)))
    copy, since = replay_feed(client, key)
    [kept] = copy[("product", shop.tee.product_id)]["images"]
    assert kept["renditions"]["large"] is None and kept["width"] is None
    etag = get(client, f"/products/{shop.tee.product_id}", key)["ETag"]

    tasks.product_image_renditions_task.run(queued.pop())  # the worker's turn

    copy, since = replay_feed(client, key, copy, since)
    [kept] = copy[("product", shop.tee.product_id)]["images"]
    assert (kept["width"], kept["height"]) == (1200, 900)
    assert kept["renditions"]["large"]["width"] == 1200
    assert kept == images_of(client, shop.tee.product, key)[0]
    assert (
        get(client, f"/products/{shop.tee.product_id}", key, **{"If-None-Match": etag})["ETag"]
        != etag
    )
    assert image.pk == kept["id"]


def test_only_product_pictures_are_public(client, shop, key, media_root):
    default_storage.save("reports/secret/sales.xlsx", io.BytesIO(b"figures"))
    for path in (
        "/media/reports/secret/sales.xlsx",
        "/media/products/1/../../reports/secret/sales.xlsx",
    ):
        assert client.get(path).status_code == 404


def test_pictures_on_s3_are_served_publicly_and_never_presigned(
    client, shop, key, s3_storage, eager_tasks
):
    content = picture((1200, 900))
    image = store_picture(shop.tee.product, content)
    [shown] = images_of(client, shop.tee.product, key)
    addresses = [shown["url"], *(made["url"] for made in shown["renditions"].values())]
    assert all("X-Amz" not in url and "Signature" not in url for url in addresses)
    assert shown["url"] == f"{BASE}/media/{image.image.name}"
    assert_served(client, shown["url"], content, (1200, 900), "JPEG")
    assert_served(client, shown["renditions"]["large"]["url"], None, (1200, 900), "WEBP")


def test_a_public_media_address_puts_pictures_behind_a_cdn(
    client, shop, key, s3_storage, eager_tasks, settings
):
    """With MEDIA_PUBLIC_URL (a CDN or the bucket's public address, the bucket's policy
    opening its products/ folder as the README says), storefronts fetch the files there,
    without credentials; every other file stays private."""
    s3_storage.client.put_bucket_policy(
        Bucket=s3_storage.bucket, Policy=json.dumps(public_products_policy(s3_storage.bucket))
    )
    settings.MEDIA_PUBLIC_URL = f"{s3_storage.endpoint}/{s3_storage.bucket}"
    default_storage.save("reports/secret/sales.xlsx", io.BytesIO(b"figures"))
    content = picture((1200, 900))
    image = store_picture(shop.tee.product, content)
    [shown] = images_of(client, shop.tee.product, key)
    assert shown["url"] == f"{s3_storage.endpoint}/{s3_storage.bucket}/{image.image.name}"
    with urllib.request.urlopen(shown["url"], timeout=10) as response:  # noqa: S310 - loopback
        assert response.read() == content
    large = shown["renditions"]["large"]["url"]
    with urllib.request.urlopen(large, timeout=10) as response:  # noqa: S310 - loopback
        assert Image.open(io.BytesIO(response.read())).size == (1200, 900)
    private = f"{settings.MEDIA_PUBLIC_URL}/reports/secret/sales.xlsx"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(private, timeout=10)  # noqa: S310 - loopback
    assert refused.value.code == 403


def public_products_policy(bucket: str) -> dict:
    """The bucket policy the README gives: anyone may read product pictures, nothing else."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "StorefrontPictures",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/products/*",
            }
        ],
    }
