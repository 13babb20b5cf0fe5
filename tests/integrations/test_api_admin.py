"""API keys in the admin: the Owner issues them (the whole key is shown once), edits their
scopes and revokes them; nobody else opens their pages."""

import hashlib

import pytest
from django.contrib.admin.models import LogEntry

from backoffice import roles
from integrations.models import ApiClient
from integrations.services import api_client_revoke
from tests.factories import UserFactory
from tests.integrations import api_helpers
from tests.integrations.api_helpers import (
    SYSTEM,
    get,
    issue_key,
    order_body,
    post_order,
)

# Fixtures shared by the API tests (autouse: fresh_cache).
fresh_cache = api_helpers.fresh_cache

KEYS = "/admin/integrations/apiclient/"


def messages_of(response) -> list[str]:
    """The messages shown on the page a form's redirect led to."""
    return [str(message) for message in response.context["messages"]]


def issue_in_admin(client, owner, shop, scopes=("catalog:read", "orders:read")):
    client.force_login(owner)
    response = client.post(
        f"{KEYS}add/",
        {"name": "Headless shop", "channel": shop.channel.pk, "scopes": scopes},
        follow=True,
    )
    assert response.redirect_chain[0][1] == 302, response.context["adminform"].form.errors
    (shown,) = [m for m in messages_of(response) if "will not be shown again" in m]
    key = shown.rsplit(" ", 1)[-1]
    assert key in response.content.decode()  # on the page the Owner lands on, once
    return key


def test_the_owner_issues_a_key_and_sees_it_once(client, owner, shop):
    key = issue_in_admin(client, owner, shop)
    stored = ApiClient.objects.get()
    assert key == f"bo_{stored.prefix}_{key.split('_', 2)[2]}"
    secret = key.split("_", 2)[2]
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert (stored.name, stored.channel, stored.scopes) == (
        "Headless shop",
        shop.channel,
        ["catalog:read", "orders:read"],
    )
    assert (stored.created_by, stored.revoked_at) == (owner, None)
    logged = LogEntry.objects.get()
    assert (logged.user, logged.object_id, logged.object_repr) == (
        owner,
        str(stored.pk),
        f"Headless shop ({stored.prefix}…)",
    )
    record = stored.history.get()
    assert (record.history_user, record.history_change_reason) == (owner, "Key issued")
    assert secret not in str(list(ApiClient.history.values()))

    page = client.get(f"{KEYS}{stored.pk}/change/")
    assert page.status_code == 200
    assert secret not in page.content.decode()
    assert f"bo_{stored.prefix}_…" in page.content.decode()
    listing = client.get(KEYS).content.decode()
    assert secret not in listing and f"bo_{stored.prefix}_…" in listing

    assert get(client, "/products", key).status_code == 200
    assert get(client, "/stock", key).status_code == 403


def test_the_owner_revokes_a_key_and_it_stops_working(client, owner, shop):
    key = issue_in_admin(client, owner, shop)
    stored = ApiClient.objects.get()
    confirm = client.get(f"{KEYS}{stored.pk}/revoke/")
    assert confirm.status_code == 200
    assert ApiClient.objects.get().revoked_at is None

    response = client.post(f"{KEYS}{stored.pk}/revoke/", follow=True)
    assert response.redirect_chain == [(f"{KEYS}{stored.pk}/change/", 302)]
    assert messages_of(response) == [f"Key {stored.prefix}… revoked: it no longer works."]
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    latest = stored.history.first()
    assert (latest.history_user, latest.history_change_reason) == (owner, "Key revoked")
    assert get(client, "/products", key).status_code == 401

    again = client.post(f"{KEYS}{stored.pk}/revoke/", follow=True)
    assert messages_of(again) == [f"The key {stored.prefix}… is already revoked."]
    assert ApiClient.objects.get().revoked_at == stored.revoked_at


def test_the_owner_narrows_a_keys_scopes(client, owner, shop):
    key = issue_in_admin(client, owner, shop, scopes=("catalog:read", "orders:write"))
    stored = ApiClient.objects.get()
    response = client.post(
        f"{KEYS}{stored.pk}/change/", {"name": "Headless shop", "scopes": ["catalog:read"]}
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert (stored.scopes, stored.channel) == (["catalog:read"], shop.channel)
    assert post_order(client, key, order_body(("MUG", 1))).status_code == 403


def test_a_key_needs_known_scopes_and_nothing_is_issued_otherwise(client, owner, shop):
    client.force_login(owner)
    for scopes in ([], ["catalog:write"]):
        response = client.post(
            f"{KEYS}add/", {"name": "Bad", "channel": shop.channel.pk, "scopes": scopes}
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["scopes"]
    assert ApiClient.objects.count() == 0


def test_a_key_cannot_be_deleted_even_by_the_owner(client, owner, shop):
    issue_key(shop.channel)
    client.force_login(owner)
    stored = ApiClient.objects.get()
    assert client.get(f"{KEYS}{stored.pk}/delete/").status_code == 403
    assert ApiClient.objects.count() == 1


@pytest.mark.parametrize("role", [roles.MERCHANT, roles.ACCOUNTANT])
def test_merchants_and_accountants_cannot_open_the_key_pages(client, shop, role):
    issue_key(shop.channel)
    stored = ApiClient.objects.get()
    client.force_login(UserFactory(username=role.lower(), roles=[role]))
    pages = [KEYS, f"{KEYS}add/", f"{KEYS}{stored.pk}/change/", f"{KEYS}{stored.pk}/revoke/"]
    assert [client.get(page).status_code for page in pages] == [403, 403, 403, 403]
    refused = client.post(f"{KEYS}{stored.pk}/revoke/")
    assert refused.status_code == 403
    created = client.post(
        f"{KEYS}add/", {"name": "Mine", "channel": shop.channel.pk, "scopes": ["catalog:read"]}
    )
    assert created.status_code == 403
    assert list(ApiClient.objects.values_list("pk", "revoked_at")) == [(stored.pk, None)]


def test_a_revoked_key_shows_as_revoked_in_the_list(client, owner, shop):
    issue_key(shop.channel, name="Old shop")
    api_client_revoke(client=ApiClient.objects.get(), actor=SYSTEM)
    client.force_login(owner)
    listing = client.get(KEYS).content.decode()
    assert "Old shop" in listing and "Revoked" in listing
