"""The product's URLs plus the untuned baseline admin at /plain-admin/ (benchmarks only)."""

from django.urls import path

from backoffice.urls import urlpatterns as product_urlpatterns
from bench.plain_admin import site as plain_site

urlpatterns = [*product_urlpatterns, path("plain-admin/", plain_site.urls)]
