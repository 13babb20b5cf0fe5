"""Workers and queues a test controls: a Redis of the test's own, started on a free port and
stopped when the test says (the task queue going away under the product, without touching the
Redis other tests share); and a Celery worker in a process of its own that a test can kill."""

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import kombu.pools
import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from backoffice.celery import app as celery_app


class OwnRedis:
    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def queued(self, queue: str) -> int:
        return self.client.llen(queue)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextmanager
def _queue_at(url: str):
    """Celery sends its tasks to `url` and no longer runs them in the process."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    _forget_connections()
    conf.broker_url, conf.task_always_eager = url, False
    try:
        yield
    finally:
        _forget_connections()
        conf.broker_url, conf.task_always_eager = saved


def _forget_connections() -> None:
    # What a forked worker does (without its signal): new pools on the next send.
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def own_redis():
    """The task queue on a Redis of the test's own, which `own_redis.stop()` takes away."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = OwnRedis()
    try:
        with _queue_at(server.url):
            yield server
    finally:
        server.stop()


def worker_process(media_root, pool: str = "solo") -> subprocess.Popen:
    """A Celery worker in a process of its own, on the test database, that can be killed. With
    the prefork pool, one child runs the tasks: killing it is a worker dying mid-task."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MEDIA_ROOT": str(media_root),
        "DJANGO_SECRET_KEY": django_settings.SECRET_KEY,
    }
    command = [sys.executable, "-m", "celery", "-A", "backoffice", "worker", f"--pool={pool}",
               "--concurrency=1", "--queues=bulk,interactive", "--loglevel=WARNING",
               "--without-heartbeat", "--without-gossip", "--without-mingle"]  # fmt: skip
    return subprocess.Popen(command, env=env, cwd=django_settings.BASE_DIR)


def children_of(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(child) for child in listing.read().split()]


def forget_unacknowledged_tasks() -> None:
    """A killed worker's task stays unacknowledged in Redis, to be redelivered an hour later;
    a later test's worker must not find it."""
    with celery_app.connection_for_write() as conn:
        client = conn.default_channel.client
        client.delete("unacked", "unacked_index", "unacked_mutex")
