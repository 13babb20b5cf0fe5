"""Renditions of product images: a square thumbnail for the admin's lists, a medium and a
large size for storefronts (`IMAGE_RENDITIONS` in the settings).

easy-thumbnails does the image work: EXIF orientation, colour space, scaling (never up),
cropping and WebP encoding. This module decides what is made and when, and records the result
on the image, so a list page reads rendition names from its own rows instead of asking the
storage (or easy-thumbnails' cache tables) once per picture.

A rendition's name is its source's name plus its options
(`products/7/<content hash>.jpg.160x160_q85_crop.webp`), and a source's name is taken from
its content, so a new picture gets new rendition names and no cache serves a stale one.
Renditions are made by a worker on the bulk queue after the image's file is stored; until
then, and when making them fails, the image's own file is shown.
"""

import hashlib
import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from easy_thumbnails.exceptions import EasyThumbnailsError
from easy_thumbnails.files import Thumbnailer
from easy_thumbnails.source_generators import pil_image
from PIL import Image, UnidentifiedImageError

# The picture formats kept (every browser shows them), by Pillow's name, with their extension.
IMAGE_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
MAX_IMAGE_BYTES = 20 * 2**20  # Shopify's limit for one image
MAX_IMAGE_PIXELS = 25_000_000  # Shopify's limit: 25 megapixels
# Only Pillow's own reader: easy-thumbnails' SVG reader would open files we never accept.
SOURCE_GENERATORS = [pil_image]


TOO_BIG = f"more than {MAX_IMAGE_PIXELS // 1_000_000} megapixels are never decoded"
DAMAGED = "the picture could not be decoded (it may be damaged)"


class RenditionFailed(Exception):
    """The stored file cannot be made into renditions (it is not a readable image)."""


def content_name(content: bytes, extension: str) -> str:
    """A stored picture's file name, taken from its content: a new picture gets a new name
    (and so new rendition names), so no cache or replica ever serves a stale one."""
    return f"{hashlib.sha256(content).hexdigest()[:32]}.{extension}"


def check_upload(*, size: int, width: int, height: int, kind: str) -> None:
    """Refuse a picture beyond Shopify's limits or in a format browsers do not all show,
    with the reason a person can act on."""
    if kind not in IMAGE_EXTENSIONS:
        raise ValidationError(
            f"{kind} pictures are not kept: upload a JPEG, PNG, GIF or WebP picture."
        )
    if size > MAX_IMAGE_BYTES:
        raise ValidationError(
            f"The picture is {size / 2**20:.1f} MB; at most {MAX_IMAGE_BYTES // 2**20} MB "
            "is kept. Save it smaller and upload it again."
        )
    if width * height > MAX_IMAGE_PIXELS:
        raise ValidationError(
            f"The picture is {width} × {height} pixels ({width * height / 1e6:.1f} "
            f"megapixels); at most {MAX_IMAGE_PIXELS // 1_000_000} megapixels are kept. "
            "Resize it and upload it again."
        )


def renditions_make(file: FieldFile) -> dict:
    """Make every rendition of a stored image file (or find it already made: names are
    content-derived) and describe them: {"source", "width", "height", "sizes": {name:
    {"name", "width", "height"}}}."""
    if not file.name:
        raise RenditionFailed("there is no file")
    try:
        with file.storage.open(file.name, "rb") as stream:
            content = stream.read(MAX_IMAGE_BYTES + 1)
    except OSError:
        raise RenditionFailed("the file could not be read from the storage") from None
    if len(content) > MAX_IMAGE_BYTES:
        raise RenditionFailed(f"it is more than {MAX_IMAGE_BYTES // 2**20} MB")
    width, height = _source_size(content)
    # Read once: each rendition decodes from memory, not from another fetch of the storage.
    thumbnailer = Thumbnailer(
        file=ContentFile(content),
        name=file.name,
        source_storage=file.storage,
        thumbnail_storage=file.storage,
    )
    thumbnailer.source_generators = SOURCE_GENERATORS
    sizes = {}
    for name, options in settings.IMAGE_RENDITIONS.items():
        sizes[name] = _rendition(thumbnailer, options)
    return {"source": file.name, "width": width, "height": height, "sizes": sizes}


def _source_size(content: bytes) -> tuple[int, int]:
    """The source's pixel size, read from its header, refused beyond the pixel limit before
    anything decodes it (a file stored by hand could be a decompression bomb)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused below
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        raise RenditionFailed(TOO_BIG) from None
    except UnidentifiedImageError:
        raise RenditionFailed("the file is not a picture (JPEG, PNG, GIF or WebP)") from None
    except (OSError, SyntaxError, ValueError):
        raise RenditionFailed(DAMAGED) from None
    if width * height > MAX_IMAGE_PIXELS:
        raise RenditionFailed(f"it is {width} × {height} pixels: {TOO_BIG}")
    return width, height


def _rendition(thumbnailer: Thumbnailer, options: dict) -> dict:
    storage = thumbnailer.thumbnail_storage
    try:
        made = thumbnailer.generate_thumbnail(options)
    except (EasyThumbnailsError, OSError, UnidentifiedImageError, ValueError):
        raise RenditionFailed(DAMAGED) from None
    if not storage.exists(made.name):
        # A new name each time its source changes: an existing file is this very rendition.
        storage.save(made.name, ContentFile(made.read()))
    return {"name": made.name, "width": made.image.width, "height": made.image.height}
