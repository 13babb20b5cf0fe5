"""The store settings, read the same way by every page, task, report and API answer.

One cached copy serves every process: the shared cache (Redis in production) holds the row,
and each thread keeps what it read for the rest of its request or task. A save deletes the
shared copy (`forget_store_settings`, after commit), and every request and task starts by
dropping its thread's copy, so the next request or task anywhere reads the new settings.
"""

import logging
import threading

from django.conf import settings
from django.core.cache import cache

from backoffice.models import STORE_SETTINGS_ID, StoreSettings

CACHE_KEY = "store-settings:1"
# A save drops the shared copy at once; the expiry only bounds how long a copy the cache missed
# dropping (it was down at that moment) can outlive the save.
SHARED_COPY_SECONDS = 600
logger = logging.getLogger(__name__)
_thread = threading.local()


def store_settings() -> StoreSettings:
    """The store settings: the saved row, or (on a database that has none yet) what the first
    start takes from the environment."""
    found = getattr(_thread, "store", None)
    if found is None:
        found = _shared_copy()
        if found is None:
            found = StoreSettings.objects.filter(pk=STORE_SETTINGS_ID).first()
            found = found or store_settings_from_environment()
            _share(found)
        _thread.store = found
    return found


# The shared cache is a speed-up: with Redis unreachable, the settings come from the database.
def _shared_copy() -> StoreSettings | None:
    try:
        return cache.get(CACHE_KEY)
    except Exception:
        return None


def _share(store: StoreSettings) -> None:
    try:
        cache.set(CACHE_KEY, store, timeout=SHARED_COPY_SECONDS)
    except Exception:
        logger.warning("The store settings could not be shared: the cache is down.")


def store_settings_from_environment() -> StoreSettings:
    """The settings a first start fills in from the variables that configured them before the
    store had a settings page (STORE_CURRENCY, PRICES_INCLUDE_TAX, BACKOFFICE_BASE_URL)."""
    return StoreSettings(
        pk=STORE_SETTINGS_ID,
        currency=settings.STORE_CURRENCY.upper(),
        prices_include_tax=settings.PRICES_INCLUDE_TAX,
        public_base_url=settings.BACKOFFICE_BASE_URL.rstrip("/"),
        email=settings.DEFAULT_FROM_EMAIL
        if "@localhost" not in settings.DEFAULT_FROM_EMAIL
        else "",
    )


def remember_thread_store_settings(store: StoreSettings) -> None:
    _thread.store = store


def forget_thread_store_settings(**kwargs) -> None:
    """Drop this thread's copy: connected to the start of every request and task."""
    _thread.store = None


def forget_store_settings() -> None:
    """Drop every copy, so that every process reads the row again."""
    forget_thread_store_settings()
    try:
        cache.delete(CACHE_KEY)
    except Exception:
        logger.warning("The shared store settings could not be dropped: the cache is down.")


def absolute_url(path: str) -> str:
    """A link to `path` on the back office as people and storefronts reach it."""
    return store_settings().public_base_url.rstrip("/") + "/" + path.lstrip("/")
