"""Who is calling: a storefront key sent as `Authorization: Bearer <key>`, and its scopes
(its limits: integrations/api/limits.py)."""

from ninja.errors import HttpError
from ninja.security import HttpBearer

from integrations.api.limits import authenticate_counting_failures
from integrations.models import ApiClient
from integrations.services import api_client_authenticate


class ApiKeyAuth(HttpBearer):
    """A missing, unknown or revoked key is a 401 (Ninja answers it)."""

    openapi_description = "A storefront API key: `Authorization: Bearer bo_…`."

    def authenticate(self, request, token: str) -> ApiClient | None:
        return authenticate_counting_failures(request, lambda: api_client_authenticate(token))


def require_scope(request, scope: str) -> ApiClient:
    client: ApiClient = request.auth
    if not client.has_scope(scope):
        raise HttpError(403, f"This key lacks the {scope} scope.")
    return client
