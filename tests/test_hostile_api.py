"""Hostile clients: schemathesis against both OpenAPI schemas on a live server, oversized and
deeply nested bodies, unicode everywhere. Whatever comes in, no 5xx, and JSON answers."""

import contextlib
import json
import signal

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck
from schemathesis import GenerationMode

from marketplace.chain.protocol import NO_TAG
from marketplace.simulation.gateway import typed_data_sign
from tests.processes import command_env, serve

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.market(seed=23, indexed=True)]


@pytest.fixture
def live(market):
    """A server on an indexed chain with its simulated market's actors (orders signable)."""
    server, url = serve(env=command_env(market.devnet))
    try:
        yield url, market, int(market.devnet.rpc("eth_chainId"), 16)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(20)


def _fuzz(schema_url: str, base_url: str, *, examples: int, chain_id: int) -> tuple[int, list]:
    schema = schemathesis.openapi.from_url(schema_url)
    session = requests.Session()
    failures, calls = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        fixed = (
            {"query": {"chainId": chain_id}}
            if any(p.name == "chainId" for p in operation.query)
            else {}
        )
        strategies = [
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            # The real chain's id gets the requests past the chainId check into the views.
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE, **fixed),
        ]
        for strategy in strategies:

            @hypothesis.settings(
                max_examples=examples,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[hypothesis.Phase.generate],
            )
            @hypothesis.given(case=strategy)
            def run(case):
                nonlocal calls
                calls += 1
                response = case.call(base_url=base_url, session=session, timeout=30)
                market_api = not case.formatted_path.startswith(("/api/", "/docs"))
                content_type = (response.headers.get("content-type") or [""])[0]
                wrong_type = market_api and not content_type.startswith("application/json")
                if response.status_code >= 500 or wrong_type:
                    failures.append((case.as_curl_command(), response.status_code, response.text))

            # Some operations have nothing that can be made invalid (e.g. no parameters).
            with contextlib.suppress(hypothesis.errors.Unsatisfiable):
                run()
    return calls, failures


@pytest.mark.parametrize("schema", ["/api/schema/", "/docs/schema"])
def test_no_server_error_for_any_generated_request(live, schema):
    url, _market, chain_id = live
    calls, failures = _fuzz(f"{url}{schema}", url, examples=5, chain_id=chain_id)
    print(f"{schema}: {calls} generated requests")
    assert calls > 100
    assert not failures, "\n\n".join(f"{s} {c}\n{t[:500]}" for c, s, t in failures[:10])


@pytest.mark.slow
@pytest.mark.parametrize("schema", ["/api/schema/", "/docs/schema"])
def test_no_server_error_for_thousands_of_generated_requests(live, schema):
    url, _market, chain_id = live
    calls, failures = _fuzz(f"{url}{schema}", url, examples=60, chain_id=chain_id)
    print(f"{schema}: {calls} generated requests")
    assert calls > 1500
    assert not failures, "\n\n".join(f"{s} {c}\n{t[:500]}" for c, s, t in failures[:10])


def _post(url: str, chain_id: int, body, *, actor=None) -> requests.Response:
    """POST /apporders, authorized by `actor` (the body is only read once the caller is)."""
    headers = {"Content-Type": "application/json"}
    if actor:
        query = {"chainId": chain_id, "address": actor.address}
        typed = requests.get(f"{url}/challenge", params=query, timeout=30).json()["data"]
        digest, signature = typed_data_sign(typed, actor.key)
        headers["authorization"] = f"{digest}_{signature}_{actor.address}"
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return requests.post(
        f"{url}/apporders?chainId={chain_id}", data=data, headers=headers, timeout=60
    )


def test_oversized_and_deeply_nested_bodies(live):
    url, market, chain_id = live
    developer = market.developers[0]
    huge = _post(url, chain_id, b'{"order": "' + b"x" * (3 * 1024 * 1024) + b'"}', actor=developer)
    assert huge.status_code == 413
    assert huge.json() == {"ok": False, "error": "request body too large: at most 262144 bytes"}
    for depth in (1000, 100_000):
        body = '{"order": ' + "[" * depth + "]" * depth + "}"
        nested = _post(url, chain_id, body, actor=developer)
        assert nested.status_code == 400 and nested.json()["ok"] is False, nested.text


def test_unicode_in_every_string_field_of_an_order(live):
    """Each field in turn carries unicode (NUL, lone surrogates, emoji, RTL marks, a fullwidth
    digit, a newline after a valid value): each a 400 naming the field, never a 5xx."""
    url, market, chain_id = live
    developer = market.developers[0]
    order = developer.app_order(app=market.apps["docker"], price=1, volume=1, tag=NO_TAG,
                                salt="0x" + "ab" * 32)  # fmt: skip
    nasty = ["\u0000", "\ud800", "😀", "\u202e0x12", "\uff11", "\n"]
    for field, value in order.items():
        for text in nasty:
            mangled = str(value) + text if text == "\n" else text + str(value)[len(text) :]
            answer = _post(url, chain_id, {"order": {**order, field: mangled}}, actor=developer)
            assert answer.status_code == 400, (field, text, answer.text)
            assert answer.json()["error"].startswith(f"order.{field} "), answer.text
    for path in ("/apporders", "/deals", "/api/v1/deals", "/api/v1/apps/0x" + "é" * 40):
        answer = requests.get(
            f"{url}{path}",
            params={"chainId": chain_id, "app": "0x\u0000" + "1" * 38, "requester": "😀"},
            timeout=30,
        )
        assert answer.status_code in (400, 404), (path, answer.text)
        answer.json()
