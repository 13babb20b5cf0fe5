"""The example clients in examples/ (a TypeScript program typed by the generated schema and a
Python one on the standard library alone) keep a replica from the change feed of a live
server, resume from their saved cursor, and end up holding exactly what the API lists.

The TypeScript program is built by `make examples` (npm ci, openapi-typescript over
examples/openapi.json, tsc --strict); CI builds it and sets REQUIRE_EXAMPLE_CLIENTS, so it is
never skipped there."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.integrations import api_helpers
from tests.integrations.api_helpers import get, issue_key
from tests.integrations.test_api_sync import (
    COMMITTED,
    first_round_of_writes,
    listed_now,
    second_round_of_writes,
)

fresh_cache = api_helpers.fresh_cache  # autouse

EXAMPLES = Path(settings.BASE_DIR) / "examples"
PYTHON_PROGRAM = EXAMPLES / "python" / "sync.py"
TYPESCRIPT_PROGRAM = EXAMPLES / "typescript" / "dist" / "sync.js"


@pytest.fixture
def node() -> str:
    path = shutil.which("node")
    if path is None or not TYPESCRIPT_PROGRAM.exists():
        if os.environ.get("REQUIRE_EXAMPLE_CLIENTS"):
            pytest.fail("REQUIRE_EXAMPLE_CLIENTS is set but node or the built example is missing")
        pytest.skip("node, or the TypeScript example (make examples), is missing")
    return path


def run(command: list[str], base: str, key: str) -> str:
    done = subprocess.run(
        command,
        env={**os.environ, "BACKOFFICE_API_URL": base, "BACKOFFICE_API_KEY": key},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def categories_listed(client, key) -> dict:
    def flatten(nodes):
        for node in nodes:
            yield {field: value for field, value in node.items() if field != "children"}
            yield from flatten(node["children"])

    return {c["id"]: c for c in flatten(get(client, "/categories", key).json())}


def replica_as_listed(path: Path) -> dict:
    replica = json.loads(path.read_text())
    return {
        kind: {int(object_id): state for object_id, state in replica[kind].items()}
        for kind in ("category", "product", "variant", "stock", "order")
    }


def everything_listed(client, key) -> dict:
    return {"category": categories_listed(client, key), **listed_now(client, key)}


@COMMITTED
def test_both_example_clients_keep_an_exact_replica(shop, live_server, tmp_path, node):
    key, client = issue_key(shop.channel), Client()
    programs = {
        "python": [sys.executable, str(PYTHON_PROGRAM)],
        "typescript": [node, str(TYPESCRIPT_PROGRAM)],
    }
    replicas = {name: tmp_path / f"{name}.json" for name in programs}
    earlier = first_round_of_writes(shop)
    for name, program in programs.items():
        run([*program, str(replicas[name])], live_server.url, key)
        assert replica_as_listed(replicas[name]) == everything_listed(client, key), name
    assert everything_listed(client, key)["category"], "the first round made a category"

    second_round_of_writes(shop, earlier)
    placed = run([*programs["typescript"], "-", "order", "SOCK-S", "grace@example.com"],
                 live_server.url, key)  # fmt: skip
    assert placed.startswith("placed SO-")

    for name, program in programs.items():
        out = run([*program, str(replicas[name])], live_server.url, key)
        assert not out.startswith("applied 0 "), (name, out)  # resumed, and found the rest
        assert replica_as_listed(replicas[name]) == everything_listed(client, key), name
    orders = replica_as_listed(replicas["typescript"])["order"].values()
    assert "grace@example.com" in {order["customer"]["email"] for order in orders}


def test_the_schema_the_examples_are_built_from_is_the_published_one(client, store):
    """examples/openapi.json is what the TypeScript types are generated from: `make schema`
    writes it again whenever the API changes, and this test says when that was forgotten."""
    published = client.get("/api/v1/openapi.json").json()
    committed = json.loads((EXAMPLES / "openapi.json").read_text())
    published.pop("servers"), committed.pop("servers")
    assert committed == published, "the API changed: run `make schema` and commit the file"
