"""Running work in many threads at once, for the tests of row locks on PostgreSQL."""

import threading

import pytest
from django.db import connection, connections

# Marks for a module of race tests: PostgreSQL only, in real transactions. An ordinary test
# transaction, or SQLite's single writer, would hide a missing lock.
POSTGRES_RACES = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-locking races need PostgreSQL: SQLite lets one writer in at a time "
        "(runs when DATABASE_URL points at PostgreSQL)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_together(count, work):
    """Run work(index) in `count` threads released at the same instant; fail on any error."""
    barrier = threading.Barrier(count)
    errors = []

    def target(index):
        try:
            connections["default"].ensure_connection()  # connect first, so all start at once
            barrier.wait(timeout=30)
            work(index)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [t.name for t in threads if t.is_alive()] == []
    assert errors == []
