"""Product pictures as storefronts reach them: absolute addresses that need no credentials and
never expire (unlike the storage's own links, which on S3 are presigned for minutes).

A picture's file and its renditions are named by their content, so an address never shows
another picture: a new picture is a new address, and caches and replicas may keep them for
good. The addresses start with `MEDIA_PUBLIC_URL` when the files are served from a CDN or a
public bucket, and otherwise with the back office's own public base URL, whose `/media/`
view serves product pictures (from the local folder or from S3) to anyone.
"""

from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse

from backoffice.selectors import absolute_url
from inventory.models import ProductImage, current_renditions

RENDITION_NAMES = tuple(settings.IMAGE_RENDITIONS)


@dataclass(frozen=True)
class PublicPicture:
    url: str
    width: int | None  # None until its renditions are made (they measure it)
    height: int | None


@dataclass(frozen=True)
class PublicImage(PublicPicture):
    renditions: dict[str, PublicPicture | None]  # by name; None: not made from this file yet


def public_media_base() -> str:
    """Where public stored files are reached, ending with "/"."""
    if settings.MEDIA_PUBLIC_URL:
        return settings.MEDIA_PUBLIC_URL.rstrip("/") + "/"
    return absolute_url(reverse("media-file", args=["-"]))[:-1]


def public_image(image: ProductImage, base: str) -> PublicImage:
    """The picture as storefronts reach it, with its renditions. A picture not copied home
    yet is its source address, unmeasured and without renditions."""
    if not image.image:
        return PublicImage(image.source_url, None, None, dict.fromkeys(RENDITION_NAMES))
    name = image.image.name
    made = current_renditions(name, image.renditions)
    measured = image.renditions if made else {}
    renditions = {
        size: _picture(base, made[size]) if size in made else None for size in RENDITION_NAMES
    }
    url = base + quote(name)
    return PublicImage(url, measured.get("width"), measured.get("height"), renditions)


def _picture(base: str, made: dict) -> PublicPicture:
    return PublicPicture(base + quote(made["name"]), made["width"], made["height"])
