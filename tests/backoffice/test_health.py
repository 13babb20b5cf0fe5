import json

import pytest
from django.conf import settings


def get_health(client):
    response = client.get("/healthz")
    return response.status_code, json.loads(response.content)


@pytest.mark.django_db
def test_healthy_services_answer_200_with_each_status(client):
    status, body = get_health(client)
    assert status == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(value.startswith("ok") for value in body["checks"].values())


@pytest.mark.django_db
def test_cache_on_a_closed_port_answers_503_naming_the_cache(client, settings, closed_port):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://:s3cret@127.0.0.1:{closed_port}/1",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["failing"] == ["cache"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"].startswith("failing")
    # No address or credential leaks into a public endpoint.
    assert str(closed_port) not in response.content.decode()
    assert "s3cret" not in response.content.decode()


@pytest.mark.django_db
def test_broker_on_a_closed_port_answers_503_naming_the_broker(client, settings, closed_port):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://:s3cret@127.0.0.1:{closed_port}/0"
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["failing"] == ["broker"]
    assert str(closed_port) not in response.content.decode()
    assert "s3cret" not in response.content.decode()


@pytest.mark.django_db
def test_health_with_the_real_redis_checks_cache_and_broker(client, redis_url):
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    status, body = get_health(client)
    assert status == 200
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


def test_health_is_not_redirected_to_https(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/admin/login/").status_code == 301
