"""The Owner's webhook endpoints: created with a fresh secret, changed, enabled again."""

import base64
import secrets

from django.db import transaction

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.history import save_with_reason
from integrations.models import WebhookEndpoint, WebhookEvent
from integrations.webhooks.targets import TargetRefused, target_check

SECRET_PREFIX = "whsec_"  # noqa: S105 (the scheme's marker, not a secret)


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _checked(endpoint: WebhookEndpoint) -> None:
    unknown = sorted(set(endpoint.events) - set(WebhookEvent.values))
    if unknown:
        raise DomainError(f"Unknown event type(s): {', '.join(unknown)}.")
    if not endpoint.events:
        raise DomainError("Choose at least one event to send.")
    try:
        target_check(endpoint.url)
    except TargetRefused as refused:
        raise DomainError(str(refused)) from refused
    endpoint.full_clean(exclude=["secret"])


@transaction.atomic
def webhook_endpoint_create(
    *, channel, url: str, events: list[str], actor: Actor, description: str = ""
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        channel=channel,
        url=url.strip(),
        events=sorted(set(events)),
        description=description.strip(),
        secret=new_secret(),
        created_by=actor.user,
    )
    _checked(endpoint)
    save_with_reason(endpoint, actor, "Endpoint created")
    return endpoint


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookEndpoint:
    """Save what the Owner changed (address, events, description, active). Enabling it
    again starts its failure count afresh."""
    endpoint.events = sorted(set(endpoint.events))
    _checked(endpoint)
    if endpoint.active:
        endpoint.failures_in_a_row, endpoint.disabled_reason = 0, ""
    save_with_reason(endpoint, actor, "Endpoint changed")
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor: Actor) -> str:
    endpoint.secret = new_secret()
    save_with_reason(endpoint, actor, "Secret replaced")
    return endpoint.secret
