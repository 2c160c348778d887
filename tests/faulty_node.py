"""A JSON-RPC proxy in front of anvil that misbehaves on command: the node as the indexer may
meet it on a bad day (errors, garbage, cut-off answers, silence), or, given a FreeTier
(tests/free_tier.py), a public provider's free tier on any day."""

import json
import random
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.free_tier import FreeTier, TierState, free_tier_answer

FAULTS = ("http500", "invalid_json", "rpc_error", "truncated", "hang", "garbage")
GARBAGE = ["0xzz", None, 12, {"number": "nope"}, [], "", True, [{"hash": 7}]]


class FaultyNode:
    def __init__(
        self, upstream: str, *, hang_seconds: float, seed: int = 0, tier: FreeTier | None = None
    ):
        self.upstream = upstream
        self.tier = TierState(tier, seed=seed) if tier else None
        self.hang_seconds = hang_seconds
        self.mode = "pass"
        self.served = dict.fromkeys(("pass", *FAULTS), 0)
        self.rng = random.Random(seed)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "FaultyNode":
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def forward(self, body: bytes) -> bytes:
        request = urllib.request.Request(
            self.upstream, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.read()

    def forward_call(self, call: dict) -> dict:
        return json.loads(self.forward(json.dumps({"jsonrpc": "2.0", **call}).encode()))

    def errors(self, body: bytes, *, garbage: bool) -> bytes:
        """An answer per request id: JSON-RPC errors, or results of the wrong shape."""
        payload = json.loads(body)
        calls = payload if isinstance(payload, list) else [payload]
        answers = [
            {"jsonrpc": "2.0", "id": c.get("id"), "result": self.rng.choice(GARBAGE)}
            if garbage
            else {"jsonrpc": "2.0", "id": c.get("id"), "error": {"code": -32000, "message": "x"}}
            for c in calls
        ]
        return json.dumps(answers if isinstance(payload, list) else answers[0]).encode()


def _handler(node: FaultyNode):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status: int, body: bytes, *, length: int | None = None, headers=None):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            mode = node.mode
            node.served[mode] += 1
            if mode == "hang":
                time.sleep(node.hang_seconds)
                self.close_connection = True
                return
            if mode == "http500":
                return self._send(500, b"Internal Server Error")
            if mode == "invalid_json":
                return self._send(200, b'{"jsonrpc": "2.0", "result": [')
            if mode in ("rpc_error", "garbage"):
                return self._send(200, node.errors(body, garbage=mode == "garbage"))
            if node.tier:
                return self._free_tier(body)
            answer = node.forward(body)
            if mode == "truncated":
                self.close_connection = True
                return self._send(200, answer[: len(answer) // 2], length=len(answer))
            return self._send(200, answer)

        def _free_tier(self, body: bytes):
            fault = node.tier.fault()
            if fault == "dropped":
                self.close_connection = True
                return
            status, headers, answer = free_tier_answer(node.tier, body, forward=node.forward_call)
            if fault == "cut":
                self.close_connection = True
                return self._send(status, answer[: len(answer) // 2], length=len(answer))
            return self._send(status, answer, headers=headers)

    return Handler
