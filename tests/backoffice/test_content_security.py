"""The Content-Security-Policy: every page carries it, and the admin (Unfold's Alpine.js
widgets included), the login page and the API's docs work under it in Chromium, without a
single violation; while an inline script, the way an injected one would come, is blocked."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import ProductFactory, VariantFactory

# Collects what the browser refuses, from the first script of each page on.
WATCH_VIOLATIONS = """
window.__refused = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__refused.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`);
});
"""


def test_every_page_carries_the_policy(client, owner):
    for response in (client.get("/admin/login/"), client.get("/api/v1/docs")):
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self' 'unsafe-eval'" in policy  # no 'unsafe-inline' for scripts
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def visit(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    return page.evaluate("window.__refused")


@pytest.mark.browser
def test_the_admin_login_and_docs_work_under_the_policy(
    committed_db, live_server, demo_users, demo_password, page
):
    variant = VariantFactory(product=ProductFactory(title="Linen shirt"), sku="LIN-1")
    page.add_init_script(WATCH_VIOLATIONS)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    base = live_server.url
    assert visit(page, f"{base}/admin/login/") == []
    page.fill("#id_username", "admin")
    page.fill("#id_password", demo_password)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#dashboard")).to_be_visible()
    assert page.evaluate("window.__refused") == []
    pages = [
        reverse("admin:inventory_product_changelist"),
        reverse("admin:inventory_product_change", args=[variant.product_id]),
        reverse("admin:inventory_product_add"),
        reverse("admin:sales_order_changelist"),
        reverse("admin:reporting_reportrun_request_report"),
        reverse("admin:imports_importbatch_new_import"),
        reverse("admin:backoffice_storesettings_changelist"),
        "/api/v1/docs",
    ]
    for path in pages:
        assert visit(page, f"{base}{path}") == [], path
        if path.startswith("/admin/"):
            # Alpine ran its components: the admin's widgets are alive, not inert.
            assert page.evaluate(
                "() => [...document.querySelectorAll('[x-data]')].every(e => e._x_dataStack)"
            ), path
    expect(page.locator("#swagger-ui")).to_contain_text("Backoffice")
    assert [e for e in errors if "Content Security Policy" in e or "Alpine" in e] == []

    page.set_content("<p>x</p>")  # about:blank has no policy: load a page of ours first
    page.goto(f"{base}/admin/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.appendChild(s); }"
    )
    assert page.evaluate("window.__ran") is None
    assert any(refusal.startswith("script-src") for refusal in page.evaluate("window.__refused"))


@pytest.mark.browser
def test_the_api_reference_pages_work_offline_under_the_policy(committed_db, live_server, page):
    """Swagger UI and ReDoc come from the site's own static files: with every other host out
    of reach, both render the whole schema, without a single refusal of the policy."""
    base = live_server.url
    elsewhere = []

    def only_this_site(route):
        if route.request.url.startswith(base):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_site)
    page.add_init_script(WATCH_VIOLATIONS)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    assert visit(page, f"{base}/api/v1/docs") == []
    expect(page.locator("#swagger-ui")).to_contain_text("Backoffice storefront API")
    expect(page.locator("#swagger-ui")).to_contain_text("/api/v1/orders")

    assert visit(page, f"{base}/api/v1/redoc") == []
    expect(page.locator("#redoc-ui")).to_contain_text("Backoffice storefront API")
    expect(page.locator("#redoc-ui")).to_contain_text("/orders")
    page.locator("#redoc-ui input[placeholder='Search...']").fill("stock")
    expect(page.locator("#redoc-ui [role=search] li").first).to_be_visible()
    assert page.evaluate("window.__refused") == []
    # ReDoc's footer asks for Redocly's logo and hides it when that fails: nothing else
    # leaves the site, and nothing fails.
    assert elsewhere == ["https://cdn.redoc.ly/redoc/logo-mini.svg"]
    assert [e for e in errors if "logo-mini" not in e and "ERR_FAILED" not in e] == []
