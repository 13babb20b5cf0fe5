"""What happens to each demo order, decided up front with a fixed seed: who buys what, when,
through which channel, how they pay, and how the story ends (kept, sent back, refunded in
part, cancelled). `orders` then plays the stories through the services in time order."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from inventory.demo.data import DEMO_HANDLES, MADE_TO_ORDER_VENDORS
from inventory.models import ProductStatus, ProductVariant
from sales.demo.customers import Person
from sales.demo.data import (
    CHANNELS,
    DAYS,
    DEMO_DRAFTS,
    DISCOUNTED,
    GOODWILL,
    HOUR_WEIGHTS,
    INVOICED,
    LINE_COUNT_WEIGHTS,
    LINE_COUNTS,
    MADE_TO_ORDER_LINES,
    MARKETPLACE,
    MARKETPLACE_PAYMENT,
    NOTED,
    NOTES,
    PAID_THEN_CANCELLED,
    QUANTITIES,
    QUANTITY_WEIGHTS,
    RETURNED,
    RETURNED_DAMAGED,
    SEED,
    UNPAID_TRANSFERS,
    WEB_PAYMENTS,
    ChannelData,
)
from sales.models import Order, Payment

# How a story ends.
KEPT = "kept"
RETURNED_UNITS = "returned"  # units sent back and restocked
DAMAGED = "damaged"  # units sent back broken, refunded without restocking
GOODWILL_REFUND = "goodwill"  # part of the price given back, by amount
CANCELLED_UNPAID = "cancelled_unpaid"
CANCELLED_PAID = "cancelled_paid"  # refunded in full and cancelled before shipping


@dataclass
class Story:
    """One demo order. The story's own random stream draws its delays as it runs, so a
    story plays the same whatever happens to the others."""

    index: int
    channel: ChannelData
    person: Person
    lines: list[tuple[ProductVariant, int]]
    created: datetime
    placed: datetime | None = None  # None: a draft nobody confirmed
    place: int = 0  # which of the person's addresses it ships to
    discounted: bool = False
    method: str = ""
    pay_after: timedelta | None = None  # None: never paid
    ending: str = KEPT
    invoiced: bool = False
    note: tuple[str, str] | None = None  # (visibility, text)
    rng: random.Random = field(default_factory=random.Random)
    order: Order = field(init=False)  # set by the step that creates it
    payment: Payment = field(init=False)  # set by the step that pays it


@dataclass(frozen=True)
class Catalog:
    """What the demo sells: stocked variants, and made-to-order pieces, with how well each
    sells."""

    stocked: list[ProductVariant]
    stocked_weights: list[float]
    made_to_order: list[ProductVariant]


def sellable_catalog(rng: random.Random) -> Catalog:
    """The demo catalog's active variants. Gift cards are left out: they are never received
    into a warehouse, and the order services only know how to ship what is on a shelf."""
    variants = (
        ProductVariant.objects.filter(
            product__handle__in=DEMO_HANDLES, product__status=ProductStatus.ACTIVE, active=True
        )
        .select_related("product__tax_class")
        .order_by("pk")
    )
    popularity: dict[int, float] = {}
    stocked, weights, made_to_order = [], [], []
    for variant in variants:
        if variant.product.vendor in MADE_TO_ORDER_VENDORS:
            made_to_order.append(variant)
        elif not variant.allows_backorder:
            product_share = popularity.setdefault(variant.product_id, rng.uniform(0.3, 3.0))
            stocked.append(variant)
            weights.append(product_share * rng.uniform(0.5, 1.5))
    return Catalog(stocked, weights, made_to_order)


# --- when -------------------------------------------------------------------------------------


def day_weight(day: date, index: int) -> float:
    """How busy a day is: the shop grows through the year, weekends are busier, the weeks
    before Christmas much busier, the summer quieter."""
    weight = 1.0 + 0.6 * index / DAYS
    if day.weekday() >= 5:
        weight *= 1.3
    if (day.month, day.day) >= (11, 20) and (day.month, day.day) <= (12, 22):
        weight *= 2.2
    elif day.month == 12 or day.month in (7, 8):
        weight *= 0.7
    elif day.month == 1 and day.day >= 8:
        weight *= 1.4  # the winter sales
    return weight


def order_moments(rng: random.Random, start: datetime, count: int) -> list[datetime]:
    """`count` moments over the DAYS days from `start`, in time order."""
    days = [(start + timedelta(days=index)).date() for index in range(DAYS)]
    weights = [day_weight(day, index) for index, day in enumerate(days)]
    chosen = rng.choices(range(DAYS), weights, k=count)
    return sorted(time_of_day(rng, start + timedelta(days=index)) for index in chosen)


def time_of_day(rng: random.Random, midnight: datetime) -> datetime:
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    return midnight + timedelta(hours=hour, minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))


# --- who and what -----------------------------------------------------------------------------


def plan_stories(
    start: datetime, end: datetime, people: list[Person], catalog: Catalog, orders: int
) -> list[Story]:
    """`orders` placed orders over the year, and a few drafts in its last weeks."""
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    loyalty = [rng.paretovariate(1.2) for _ in people]  # a few regulars, many one-off buyers
    stories = []
    for index, placed in enumerate(order_moments(rng, start, orders)):
        person = rng.choices(people, loyalty)[0]
        stories.append(plan_order(index, placed, person, catalog))
    for index in range(orders, orders + DEMO_DRAFTS):
        created = time_of_day(rng, end - timedelta(days=rng.randint(1, 21)))
        person = rng.choices(people, loyalty)[0]
        story = plan_order(index, created, person, catalog)
        story.placed, story.created = None, created
        stories.append(story)
    return stories


def plan_order(index: int, placed: datetime, person: Person, catalog: Catalog) -> Story:
    rng = random.Random(f"{SEED}-{index}")  # noqa: S311 - demo data, not secrets
    channel = rng.choices(CHANNELS, [c.share for c in CHANNELS])[0]
    story = Story(
        index=index,
        channel=channel,
        person=person,
        lines=choose_lines(rng, catalog),
        created=placed - timedelta(minutes=rng.randint(3, 25)),
        placed=placed,
        place=rng.randrange(len(person.places)),
        discounted=channel is not MARKETPLACE and rng.random() < DISCOUNTED,
        invoiced=rng.random() < INVOICED[channel.code],
        note=rng.choice(NOTES) if rng.random() < NOTED else None,
        rng=rng,
    )
    choose_payment_and_ending(rng, story)
    return story


def choose_lines(rng: random.Random, catalog: Catalog) -> list[tuple[ProductVariant, int]]:
    wanted = rng.choices(LINE_COUNTS, LINE_COUNT_WEIGHTS)[0]
    chosen: dict[int, tuple[ProductVariant, int]] = {}
    while len(chosen) < wanted:
        if catalog.made_to_order and rng.random() < MADE_TO_ORDER_LINES:
            variant = rng.choice(catalog.made_to_order)
        else:
            variant = rng.choices(catalog.stocked, catalog.stocked_weights)[0]
        quantity = rng.choices(QUANTITIES, QUANTITY_WEIGHTS)[0]
        chosen.setdefault(variant.pk, (variant, quantity))
    return list(chosen.values())


def choose_payment_and_ending(rng: random.Random, story: Story) -> None:
    if story.channel is MARKETPLACE:
        story.method, story.pay_after = MARKETPLACE_PAYMENT, timedelta(minutes=1)
    else:
        methods = [method for method, _ in WEB_PAYMENTS]
        story.method = rng.choices(methods, [share for _, share in WEB_PAYMENTS])[0]
        if story.method == "Bank transfer":
            hours = rng.randint(12, 96)
            story.pay_after = None if rng.random() < UNPAID_TRANSFERS else timedelta(hours=hours)
        else:
            story.pay_after = timedelta(minutes=rng.randint(1, 4))
    story.ending = choose_ending(rng, paid=story.pay_after is not None)


def choose_ending(rng: random.Random, *, paid: bool) -> str:
    if not paid:
        return CANCELLED_UNPAID
    if rng.random() < PAID_THEN_CANCELLED:
        return CANCELLED_PAID
    draw = rng.random()
    for ending, odds in (
        (RETURNED_UNITS, RETURNED),
        (DAMAGED, RETURNED_DAMAGED),
        (GOODWILL_REFUND, GOODWILL),
    ):
        if draw < odds:
            return ending
        draw -= odds
    return KEPT


def shipping_for(story: Story) -> Decimal:
    """The channel's flat rate, free above its threshold."""
    channel = story.channel
    subtotal = sum((variant.price * quantity for variant, quantity in story.lines), Decimal(0))
    if channel.free_from is not None and subtotal >= channel.free_from:
        return Decimal(0)
    abroad = story.person.places[story.place].country != "FR"
    return channel.shipping_abroad if abroad else channel.shipping
