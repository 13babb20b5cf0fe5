"""Who is calling: a storefront key sent as `Authorization: Bearer <key>`, its scopes, and
its rate limit."""

from django.conf import settings
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle

from integrations.models import ApiClient
from integrations.services import api_client_authenticate


class ApiKeyAuth(HttpBearer):
    """A missing, unknown or revoked key is a 401 (Ninja answers it)."""

    openapi_description = "A storefront API key: `Authorization: Bearer bo_…`."

    def authenticate(self, request, token: str) -> ApiClient | None:
        return api_client_authenticate(token)


def require_scope(request, scope: str) -> ApiClient:
    client: ApiClient = request.auth
    if not client.has_scope(scope):
        raise HttpError(403, f"This key lacks the {scope} scope.")
    return client


class PerKeyThrottle(AuthRateThrottle):
    """`API_RATE_LIMIT` requests per key (e.g. 600/m); beyond it, 429 with Retry-After."""

    scope = "api-key"

    def __init__(self):
        super().__init__(settings.API_RATE_LIMIT)

    def get_cache_key(self, request) -> str:
        client = getattr(request, "auth", None)
        ident = client.prefix if isinstance(client, ApiClient) else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
