"""Where a webhook may be sent: a public http(s) address. An address that resolves to a
loopback, private, link-local, shared or reserved network would let whoever configures an
endpoint make the back office call services inside its own network (cloud metadata, Redis,
the admin itself), so it is refused — at save and again before every attempt, since what a
name resolves to can change (`backoffice.network`)."""

from urllib.parse import urlsplit

from django.conf import settings

from backoffice.network import Unresolvable, inside_address


class TargetRefused(Exception):
    pass


def target_check(url: str) -> None:
    """Raise TargetRefused, with a message for the Owner, unless `url` may be called."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused("A webhook address starts with https:// (or http://) and a host.")
    if parts.username or parts.password:
        raise TargetRefused("A webhook address may not carry a user name or password.")
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        inside = inside_address(parts.hostname, port)
    except (Unresolvable, ValueError) as error:  # ValueError: a port out of range
        raise TargetRefused(f"{parts.hostname} cannot be found.") from error
    if inside is not None:
        raise TargetRefused(
            f"{parts.hostname} is {inside}, an address inside a private network: webhooks "
            "go to public addresses only."
        )
