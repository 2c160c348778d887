"""Safe defaults: DEBUG off unless asked, a generated secret key, transport security once the
site is deployed, error reports without the credentials of *_URL settings, and a bare server
with DEBUG off that still serves its pages and static files."""

import os
import re
import stat
import subprocess
import sys
import urllib.request

import pytest
from django.test import RequestFactory

from tests.processes import ROOT, command_env, process_stop, serve

SETTINGS_PRINT = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.DEBUG, s.SECRET_KEY, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
    " s.SESSION_COOKIE_SECURE]))"
)


def _settings(tmp_path, **env) -> list:
    import json

    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    result = subprocess.run(
        [sys.executable, "-c", SETTINGS_PRINT],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "marketplace.settings", "VAR_DIR": str(tmp_path),
             **env},
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_debug_is_off_by_default_with_a_generated_key_kept_in_var_dir(tmp_path):
    debug, key, redirect, hsts, secure_cookies = _settings(tmp_path)
    assert debug is False
    assert "dev-only" not in key and len(key) >= 50
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _settings(tmp_path)[1] == key  # made once, then reused
    # A local server (loopback names only) stays usable over plain http.
    assert (redirect, hsts, secure_cookies) == (False, 0, False)


def test_transport_security_comes_on_with_a_real_host(tmp_path):
    _debug, _key, redirect, hsts, secure_cookies = _settings(
        tmp_path, ALLOWED_HOSTS="market.example.org"
    )
    assert (redirect, hsts, secure_cookies) == (True, 31_536_000, True)
    assert _settings(tmp_path, ALLOWED_HOSTS="market.example.org", DEBUG="true")[2] is False


SECRETS = {
    "DATABASE_URL": ("postgres://market:db-hunter2-password@db.internal:5432/market",
                     "db-hunter2-password"),
    "REDIS_URL": ("redis://:redis-s3cret-word@cache.internal:6379/0", "redis-s3cret-word"),
    "CHAIN_RPC_URL": ("https://arb.example-node.io/v2/ALCHEMYKEY1234567?apikey=QUERYKEY98765",
                      "ALCHEMYKEY1234567"),
}  # fmt: skip


@pytest.mark.parametrize("debug", [True, False])
def test_error_reports_mask_the_credentials_of_every_url_setting(settings, debug):
    from django.views.debug import get_exception_reporter_class

    settings.DEBUG = debug
    for name, (url, _secret) in SECRETS.items():
        setattr(settings, name, url)
    settings.CELERY_BROKER_URL = SECRETS["REDIS_URL"][0]
    request = RequestFactory().get("/")
    rpc_url = settings.CHAIN_RPC_URL
    try:
        raise ConnectionError(f"node unreachable: {rpc_url}")
    except ConnectionError:
        reporter = get_exception_reporter_class(request)(request, *sys.exc_info())
        html, text = reporter.get_traceback_html(), reporter.get_traceback_text()
    for _url, secret in SECRETS.values():
        assert secret not in html and secret not in text
    assert "QUERYKEY98765" not in html + text
    assert "node unreachable" in html and "db.internal" in html  # the rest stays readable


@pytest.mark.django_db(transaction=True)
def test_a_bare_server_with_debug_off_serves_pages_and_static_files(devnet, tmp_path):
    env = {k: v for k, v in command_env(devnet).items() if k != "SECRET_KEY"}
    env.update(DEBUG="false", VAR_DIR=str(tmp_path))
    server, url = serve(env=env)
    try:
        with urllib.request.urlopen(f"{url}/store", timeout=30) as page:
            assert page.status == 200 and page.url == f"{url}/store"  # no https redirect
            html = page.read().decode()
        scripts = re.findall(r'<script src="([^"]+)"', html)
        assert scripts and all(not s.startswith("http") for s in scripts)
        for path in scripts:
            with urllib.request.urlopen(f"{url}{path}", timeout=30) as static:
                assert static.status == 200 and static.read()
    finally:
        process_stop(server)
