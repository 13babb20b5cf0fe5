"""Imported images brought home: after an apply, a worker copies each image from its source
URL into the store's storage, so the catalog no longer depends on the old store's CDN.

Each fetch is bounded (a time limit for the whole download, Shopify's 20 MB), refuses what
is not an image (by its content type, then by Pillow opening and verifying it), refuses
more than Shopify's 25 megapixels before decoding (a decompression bomb never expands), and
never reaches an address inside a private network unless `IMPORT_IMAGE_PRIVATE_HOSTS` says
so (a file could otherwise point the worker at the cloud's metadata service). A refusal is
final; a server that is down or slow is tried again later, with backoff. Until its copy is
done, an image keeps being shown from its source URL."""

import io
import time
import warnings
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from backoffice.actors import Actor
from backoffice.network import Unresolvable, inside_address
from imports.models import CopyStatus, ImageCopy, ImportBatch
from inventory.renditions import IMAGE_EXTENSIONS, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS
from inventory.services import product_image_store

MAX_REDIRECTS = 3
USER_AGENT = "Backoffice image import"


class ImageRefused(Exception):
    """The source is not an image the store keeps: trying again would not help."""


class ImageUnavailable(Exception):
    """The source could not be read now (down, slow, overloaded): worth another try."""


# --- fetching ----------------------------------------------------------------------------------


def fetch(url: str) -> bytes:
    """The bytes at `url`, following a few redirects, each checked as the first address."""
    for _ in range(MAX_REDIRECTS + 1):
        _check_address(url)
        deadline = time.monotonic() + settings.IMPORT_IMAGE_TIMEOUT_SECONDS
        try:
            response = requests.get(
                url,
                stream=True,
                allow_redirects=False,
                timeout=settings.IMPORT_IMAGE_TIMEOUT_SECONDS,
                headers={"User-Agent": USER_AGENT, "Accept": "image/*"},
            )
        except requests.Timeout:
            raise ImageUnavailable("the server did not answer in time") from None
        except requests.RequestException as error:
            raise ImageUnavailable(
                f"the server could not be reached ({type(error).__name__})"
            ) from None
        with response:
            if response.is_redirect:
                url = urljoin(url, response.headers.get("Location", ""))
                continue
            _check_response(response)
            return _body(response, deadline)
    raise ImageRefused(f"it redirects more than {MAX_REDIRECTS} times")


def _check_address(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImageRefused("it is not a web address")
    try:
        inside = inside_address(parts.hostname, parts.port or 443)
    except Unresolvable:
        raise ImageUnavailable(f"the name {parts.hostname} does not resolve") from None
    if inside is not None and not settings.IMPORT_IMAGE_PRIVATE_HOSTS:
        raise ImageRefused(f"{parts.hostname} is inside a private network")


def _check_response(response) -> None:
    status = response.status_code
    if status == 429 or status >= 500:
        raise ImageUnavailable(f"the server answered {status}")
    if status != 200:
        raise ImageRefused(f"the server answered {status}")
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if not kind.startswith("image/"):
        raise ImageRefused(f"it is {kind or 'of no stated type'}, not an image")
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > MAX_IMAGE_BYTES:
        raise ImageRefused(f"it is {int(length) / 2**20:.0f} MB; images are at most 20 MB")


def _body(response, deadline: float) -> bytes:
    body = bytearray()
    try:
        for chunk in response.iter_content(64 * 1024):
            body += chunk
            if len(body) > MAX_IMAGE_BYTES:
                raise ImageRefused("it is larger than 20 MB")
            if time.monotonic() > deadline:
                raise ImageUnavailable("the download took too long")
    except requests.RequestException:
        raise ImageUnavailable("the download broke off") from None
    return bytes(body)


def verify(body: bytes) -> str:
    """The file's extension when `body` is a whole image within the pixel limit."""
    try:
        with warnings.catch_warnings():
            # Pillow warns of big images as it opens them; the size is checked just below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(body))
        with probe:
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageRefused(
                    f"it is {width} × {height} pixels, beyond {MAX_IMAGE_PIXELS // 1_000_000} megapixels"
                )
            kind = probe.format
            probe.verify()
        with Image.open(io.BytesIO(body)) as image:
            image.load()  # a truncated file fails here, not in a storefront
    except Image.DecompressionBombError:
        raise ImageRefused("it is a decompression bomb") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRefused("it is not a readable image") from None
    if kind not in IMAGE_EXTENSIONS:
        raise ImageRefused(f"{kind} images are not kept; use JPEG, PNG, GIF or WebP")
    return IMAGE_EXTENSIONS[kind]


# --- the copies --------------------------------------------------------------------------------


def image_copies_create(batch: ImportBatch, images) -> None:
    """A pending copy for each new image with a source URL (in the apply's transaction)."""
    ImageCopy.objects.bulk_create(
        [ImageCopy(batch=batch, image=image) for image in images if image.source_url]
    )


def image_copies_queue(batch_id: int) -> int:
    """Queue the batch's pending copies on the bulk queue; how many."""
    from imports.tasks import image_copy_task

    ids = list(
        ImageCopy.objects.filter(batch_id=batch_id, status=CopyStatus.PENDING).values_list(
            "pk", flat=True
        )
    )
    for copy_id in ids:
        image_copy_task.delay(copy_id)
    return len(ids)


def image_copy_run(copy_id: int, *, final_attempt: bool) -> str:
    """Fetch, check and store one image; "done", "failed" or "skipped" (not pending any
    more). Raises `ImageUnavailable` when another attempt may succeed."""
    copy = ImageCopy.objects.select_related("image", "batch").filter(pk=copy_id).first()
    if copy is None or copy.status != CopyStatus.PENDING:
        return "skipped"
    copy.attempts += 1
    try:
        body = fetch(copy.image.source_url)
        extension = verify(body)
    except ImageRefused as error:
        return _failed(copy, str(error))
    except ImageUnavailable as error:
        if final_attempt:
            return _failed(copy, f"{error} (tried {copy.attempts} times)")
        copy.error = str(error)[:500]
        copy.save(update_fields=["attempts", "error", "updated_at"])
        raise
    with transaction.atomic():
        product_image_store(
            image=copy.image,
            content=body,
            extension=extension,
            actor=Actor.system("image import"),
            reason=copy.batch.reason,
        )
        copy.status, copy.error = CopyStatus.DONE, ""
        copy.save(update_fields=["status", "attempts", "error", "updated_at"])
    return "done"


def _failed(copy: ImageCopy, error: str) -> str:
    copy.status, copy.error = CopyStatus.FAILED, error[:500]
    copy.save(update_fields=["status", "attempts", "error", "updated_at"])
    return "failed"


def image_copies_retry(*, batch: ImportBatch, actor: Actor) -> int:
    """The batch's failed copies tried again, from the first attempt; how many."""
    from backoffice.exceptions import DomainError

    if actor.user is not None and not actor.user.has_perm("imports.apply_importbatch"):
        raise DomainError("Your role cannot retry image copies.")
    with transaction.atomic():
        count = ImageCopy.objects.filter(batch=batch, status=CopyStatus.FAILED).update(
            status=CopyStatus.PENDING, attempts=0, error=""
        )
        transaction.on_commit(lambda: image_copies_queue(batch.pk))
    return count
