import posixpath
from datetime import timedelta

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from backoffice.health import run_checks


@never_cache
@staff_member_required
def protected_media(request: HttpRequest, path: str) -> FileResponse:
    """Local files (embedded mode) are served to signed-in staff only; S3 uses presigned links."""
    name = posixpath.normpath(path).lstrip("/")
    if name.startswith("..") or not default_storage.exists(name):
        raise Http404("No such file.")
    return FileResponse(default_storage.open(name), filename=posixpath.basename(name))


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, checks = run_checks()
    failing = [name for name, status in checks.items() if not status.startswith("ok")]
    body = {"status": "ok" if healthy else "failing", "checks": checks}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=200 if healthy else 503)


def lockout_response(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """The page django-axes shows a locked-out login, in the admin's own look."""
    cool_off = get_cool_off(request) or timedelta(0)
    context = {
        **admin.site.each_context(request),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff": timeuntil(timezone.now() + cool_off),
    }
    return render(request, "backoffice/lockout.html", context, status=429)
