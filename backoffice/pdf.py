"""PDF documents from HTML templates, rendered on the server with WeasyPrint.

A template reaches nothing outside itself: images come in as `data:` URIs (see `data_uri`)
and every other address a document names is refused, so a value typed into a document can
never make the server fetch something."""

import base64
import mimetypes

from django.template.loader import render_to_string

from backoffice.exceptions import DomainError

MISSING_LIBRARIES = (
    "PDFs cannot be made on this server: WeasyPrint needs the Pango library "
    "(on Debian or Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
    "libharfbuzz-subset0 fonts-dejavu-core). The spreadsheet download works without it."
)


class PdfUnavailable(DomainError):
    """The system libraries WeasyPrint loads are not installed."""


def _no_fetching(url: str, timeout: int = 10, ssl_context=None):
    from weasyprint.urls import URLFetchingError, default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)
    raise URLFetchingError(f"documents fetch nothing: {url[:80]}")


def render_pdf(template_name: str, context: dict) -> bytes:
    # Imported here: WeasyPrint loads Pango and its style sheets, which only PDFs need.
    try:
        from weasyprint import HTML
    except OSError as error:  # the shared libraries are missing
        raise PdfUnavailable(MISSING_LIBRARIES) from error

    html = render_to_string(template_name, context)
    return HTML(string=html, url_fetcher=_no_fetching, base_url=".").write_pdf()


def data_uri(file) -> str:
    """A stored image as a `data:` URI a template can show ("" when there is none)."""
    if not file:
        return ""
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    with file.open("rb") as handle:
        return f"data:{kind};base64,{base64.b64encode(handle.read()).decode()}"
