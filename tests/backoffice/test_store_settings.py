"""Administration → Store settings: the Owner edits the one row, everybody else reads it, every
wrong value is refused with a message naming its field, and a save reaches every process."""

import io
from decimal import Decimal

import pytest
from celery import shared_task
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from backoffice import roles
from backoffice.actors import Actor
from backoffice.models import StoreSettings
from backoffice.selectors import CACHE_KEY, store_settings
from backoffice.services import StoreSettingsInvalid
from inventory.models import TaxClass
from sales.services import LineRequest, order_create
from tests.conftest import EXEMPT_CLASS, TEST_SELLER, set_store
from tests.factories import (
    ChannelFactory,
    CustomerFactory,
    TaxClassFactory,
    UserFactory,
    VariantFactory,
)

PAGE = "/admin/backoffice/storesettings/1/change/"


def png(width=40, height=20) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(buffer, "PNG")
    return buffer.getvalue()


def form_data(**changes) -> dict:
    """The page's form as the Owner submits it, filled with the test seller."""
    store = store_settings()
    data = {
        **TEST_SELLER,
        "trading_name": "",
        "company_number": "",
        "address_line2": "",
        "region": "",
        "email": "hello@example.com",
        "phone": "+33 1 23 45 67 89",
        "public_base_url": "https://shop.example.com",
        "currency": store.currency,
        "default_tax_class": "",
        "shipping_tax_class": "",
        "invoice_footer": "Payment within 30 days. IBAN FR76 3000 6000 0112 3456 7890 189",
        "credit_note_footer": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def saved_state() -> tuple:
    row = StoreSettings.objects.get()
    return (row.legal_name, row.vat_number, row.currency, row.logo.name, row.history.count())


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def test_the_migrations_make_the_one_row_from_the_environment(db, settings):
    row = StoreSettings.objects.get()
    assert row.currency == settings.STORE_CURRENCY
    assert row.public_base_url == settings.BACKOFFICE_BASE_URL.rstrip("/")
    exempt = TaxClass.objects.get(name=EXEMPT_CLASS)
    assert (exempt.rate, exempt.exempt) == (0, True)


def test_the_owner_fills_in_the_store_and_every_reader_sees_it(owner_client):
    standard = TaxClassFactory(name="Standard", rate=Decimal("20"))
    logo = SimpleUploadedFile("logo.png", png(), content_type="image/png")
    response = owner_client.post(
        PAGE,
        form_data(vat_number="fr 40 303 265 045", default_tax_class=standard.pk, logo=logo),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors

    row = StoreSettings.objects.get()
    assert (row.legal_name, row.vat_number, row.phone) == (
        "Test Shop SAS",
        "FR40303265045",  # the compact form, as invoices print it
        "+33 1 23 45 67 89",
    )
    assert row.default_tax_class == standard
    assert row.logo.name.startswith("store/logo")
    assert row.history.first().history_change_reason == "Store settings changed"
    assert store_settings().vat_number == "FR40303265045"  # the cached copy was dropped
    # The page redisplays what was saved.
    page = owner_client.get(PAGE)
    assert b"Test Shop SAS" in page.content
    assert b"Payment within 30 days" in page.content


def test_the_admin_list_opens_the_one_row(owner_client):
    response = owner_client.get("/admin/backoffice/storesettings/")
    assert response.status_code == 302
    assert response["Location"] == PAGE


@pytest.mark.parametrize("role", [roles.MERCHANT, roles.ACCOUNTANT])
def test_other_roles_read_the_settings_but_cannot_change_them(client, db, role):
    set_store(**TEST_SELLER)
    client.force_login(UserFactory(username="reader", roles=[role]))
    before = saved_state()

    page = client.get(PAGE)
    assert page.status_code == 200
    assert b"Test Shop SAS" in page.content
    assert b'name="_save"' not in page.content

    refused = client.post(PAGE, form_data(legal_name="Taken Over Ltd"))
    assert refused.status_code == 403
    assert saved_state() == before


def test_staff_without_a_role_cannot_open_the_settings(client, db):
    client.force_login(UserFactory(username="nobody", roles=[]))
    assert client.get(PAGE).status_code == 403
    before = saved_state()
    assert client.post(PAGE, form_data(legal_name="Taken Over Ltd")).status_code == 403
    assert saved_state() == before


def big_png() -> bytes:
    # Noise does not compress: well over the 1 MB a logo may weigh.
    image = Image.frombytes("RGB", (800, 800), bytes(range(256)) * 7500)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=0)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("field", "changes", "message"),
    [
        ("country", {"country": "ZZ"}, "not one of the available choices"),
        ("currency", {"currency": "XXX"}, "not one of the available choices"),
        ("currency", {"currency": "euro"}, "not one of the available choices"),
        ("vat_number", {"vat_number": "FR123"}, "is not a valid VAT number for FR"),
        ("vat_number", {"vat_number": "DE136695976"}, "another country than FR"),
        ("phone", {"phone": "call me"}, "is not a valid phone number"),
        ("public_base_url", {"public_base_url": "javascript:alert(1)"}, "valid URL"),
        ("email", {"email": "not-an-address"}, "valid email"),
        ("legal_name", {"legal_name": "x" * 201}, "at most 200 characters"),
        (
            "logo",
            {"logo": SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", "image/png")},
            "Upload a valid image",
        ),
        ("logo", {"logo": SimpleUploadedFile("logo.png", big_png(), "image/png")}, "at most 1 MB"),
    ],
)
def test_a_wrong_value_is_refused_naming_its_field_and_nothing_is_saved(
    owner_client, field, changes, message
):
    before = saved_state()
    response = owner_client.post(PAGE, form_data(**changes))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert message in " ".join(errors[field]), errors
    assert saved_state() == before


def test_the_service_refuses_what_the_page_refuses(db):
    before = saved_state()
    with pytest.raises(StoreSettingsInvalid, match="vat number: FR123 is not a valid VAT number"):
        set_store(country="FR", vat_number="FR123")
    with pytest.raises(StoreSettingsInvalid, match="Unknown store settings: colour"):
        set_store(colour="red")
    with pytest.raises(StoreSettingsInvalid, match="'ZZZ' is not a currency code"):
        set_store(currency="ZZZ")
    assert saved_state() == before


def test_the_store_currency_cannot_change_once_orders_exist(owner_client):
    set_store(default_tax_class=TaxClass.objects.get(name=EXEMPT_CLASS))
    order_create(
        channel=ChannelFactory(),
        customer=CustomerFactory(),
        lines=[LineRequest(variant=VariantFactory(), quantity=1)],
        actor=Actor.system("test"),
    )
    before = saved_state()
    response = owner_client.post(PAGE, form_data(currency="USD"))
    errors = response.context["adminform"].form.errors
    assert "orders exist, and their amounts, payments and invoices are in EUR" in " ".join(
        errors["currency"]
    )
    assert saved_state() == before


def test_a_currency_the_catalog_prices_do_not_fit_is_refused(db):
    VariantFactory(price=Decimal("19.90"))
    before = saved_state()
    with pytest.raises(StoreSettingsInvalid, match=r"more decimals than JPY allows \(e.g. 19.90\)"):
        set_store(currency="JPY")
    assert saved_state() == before
    set_store(currency="USD")  # as many decimals as EUR: allowed while no order exists
    assert store_settings().currency == "USD"


# --- one cached copy, forgotten everywhere on save --------------------------------------------


@shared_task(name="tests.store_legal_name")
def store_legal_name_task() -> str:
    return store_settings().legal_name


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_reaches_a_worker_that_had_read_the_old_settings(celery_worker):
    from django.core.cache import cache

    set_store(legal_name="Before SARL")
    assert store_legal_name_task.delay().get(timeout=30) == "Before SARL"
    assert cache.get(CACHE_KEY).legal_name == "Before SARL"  # shared by every process

    set_store(legal_name="After SARL")

    assert cache.get(CACHE_KEY) is None
    assert store_legal_name_task.delay().get(timeout=30) == "After SARL"
