"""A storefront's replica of the catalog, stock and orders, kept from the change feed.

    BACKOFFICE_API_URL=https://shop.example.com BACKOFFICE_API_KEY=bo_… \\
        python sync.py replica.json

The first run reads the feed from its start; each later run resumes from the cursor saved in
the replica. Python's standard library alone: copy it into any storefront.
"""

import itertools
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

KINDS = ("category", "product", "variant", "stock", "order")
PAGE_SIZE = 100
MOST_RETRIES = 5


class ApiError(Exception):
    def __init__(self, status: int, detail: Any):
        super().__init__(f"The API answered {status}: {detail}")
        self.status = status


class Client:
    def __init__(self, base: str, key: str):
        if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
            raise ValueError(f"{base!r} is not an http(s) address.")
        self.base = base.rstrip("/")
        self.key = key

    def get(self, path: str, **query: str) -> Any:
        """One GET of /api/v1`path`, waiting out a 429 as long as its Retry-After says."""
        url = f"{self.base}/api/v1{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked in __init__)
            url, headers={"Authorization": f"Bearer {self.key}", "Accept": "application/json"}
        )
        for attempt in itertools.count(1):
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    return json.load(response)
            except urllib.error.HTTPError as error:
                if error.code != 429 or attempt == MOST_RETRIES:
                    raise ApiError(error.code, json.load(error).get("detail")) from error
                time.sleep(int(error.headers.get("Retry-After", "1")))

    def changes(self, since: str | None) -> dict:
        query = {"limit": str(PAGE_SIZE)}
        if since is not None:
            query["since"] = since
        return self.get("/changes", **query)


def empty_replica() -> dict:
    return {"since": None, **{kind: {} for kind in KINDS}}


def apply(replica: dict, change: dict) -> None:
    """One entry of the feed: a thing's current state, or its removal from view."""
    things = replica[change["type"]]
    if change["deleted"]:
        things.pop(str(change["id"]), None)
    else:
        things[str(change["id"])] = change[change["type"]]


def sync(client: Client, replica: dict) -> int:
    """Reads the feed from the replica's cursor until it has nothing more."""
    applied = 0
    while True:
        page = client.changes(replica["since"])
        for change in page["changes"]:
            apply(replica, change)
        applied += len(page["changes"])
        replica["since"] = page["next"]
        if not page["has_more"]:
            return applied


def load(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else empty_replica()


def save(path: Path, replica: dict) -> None:
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(replica, indent=1))
    partial.replace(path)  # a crash never leaves half a replica


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: sync.py REPLICA.json", file=sys.stderr)
        return 2
    client = Client(os.environ["BACKOFFICE_API_URL"], os.environ["BACKOFFICE_API_KEY"])
    path = Path(argv[0])
    replica = load(path)
    applied = sync(client, replica)
    save(path, replica)
    print(f"applied {applied} changes; {len(replica['product'])} products")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
