"""Production settings pass `check --deploy`, and rate limits guard publication and sign-in."""

import json
import os
import secrets
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.processes import ROOT, command_env, serve

# What the README documents for a production deployment behind a TLS proxy.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(48),
    "ALLOWED_HOSTS": "market.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://market.example.org",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    "TRUSTED_PROXY_HOPS": "1",
}


def _check_deploy(tmp_path, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**os.environ, "VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_the_documented_production_settings(tmp_path):
    result = _check_deploy(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_a_protection_is_turned_off(tmp_path):
    result = _check_deploy(tmp_path, **PRODUCTION, SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0 and "security.W004" in result.stdout + result.stderr


def _challenge(client, chain_id, ip: str):
    return client.get(
        "/challenge",
        {"chainId": chain_id, "address": "0x" + "12" * 20},
        REMOTE_ADDR=ip,
    )


@pytest.mark.django_db(transaction=True)
def test_challenge_and_publication_are_rate_limited_per_address(client, devnet, settings):
    settings.CHAIN_RPC_URL, settings.HUB_ADDRESS = devnet.url, devnet.hub
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "challenge": "2/m", "publish": "3/m"}
    chain_id = int(devnet.rpc("eth_chainId"), 16)
    ip = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.7"
    assert [_challenge(client, chain_id, ip).status_code for _ in range(2)] == [200, 200]
    limited = _challenge(client, chain_id, ip)
    assert limited.status_code == 429
    assert limited.json() == {"ok": False, "error": "too many requests, retry later"}
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert _challenge(client, chain_id, ip + "1").status_code == 200  # another client

    def publish():
        return client.post(
            f"/apporders?chainId={chain_id}", "{}", content_type="application/json",
            REMOTE_ADDR=ip,
        )  # fmt: skip

    # Refused publications count too: the limit is on the work of checking them.
    assert [publish().status_code for _ in range(3)] == [403, 403, 403]
    assert publish().status_code == 429


@pytest.mark.django_db(transaction=True)
def test_the_pages_sign_in_and_publication_are_rate_limited(client, devnet, settings):
    settings.CHAIN_RPC_URL, settings.HUB_ADDRESS = devnet.url, devnet.hub
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signin": "2/m", "publish": "1/m"}
    ip = f"10.9.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    address = "0x" + "ab" * 20

    def message():
        return client.get("/auth/message", {"address": address}, REMOTE_ADDR=ip)

    assert [message().status_code for _ in range(2)] == [200, 200]
    limited = message()
    assert limited.status_code == 429
    assert limited.json()["error"] == "too many requests, retry later"
    # Verifying a signature is sign-in work as well: it counts in the same group.
    verify = client.post("/auth/verify", "{}", content_type="application/json", REMOTE_ADDR=ip)
    assert verify.status_code == 429

    def publish():
        return client.post("/orders/publish", "{}", content_type="application/json", REMOTE_ADDR=ip)

    assert publish().status_code != 429
    assert publish().status_code == 429


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        json.loads(refused.read())  # a JSON answer, whatever the status
        return refused.code


@pytest.mark.django_db(transaction=True)
def test_limits_hold_across_server_processes(devnet):
    chain_id = int(devnet.rpc("eth_chainId"), 16)
    # A period no other run uses: the counters shared through the cache are this test's alone.
    limit = 4
    env = command_env(devnet, RATE_LIMIT_CHALLENGE=f"{limit}/{3600 + secrets.randbelow(9000)}s")
    servers = [serve(env=env), serve(env=env)]
    try:
        urls = [f"{url}/challenge?chainId={chain_id}&address=0x{'34' * 20}" for _, url in servers]
        statuses = [_status(urls[i % 2]) for i in range(limit + 2)]
    finally:
        for process, _url in servers:
            process.send_signal(signal.SIGTERM)
            process.wait(20)
    assert statuses == [200] * limit + [429, 429]
