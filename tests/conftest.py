import os
import shutil
import socket

import pytest
from django.conf import settings
from django.core.management import call_command

from backoffice.management.commands.seed_demo import DEMO_PASSWORD


def pytest_configure(config):
    # The test client speaks plain HTTP to the application: production mode's redirect to
    # HTTPS (held by `check --deploy` in CI) would answer every request with a 301.
    settings.SECURE_SSL_REDIRECT = False
    # Tests run without `collectstatic`, so there is no manifest to look hashed names up in.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def demo_users(db):
    """The demo logins, created the way `make run` creates them."""
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from django.contrib.auth.models import User

    return {user.username: user for user in User.objects.all()}


@pytest.fixture
def demo_password():
    return DEMO_PASSWORD


@pytest.fixture
def redis_url():
    """The real Redis of the production-like run; the test is skipped in the embedded one."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs REDIS_URL (runs in the PostgreSQL + Redis pass)")
    return url


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("REQUIRE_BROWSER_TESTS"):
            pytest.fail("REQUIRE_BROWSER_TESTS is set but Debian's chromium is not installed")
        pytest.skip("Debian's chromium is not installed")
    return path
