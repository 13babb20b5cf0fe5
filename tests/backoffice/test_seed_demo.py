import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def media_root(media_root):
    """Every test here stores files in a folder of its own."""
    return media_root


def seed():
    # These tests are about the logins; the sales demo has its own (tests/sales).
    call_command("seed_demo", "--no-sales", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.mark.django_db
def test_seed_creates_the_three_demo_logins_in_their_roles(demo_password):
    seed()
    users = {u.username: u for u in User.objects.prefetch_related("groups")}
    assert set(users) == {"admin", "merchant", "accountant"}
    assert [g.name for g in users["admin"].groups.all()] == ["Owner"]
    assert [g.name for g in users["merchant"].groups.all()] == ["Merchant"]
    assert [g.name for g in users["accountant"].groups.all()] == ["Accountant"]
    assert users["admin"].is_superuser
    assert not users["merchant"].is_superuser
    assert all(u.is_staff and u.check_password(demo_password) for u in users.values())


@pytest.mark.django_db
def test_seed_twice_changes_nothing():
    seed()
    before = list(User.objects.order_by("pk").values())
    seed()
    assert list(User.objects.order_by("pk").values()) == before


def run_manage(args, env, tmp_path):
    full_env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DJANGO_SECRET_KEY": "a-secret-for-the-production-refusal-test-0123456789-abcdefghij",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_seed_refuses_in_production_mode_and_writes_nothing(tmp_path):
    database = tmp_path / "production.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{database}"}
    migrated = run_manage(["migrate", "--noinput"], env, tmp_path)
    assert migrated.returncode == 0, migrated.stderr

    refused = run_manage(["seed_demo"], env, tmp_path)
    assert refused.returncode == 1
    assert "seed_demo refuses to run in production mode" in refused.stderr

    with sqlite3.connect(database) as connection:
        (users,) = connection.execute("SELECT COUNT(*) FROM auth_user").fetchone()
    assert users == 0
