"""The API's reference pages, from this site's own static files (no CDN: they work offline and
under the Content-Security-Policy): Swagger UI at /api/v1/docs (Ninja's own page) and ReDoc
at /api/v1/redoc, whose page Ninja would start with an inline script."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from ninja.openapi.docs import Redoc

from integrations.api import api


class LocalRedoc(Redoc):
    template = "backoffice/redoc.html"


@require_GET
def redoc(request: HttpRequest) -> HttpResponse:
    return LocalRedoc().render_page(request, api)


def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """An address under /api/ that no operation has: JSON, as API clients parse it, not the
    site's HTML page."""
    return JsonResponse(
        {"detail": f"No API operation at {request.path}: the list is at /api/v1/docs."},
        status=404,
    )
