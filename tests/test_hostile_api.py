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
from hypothesis import strategies as st
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


# --- The pages' JSON endpoints (wallet calls, the store's included) ------------------------

PAGE_POSTS = [
    "/orders/prepare", "/orders/publish", "/orders/unpublish", "/quote/request",
    "/tx/deposit", "/tx/withdraw", "/tx/match", "/tx/claim", "/tx/cancel",
    "/store/deploy", "/store/claim", "/auth/verify",
]  # fmt: skip
PAGE_GETS = ["/auth/message", "/store/claim/message"]
# Every field those endpoints read, so that generated bodies get past the first check.
PAGE_FIELDS = [
    "kind", "asset", "price", "volume", "tags", "category", "trust", "apprestrict",
    "datasetrestrict", "workerpoolrestrict", "requesterrestrict", "order", "orderHash",
    "amount", "apporder", "datasetorder", "workerpoolorder", "requestorder", "dealid",
    "initialized", "uninitialized", "app", "dataset", "params", "name", "multiaddr",
    "checksum", "mrenclave", "signature", "address", "into", "label", "message",
]  # fmt: skip
NEAR_VALID = ["apporder", "requestorder", "app", "dataset", "tee", "1.5", "1e999", "-1", "NaN",
              "0x" + "ab" * 32, "0x" + "AB" * 20, "ab" * 20, "0x" + "aB" * 20]  # fmt: skip
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**300), max_value=2**300)
    | st.floats()
    | st.text(max_size=80)
    | st.sampled_from(NEAR_VALID),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
PAGE_BODIES = st.dictionaries(st.sampled_from(PAGE_FIELDS), JSON_VALUES, max_size=6) | JSON_VALUES


@pytest.fixture
def wallet_client(market):
    from tests.sessions import signed_in_client

    return signed_in_client(market.developers[0].key)


def _refused_as_json(answer, what) -> dict:
    """A page's JSON endpoint answers a bad request with {"ok": false, "error": …}, never 5xx."""
    assert answer.status_code < 500, (what, answer.status_code, answer.content[:300])
    body = answer.json()
    if answer.status_code >= 400:
        assert body["ok"] is False and isinstance(body["error"], str) and body["error"], what
    return body


def test_pages_json_endpoints_answer_any_json_without_a_server_error(wallet_client):
    @hypothesis.settings(
        max_examples=200,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(path=st.sampled_from(PAGE_POSTS + PAGE_GETS), body=PAGE_BODIES)
    # Server errors found before the parser core: an unhashable tag, an index past uint256.
    @hypothesis.example(path="/orders/prepare", body={"kind": "apporder", "tags": [["tee"]]})
    @hypothesis.example(path="/tx/claim", body={"dealid": "0x" + "1" * 64, "initialized": [2**256]})
    def run(path, body):
        if path in PAGE_GETS:
            query = body if isinstance(body, dict) else {"address": body}
            params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in query.items()}
            answer = wallet_client.get(path, params)
        else:
            answer = wallet_client.post(path, json.dumps(body), content_type="application/json")
        _refused_as_json(answer, (path, body))

    run()


@pytest.mark.parametrize("path", PAGE_POSTS)
def test_pages_json_endpoints_refuse_a_nesting_bomb(wallet_client, path):
    for body in ("[" * 100_000 + "]" * 100_000, '{"order": ' + "[" * 100_000 + "]" * 100_000 + "}"):
        answer = wallet_client.post(path, body, content_type="application/json")
        refused = _refused_as_json(answer, path)
        assert answer.status_code == 400, (path, refused)
        assert refused["error"] == "the request body is nested too deeply"


def test_json_inside_a_field_is_parsed_as_safely_as_a_body(wallet_client):
    """The enclave description of a new app is JSON too: 4,000 `[` fit its length limit."""
    deploy = {"kind": "app", "name": "bomb", "multiaddr": "docker.io/x:1",
              "checksum": "0x" + "11" * 32, "mrenclave": "[" * 4000}  # fmt: skip
    answer = wallet_client.post(
        "/store/deploy", json.dumps(deploy), content_type="application/json"
    )
    assert answer.status_code == 400
    assert "the enclave description is nested too deeply" in _refused_as_json(answer, "x")["error"]


def test_oversized_lists_are_refused_with_a_message(wallet_client):
    dealid = "0x" + "11" * 32
    claim = {"dealid": dealid, "uninitialized": [0] * 60_000}
    answer = wallet_client.post("/tx/claim", json.dumps(claim), content_type="application/json")
    assert answer.status_code == 400
    assert _refused_as_json(answer, "claim")["error"] == (
        "uninitialized: at most 200 tasks per claim transaction"
    )
    within = wallet_client.post(
        "/tx/claim",
        json.dumps({"dealid": dealid, "uninitialized": list(range(200))}),
        content_type="application/json",
    )
    assert within.status_code == 200, within.content
    order = {"kind": "apporder", "asset": "0x" + "11" * 20, "volume": 1, "tags": ["tee"] * 20_000}
    tags = wallet_client.post("/orders/prepare", json.dumps(order), content_type="application/json")
    assert tags.status_code == 400 and _refused_as_json(tags, "tags")["error"].startswith("tags ")
