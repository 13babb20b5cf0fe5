"""Storefront API keys, and the orders they submit.

A key is issued with a secret shown once, checked by hash, revoked for good. It reads
`bo_<prefix>_<secret>`. The prefix (public, unique) finds the key's row; the secret, 256
random bits, is stored only as its SHA-256 (a slow password hash adds nothing to a secret
that cannot be guessed) and compared in constant time.

An order submission carries an idempotency key: the same key again returns the order it made,
and the same key with another body is refused. Submissions of one API key are serialised on
its row, so two deliveries of one submission at the same moment still make one order.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.history import save_with_reason
from integrations.models import ApiClient, ApiOrderRequest, Scope
from sales.services.intake import StorefrontOrder, storefront_order_place

KEY_START = "bo_"
LAST_USED_PRECISION = timedelta(minutes=1)  # at most one write a minute per key


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    client: ApiClient
    key: str  # the whole key: shown once, never stored


@transaction.atomic
def api_client_create(*, name: str, channel, scopes: list[str], actor: Actor) -> IssuedKey:
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown:
        raise DomainError(f"Unknown scope(s): {', '.join(unknown)}.")
    if not scopes:
        raise DomainError("A key needs at least one scope.")
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    client = ApiClient(
        name=name.strip(),
        channel=channel,
        scopes=sorted(set(scopes)),
        prefix=prefix,
        secret_hash=_hash(secret),
        created_by=actor.user,
    )
    client.full_clean(exclude=["prefix", "secret_hash"])
    save_with_reason(client, actor, "Key issued")
    return IssuedKey(client=client, key=f"{KEY_START}{prefix}_{secret}")


@transaction.atomic
def api_client_revoke(*, client: ApiClient, actor: Actor) -> ApiClient:
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is not None:
        raise DomainError(f"The key {client.prefix}… is already revoked.")
    client.revoked_at = timezone.now()
    save_with_reason(client, actor, "Key revoked")
    return client


@transaction.atomic
def api_client_update(*, client: ApiClient, actor: Actor) -> ApiClient:
    """Save a key's name and scopes (its secret never changes: issue a new key instead)."""
    unknown = sorted(set(client.scopes) - set(Scope.values))
    if unknown:
        raise DomainError(f"Unknown scope(s): {', '.join(unknown)}.")
    save_with_reason(client, actor, "Edited")
    return client


def api_client_authenticate(key: str) -> ApiClient | None:
    """The active key this is, or None (unknown, malformed, wrong secret or revoked)."""
    if not key.startswith(KEY_START) or key.count("_") < 2:
        return None
    prefix, _, secret = key.removeprefix(KEY_START).partition("_")
    client = ApiClient.objects.select_related("channel").filter(prefix=prefix).first()
    if client is None or not hmac.compare_digest(client.secret_hash, _hash(secret)):
        return None
    if client.revoked_at is not None:
        return None
    _touch(client)
    return client


def _touch(client: ApiClient) -> None:
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_PRECISION:
        # A usage stamp, not an audited change: no history row for it.
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now


class IdempotencyKeyReused(DomainError):
    """The idempotency key was used with another order: nothing was written."""


@dataclass(frozen=True)
class Submitted:
    order_id: int
    created: bool  # False: the same submission again, answered with the order it made


@transaction.atomic
def api_order_submit(
    *, client: ApiClient, request: StorefrontOrder, idempotency_key: str, fingerprint: str
) -> Submitted:
    """Place the order a key submits, once per idempotency key (`fingerprint` tells the same
    body from another); refused whole as `storefront_order_place` refuses it."""
    ApiClient.objects.select_for_update().get(pk=client.pk)
    earlier = ApiOrderRequest.objects.filter(api_client=client, key=idempotency_key).first()
    if earlier is not None:
        if earlier.fingerprint != fingerprint:
            raise IdempotencyKeyReused("This Idempotency-Key was used with another order.")
        return Submitted(earlier.order_id, created=False)
    actor = Actor.api_client(f"{client.name} ({client.prefix})")
    order = storefront_order_place(channel=client.channel, request=request, actor=actor)
    ApiOrderRequest.objects.create(
        api_client=client, key=idempotency_key, fingerprint=fingerprint, order=order
    )
    return Submitted(order.pk, created=True)
