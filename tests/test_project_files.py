"""What can be checked of the deployment files without a Docker engine."""

import importlib
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_names_every_service_with_a_health_check():
    services = compose()["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:17")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("web", "worker", "postgres", "redis"):
        assert "test" in services[name]["healthcheck"], name


def test_compose_keeps_data_in_named_volumes():
    config = compose()
    assert set(config["volumes"]) >= {"postgres-data", "redis-data"}
    assert any(v.startswith("postgres-data:") for v in config["services"]["postgres"]["volumes"])


def test_compose_configures_the_app_with_the_same_variables_as_the_settings():
    settings_source = (ROOT / "backoffice" / "settings.py").read_text()
    for name in ("web", "worker", "beat"):
        environment = compose()["services"][name]["environment"]
        for variable in environment:
            assert f'"{variable}"' in settings_source, f"{name}: {variable} is not read by settings"
        assert {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY"} <= set(environment)


def test_compose_commands_point_at_real_modules():
    services = compose()["services"]
    web = " ".join(services["web"]["command"])
    module, attribute = re.search(r"(\S+):(\w+)", web.split("gunicorn", 1)[1]).groups()
    assert callable(getattr(importlib.import_module(module), attribute))

    from backoffice.celery import app

    for name in ("worker", "beat"):
        command = services[name]["command"]
        assert command[:3] == ["celery", "-A", "backoffice"]
        assert importlib.import_module(command[2]).celery_app is app
    worker_queues = next(a for a in services["worker"]["command"] if a.startswith("--queues="))
    assert set(worker_queues.removeprefix("--queues=").split(",")) == {
        q.name for q in app.conf.task_queues
    }


def test_make_worker_consumes_the_same_queues_as_compose():
    makefile = (ROOT / "Makefile").read_text()
    worker_queues = next(
        a for a in compose()["services"]["worker"]["command"] if a.startswith("--queues=")
    )
    assert worker_queues in makefile


def test_dockerfile_builds_in_stages_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.MULTILINE)) >= 2
    assert "uv sync --locked" in dockerfile
    assert "collectstatic" in dockerfile
    user = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert user and user[-1] not in {"root", "0"}
    assert "gunicorn" in dockerfile


def test_readme_gives_the_two_quick_start_commands_and_make_has_them():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in ("run", "test", "lint", "fmt", "worker", "beat", "bench"):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), target
    assert "make run" in readme and "make test" in readme
