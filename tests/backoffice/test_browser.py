"""A person's view: Chromium signs in as the merchant and lands on the dashboard."""

import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_merchant_signs_in_and_sees_the_dashboard(
    # `page` last: Chromium starts once the server and the data exist, and stops before them.
    committed_db,
    live_server,
    demo_users,
    demo_password,
    page,
):
    page.goto(f"{live_server.url}/admin/")
    expect(page).to_have_url(f"{live_server.url}/admin/login/?next=/admin/")

    page.fill("#id_username", "merchant")
    page.fill("#id_password", demo_password)
    page.click("#login-form button[type=submit]")

    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.locator("#dashboard")).to_contain_text("Welcome, Morgan")
    expect(page.locator("#dashboard")).to_contain_text("Merchant")
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()
    # Administration offers the merchant only the store settings, to read.
    expect(page.locator("a[href='/admin/backoffice/storesettings/']").first).to_be_visible()
    expect(page.locator("a[href='/admin/auth/user/']")).to_have_count(0)
