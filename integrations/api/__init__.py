"""The storefront API at /api/v1/: catalog, stock, orders and the sync feed, for the keys of
a sales channel. The OpenAPI schema is at /api/v1/openapi.json; the reference, served from
this site alone (it works offline), at /api/v1/docs (Swagger UI) and /api/v1/redoc (ReDoc)."""

import logging
from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from backoffice.selectors import store_settings
from integrations.api import catalog, changes, limits, openapi, orders
from integrations.api.auth import ApiKeyAuth
from integrations.api.http import OrjsonRenderer

logger = logging.getLogger(__name__)


class StorefrontAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """The schema, with the server a generated client calls: the store's public address
        (the paths start with /api/v1)."""
        schema = super().get_openapi_schema(*args, **kwargs)
        schema["servers"] = [{"url": _public_base_url(), "description": "This store"}]
        return openapi.complete(schema)


def _public_base_url() -> str:
    try:
        return store_settings().public_base_url
    except Exception:  # no database to ask: the schema is still served, with the configured one
        logger.warning("The store's public base URL could not be read; the schema names %s.",
                       settings.BACKOFFICE_BASE_URL)  # fmt: skip
        return settings.BACKOFFICE_BASE_URL.rstrip("/")


api = StorefrontAPI(
    title="Backoffice storefront API",
    version="1",
    description=__doc__,
    urls_namespace="api-v1",
    auth=ApiKeyAuth(),
    throttle=[limits.PerKeyThrottle()],
    renderer=OrjsonRenderer(),
)


# Ninja's signature allows the exception class itself; it always passes the instance.
def _too_many_failures(
    request: HttpRequest, error: limits.TooManyFailures | type[limits.TooManyFailures]
) -> HttpResponse:
    return limits.too_many_failures_response(api, request, cast(limits.TooManyFailures, error))


api.add_exception_handler(limits.TooManyFailures, _too_many_failures)


def _unauthorized(
    request: HttpRequest, error: AuthenticationError | type[AuthenticationError]
) -> HttpResponse:
    """401 names the scheme to use (RFC 9110), as clients and proxies expect."""
    response = api.create_response(request, {"detail": "Unauthorized"}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="storefront API"'
    return response


api.add_exception_handler(AuthenticationError, _unauthorized)
api.add_router("/", catalog.router)
api.add_router("/", catalog.stock_router)
api.add_router("/", orders.router)
api.add_router("/", changes.router)
