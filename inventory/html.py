"""Product descriptions are HTML written elsewhere (Shopify's "Body (HTML)", an editor, a
spreadsheet), kept as written. Before one leaves for a storefront, which puts it in its page
as it is, it is sanitised with nh3 (the ammonia sanitiser): formatting, links, lists, tables
and pictures stay; scripts, styles, frames, forms, event handlers and `javascript:` links go.
"""

import nh3


def description_html(text: str) -> str:
    """The description as HTML a storefront may insert into its page."""
    return nh3.clean(text) if text else ""
