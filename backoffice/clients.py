"""Who is on the other end of a request: the client's address, as the login lockout
(django-axes) and the API's per-address limits both count it."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address.

    With `TRUSTED_PROXY_COUNT` proxies in front of the web processes, it is the address the
    outermost trusted proxy saw: the N-th entry from the right of X-Forwarded-For, since each
    proxy appends the address it received the request from. Entries further left were written
    by the client and prove nothing. Without a trusted proxy, X-Forwarded-For is ignored
    (anyone could send one) and the address is the connection's own."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < count:
        return remote  # not through the expected proxies
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote  # a proxy never writes anything else: do not count by it
