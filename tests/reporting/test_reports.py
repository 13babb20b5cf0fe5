"""Every report against the same figures computed here, independently, from the orders, their
lines, refunds, payments, invoices and credit notes, and the stock ledger: row by row, to the
cent. The history (tests/reporting/conftest.py) crosses a change of daylight-saving time and
has an order placed half an hour after the shop's midnight."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from backoffice.actors import Actor
from inventory.models import MovementReason, StockLevel, StockMovement
from inventory.services import stock_adjust, stock_receive
from reporting.reports import CATALOGUE, Parameters
from sales.models import (
    CreditNote,
    Invoice,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundLine,
    RefundStatus,
)

ZERO = Decimal("0.00")
NOT_SALES = (OrderStatus.DRAFT, OrderStatus.CANCELLED)


def rows(kind: str, **parameters) -> list[tuple]:
    return list(CATALOGUE[kind].rows(Parameters(**parameters)))


def local_day(moment) -> date:
    return timezone.localtime(moment).date()


def within(moment, start: date, end: date) -> bool:
    return moment is not None and start <= local_day(moment) <= end


def bucket(day: date, grouping: str) -> date:
    if grouping == "week":
        return day - timedelta(days=day.weekday())
    if grouping == "month":
        return day.replace(day=1)
    return day


def column_total(table: list[tuple], index: int):
    return sum(row[index] for row in table if row[index] is not None)


# --- sales summary ----------------------------------------------------------------------------


def expected_summary(start, end, grouping="day", channel=None) -> list[tuple]:
    """The retail breakdown, summed here from the orders, their lines and the refunds."""
    keys = ("orders", "units", "lines_net", "discounts", "tax", "shipping", "refunds", "back")
    table = defaultdict(lambda: dict.fromkeys(keys, ZERO))
    for order in Order.objects.select_related("channel").prefetch_related("lines"):
        if order.status in NOT_SALES or not within(order.placed_at, start, end):
            continue
        if channel and order.channel_id != channel.pk:
            continue
        cells = table[(bucket(local_day(order.placed_at), grouping), order.channel.name)]
        cells["orders"] += 1
        for line in order.lines.all():
            cells["units"] += line.quantity
            cells["lines_net"] += line.total - line.tax
            included = order.prices_include_tax
            cells["discounts"] += (
                line.discount * 100 / (100 + line.tax_rate) if included else line.discount
            )
        cells["tax"] += order.tax
        cells["shipping"] += order.shipping_net
    for refund in Refund.objects.select_related("order__channel"):
        if refund.status != RefundStatus.SUCCEEDED or refund.order.status in NOT_SALES:
            continue
        if not within(refund.created_at, start, end):
            continue
        if channel and refund.order.channel_id != channel.pk:
            continue
        cells = table[(bucket(local_day(refund.created_at), grouping), refund.order.channel.name)]
        note = CreditNote.objects.filter(refund=refund).first()
        cells["refunds"] += refund.amount
        cells["back"] += note.tax if note else ZERO
    result = []
    for key, cells in sorted(table.items()):
        cent = Decimal("0.01")
        discounts = cells["discounts"].quantize(cent, ROUND_HALF_UP)
        gross = cells["lines_net"] + discounts
        returns = cells["refunds"] - cells["back"]
        net = gross - discounts - returns
        tax = cells["tax"] - cells["back"]
        result.append(
            (
                *key,
                int(cells["orders"]),
                int(cells["units"]),
                gross,
                discounts,
                returns,
                net,
                cells["shipping"],
                tax,
                net + cells["shipping"] + tax,
            )
        )
    return result


@pytest.mark.parametrize("grouping", ["day", "week", "month"])
def test_the_sales_summary_equals_the_orders_and_refunds(trading, grouping):
    start, end = trading.first_day, trading.last_day
    got = rows("sales_summary", start=start, end=end, grouping=grouping)
    assert got == expected_summary(start, end, grouping)
    # Anchors the expectation itself: eight sales (not the draft, not the three cancelled).
    assert column_total(got, 2) == 8
    assert column_total(got, 4) == Decimal("350.12")  # gross sales, without tax
    assert column_total(got, 6) == Decimal("62.62")  # returns, without tax
    # The total is what the orders charged (409.75) less what was refunded (69.47).
    assert column_total(got, 10) == Decimal("409.75") - Decimal("69.47")


@pytest.mark.parametrize("grouping", ["day", "month"])
def test_gross_less_discounts_and_returns_is_net_sales_to_the_cent(trading, grouping):
    got = rows("sales_summary", start=trading.first_day, end=trading.last_day, grouping=grouping)
    assert got
    for _, _, _, _, gross, discounts, returns, net, shipping, tax, total in got:
        assert gross - discounts - returns == net
        assert net + shipping + tax == total
    columns = [column.title for column in CATALOGUE["sales_summary"].columns]
    assert columns[4:] == [
        "Gross sales", "Discounts", "Returns", "Net sales", "Shipping", "Tax", "Total"
    ]  # fmt: skip


def test_the_sales_summary_counts_the_shops_day_and_not_utcs(trading):
    stall_day = trading.day(-45)  # the Stripe order was placed at 00:30 there
    got = rows("sales_summary", start=stall_day, end=stall_day)
    assert got == [
        (
            stall_day,
            "Market stall",
            1,
            4,
            *[Decimal(x) for x in ("50.00", "0", "0", "50.00", "0", "2.75", "52.75")],
        )
    ]
    assert (
        rows(
            "sales_summary", start=stall_day - timedelta(days=1), end=stall_day - timedelta(days=1)
        )
        == []
    )


def test_the_sales_summary_of_one_channel_and_of_part_of_the_period(trading):
    start, end = trading.day(-34), trading.day(-3)
    web = trading.catalog.web
    got = rows("sales_summary", start=start, end=end, channel_id=web.pk)
    assert got == expected_summary(start, end, channel=web)
    assert {row[1] for row in got} == {"Web shop"}
    # Refunds count on the day they were made: the one of an order placed before the period.
    assert (
        trading.day(-33),
        "Web shop",
        0,
        0,
        ZERO,
        ZERO,
        Decimal("16.58"),  # the 19.90 refunded, without its 3.32 of tax
        Decimal("-16.58"),
        ZERO,
        Decimal("-3.32"),
        Decimal("-19.90"),
    ) in got


def test_money_comes_out_to_the_cent(trading):
    for kind in ("sales_summary", "sales_by_product", "tax_summary", "payments_refunds"):
        report = CATALOGUE[kind]
        for row in report.rows(Parameters(start=trading.first_day, end=trading.last_day)):
            for value, column in zip(row, report.columns, strict=True):
                if column.kind == "money" and value is not None:
                    assert value.as_tuple().exponent == -2, (kind, column.title, value)


# --- sales by product -------------------------------------------------------------------------


def expected_by_product(start, end) -> list[tuple]:
    units, revenue, variants = defaultdict(int), defaultdict(lambda: ZERO), {}
    lines = OrderLine.objects.select_related("order", "variant__product")
    sold = [
        line
        for line in lines
        if line.order.status not in NOT_SALES and within(line.order.placed_at, start, end)
    ]
    for line in sold:
        variants[line.variant_id] = line.variant
        units[line.variant_id] += line.quantity - line.quantity_cancelled - line.quantity_returned
        revenue[line.variant_id] += line.total - line.tax
    sold_ids = {line.pk for line in sold}
    for refunded in RefundLine.objects.select_related("refund", "line"):
        if refunded.line_id in sold_ids and refunded.refund.status == RefundStatus.SUCCEEDED:
            revenue[refunded.line.variant_id] -= refunded.amount - refunded.tax
    table = []
    for variant in sorted(variants.values(), key=lambda v: (v.product.title, v.sku or "", v.pk)):
        cost = variant.cost * units[variant.pk] if variant.cost is not None else None
        margin = revenue[variant.pk] - cost if cost is not None else None
        share = (
            (margin / revenue[variant.pk]).quantize(Decimal("0.0001"))
            if margin is not None
            else None
        )
        options = " / ".join(variant.option_values)
        table.append(
            (
                variant.sku or "",
                variant.product.title,
                options,
                units[variant.pk],
                revenue[variant.pk],
                cost,
                margin,
                share,
            )
        )
    return table


def test_sales_by_product_equals_the_lines_kept_net_of_their_refunds(trading):
    start, end = trading.first_day, trading.last_day
    got = rows("sales_by_product", start=start, end=end)
    assert got == expected_by_product(start, end)
    assert [row[:5] for row in got] == [
        ("BOOK", "Field guide", "Paperback", 3, Decimal("65.24")),
        ("", "Gift wrap", "Red", 3, Decimal("9.00")),
        ("TEE-M", "Linen tee", "M", 6, Decimal("116.40")),
        ("MUG", "Stoneware mug", "Speckled", 8, Decimal("98.75")),
    ]
    assert got[1][5:] == (None, None, None)  # no cost known: no margin made up


# --- tax summary ------------------------------------------------------------------------------


def expected_tax(start, end) -> list[tuple]:
    by_rate = defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO])
    for offset, documents in ((0, Invoice.objects.all()), (2, CreditNote.objects.all())):
        for document in documents.prefetch_related("lines"):
            if not within(document.issued_at, start, end):
                continue
            for line in document.lines.all():
                by_rate[line.tax_rate][offset] += line.net
                by_rate[line.tax_rate][offset + 1] += line.tax
    return [
        (rate, net, tax, credit_net, credit_tax, net - credit_net, tax - credit_tax)
        for rate, (net, tax, credit_net, credit_tax) in sorted(by_rate.items(), reverse=True)
    ]


def test_the_tax_summary_equals_invoices_less_credit_notes_by_rate(trading):
    start, end = trading.first_day, trading.last_day
    got = rows("tax_summary", start=start, end=end)
    assert got == expected_tax(start, end)
    assert [row[0] for row in got] == [Decimal("20"), Decimal("10"), Decimal("5.5")]
    invoiced = sum(invoice.total for invoice in Invoice.objects.all())
    credited = sum(note.total for note in CreditNote.objects.all())
    assert column_total(got, 1) + column_total(got, 2) == invoiced == Decimal("348.72")
    assert column_total(got, 3) + column_total(got, 4) == credited == Decimal("119.75")


def test_the_tax_summary_of_a_later_period_holds_only_its_documents(trading):
    start, end = trading.day(-20), trading.last_day
    got = rows("tax_summary", start=start, end=end)
    assert got == expected_tax(start, end)
    # The invoice cancelled on day -14 and its credit note cancel out.
    cancelled = Invoice.objects.get(order=trading.orders["invoiced_cancelled"])
    assert cancelled.credit_notes.get().total == cancelled.total


# --- payments and refunds ---------------------------------------------------------------------


def expected_payments(start, end) -> list[tuple]:
    table = []
    for payment in Payment.objects.select_related("order"):
        if payment.status == PaymentStatus.SUCCEEDED and within(payment.captured_at, start, end):
            fee = payment.fee or ZERO
            reference = payment.stripe_payment_intent_id or payment.reference
            table.append(
                (
                    payment.captured_at,
                    "Payment",
                    payment.order.number,
                    payment.provider,
                    payment.method,
                    reference,
                    payment.amount,
                    fee,
                    payment.amount - fee,
                )
            )
    for refund in Refund.objects.select_related("order", "payment"):
        if refund.status == RefundStatus.SUCCEEDED and within(refund.created_at, start, end):
            table.append(
                (
                    refund.created_at,
                    "Refund",
                    refund.order.number,
                    refund.payment.provider,
                    refund.reason,
                    refund.stripe_refund_id or "",
                    -refund.amount,
                    ZERO,
                    -refund.amount,
                )
            )
    return sorted(table, key=lambda row: row[0])


def test_payments_and_refunds_equal_the_money_in_and_out(trading):
    start, end = trading.first_day, trading.last_day
    got = rows("payments_refunds", start=start, end=end)
    assert got == expected_payments(start, end)
    assert len(got) == 13
    stripe = next(row for row in got if row[3] == "stripe")
    assert stripe[5:] == ("pi_test_1", Decimal("52.75"), Decimal("0.85"), Decimal("51.90"))
    assert column_total(got, 6) == Decimal("405.07") - Decimal("95.87")
    assert column_total(got, 7) == Decimal("0.85")


# --- inventory valuation ----------------------------------------------------------------------


def expected_valuation(at: date) -> list[tuple]:
    """The ledger replayed to the end of `at`: each stock row's balance after its last
    movement dated that day or before."""
    last = {}
    for movement in StockMovement.objects.select_related("variant__product", "warehouse").order_by(
        "id"
    ):
        if local_day(movement.created_at) <= at:
            last[(movement.variant_id, movement.warehouse_id)] = movement
    table = []
    for movement in last.values():
        variant, quantity = movement.variant, movement.on_hand_after
        if quantity:
            value = variant.cost * quantity if variant.cost is not None else None
            table.append(
                (
                    variant.sku or "",
                    variant.product.title,
                    " / ".join(variant.option_values),
                    movement.warehouse.code,
                    quantity,
                    variant.cost,
                    value,
                )
            )
    return sorted(table, key=lambda row: (row[1], row[0], row[3]))


def valuation(at: date) -> list[tuple]:
    return rows("inventory_valuation", start=at, end=at)


def test_the_valuation_at_a_past_date_is_the_ledger_replayed_to_it(trading):
    past = trading.day(-26)  # after the damage and the transfer, before the stocktake
    got = valuation(past)
    assert got == expected_valuation(past)
    assert (
        "BOOK",
        "Field guide",
        "Paperback",
        "east",
        9,
        Decimal("11.00"),
        Decimal("99.00"),
    ) in got
    assert ("", "Gift wrap", "Red", "main", 50, None, None) in got


def test_moves_after_a_date_change_nothing_in_the_valuation_at_it(trading):
    past = trading.day(-26)
    before = valuation(past)
    system = Actor.system("test")
    stock_receive(variant=trading.catalog.mug, warehouse="east", quantity=7, actor=system)
    stock_adjust(
        variant=trading.catalog.tee,
        warehouse="main",
        delta=-2,
        reason=MovementReason.DAMAGE,
        actor=system,
    )
    assert valuation(past) == before
    assert valuation(trading.today) == expected_valuation(trading.today) != before


def test_the_valuation_today_is_the_stock_on_hand(trading):
    got = valuation(trading.today)
    on_hand = {
        (level.variant.sku or "", level.warehouse.code): level.on_hand
        for level in StockLevel.objects.select_related("variant", "warehouse")
        if level.on_hand
    }
    assert {(row[0], row[3]): row[4] for row in got} == on_hand
    assert column_total(got, 6) == sum(
        (
            level.on_hand * level.variant.cost
            for level in StockLevel.objects.select_related("variant")
            if level.variant.cost is not None
        ),
        ZERO,
    )


# --- stock movements and low stock ------------------------------------------------------------


def test_stock_movements_are_the_ledger_rows_of_the_period(trading):
    start, end = trading.day(-30), trading.day(-20)
    reasons = dict(MovementReason.choices)
    expected = [
        (
            m.created_at,
            m.variant.sku or "",
            m.variant.product.title,
            m.warehouse.code,
            reasons[m.reason],
            m.on_hand_delta,
            m.allocated_delta,
            m.on_hand_after,
            m.allocated_after,
            m.reference,
            m.actor_name,
        )
        for m in StockMovement.objects.select_related("variant__product", "warehouse").order_by(
            "id"
        )
        if within(m.created_at, start, end)
    ]
    got = rows("stock_movements", start=start, end=end)
    assert got == expected
    assert [row[4] for row in got] == [
        "Damage",
        "Found",
        "Transfer out",
        "Transfer in",
        "Allocation",
        "Release",
        "Stocktake",
        "Allocation",
        "Allocation",
        "Allocation",
    ]


def expected_low_stock(end: date) -> list[tuple]:
    shipped = defaultdict(int)
    for movement in StockMovement.objects.filter(reason=MovementReason.SHIPMENT):
        if end - timedelta(days=29) <= local_day(movement.created_at) <= end:
            shipped[(movement.variant_id, movement.warehouse_id)] -= movement.on_hand_delta
    table = []
    for level in StockLevel.objects.select_related("variant__product", "warehouse"):
        available = level.on_hand - level.allocated
        if not level.reorder_point or available > level.reorder_point:
            continue
        sold = shipped[(level.variant_id, level.warehouse_id)]
        cover = (Decimal(max(available, 0)) * 30 / sold).quantize(Decimal("0.1")) if sold else None
        suggested = max(level.reorder_quantity, level.reorder_point - available)
        table.append(
            (
                level.variant.sku or "",
                level.variant.product.title,
                level.warehouse.code,
                level.on_hand,
                level.allocated,
                available,
                level.reorder_point,
                sold,
                cover,
                suggested,
            )
        )
    return sorted(table, key=lambda row: (row[1], row[0], row[2]))


@pytest.mark.parametrize("days_ago", [1, 40])
def test_low_stock_lists_the_rows_at_their_reorder_point_with_their_cover(trading, days_ago):
    end = trading.day(-days_ago)
    got = rows("low_stock", start=end, end=end)
    assert got == expected_low_stock(end)
    assert [(row[0], row[2]) for row in got] == [("BOOK", "east"), ("MUG", "main")]
    if days_ago == 40:  # five mugs shipped from main in the 30 days to day -40
        assert got[1][7:] == (5, Decimal("204.0"), 24)
