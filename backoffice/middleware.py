"""Input no view should ever see."""

import json

from django.http import HttpResponse, JsonResponse

NUL = "\x00"
TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded")
MESSAGE = "The request holds a NUL character, which no address, field or value may hold."


class RefuseNulMiddleware:
    """A NUL character is never data: PostgreSQL cannot store it in text and no field takes
    it. A request carrying one in its address, its query or a text body (JSON, a form) is
    refused with 400 before any view runs; file uploads are binary and checked by their
    readers. A view marked with `reads_nul_itself` gets its body unchecked: a signed webhook
    must be acknowledged and recorded, not bounced for the sender to retry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _address_holds_nul(request):
            return _refusal(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "reads_nul_itself", False):
            return None
        return _refusal(request) if _body_holds_nul(request) else None


def reads_nul_itself(view):
    """Mark a view that answers a NUL in its body itself."""
    view.reads_nul_itself = True
    return view


def _refusal(request):
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": MESSAGE}, status=400)
    return HttpResponse(MESSAGE, status=400, content_type="text/plain; charset=utf-8")


def _address_holds_nul(request) -> bool:
    if NUL in request.path_info or NUL in request.path:
        return True
    return any(
        NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()
    )


def _body_holds_nul(request) -> bool:
    if request.content_type not in TEXT_BODIES or not request.body:
        return False
    if request.content_type == "application/json":
        return _json_holds_nul(request.body)
    return any(
        NUL in key or any(NUL in value for value in values) for key, values in request.POST.lists()
    )


def _json_holds_nul(body: bytes) -> bool:
    if b"\x00" in body:
        return True
    if b"\\u0000" not in body.lower():
        return False  # the only way JSON writes one
    try:
        return _walk_holds_nul(json.loads(body))
    except ValueError:
        return False  # not JSON: the view answers that


def _walk_holds_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_walk_holds_nul(k) or _walk_holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_walk_holds_nul(item) for item in value)
    return False
