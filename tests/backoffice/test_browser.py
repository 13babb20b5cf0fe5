"""A person's view: Chromium signs in as the merchant and lands on the dashboard."""

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def page(chromium_path, monkeypatch):
    # Playwright's sync API keeps an event loop running in the test's thread; the ORM calls
    # the fixtures make there are still plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


@pytest.mark.browser
def test_merchant_signs_in_and_sees_the_dashboard(
    # `page` last: Chromium starts once the server and the data exist, and stops before them.
    transactional_db,
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
    expect(page.get_by_text("Administration")).to_have_count(0)
