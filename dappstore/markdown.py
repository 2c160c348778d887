"""Markdown descriptions rendered to HTML that is safe to put in a page.

Two layers: markdown-it renders CommonMark with raw HTML disabled (a `<script>` in the text
stays text), then nh3 keeps only a small allow-list of tags and attributes and only http(s)
and mailto links, so no markup, event handler or `javascript:` URL survives either layer.
Images keep only a path on this site as their source: another site's image in a page would
tell that site who reads it (a tracking beacon), and the pages' CSP would refuse it anyway.
"""

import html
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

RENDERER_VERSION = 2  # bump when the output changes: the background job re-renders everything
TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}
SCHEMES = {"http", "https", "mailto"}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def _local_images_only(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        remote = urlsplit(value).scheme or value.startswith(("//", "\\"))
        return None if remote else value
    return value


def markdown_render(text: str) -> str:
    html = _markdown.render(text or "")
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        attribute_filter=_local_images_only,
        url_schemes=SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def markdown_text(text: str) -> str:
    """The description's words without markup, for the search index and summaries."""
    return html.unescape(nh3.clean(_markdown.render(text or ""), tags=set())).strip()
