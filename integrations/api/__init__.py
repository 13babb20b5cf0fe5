"""The storefront API at /api/v1/: catalog, stock, orders and the sync feed, for the keys of
a sales channel. The OpenAPI schema is at /api/v1/openapi.json; the reference, served from
this site alone (it works offline), at /api/v1/docs (Swagger UI) and /api/v1/redoc (ReDoc)."""

from typing import cast

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from integrations.api import catalog, changes, limits, orders
from integrations.api.auth import ApiKeyAuth
from integrations.api.http import OrjsonRenderer

api = NinjaAPI(
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
api.add_router("/", catalog.router)
api.add_router("/", catalog.stock_router)
api.add_router("/", orders.router)
api.add_router("/", changes.router)
