"""The product's URLs plus what the API benchmark compares the storefront API with (benchmarks
only): the untuned baseline at /plain-api/v1/ and the ceiling at /ceiling/v1/products."""

import functools
import hashlib
import os
from pathlib import Path

from django.http import HttpResponse, HttpResponseNotModified
from django.urls import path

from backoffice.urls import urlpatterns as product_urlpatterns
from bench.plain_api import api as plain_api

CEILING_BODY_ENV = "BENCH_CEILING_BODY"


@functools.cache
def ceiling_body() -> tuple[bytes, str]:
    """The bytes the ceiling answers with (a file the benchmark wrote) and their ETag."""
    body = Path(os.environ[CEILING_BODY_ENV]).read_bytes()
    return body, f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def ceiling_products(request) -> HttpResponse:
    """The most a Django view can do for this page: the same bytes, from memory, or a 304
    when the client names them."""
    body, etag = ceiling_body()
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    return response


urlpatterns = [
    *product_urlpatterns,
    path("plain-api/v1/", plain_api.urls),
    path("ceiling/v1/products", ceiling_products),
]
