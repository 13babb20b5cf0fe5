"""Each role signs in through the real login form and sees, and may open, only its own areas."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group, User

from backoffice import roles

LOGIN = "/admin/login/?next=/admin/"


def log_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


@pytest.mark.parametrize("username", ["admin", "merchant", "accountant"])
def test_each_demo_role_logs_in_to_the_dashboard(client, demo_users, demo_password, username):
    response = log_in(client, username, demo_password)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert signed_in_user_id(client) == str(demo_users[username].pk)

    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert 'id="dashboard"' in dashboard.content.decode()
    assert f"Welcome, {demo_users[username].first_name}" in dashboard.content.decode()


def test_login_without_a_next_page_lands_on_the_dashboard(client, demo_users, demo_password):
    response = client.post("/admin/login/", {"username": "merchant", "password": demo_password})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_roles_are_created_by_migration(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL)


def test_login_page_is_themed(client, db):
    page = client.get("/admin/login/").content.decode()
    assert "Backoffice" in page
    assert "unfold" in page  # Unfold's stylesheet and scripts


def test_environment_badge_names_the_mode(client, demo_users):
    client.force_login(demo_users["merchant"])
    page = client.get("/admin/").content.decode()
    assert settings.ENVIRONMENT_NAME in page


@pytest.mark.parametrize("username", ["merchant", "accountant"])
def test_other_roles_see_only_the_store_settings_in_administration(client, demo_users, username):
    client.force_login(demo_users[username])
    page = client.get("/admin/").content.decode()
    assert 'href="/admin/backoffice/storesettings/"' in page  # to read, not to change
    assert "/admin/auth/user/" not in page
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403
    assert client.get("/admin/axes/accessattempt/").status_code == 403


def test_owner_role_sees_and_manages_people(client, db):
    owner = User.objects.create_user("olivia", password="x", is_staff=True)
    owner.groups.add(Group.objects.get(name=roles.OWNER))
    client.force_login(owner)

    page = client.get("/admin/").content.decode()
    assert "Administration" in page
    for changelist in ("/admin/auth/user/", "/admin/auth/group/", "/admin/axes/accessattempt/"):
        assert f'href="{changelist}"' in page
        assert client.get(changelist).status_code == 200
    assert client.get("/admin/auth/user/add/").status_code == 200


def test_users_pages_use_the_unfold_forms(client, demo_users):
    client.force_login(demo_users["admin"])
    page = client.get(f"/admin/auth/user/{demo_users['merchant'].pk}/change/").content.decode()
    assert "Morgan" in page
    assert "unfold" in page


def test_wrong_password_is_refused(client, demo_users):
    response = log_in(client, "merchant", "wrong")
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_repeated_failures_lock_the_login_even_with_the_right_password(
    client, demo_users, demo_password
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "merchant", "wrong")

    response = log_in(client, "merchant", demo_password)
    assert response.status_code == 429
    page = response.content.decode()
    assert 'id="lockout"' in page
    assert f"locked after {settings.AXES_FAILURE_LIMIT} failed sign-in attempts" in page
    assert signed_in_user_id(client) is None

    # Other people are not locked out with them.
    assert log_in(client, "accountant", demo_password).status_code == 302


def test_owner_unlocks_a_locked_login_by_deleting_its_attempt(client, demo_users, demo_password):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "merchant", "wrong")
    assert log_in(client, "merchant", demo_password).status_code == 429

    attempt = AccessAttempt.objects.get(username="merchant")
    owner_client = client.__class__()
    owner_client.force_login(demo_users["admin"])
    response = owner_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="merchant").exists()

    assert log_in(client, "merchant", demo_password).status_code == 302


def test_behind_a_proxy_failures_lock_only_the_client_that_made_them(
    client, demo_users, demo_password, settings
):
    """The lockout counts the address the trusted proxy saw: an attacker cannot lock the
    Owner out for everybody behind the TLS proxy, nor dodge the lock by writing a new
    X-Forwarded-For each time."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"

    def attempt(browser, forwarded, password):
        return browser.post(
            LOGIN,
            {"username": "admin", "password": password},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"192.0.2.{n}, 203.0.113.66", "wrong")
    assert attempt(client, "192.0.2.99, 203.0.113.66", demo_password).status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.66"

    owner = client.__class__()
    assert attempt(owner, "198.51.100.20", demo_password).status_code == 302


def test_without_a_proxy_a_forwarded_address_cannot_dodge_the_lock(
    client, demo_users, demo_password, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "merchant", "password": "wrong"},
            REMOTE_ADDR="203.0.113.66",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    locked = client.post(
        LOGIN,
        {"username": "merchant", "password": demo_password},
        REMOTE_ADDR="203.0.113.66",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert locked.status_code == 429
