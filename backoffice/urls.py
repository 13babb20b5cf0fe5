from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from backoffice.activity import admin_urls
from backoffice.views import healthz, media_file
from integrations.api import api
from integrations.api.docs import api_not_found, redoc
from integrations.stripe.webhooks import stripe_webhook

admin.site.index_title = "Dashboard"
# Pages of the admin site that belong to no model (Unfold's hook): /admin/activity/.
admin.site.extra_urls = admin_urls  # type: ignore[attr-defined]  # Unfold reads it

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("media/<path:path>", media_file, name="media-file"),
    path("integrations/stripe/webhook/", stripe_webhook, name="stripe-webhook"),
    path("api/v1/redoc", redoc, name="api-redoc"),
    path("api/v1/", api.urls),
    path("api/<path:rest>", api_not_found),  # after the API's own: what none of them is
]
