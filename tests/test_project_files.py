"""What can be checked of the deployment files without a Docker engine."""

import importlib
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("migrate", "web", "worker", "beat")
COMPOSE_ONLY = {"PORT", "FLOWER_BASIC_AUTH"}  # read by compose, not by the settings
SETTINGS_READ = re.compile(
    r'\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"|environ\b[^"\n]*"([A-Z][A-Z0-9_]*)"'
)
INTERPOLATION = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def settings_variables() -> set[str]:
    source = (ROOT / "backoffice" / "settings.py").read_text()
    return {a or b for a, b in SETTINGS_READ.findall(source)}


def env_example() -> dict[str, str]:
    """Every variable .env.example names (set, or commented out), with the value it sets."""
    named = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^#? ?([A-Z][A-Z0-9_]*)=(\S*)", line)
        if match:
            named[match[1]] = match[2] if not line.startswith("#") else None
    return named


def copied_env() -> dict[str, str]:
    """What a .env copied from .env.example sets, with the secret key filled in."""
    values = {name: value for name, value in env_example().items() if value is not None}
    return {**values, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}


def interpolated(value: str, env: dict[str, str]) -> str:
    def resolve(match):
        name, kind, default = match.groups()
        if env.get(name):
            return env[name]
        assert kind != "?", f"compose refuses to start without {name}"
        return default or ""

    return INTERPOLATION.sub(resolve, value)


def container_env(service: str, env: dict[str, str]) -> dict[str, str]:
    """A container's environment as compose builds it: env_file, then `environment`."""
    definition = compose()["services"][service]
    return {
        **env,
        **{k: interpolated(str(v), env) for k, v in definition["environment"].items()},
    }


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_names_every_service_with_a_health_check():
    services = compose()["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:17")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("web", "worker", "postgres", "redis"):
        assert "test" in services[name]["healthcheck"], name
    # The image's check probes the web server: a service that serves nothing turns it off.
    for name in ("migrate", "beat"):
        assert services[name]["healthcheck"] == {"disable": True}, name


def test_flower_is_an_optional_profile_on_loopback_behind_a_login():
    flower = compose()["services"]["flower"]
    assert flower["profiles"] == ["monitoring"]
    assert flower["ports"] == ["127.0.0.1:5555:5555"]
    assert "FLOWER_BASIC_AUTH" in flower["environment"]
    assert "flower" in flower["command"]


def test_every_variable_the_settings_read_is_in_env_example_and_the_readme():
    variables = settings_variables()
    assert len(variables) > 40  # the pattern finds them
    named = env_example()
    readme = (ROOT / "README.md").read_text()
    configuration = readme[readme.index("## Configuration") : readme.index("## Catalog")]
    assert sorted(variables - set(named)) == []
    assert sorted(v for v in variables if f"`{v}`" not in configuration) == []
    assert sorted(set(named) - variables - COMPOSE_ONLY) == []


def test_every_app_container_gets_the_env_file():
    services = compose()["services"]
    for name in APP_SERVICES:
        assert {"path": ".env", "required": False} in services[name]["env_file"], name
        assert ".env" in (ROOT / ".dockerignore").read_text()  # never baked into the image


def test_env_example_as_copied_serves_localhost_and_passes_the_deploy_check():
    env = container_env("web", copied_env())
    assert env["DATABASE_URL"].startswith("postgres://backoffice:backoffice@postgres:")
    probe = (
        "import django; django.setup(); from django.conf import settings; "
        "from django.http.request import validate_host; "
        "print(all(validate_host(h, settings.ALLOWED_HOSTS) for h in "
        "('localhost', '127.0.0.1', 'backoffice.example.com')), settings.SECURE_SSL_REDIRECT, "
        "settings.MEDIA_ROOT)"
    )
    clean = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "backoffice.settings", **env}
    seen = _run([sys.executable, "-c", probe], clean)
    assert seen.stdout.split() == ["False", "False", "/app/media"]  # not a name it was not given
    hosts = {**clean, "DJANGO_ALLOWED_HOSTS": "backoffice.example.com"}
    seen = _run([sys.executable, "-c", probe], hosts)
    assert seen.stdout.split()[0] == "True"  # health checks on 127.0.0.1 whatever the name
    check = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], clean
    )
    assert "no issues" in check.stdout


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_media_folder_belongs_to_the_app_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    user = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)[-1]
    assert re.search(rf"mkdir -p /app/media && chown {user}:{user} /app/media", dockerfile)
    assert dockerfile.index("chown " + user) < dockerfile.rindex("USER ")
    assert "media:/app/media" in compose()["x-app"]["volumes"]


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


def test_the_type_checker_runs_in_lint_and_before_each_commit():
    makefile = (ROOT / "Makefile").read_text()
    lint = makefile[makefile.index("\nlint:") : makefile.index("\ntypecheck:")]
    assert "$(RUN) mypy" in lint
    config = (ROOT / "pyproject.toml").read_text()
    assert 'plugins = ["mypy_django_plugin.main"]' in config
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert {hook["id"] for hook in hooks} == {"ruff-check", "ruff-format", "mypy"}
    assert (ROOT / "CONTRIBUTING.md").read_text().count("mypy") >= 2
