"""Product descriptions are HTML written elsewhere (Shopify's "Body (HTML)", an editor, a
spreadsheet), kept as written. Before one leaves for a storefront, which puts it in its page
as it is, it is sanitised with nh3 (the ammonia sanitiser): formatting, links, lists, tables
and pictures stay; scripts, frames, forms, event handlers and `javascript:` links go.

Real Shopify exports style their descriptions inline (colours, alignment, sizes: thousands of
`style` attributes in the exports we tried), so `style` stays too, holding only properties
that change how text and boxes look, never where they sit (no `position`, no `z-index`, no
background images): a description cannot cover the storefront's page.
"""

import nh3

GLOBAL_ATTRIBUTES = {"style", "class", "dir", "title", "align", "lang"}
STYLE_PROPERTIES = {
    "color", "background-color", "text-align", "text-decoration", "text-transform",
    "font-family", "font-size", "font-style", "font-weight", "line-height", "letter-spacing",
    "vertical-align", "white-space", "list-style-type",
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-collapse", "border-color", "border-style", "border-width",
    "width", "max-width", "height", "max-height",
}  # fmt: skip
ATTRIBUTES = {
    tag: set(allowed) | GLOBAL_ATTRIBUTES for tag, allowed in nh3.ALLOWED_ATTRIBUTES.items()
}
ATTRIBUTES["*"] = GLOBAL_ATTRIBUTES
ATTRIBUTES["a"] = ATTRIBUTES.get("a", set()) | {"target"}


def description_html(text: str) -> str:
    """The description as HTML a storefront may insert into its page."""
    if not text:
        return ""
    return nh3.clean(text, attributes=ATTRIBUTES, filter_style_properties=STYLE_PROPERTIES)
