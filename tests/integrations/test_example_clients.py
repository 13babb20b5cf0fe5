"""The example clients in examples/ (a TypeScript program typed by the generated schema and a
Python one on the standard library alone) keep a replica from the change feed of a live
server, resume from their saved cursor, and end up holding exactly what the API lists; the
TypeScript webhook receiver verifies what the back office signs and applies it.

The TypeScript program is built by `make examples` (npm ci, openapi-typescript over
examples/openapi.json, tsc --strict); CI builds it and sets REQUIRE_EXAMPLE_CLIENTS, so it is
never skipped there."""

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from integrations.webhooks.dispatch import webhooks_dispatch
from integrations.webhooks.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)
from inventory.services import variant_save
from sales.services import order_cancel, order_mark_paid
from tests.integrations import api_helpers
from tests.integrations.api_helpers import SYSTEM, get, issue_key
from tests.integrations.test_api_sync import (
    COMMITTED,
    first_round_of_writes,
    listed_now,
    second_round_of_writes,
)
from tests.integrations.test_webhooks import send_everything

fresh_cache = api_helpers.fresh_cache  # autouse

EXAMPLES = Path(settings.BASE_DIR) / "examples"
PYTHON_PROGRAM = EXAMPLES / "python" / "sync.py"
TYPESCRIPT_PROGRAM = EXAMPLES / "typescript" / "dist" / "sync.js"
TYPESCRIPT_RECEIVER = EXAMPLES / "typescript" / "dist" / "webhooks.js"


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


@pytest.fixture
def node_receiver(node, tmp_path, closed_port):
    """The TypeScript webhook receiver, listening on a local port; yields a function that
    starts it with a secret, and (after the test) its replica."""
    started: list[subprocess.Popen] = []
    replica = tmp_path / "webhooks.json"

    def start(secret: str) -> str:
        process = subprocess.Popen(
            [node, str(TYPESCRIPT_RECEIVER), str(closed_port), str(replica)],
            env={**os.environ, "BACKOFFICE_WEBHOOK_SECRET": secret},
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout and process.stdout.readline().startswith("listening"), "no start"
        return f"http://127.0.0.1:{closed_port}/webhooks"

    yield start, replica
    for process in started:
        process.terminate()
        process.wait(timeout=10)


@COMMITTED
def test_the_typescript_receiver_verifies_and_applies_the_webhooks(shop, node_receiver, settings):
    """An independent implementation of the signature (Node's crypto) accepts what the back
    office signs, and refuses it once the secret changed without its knowing."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    start, replica_path = node_receiver
    webhooks_dispatch()
    endpoint = webhook_endpoint_create(
        channel=shop.channel, url="https://placeholder.example", events=["order.placed",
        "order.paid", "variant.changed"], actor=SYSTEM,
    )  # fmt: skip
    endpoint.url = start(endpoint.secret)
    webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM)
    order = shop.placed((shop.tee, 1))
    order_mark_paid(order=order, actor=SYSTEM)
    shop.mug.price = Decimal("13.50")
    variant_save(variant=shop.mug, actor=SYSTEM)
    attempts = send_everything()
    assert [attempt.status_code for attempt in attempts] == [204] * len(attempts)
    assert len(attempts) >= 3
    replica = json.loads(replica_path.read_text())
    assert replica["order"][str(order.pk)]["payment_status"] == "paid"
    assert replica["variant"][str(shop.mug.pk)]["price"] == "13.50"

    webhook_endpoint_rotate_secret(endpoint=endpoint, actor=SYSTEM)
    order_cancel(order=shop.placed((shop.tee, 1)), actor=SYSTEM)
    refused = [attempt for attempt in send_everything() if attempt]
    assert refused and {attempt.status_code for attempt in refused} == {400}
    assert "no signature matches" in refused[0].response_excerpt


def test_the_schema_the_examples_are_built_from_is_the_published_one(client, store):
    """examples/openapi.json is what the TypeScript types are generated from: `make schema`
    writes it again whenever the API changes, and this test says when that was forgotten."""
    published = client.get("/api/v1/openapi.json").json()
    committed = json.loads((EXAMPLES / "openapi.json").read_text())
    published.pop("servers"), committed.pop("servers")
    assert committed == published, "the API changed: run `make schema` and commit the file"
