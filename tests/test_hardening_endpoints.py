"""Hardened endpoints: expiring, unshared challenges; sign-in leftovers cleared; a CSP on every
page and nothing inline for it to refuse; no remote images in store descriptions; the admin's
login and every endpoint that prepares a transaction rate limited."""

import re
import secrets
from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from eth_account import Account

from dappstore.markdown import markdown_render
from marketplace.models import SignInNonce
from marketplace.simulation.actors import dev_key
from marketplace.simulation.gateway import typed_data_sign
from orderbook.models import Challenge
from tests.processes import ROOT

KEY = dev_key(3)
ADDRESS = Account.from_key(KEY).address


@pytest.fixture
def chain(devnet, settings):
    settings.CHAIN_RPC_URL, settings.HUB_ADDRESS = devnet.url, devnet.hub
    return int(devnet.rpc("eth_chainId"), 16)


def _challenge(client: Client, chain_id: int) -> dict:
    answer = client.get("/challenge", {"chainId": chain_id, "address": ADDRESS})
    assert answer.status_code == 200
    return answer.json()["data"]


def _publish(client: Client, chain_id: int, typed: dict):
    digest, signature = typed_data_sign(typed, KEY)
    return client.post(
        f"/apporders?chainId={chain_id}", "{}", content_type="application/json",
        headers={"authorization": f"{digest}_{signature}_{ADDRESS}"},
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_each_get_makes_a_new_challenge_and_none_replaces_another(chain):
    client = Client()
    first, second = _challenge(client, chain), _challenge(client, chain)
    # Asking for an address's challenge never hands out one made for someone else.
    assert first["message"]["challenge"] != second["message"]["challenge"]
    # Both stay usable: a stranger asking for this address cannot void the owner's challenge.
    assert _publish(client, chain, first).json()["error"] != "invalid authorization"
    assert _publish(client, chain, second).json()["error"] != "invalid authorization"
    assert _publish(client, chain, second).json()["error"] == "invalid authorization"


@pytest.mark.django_db(transaction=True)
def test_an_expired_challenge_is_refused_with_the_references_message_then_pruned(chain, settings):
    client = Client()
    expired, fresh = _challenge(client, chain), _challenge(client, chain)
    old = timezone.now() - timedelta(seconds=settings.CHALLENGE_TTL_SECONDS + 1)
    Challenge.objects.filter(value=expired["message"]["challenge"]).update(created_at=old)
    answer = _publish(client, chain, expired)
    assert answer.status_code == 403
    assert answer.json() == {
        "ok": False,
        "error": "Challenge not valid. Need to request a new challenge.",
    }
    Challenge.objects.filter(value=fresh["message"]["challenge"]).update(created_at=old)
    _challenge(client, chain)
    from orderbook.tasks import prune_challenges

    assert prune_challenges() == 1
    assert Challenge.objects.count() == 1
    assert "prune-challenges" in settings.CELERY_BEAT_SCHEDULE


@pytest.mark.django_db(transaction=True)
def test_sessions_that_never_sign_in_expire_with_their_nonce_and_are_cleared(chain, settings):
    client = Client()
    assert client.get("/auth/message", {"address": ADDRESS}).status_code == 200
    session = Session.objects.get()
    assert session.expire_date < timezone.now() + timedelta(minutes=11)
    later = timezone.now() - timedelta(days=1)
    Session.objects.update(expire_date=later)
    SignInNonce.objects.update(created_at=later)
    from marketplace.tasks import prune_signin

    assert prune_signin() == 2
    assert not Session.objects.exists() and not SignInNonce.objects.exists()
    assert "prune-signin" in settings.CELERY_BEAT_SCHEDULE


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/", "/store", "/pools", "/store/publish", "/docs", "/api/docs/"])
def test_every_page_has_a_content_security_policy(chain, path):
    answer = Client().get(path)
    assert answer.status_code == 200
    policy = answer["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "connect-src 'self' ws://testserver" in policy
    # No page, the API docs included, may load anything from another host.
    assert "https:" not in policy and "http:" not in policy


TEMPLATE_DIRS = ["templates", "marketplace/templates", "dappstore/templates"]


def test_templates_have_nothing_inline_for_the_policy_to_refuse():
    for template in (p for d in TEMPLATE_DIRS for p in (ROOT / d).rglob("*.html")):
        text = template.read_text()
        name = template.relative_to(ROOT)
        inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text)
        assert not inline_scripts, f"{name}: inline script"
        assert not re.search(r"\sstyle=", text), f"{name}: style attribute"
        assert not re.search(r"<style\b", text), f"{name}: style element"
        assert not re.search(r"\s(on[a-z]+|hx-on[:-][\w:-]*)=", text), f"{name}: event handler"
        # htmx compiles event filters (hx-trigger="event[condition]") with Function: eval.
        assert not re.search(r'hx-trigger="[^"]*\[', text), f"{name}: htmx event filter"


def test_store_descriptions_keep_no_image_from_another_site():
    html = markdown_render(
        "![a](https://tracker.example/a.png) ![b](//tracker.example/b.png) "
        "![c](http://tracker.example/c.png) ![logo](/store/demo/logo)"
    )
    assert "tracker.example" not in html
    assert 'src="/store/demo/logo"' in html


@pytest.mark.django_db(transaction=True)
def test_admin_login_is_rate_limited_and_passwords_validated(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signin": "2/m"}
    client = Client()
    ip = f"10.11.{secrets.randbelow(250)}.{secrets.randbelow(250)}"

    def login():
        return client.post(
            "/admin/login/", {"username": "admin", "password": "guess"}, REMOTE_ADDR=ip
        )

    assert [login().status_code for _ in range(2)] == [200, 200]
    assert login().status_code == 429
    assert client.get("/admin/login/", REMOTE_ADDR=ip).status_code == 200  # the form still shows
    with pytest.raises(ValidationError):
        validate_password("password")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/tx/deposit"),
        ("post", "/tx/withdraw"),
        ("post", "/tx/match"),
        ("post", "/tx/claim"),
        ("post", "/tx/cancel"),
        ("post", "/store/deploy"),
        ("get", "/store/claim/message"),
        ("post", "/orders/prepare"),
        ("post", "/quote/request"),
    ],
)
def test_endpoints_that_prepare_transactions_are_rate_limited(chain, settings, method, path):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "prepare": "1/m"}
    ip = f"10.12.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    client = Client()

    def call():
        if method == "get":
            return client.get(path, REMOTE_ADDR=ip)
        return client.post(path, "{}", content_type="application/json", REMOTE_ADDR=ip)

    assert call().status_code != 429
    limited = call()
    assert limited.status_code == 429
    assert limited.json()["error"] == "too many requests, retry later"


def test_readme_documents_the_new_settings():
    readme = (ROOT / "README.md").read_text()
    for name in ("TRUSTED_PROXY_HOPS", "TRUSTED_PROXIES", "CHALLENGE_TTL_SECONDS",
                 "RATE_LIMIT_PREPARE", "client_max_body_size"):  # fmt: skip
        assert name in readme, name
    # daphne's --proxy-headers believes the leftmost X-Forwarded-For entry, the client's own.
    assert "daphne --proxy-headers" not in readme
    assert "--proxy-headers" not in (ROOT / "Procfile").read_text()
