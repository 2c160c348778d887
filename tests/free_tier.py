"""A public provider's free tier, as FaultyNode (tests/faulty_node.py) enforces it in front of
anvil: batches capped, calls per second capped (429 + Retry-After), eth_getLogs capped by range
and by result count and refused without an address, no state at old blocks, and now and then a
dropped connection or a cut body."""

import json
import random
import threading
import time
from dataclasses import dataclass

# Reads of state at a block, and where their block parameter is.
STATE_READS = {
    "eth_call": 1,
    "eth_getBalance": 1,
    "eth_getCode": 1,
    "eth_getTransactionCount": 1,
    "eth_getStorageAt": 2,
}


@dataclass
class FreeTier:
    max_batch: int = 10
    max_rps: float = 200.0
    max_log_blocks: int = 500
    max_logs: int = 50
    history_blocks: int = 16  # state kept below the head, as a node that is not an archive
    fault_rate: float = 0.02  # of requests: half dropped connections, half cut bodies
    batch_refusal: str = "error"  # "error": a single error object; "http": HTTP 413


def _error(call: dict, code: int, message: str) -> dict:
    return {"jsonrpc": "2.0", "id": call.get("id"), "error": {"code": code, "message": message}}


class TierState:
    """What the tier counts: its token bucket, and how often each limit was met."""

    def __init__(self, tier: FreeTier, *, seed: int):
        self.tier = tier
        self.rng = random.Random(seed)
        self.met = dict.fromkeys(
            ("429", "batch", "range", "count", "no_address", "history", "dropped", "cut"), 0
        )
        self.calls = 0  # admitted
        self._tokens = tier.max_rps
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def admit(self, calls: int) -> bool:
        with self._lock:
            now = time.monotonic()
            rate = self.tier.max_rps
            self._tokens = min(rate, self._tokens + (now - self._at) * rate)
            self._at = now
            if self._tokens < calls:
                self.met["429"] += 1
                return False
            self._tokens -= calls
            self.calls += calls
            return True

    def fault(self) -> str | None:
        with self._lock:
            roll = self.rng.random()
        if roll >= self.tier.fault_rate:
            return None
        fault = "dropped" if roll < self.tier.fault_rate / 2 else "cut"
        self.met[fault] += 1
        return fault

    def refuse_batch(self, calls: list) -> bool:
        if len(calls) <= self.tier.max_batch:
            return False
        self.met["batch"] += 1
        return True


def _block_of(value, *, forward) -> int | None:
    """The number of a block parameter, None for the head's tags."""
    if value is None or value in ("latest", "pending", "safe", "finalized"):
        return None
    if isinstance(value, dict):
        header = forward({"jsonrpc": "2.0", "id": 0, "method": "eth_getBlockByHash",
                          "params": [value["blockHash"], False]})["result"]  # fmt: skip
        return int(header["number"], 16) if header else None
    return int(value, 16)


def answer_calls(state: TierState, calls: list[dict], *, forward) -> list[dict]:
    """Each call's answer under the tier's limits; `forward` sends one call to anvil."""
    tier = state.tier
    head = None
    answers = []
    for call in calls:
        method, params = call.get("method"), call.get("params") or []
        if method == "eth_getLogs":
            query = params[0]
            if not query.get("address"):
                state.met["no_address"] += 1
                answers.append(_error(call, -32602, "an address filter is required"))
                continue
            span = int(query["toBlock"], 16) - int(query["fromBlock"], 16) + 1
            if span > tier.max_log_blocks:
                state.met["range"] += 1
                answers.append(
                    _error(call, -32602, f"exceed maximum block range: {tier.max_log_blocks}")
                )
                continue
            answer = forward(call)
            if len(answer.get("result") or []) > tier.max_logs:
                state.met["count"] += 1
                answer = _error(call, -32005, f"query returned more than {tier.max_logs} results")
            answers.append(answer)
            continue
        if method in STATE_READS and len(params) > STATE_READS[method]:
            block = _block_of(params[STATE_READS[method]], forward=forward)
            if block is not None:
                if head is None:
                    head = int(forward({"jsonrpc": "2.0", "id": 0,
                                        "method": "eth_blockNumber"})["result"], 16)  # fmt: skip
                if block < head - tier.history_blocks:
                    state.met["history"] += 1
                    node = "0x" + f"{block:064x}"
                    answers.append(_error(call, -32000, f"missing trie node {node} (path )"))
                    continue
        answers.append(forward(call))
    return answers


def free_tier_answer(state: TierState, body: bytes, *, forward) -> tuple[int, dict, bytes]:
    """(status, headers, body) of the tier's answer to a request; a fault is the caller's."""
    payload = json.loads(body)
    calls = payload if isinstance(payload, list) else [payload]
    if not state.admit(len(calls)):
        return 429, {"Retry-After": "1"}, b'{"error": "too many requests"}'
    if isinstance(payload, list) and state.refuse_batch(calls):
        if state.tier.batch_refusal == "http":
            return 413, {}, b"batch too large"
        error = _error({"id": None}, -32600, f"batch size too large, max {state.tier.max_batch}")
        return 200, {}, json.dumps(error).encode()
    answers = answer_calls(state, calls, forward=forward)
    return 200, {}, json.dumps(answers if isinstance(payload, list) else answers[0]).encode()
