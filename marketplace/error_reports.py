"""Error reports (Django's DEBUG page, the text of mailed reports) without credentials.

Django hides settings whose *name* looks secret (KEY, PASS, TOKEN…), but not what a URL
carries: DATABASE_URL's and REDIS_URL's passwords, and the API key a hosted JSON-RPC node puts
in CHAIN_RPC_URL's path or query. Those parts of every `*_URL` setting are masked in the whole
report, wherever they appear: the settings themselves, the broker and cache settings built from
them, a frame's local variables, an exception's message.
"""

import html
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.views.debug import ExceptionReporter

MASK = "********"
# Shorter fragments (a Redis database number, a one-letter path) are no secrets and would
# mask unrelated text.
MIN_SECRET_LENGTH = 4
# A path segment this long is a key (Infura's /v3/<key>, Alchemy's /v2/<key>), masked on its
# own too; shorter ones ("v2", "rpc") are words found elsewhere in the report.
MIN_KEY_LENGTH = 12


def url_secrets(url: str) -> list[str]:
    """The parts of `url` that may be credentials: its password, its query and each of its
    values, and the path of an http(s) URL (where node providers put API keys)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return []
    found = [password or "", parts.query, *(value for _, value in parse_qsl(parts.query))]
    if parts.scheme in ("http", "https"):
        path = parts.path.strip("/")
        found += [path, *(part for part in path.split("/") if len(part) >= MIN_KEY_LENGTH)]
    return [part for part in found if len(part) >= MIN_SECRET_LENGTH]


def configured_secrets() -> list[str]:
    found = set()
    for name in dir(settings):
        value = getattr(settings, name, None)
        if name.endswith("_URL") and isinstance(value, str):
            found.update(url_secrets(value))
    # The longest first: a secret containing another is masked whole.
    return sorted(found, key=len, reverse=True)


def mask(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK).replace(html.escape(secret), MASK)
    return text


class MaskingExceptionReporter(ExceptionReporter):
    def get_traceback_html(self):
        return mask(super().get_traceback_html(), configured_secrets())

    def get_traceback_text(self):
        return mask(super().get_traceback_text(), configured_secrets())
