import io
import os
import shutil
import socket

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import sync_playwright
from pypdf import PdfReader

from backoffice import roles
from backoffice.actors import Actor
from backoffice.celery import app as celery_app
from backoffice.management.commands.seed_demo import DEMO_PASSWORD
from backoffice.selectors import forget_store_settings
from backoffice.services import store_settings_update
from inventory.models import TaxClass
from tests.factories import UserFactory
from tests.queue import own_redis  # noqa: F401 (fixtures for every test)
from tests.s3 import moto_endpoint, s3_storage  # noqa: F401 (fixtures for every test)

# A seller that can issue invoices (legal name, address, VAT number).
TEST_SELLER = {
    "legal_name": "Test Shop SAS",
    "address_line1": "1 rue du Test",
    "postal_code": "75001",
    "city": "Paris",
    "country": "FR",
    "vat_number": "FR11123456782",
}
EXEMPT_CLASS = "Exempt / zero-rated"  # made by the migrations


def pytest_configure(config):
    # The test client speaks plain HTTP to the application: production mode's redirect to
    # HTTPS (held by `check --deploy` in CI) would answer every request with a 301.
    settings.SECURE_SSL_REDIRECT = False
    # Tests run without `collectstatic`, so there is no manifest to look hashed names up in.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _store_settings_read_afresh():
    """Each test starts from the store settings in its own database, not a copy another
    test left in the cache."""
    forget_store_settings()
    yield
    forget_store_settings()


def set_store(**fields):
    """Change the store settings through their service, as the Owner's page does."""
    return store_settings_update(actor=Actor.system("test"), **fields)


def pdf_text(data: bytes) -> str:
    """The text a reader extracts from a PDF, pages joined, whitespace runs made one space."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def store(db):
    """A store that invoices (the seller named) and taxes products without a class of their
    own at the exempt class, so tests that do not care about tax see none."""
    return set_store(**TEST_SELLER, default_tax_class=TaxClass.objects.get(name=EXEMPT_CLASS))


# --- people with a role, as the migrations make the roles ---------------------------------------


@pytest.fixture
def owner(db):
    return UserFactory(username="owner", roles=[roles.OWNER])


@pytest.fixture
def merchant(db):
    return UserFactory(username="merchant", roles=[roles.MERCHANT])


@pytest.fixture
def accountant(db):
    return UserFactory(username="accountant", roles=[roles.ACCOUNTANT])


@pytest.fixture
def demo_users(db):
    """The demo logins, created the way `make run` creates them (without the demo data, which
    tests/inventory and tests/sales check on their own)."""
    call_command("seed_demo", "--no-catalog", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from django.contrib.auth.models import User

    return {user.username: user for user in User.objects.all()}


@pytest.fixture
def committed_db(django_db_serialized_rollback, transactional_db):
    """Real transactions, starting from what the migrations wrote (the role groups and their
    permissions): a transactional test ends with a flush that would remove them for the next."""


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
def media_root(settings, tmp_path):
    """Stored files go to a folder of the test's own, never the project's media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def eager_tasks():
    """Tasks run in the process, as in the embedded mode, whatever REDIS_URL says."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


def _close_worker_connections(**kwargs):
    # What Celery's Django fixup does in a worker process; the embedded test worker does not,
    # and a connection left open would keep the test database from being dropped.
    connections.close_all()


@pytest.fixture
def celery_worker(redis_url):
    """A real worker thread consuming both queues from Redis."""
    assert celery_app.conf.task_always_eager is False
    task_postrun.connect(_close_worker_connections)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        task_postrun.disconnect(_close_worker_connections)


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


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def page(chromium_path, monkeypatch):
    # Playwright's sync API keeps an event loop running in the test's thread; the ORM calls
    # the fixtures make there are still plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()
            # While Playwright's loop runs, the ORM works on a connection of that context:
            # close it here, or the test database could not be dropped at the end.
            connections.close_all()
