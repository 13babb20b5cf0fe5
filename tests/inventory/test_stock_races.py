"""Many threads moving the same stock at once: the row locks must keep every balance right.

These run on PostgreSQL only, in real transactions (`transaction=True`): an ordinary test
transaction, or SQLite's single writer, would hide a missing lock.
"""

import random
from collections import Counter
from io import StringIO

from django.core.management import call_command

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from inventory.models import ProductVariant, StockLevel, StockMovement
from inventory.services import (
    InsufficientStock,
    stock_adjust,
    stock_allocate,
    stock_count,
    stock_receive,
    stock_release,
    stock_ship,
    stock_transfer,
)
from tests.concurrency import POSTGRES_RACES, run_together
from tests.factories import VariantFactory, WarehouseFactory

pytestmark = POSTGRES_RACES

THREADS = 8
OPERATIONS = 25
SYSTEM = Actor.system("test")


def balances(variant):
    return {
        code: (on_hand, allocated)
        for code, on_hand, allocated in StockLevel.objects.filter(variant=variant).values_list(
            "warehouse__code", "on_hand", "allocated"
        )
    }


def assert_ledger_explains_every_step(variant):
    """Replaying each row's ledger in order gives every recorded balance, none negative."""
    running = {}
    for row in StockMovement.objects.filter(variant=variant).order_by("pk"):
        on_hand, allocated = running.get(row.warehouse_id, (0, 0))
        on_hand, allocated = on_hand + row.on_hand_delta, allocated + row.allocated_delta
        assert (row.on_hand_after, row.allocated_after) == (on_hand, allocated), row.pk
        assert on_hand >= 0 and allocated >= 0, row.pk
        assert allocated <= on_hand, row.pk  # the variant denies backorders
        running[row.warehouse_id] = (on_hand, allocated)
    return running


def assert_integrity_check_passes():
    out = StringIO()
    call_command("check_stock_integrity", stdout=out)
    assert out.getvalue() == "Stock levels match the ledger.\n"


# The mix each thread draws from: common operations appear more than once.
KINDS = ["adjust"] * 2 + ["allocate"] * 3 + ["ship"] * 2 + ["release"] * 2 + ["transfer"] * 2
KINDS += ["count"]


def operation(rng, variant, actor):
    """One random stock operation; returns the ledger rows it wrote."""
    kind = rng.choice(KINDS)
    here, there = rng.sample(["a", "b"], 2)
    quantity = rng.randint(1, 4)
    common = {"variant": variant, "actor": actor}
    if kind == "adjust":
        delta = rng.choice([-1, 1]) * quantity
        return kind, [
            stock_adjust(**common, warehouse=here, delta=delta, reason="correction"),
        ]
    if kind == "allocate":
        return kind, [stock_allocate(**common, warehouse=here, quantity=quantity)]
    if kind == "ship":
        return kind, [stock_ship(**common, warehouse=here, quantity=quantity)]
    if kind == "release":
        return kind, [stock_release(**common, warehouse=here, quantity=quantity)]
    if kind == "transfer":
        return kind, list(
            stock_transfer(**common, from_warehouse=here, to_warehouse=there, quantity=quantity)
        )
    counted = stock_count(**common, warehouse=here, quantity=rng.randint(10, 40))
    return kind, [] if counted is None else [counted]


def test_concurrent_stock_operations_lose_no_update_and_never_go_negative():
    WarehouseFactory(code="a")
    WarehouseFactory(code="b")
    variant = VariantFactory(sku="RACE-1")
    stock_receive(variant=variant, warehouse="a", quantity=30, actor=SYSTEM)
    stock_receive(variant=variant, warehouse="b", quantity=30, actor=SYSTEM)
    stock_allocate(variant=variant, warehouse="a", quantity=10, actor=SYSTEM)
    initial = balances(variant)
    initial_ids = set(StockMovement.objects.values_list("pk", flat=True))
    done = [[] for _ in range(THREADS)]  # per thread: (kind, rows written)
    refused = [Counter() for _ in range(THREADS)]

    def work(index):
        rng = random.Random(index)
        mine = ProductVariant.objects.get(pk=variant.pk)
        actor = Actor.system(f"thread {index}")
        for _ in range(OPERATIONS):
            try:
                done[index].append(operation(rng, mine, actor))
            except InsufficientStock:
                refused[index]["insufficient stock"] += 1
            except DomainError:  # release or ship beyond the allocation, count below it
                refused[index]["beyond the allocation"] += 1

    run_together(THREADS, work)

    assert sum(len(d) for d in done) + sum(sum(r.values()) for r in refused) == (
        THREADS * OPERATIONS
    )
    rows = [row for thread in done for _, written in thread for row in written]
    assert rows != []
    assert all(r.on_hand_after >= 0 and r.allocated_after >= 0 for r in rows)
    # Every row a successful operation wrote was committed, and nothing else was.
    new_ids = set(StockMovement.objects.values_list("pk", flat=True)) - initial_ids
    assert new_ids == {r.pk for r in rows}
    assert StockMovement.objects.count() == len(initial_ids) + len(rows)
    written_by = Counter()
    for index, thread in enumerate(done):
        for _, written in thread:
            written_by[f"thread {index}"] += len(written)
    assert (
        Counter(
            StockMovement.objects.exclude(pk__in=initial_ids).values_list("actor_name", flat=True)
        )
        == written_by
    )
    # No lost update: the final balances are the initial ones plus every applied delta.
    codes = dict(
        StockLevel.objects.filter(variant=variant).values_list("warehouse_id", "warehouse__code")
    )
    expected = {code: list(values) for code, values in initial.items()}
    for r in rows:
        expected[codes[r.warehouse_id]][0] += r.on_hand_delta
        expected[codes[r.warehouse_id]][1] += r.allocated_delta
    final = balances(variant)
    assert final == {code: tuple(values) for code, values in expected.items()}
    assert all(on_hand >= 0 and 0 <= allocated <= on_hand for on_hand, allocated in final.values())
    replayed = assert_ledger_explains_every_step(variant)
    assert {codes[w]: values for w, values in replayed.items()} == final
    assert_integrity_check_passes()


def test_only_one_of_many_threads_gets_the_last_unit():
    WarehouseFactory(code="main")
    variant = VariantFactory(sku="LAST-1")
    stock_receive(variant=variant, warehouse="main", quantity=1, actor=SYSTEM)
    outcomes = []

    def work(index):
        mine = ProductVariant.objects.get(pk=variant.pk)
        try:
            stock_allocate(
                variant=mine,
                warehouse="main",
                quantity=1,
                actor=Actor.system(f"thread {index}"),
                reference=f"order {index}",
            )
        except InsufficientStock as refusal:
            outcomes.append(("refused", refusal.requested, refusal.available))
        else:
            outcomes.append(("won", index))

    run_together(12, work)

    winners = [o for o in outcomes if o[0] == "won"]
    assert len(winners) == 1
    assert sorted(o for o in outcomes if o[0] == "refused") == [("refused", 1, 0)] * 11
    assert balances(variant) == {"main": (1, 1)}
    winner = winners[0][1]
    assert list(
        StockMovement.objects.order_by("pk").values_list("reason", "reference", "actor_name")
    ) == [("receipt", "", "test"), ("allocation", f"order {winner}", f"thread {winner}")]
    assert_integrity_check_passes()


def test_threads_receiving_into_a_missing_stock_row_create_it_once():
    WarehouseFactory(code="main")
    variant = VariantFactory(sku="NEW-1")

    def work(index):
        stock_receive(
            variant=ProductVariant.objects.get(pk=variant.pk),
            warehouse="main",
            quantity=index + 1,
            actor=Actor.system(f"thread {index}"),
        )

    run_together(THREADS, work)

    assert balances(variant) == {"main": (36, 0)}
    assert StockLevel.objects.count() == 1
    assert StockMovement.objects.count() == THREADS
    assert_ledger_explains_every_step(variant)
    assert_integrity_check_passes()
