"""The settings matrix, read from fresh interpreters with exactly the environment given."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
from django.conf import settings
django.setup()
from backoffice.celery import app
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION"),
    "broker": app.conf.broker_url,
    "eager": app.conf.task_always_eager,
    "acks_late": app.conf.task_acks_late,
    "prefetch": app.conf.worker_prefetch_multiplier,
    "time_limit": app.conf.task_time_limit,
    "visibility_timeout": app.conf.broker_transport_options["visibility_timeout"],
    "queues": sorted(q.name for q in app.conf.task_queues),
    "storage": settings.STORAGES["default"]["BACKEND"],
    "debug": settings.DEBUG,
    "production": settings.PRODUCTION_MODE,
    "environment": settings.ENVIRONMENT_NAME,
    "stripe": settings.STRIPE_ENABLED,
}))
"""

PRODUCTION = {
    "DATABASE_URL": "postgres://backoffice@db.internal:5432/backoffice",
    "REDIS_URL": "redis://cache.internal:6379/4",
    "DJANGO_SECRET_KEY": "k" * 20 + "production-like-secret-key-for-the-settings-test-0123456789",
    "DJANGO_ALLOWED_HOSTS": "backoffice.example.com",
}


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean_env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(ROOT)), **env}
    clean_env["DJANGO_SETTINGS_MODULE"] = "backoffice.settings"
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=60
    )


def settings_with(env: dict[str, str]) -> dict:
    result = run_python(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_environment_gives_the_embedded_defaults():
    seen = settings_with({})
    assert seen["engine"] == "django.db.backends.sqlite3"
    assert seen["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert seen["eager"] is True
    assert seen["broker"] == "memory://"
    assert seen["storage"] == "django.core.files.storage.FileSystemStorage"
    assert seen["debug"] is True
    assert seen["production"] is False
    assert seen["environment"] == "Demo"
    assert seen["stripe"] is False


def test_production_environment_uses_postgres_redis_and_real_workers():
    seen = settings_with(PRODUCTION)
    assert seen["engine"] == "django.db.backends.postgresql"
    assert seen["cache"] == "django_redis.cache.RedisCache"
    # Broker and cache share the server but not the database number.
    assert seen["broker"] == "redis://cache.internal:6379/4"
    assert seen["cache_location"] == "redis://cache.internal:6379/5"
    assert seen["eager"] is False
    assert seen["debug"] is False
    assert seen["production"] is True
    assert seen["environment"] == "Production"


def test_celery_acknowledges_late_one_task_at_a_time_within_the_visibility_timeout():
    seen = settings_with(PRODUCTION)
    assert seen["acks_late"] is True
    assert seen["prefetch"] == 1
    assert seen["time_limit"] < seen["visibility_timeout"]
    assert seen["queues"] == ["bulk", "interactive"]


def test_database_url_without_secret_key_refuses_to_start():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    result = run_python(["-c", PROBE], env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_s3_storage_without_a_bucket_refuses_to_start():
    result = run_python(["-c", PROBE], {"STORAGE_BACKEND": "s3"})
    assert result.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in result.stderr


def test_unknown_storage_backend_refuses_to_start():
    result = run_python(["-c", PROBE], {"STORAGE_BACKEND": "ftp"})
    assert result.returncode != 0
    assert "STORAGE_BACKEND must be 'local' or 's3'" in result.stderr


def test_s3_storage_is_configured_from_the_environment():
    env = {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": "backoffice-files"}
    assert settings_with(env)["storage"] == "storages.backends.s3.S3Storage"


def test_deploy_checks_are_clean_in_production_mode():
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
