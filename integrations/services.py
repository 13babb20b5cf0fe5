"""Storefront API keys: issued with a secret shown once, checked by hash, revoked for good.

A key reads `bo_<prefix>_<secret>`. The prefix (public, unique) finds the key's row; the
secret, 256 random bits, is stored only as its SHA-256 (a slow password hash adds nothing
to a secret that cannot be guessed) and compared in constant time.
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
from integrations.models import ApiClient, Scope

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
