"""Imported images come home: after the apply (never during the preview) a worker copies each
image from its source URL into the storage, checking what it gets; failures are listed on the
batch page and can be retried. The images are served by a local HTTP server the test starts:
a good image, a redirect to it, a 404, a web page, a decompression bomb, a truncated file, a
server too slow to answer, and one that fails once and then works."""

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from PIL import Image

from backoffice.actors import Actor
from imports.images import image_copies_retry
from imports.models import CopyStatus, ImageCopy, ImportStatus
from imports.services import import_apply
from inventory.models import ProductImage
from tests.imports.conftest import csv_bytes, preview


def png(size=(40, 30), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "white" if mode == "RGB" else 1).save(buffer, "PNG")
    return buffer.getvalue()


GOOD = png()


class ImageServer(BaseHTTPRequestHandler):
    routes: dict = {}
    seen: list = []

    def do_GET(self):
        type(self).seen.append(self.path)
        route = self.routes.get(self.path, (404, "text/plain", b"no such file"))
        if callable(route):
            route = route()
        status, kind, body, *rest = route
        if rest:
            time.sleep(rest[0])
        self.send_response(status)
        if status in (301, 302):
            self.send_header("Location", body.decode())
            body = b""
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(settings):
    settings.IMPORT_IMAGE_PRIVATE_HOSTS = True  # the server is on this machine
    settings.IMPORT_IMAGE_COPY_AFTER_APPLY = True
    settings.IMPORT_IMAGE_TIMEOUT_SECONDS = 0.5
    settings.IMPORT_IMAGE_RETRIES = 1
    settings.IMPORT_IMAGE_RETRY_SECONDS = 0
    calls = {"flaky": 0}

    def flaky():
        calls["flaky"] += 1
        return (503, "text/plain", b"busy") if calls["flaky"] == 1 else (200, "image/png", GOOD)

    ImageServer.seen = []
    ImageServer.routes = {
        "/good.png": (200, "image/png", GOOD),
        "/moved.png": (302, "text/plain", b"/good.png"),
        "/page.html": (200, "text/html", b"<html>not a picture</html>"),
        "/bomb.png": (200, "image/png", png((10_000, 10_000), mode="1")),
        "/truncated.png": (200, "image/png", GOOD[: len(GOOD) // 2]),
        "/slow.png": (200, "image/png", GOOD, 2),
        "/flaky.png": flaky,
    }
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ImageServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def export(base: str, *names: str) -> bytes:
    rows = [["Handle", "Title", "Variant Price", "Image Src", "Image Position"]]
    for position, name in enumerate(names, start=1):
        first = position == 1
        rows.append(
            ["tee", "Tee" if first else "", "19.00" if first else "", f"{base}/{name}", position]
        )
    return csv_bytes(rows)


def applied(merchant, content):
    batch = preview(merchant, content, kind="shopify")
    assert batch.status == ImportStatus.READY
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = import_apply(batch=batch, actor=Actor.for_user(merchant))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    return batch


def copies(batch) -> dict:
    return {
        copy.image.source_url.rsplit("/", 1)[-1]: (copy.status, copy.error)
        for copy in ImageCopy.objects.filter(batch=batch).select_related("image")
    }


def test_nothing_is_fetched_during_the_preview(server, merchant):
    batch = preview(merchant, export(server, "good.png", "moved.png"), kind="shopify")
    assert batch.status == ImportStatus.READY
    assert ImageServer.seen == []
    assert not ImageCopy.objects.exists()


def test_images_are_copied_checked_and_failures_listed(server, merchant, eager_tasks):
    names = ["good.png", "moved.png", "missing.png", "page.html", "bomb.png", "truncated.png",
             "slow.png", "flaky.png"]  # fmt: skip
    batch = applied(merchant, export(server, *names))
    assert copies(batch) == {
        "good.png": (CopyStatus.DONE, ""),
        "moved.png": (CopyStatus.DONE, ""),
        "missing.png": (CopyStatus.FAILED, "the server answered 404"),
        "page.html": (CopyStatus.FAILED, "it is text/html, not an image"),
        "bomb.png": (CopyStatus.FAILED, "it is 10000 × 10000 pixels, beyond 25 megapixels"),
        "truncated.png": (CopyStatus.FAILED, "it is not a readable image"),
        "slow.png": (CopyStatus.FAILED, "the server did not answer in time (tried 2 times)"),
        "flaky.png": (CopyStatus.DONE, ""),
    }
    good = ProductImage.objects.get(source_url=f"{server}/good.png")
    assert good.image.name.endswith(".png") and good.image.read() == GOOD
    moved = ProductImage.objects.get(source_url=f"{server}/moved.png")
    assert moved.image.read() == GOOD
    assert moved.url == moved.image.url  # the copy is what is shown
    missing = ProductImage.objects.get(source_url=f"{server}/missing.png")
    assert not missing.image and missing.url == f"{server}/missing.png"  # still the source


def test_the_batch_page_lists_failures_and_retries_them(server, merchant, client, eager_tasks):
    batch = applied(merchant, export(server, "good.png", "missing.png"))
    client.force_login(merchant)
    page = client.get(reverse("admin:imports_importbatch_change", args=[batch.pk]))
    content = page.content.decode()
    assert "1 copied, 0 waiting, 1 failed." in content
    assert f"{server}/missing.png" in content and "the server answered 404" in content

    ImageServer.routes["/missing.png"] = (200, "image/png", GOOD)  # the file is back
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("admin:imports_importbatch_retry-images", args=[batch.pk]), follow=True
        )
    assert "1 image(s) will be copied again." in response.content.decode()
    assert copies(batch)["missing.png"] == (CopyStatus.DONE, "")


def test_a_role_that_cannot_apply_cannot_retry(server, merchant, accountant, eager_tasks):
    batch = applied(merchant, export(server, "missing.png"))
    from backoffice.exceptions import DomainError

    with pytest.raises(DomainError, match="cannot retry image copies"):
        image_copies_retry(batch=batch, actor=Actor.for_user(accountant))
    assert copies(batch)["missing.png"][0] == CopyStatus.FAILED


def test_an_address_inside_a_private_network_is_never_fetched(
    server, merchant, settings, eager_tasks
):
    batch = preview(merchant, export(server, "good.png"), kind="shopify")
    settings.IMPORT_IMAGE_PRIVATE_HOSTS = False
    with TestCase.captureOnCommitCallbacks(execute=True):
        import_apply(batch=batch, actor=Actor.for_user(merchant))
    assert copies(batch) == {
        "good.png": (CopyStatus.FAILED, "127.0.0.1 is inside a private network")
    }
    assert ImageServer.seen == []


def test_without_workers_the_command_copies_what_waits(server, merchant, settings):
    """The embedded mode has no workers: an apply leaves its images waiting (a request never
    fetches them), and the command copies them."""
    settings.IMPORT_IMAGE_COPY_AFTER_APPLY = False
    batch = applied(merchant, export(server, "good.png", "missing.png"))
    assert ImageServer.seen == []
    assert {status for status, _ in copies(batch).values()} == {CopyStatus.PENDING}
    out = io.StringIO()
    call_command("copy_imported_images", "--batch", str(batch.pk), stdout=out)
    assert out.getvalue().strip() == "1 image(s) copied, 1 failed."
    assert copies(batch) == {
        "good.png": (CopyStatus.DONE, ""),
        "missing.png": (CopyStatus.FAILED, "the server answered 404"),
    }


def test_a_copied_image_gets_renditions_and_the_list_its_thumbnail(
    server, merchant, client, eager_tasks
):
    applied(merchant, export(server, "good.png"))
    image = ProductImage.objects.get()
    assert image.renditions["source"] == image.image.name
    thumbnail = image.rendition_url("thumbnail")
    assert thumbnail.endswith(".160x160_q85_crop.webp")
    client.force_login(merchant)
    content = client.get(reverse("admin:inventory_product_changelist")).content.decode()
    assert f'<img src="{thumbnail}" alt="" loading="lazy"' in content
