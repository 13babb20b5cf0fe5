"""With Redis unreachable, the cache is a speed-up that misses: the dashboard and the admin's
pages render (from the database), and the health check says what is wrong."""

import socket

import pytest

from backoffice.settings import redis_caches


@pytest.fixture
def cache_gone(settings):
    """The caches are on a Redis nobody answers at, configured as in production."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{port}/1")


def test_the_dashboard_and_lists_render_without_the_cache(client, owner, cache_gone):
    client.force_login(owner)
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert 'id="dashboard"' in dashboard.content.decode()
    assert client.get("/admin/inventory/product/").status_code == 200
    assert client.get("/admin/sales/order/").status_code == 200


def test_the_health_check_names_the_cache(client, cache_gone):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "cache" in response.json()["failing"]
