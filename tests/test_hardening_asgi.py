"""What the ASGI middlewares in front of Django do: the client's address from our own proxies'
X-Forwarded-For entries only, and request bodies refused before they are read."""

import http.client
import json
import secrets
import urllib.error
import urllib.request

import pytest
from asgiref.testing import ApplicationCommunicator

from tests.processes import command_env, process_stop, serve


async def _seen_client(middleware_args: dict, *, peer: str, forwarded: list[str]) -> str:
    from marketplace.client_address import ClientAddressMiddleware

    seen = {}

    async def app(scope, receive, send):
        seen["client"] = scope["client"][0]

    middleware = ClientAddressMiddleware(app, **middleware_args)
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    scope = {"type": "http", "client": (peer, 5000), "headers": headers}
    await middleware(scope, None, None)
    return seen["client"]


@pytest.mark.parametrize(
    ("args", "peer", "forwarded", "client"),
    [
        # No trusted proxy: the header is the client's own word, ignored.
        ({"hops": 0, "proxies": []}, "203.0.113.9", ["1.1.1.1"], "203.0.113.9"),
        # One proxy of ours appends the address it saw; whatever the client sent is on the left.
        ({"hops": 1, "proxies": []}, "127.0.0.1", ["6.6.6.6, 198.51.100.7"], "198.51.100.7"),
        ({"hops": 2, "proxies": []}, "127.0.0.1", ["6.6.6.6, 198.51.100.7", "10.0.0.2"],
         "198.51.100.7"),
        ({"hops": 2, "proxies": []}, "127.0.0.1", ["198.51.100.7"], "198.51.100.7"),
        # Trusted proxies: the rightmost entry that is not one of them.
        ({"hops": 0, "proxies": ["10.0.0.0/8"]}, "10.0.0.3",
         ["6.6.6.6, 198.51.100.7, 10.1.2.3"], "198.51.100.7"),
        # A peer that is not a trusted proxy cannot tell us anything.
        ({"hops": 0, "proxies": ["10.0.0.0/8"]}, "203.0.113.9", ["6.6.6.6"], "203.0.113.9"),
        # Garbage where an address should be: the peer stays.
        ({"hops": 1, "proxies": []}, "127.0.0.1", ["not-an-address"], "127.0.0.1"),
    ],
)  # fmt: skip
def test_the_client_is_read_from_the_right_past_our_proxies(args, peer, forwarded, client):
    from asgiref.sync import async_to_sync

    assert async_to_sync(_seen_client)(args, peer=peer, forwarded=forwarded) == client


async def _through_body_limit(headers: list, chunks: list[bytes]) -> tuple[dict, list]:
    from marketplace.body_limit import BodyLimitMiddleware

    calls = []

    async def app(scope, receive, send):
        calls.append("app")
        while True:
            message = await receive()
            calls.append(len(message.get("body", b"")))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b'"read"'})

    scope = {"type": "http", "method": "POST", "path": "/apporders", "headers": headers}
    communicator = ApplicationCommunicator(BodyLimitMiddleware(app), scope)
    for i, chunk in enumerate(chunks):
        await communicator.send_input(
            {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        )
    start = await communicator.receive_output(5)
    body = await communicator.receive_output(5)
    await communicator.wait(5)
    return {"status": start["status"], "body": json.loads(body["body"])}, calls


def test_a_content_length_over_the_limit_is_refused_before_anything_is_read(settings):
    from asgiref.sync import async_to_sync

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    headers = [(b"content-type", b"application/json"), (b"content-length", b"5000")]
    answer, calls = async_to_sync(_through_body_limit)(headers, [b"x" * 5000])
    assert answer == {
        "status": 413,
        "body": {"ok": False, "error": "request body too large: at most 1024 bytes"},
    }
    assert calls == []  # the application never ran, the body was never received


def test_a_chunked_body_is_cut_at_the_limit(settings):
    from asgiref.sync import async_to_sync

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    headers = [(b"content-type", b"application/json")]
    answer, calls = async_to_sync(_through_body_limit)(headers, [b"x" * 600] * 4)
    assert answer["status"] == 413
    assert calls == ["app", 600]  # cut at the second chunk, the rest never received
    small, _ = async_to_sync(_through_body_limit)(headers, [b"x" * 500, b"x" * 500])
    assert small["status"] == 200


def test_multipart_forms_have_their_own_limit(settings):
    from asgiref.sync import async_to_sync

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.MAX_UPLOAD_BYTES = 1024, 8192
    headers = [(b"content-type", b"multipart/form-data; boundary=x"), (b"content-length", b"5000")]
    answer, _ = async_to_sync(_through_body_limit)(headers, [b"x" * 5000])
    assert answer["status"] == 200


def _challenge_status(url: str, chain_id: int, forwarded: str) -> int:
    request = urllib.request.Request(
        f"{url}/challenge?chainId={chain_id}&address=0x{'56' * 20}",
        headers={"X-Forwarded-For": forwarded},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


@pytest.mark.django_db(transaction=True)
def test_a_server_behind_one_proxy_limits_the_real_client_and_cuts_chunked_bodies(devnet):
    chain_id = int(devnet.rpc("eth_chainId"), 16)
    # A period no other run uses: the counters shared through the cache are this test's alone.
    rate = f"2/{3600 + secrets.randbelow(9000)}s"
    env = command_env(devnet, TRUSTED_PROXY_HOPS=1, RATE_LIMIT_CHALLENGE=rate)
    server, url = serve(env=env)
    try:
        client = f"198.51.100.{secrets.randbelow(250)}"
        # The client varies what it puts on the left: it is still one client.
        statuses = [_challenge_status(url, chain_id, f"{n}.6.6.6, {client}") for n in range(3)]
        assert statuses == [200, 200, 429]
        assert _challenge_status(url, chain_id, f"1.6.6.6, {client}1") == 200

        host, port = url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        chunks = (b"[" + b"0," * 1000 for _ in range(200))  # ~400 KB, no Content-Length
        connection.request(
            "POST", f"/apporders?chainId={chain_id}", body=chunks,
            headers={"Content-Type": "application/json"}, encode_chunked=True,
        )  # fmt: skip
        answer = connection.getresponse()
        assert answer.status == 413
        assert json.loads(answer.read())["error"].startswith("request body too large")
    finally:
        process_stop(server)
