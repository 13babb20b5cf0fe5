"""The accountant's month end in Chromium: request last month's sales summary in the admin,
wait on the run page while it is prepared (the page refreshes itself), download the xlsx and
open it."""

import os
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backoffice import roles
from reporting.periods import period_for
from tests.factories import UserFactory
from tests.reporting.conftest import build_catalog, local, pay, place_order


@pytest.fixture
def last_month(committed_db) -> tuple[date, date]:
    """Three sales last month, one this month; and the accountant."""
    today = timezone.localdate()
    first, last = period_for("last_month", today)
    catalog = build_catalog(today)
    for day, channel, lines in [
        (first.replace(day=10), catalog.web, [(catalog.tee, 2, "0")]),
        (first.replace(day=20), catalog.web, [(catalog.mug, 1, "0"), (catalog.book, 1, "0")]),
        (first.replace(day=20), catalog.stall, [(catalog.mug, 3, "0")]),
        (today, catalog.stall, [(catalog.mug, 1, "0")]),
    ]:
        moment = local(day, 10) if day < today else timezone.now() - timedelta(seconds=1)
        pay(place_order(catalog, moment, channel, lines), moment + timedelta(seconds=1))
    UserFactory(username="accountant", password="books-pass", roles=[roles.ACCOUNTANT])
    return first, last


@pytest.fixture
def report_worker(request):
    """Where the run goes: a real Celery worker on Redis in the production-like run; in the
    embedded one, the task runs in the web process as the request commits."""
    if os.environ.get("REDIS_URL"):
        request.getfixturevalue("celery_worker")


@pytest.mark.browser
def test_the_accountant_requests_waits_for_and_downloads_last_months_sales(
    last_month, report_worker, live_server, page, tmp_path
):
    first, last = last_month
    base = live_server.url
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "accountant")
    page.fill("#id_password", "books-pass")
    page.click("#login-form button[type=submit]")
    expect(page.locator("#dashboard")).to_be_visible()

    page.goto(f"{base}/admin/reporting/reportrun/")
    page.get_by_role("link", name="Request a report").click()
    page.select_option("#id_kind", label="Sales summary")
    expect(page.locator("#id_preset")).to_have_value("last_month")
    expect(page.locator("#id_format")).to_have_value("xlsx")
    page.locator("#action-form [type=submit]").click()
    expect(page.locator("body")).to_contain_text("Sales summary requested")

    download_link = page.get_by_role("link", name="Download")
    expect(download_link).to_be_visible(timeout=60_000)  # the page refreshes until it is done
    with page.expect_download() as started:
        download_link.click()
    download = started.value
    assert download.suggested_filename.startswith(f"sales_summary-{first}-{last}-")

    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = openpyxl.load_workbook(saved)
    rows = list(book["Sales summary"].iter_rows(min_row=2, values_only=True))
    assert [(row[0].date(), row[1], row[2], row[3]) for row in rows[:-1]] == [
        (first.replace(day=10), "Web shop", 1, 2),
        (first.replace(day=20), "Market stall", 1, 3),
        (first.replace(day=20), "Web shop", 1, 2),
    ]
    assert rows[-1][0] == "Total"
    assert Decimal(str(rows[-1][10])) == Decimal("47.76") + Decimal("39.59") + Decimal("39.56")
    parameters = {row[0]: row[1] for row in book["Parameters"].iter_rows(values_only=True)}
    assert (parameters["Period"], parameters["Requested by"]) == ("Last month", "accountant")
