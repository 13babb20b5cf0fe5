"""Settings of the gunicorn process the API benchmark starts: Backoffice's own settings, with
the benchmark's URLs mounted next to the product's (`bench.api_urls`)."""

import warnings

from backoffice.settings import *  # noqa: F403
from backoffice.settings import STORAGES

ROOT_URLCONF = "bench.api_urls"

# As in the harness: no `collectstatic` before a benchmark, so no manifest of hashed names,
# and no folder for WhiteNoise to serve from.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
