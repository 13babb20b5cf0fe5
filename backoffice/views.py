import posixpath
from datetime import timedelta

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import admin
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from backoffice.health import run_checks

# Stored files a URL may name, by their folder. Product pictures and their renditions are
# public, as storefronts show them; the store's logo is seen by those who may see the store's
# settings. Every other file (reports, exports, imports, documents) is served only by a
# download view of its own, which checks the permission for what the file is.
PUBLIC_FOLDERS = ("products/",)
STAFF_FOLDERS = {"store/": "backoffice.view_storesettings"}
# Product pictures and renditions are named by their content: a name never shows another
# picture, so browsers, CDNs and storefront replicas may keep them for good.
PUBLIC_CACHE = "public, max-age=31536000, immutable"


@require_GET
def media_file(request: HttpRequest, path: str) -> FileResponse:
    """A stored file by its name, from the local folder or S3: the product pictures
    storefronts show, to anyone, at an address that never expires; the few others to staff
    with the right permission. A file the request may not see is "not found", like a file
    that does not exist."""
    name = posixpath.normpath(path).lstrip("/")
    if "\x00" in name or name.startswith("..") or not _may_see(request, name):
        raise Http404("No such file.")
    if not default_storage.exists(name):
        raise Http404("No such file.")
    response = FileResponse(default_storage.open(name), filename=posixpath.basename(name))
    public = name.startswith(PUBLIC_FOLDERS)
    response["Cache-Control"] = PUBLIC_CACHE if public else "private, no-store"
    return response


def _may_see(request: HttpRequest, name: str) -> bool:
    if name.startswith(PUBLIC_FOLDERS):
        return True
    user = request.user
    for folder, permission in STAFF_FOLDERS.items():
        if name.startswith(folder):
            return user.is_active and user.is_staff and user.has_perm(permission)
    return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, checks = run_checks()
    failing = [name for name, status in checks.items() if not status.startswith("ok")]
    body: dict[str, object] = {"status": "ok" if healthy else "failing", "checks": checks}
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
