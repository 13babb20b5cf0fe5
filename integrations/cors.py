"""Which web pages may call the storefront API from a browser: each channel lists its
origins. A preflight (no key yet) is allowed for an origin some active channel lists; a
request with a key, only for the origins of that key's channel. django-cors-headers asks
through its `check_request_enabled` signal and writes the headers."""

from integrations.services import api_client_authenticate
from sales.models import Channel


def _origin(request) -> str:
    return request.headers.get("Origin", "").rstrip("/")


def origin_allowed(sender, request, **kwargs) -> bool:
    origin = _origin(request)
    if not origin:
        return False
    authorization = request.headers.get("Authorization", "")
    if request.method == "OPTIONS" or not authorization.startswith("Bearer "):
        return any(
            origin in channel.allowed_origins for channel in Channel.objects.filter(active=True)
        )
    client = api_client_authenticate(authorization.removeprefix("Bearer ").strip())
    return client is not None and origin in client.channel.allowed_origins


def connect() -> None:
    from corsheaders.signals import check_request_enabled

    check_request_enabled.connect(origin_allowed, dispatch_uid="channel-cors-origins")
