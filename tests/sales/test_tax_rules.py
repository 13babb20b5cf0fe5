"""Tax is never silently zero: a product without a class of its own takes the store's default
class, untaxed goods say so through the exempt class, shipping is taxed by the shipping class,
and an order nothing tells the tax of is refused before anything is written."""

from decimal import Decimal

import pytest

from inventory.models import TaxClass
from sales.models import LineAllocation, Order, OrderLine, OrderStatus
from sales.services import LineRequest, invoice_issue, order_create, order_place
from sales.services.orders import MissingTaxClass
from tests.conftest import EXEMPT_CLASS, set_store
from tests.factories import TaxClassFactory, VariantFactory
from tests.sales.conftest import SYSTEM


@pytest.fixture
def untaxed_product(shop):
    """A product with no tax class of its own, as every product imported from Shopify is."""
    variant = VariantFactory(sku="CANDLE", price=Decimal("10.00"), product__title="Candle")
    variant.product.tax_class = None
    variant.product.save()
    from inventory.services import stock_receive

    stock_receive(variant=variant, warehouse=shop.main, quantity=5, actor=SYSTEM)
    return variant


def written() -> tuple:
    return (
        Order.objects.count(),
        OrderLine.objects.count(),
        LineAllocation.objects.count(),
        list(Order.objects.values_list("status", flat=True)),
    )


def test_a_product_without_a_class_is_taxed_at_the_store_default(shop, untaxed_product):
    standard = TaxClass.objects.get(name="Standard")
    set_store(default_tax_class=standard)

    order = shop.placed((untaxed_product, 2))

    (line,) = order.lines.all()
    assert (line.tax_rate, line.tax_exempt, line.tax) == (Decimal("20.000"), False, Decimal("4.00"))
    assert order.total == Decimal("24.00")


def test_exempt_goods_carry_no_tax_and_say_so(shop, untaxed_product):
    exempt = TaxClass.objects.get(name=EXEMPT_CLASS)
    exempt.invoice_note = "VAT exempt, article 261-4-4° of the CGI"
    exempt.save()
    untaxed_product.product.tax_class = exempt
    untaxed_product.product.save()

    order = shop.placed((untaxed_product, 1), (shop.tee, 1))
    invoice = invoice_issue(order=order, actor=SYSTEM)

    candle = order.lines.get(sku="CANDLE")
    assert (candle.tax_rate, candle.tax_exempt, candle.tax) == (Decimal("0.000"), True, 0)
    assert exempt.label == "Exempt"
    assert [(row["exempt"], row["tax"]) for row in invoice.tax_breakdown()] == [
        (False, Decimal("3.98")),  # the tee at 20 %
        (True, Decimal("0.00")),
    ]
    assert invoice.tax_notes() == ["VAT exempt, article 261-4-4° of the CGI"]


def test_without_a_class_or_a_default_the_order_is_refused_naming_the_products(
    shop, untaxed_product
):
    set_store(default_tax_class=None)
    before = written()

    with pytest.raises(MissingTaxClass, match="No tax class for Candle: give the product"):
        shop.draft((untaxed_product, 1), (shop.tee, 1))

    assert written() == before


def test_a_draft_whose_product_lost_its_class_is_not_placed_and_nothing_is_allocated(
    shop, untaxed_product
):
    draft = shop.draft((untaxed_product, 1))  # the store's default (exempt) class applied
    set_store(default_tax_class=None)
    before = written()

    with pytest.raises(MissingTaxClass, match="No tax class for Candle"):
        order_place(order=draft, actor=SYSTEM)

    assert written() == before
    draft.refresh_from_db()
    assert draft.status == OrderStatus.DRAFT


def test_shipping_is_taxed_by_the_shipping_class(shop):
    reduced = TaxClass.objects.get(name="Reduced")
    set_store(shipping_tax_class=reduced)

    order = shop.placed((shop.tee, 1), shipping=Decimal("10.00"))

    assert (order.shipping_tax_rate, order.shipping_tax_exempt) == (Decimal("5.500"), False)
    # 19.90 + 3.98 tax on the tee, 10.00 + 0.55 on shipping.
    assert order.total == Decimal("34.43")


def test_shipping_without_a_shipping_class_takes_the_default(shop):
    set_store(
        shipping_tax_class=None, default_tax_class=TaxClassFactory(name="Ten", rate=Decimal("10"))
    )

    order = shop.placed((shop.tee, 1), shipping=Decimal("10.00"))

    assert order.shipping_tax_rate == Decimal("10.000")


def test_shipping_nothing_can_tax_is_refused(shop):
    set_store(shipping_tax_class=None, default_tax_class=None)
    before = written()

    with pytest.raises(MissingTaxClass, match="No tax class for shipping"):
        order_create(
            channel=shop.channel,
            customer=shop.customer,
            lines=[LineRequest(variant=shop.tee, quantity=1)],
            shipping=Decimal("4.90"),
            actor=SYSTEM,
        )

    assert written() == before
    # Free shipping needs no class.
    assert shop.placed((shop.tee, 1)).shipping_tax_rate == 0
