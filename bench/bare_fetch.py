"""The indexer's baseline: the same log queries over the same ranges, raw, and nothing else.

JSON-RPC over one kept-alive http.client connection (no requests, no web3), the eth_getLogs of a
range in one batch as the indexer sends them (the hub and the registries by address, the known
workerpools' PolicyUpdate by address and topic, a third query for the pools a range creates),
ranges as long and cut as short as the indexer's (marketplace.indexer.ranges), each log's data
decoded with eth_abi from a prebuilt (topic0, topic count) -> types map. No headers, no views,
no database.
"""

import http.client
import json
import time
from urllib.parse import urlsplit

from eth_abi import decode
from eth_utils import keccak

from marketplace.chain.abi_codec import abi_type
from marketplace.chain.artifacts import abi
from marketplace.indexer.ranges import first_range_blocks, next_range_blocks, range_cut

EMITTER_ABIS = ("IexecInterfaceToken", "AppRegistry", "DatasetRegistry", "WorkerpoolRegistry")
WORKERPOOL_ABI = "Workerpool"


def _types_by_topic() -> dict[tuple[str, int], list[str]]:
    types = {}
    for name in (*EMITTER_ABIS, WORKERPOOL_ABI):
        for entry in abi(name):
            if entry["type"] != "event":
                continue
            inputs = entry["inputs"]
            signature = f"{entry['name']}({','.join(abi_type(p) for p in inputs)})"
            topic = "0x" + keccak(text=signature).hex()
            indexed = sum(1 for p in inputs if p["indexed"])
            types[(topic, indexed + 1)] = [abi_type(p) for p in inputs if not p["indexed"]]
    return types


def _policy_topic() -> str:
    (entry,) = [e for e in abi(WORKERPOOL_ABI) if e.get("name") == "PolicyUpdate"]
    return (
        "0x" + keccak(text=f"PolicyUpdate({','.join(abi_type(p) for p in entry['inputs'])})").hex()
    )


def _minted(logs: list[dict], *, registry: str) -> list[str]:
    """Workerpools the workerpool registry's logs create (mints: Transfer from zero)."""
    return [
        "0x" + log["topics"][3][-40:]
        for log in logs
        if log["address"].lower() == registry.lower()
        and len(log["topics"]) == 4
        and log["topics"][1] == "0x" + "0" * 64
    ]


class _Rpc:
    def __init__(self, url: str):
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
        self.ids = 0

    def batch(self, calls: list[tuple[str, list]]) -> list:
        payload = []
        for method, params in calls:
            self.ids += 1
            payload.append({"jsonrpc": "2.0", "id": self.ids, "method": method, "params": params})
        self.connection.request(
            "POST", "/", json.dumps(payload), {"Content-Type": "application/json"}
        )
        answers = json.loads(self.connection.getresponse().read())
        by_id = {answer["id"]: answer for answer in answers}
        return [by_id[item["id"]]["result"] for item in payload]

    def close(self):
        self.connection.close()


def bare_backfill(
    *, rpc_url: str, addresses: list[str], start: int, end: int, max_range_blocks: int
) -> tuple[int, float]:
    """(events, seconds) to read and decode every log the indexer reads from `start` to `end`;
    `addresses`: the hub and the registries, the workerpool registry last."""
    types = _types_by_topic()
    policy = _policy_topic()
    rpc = _Rpc(rpc_url)
    events = 0
    pools: list[str] = []
    started = time.perf_counter()
    try:
        cursor, blocks = start - 1, first_range_blocks(maximum=max_range_blocks)
        while cursor < end:
            last = min(cursor + blocks, end)
            span = {"fromBlock": hex(cursor + 1), "toBlock": hex(last)}
            queries = [("eth_getLogs", [{**span, "address": addresses}])]
            if pools:
                queries.append(("eth_getLogs", [{**span, "address": pools, "topics": [policy]}]))
            answers = rpc.batch(queries)
            logs, policy_logs = answers[0], answers[1] if pools else []
            minted = _minted(logs, registry=addresses[-1])
            if minted:
                (more,) = rpc.batch(
                    [("eth_getLogs", [{**span, "address": minted, "topics": [policy]}])]
                )
                policy_logs += more
            cut = range_cut([int(log["blockNumber"], 16) for log in (*logs, *policy_logs)])
            if cut is not None:
                last = cut
                logs = [log for log in logs if int(log["blockNumber"], 16) <= cut]
                policy_logs = [log for log in policy_logs if int(log["blockNumber"], 16) <= cut]
            found = 0
            for log in (*logs, *policy_logs):
                topics = log["topics"]
                data_types = types.get((topics[0], len(topics))) if topics else None
                if data_types:
                    decode(data_types, bytes.fromhex(log["data"][2:]))
                found += 1
            events += found
            pools += _minted(logs, registry=addresses[-1])
            blocks = next_range_blocks(
                current=blocks, events=found, blocks=last - cursor, maximum=max_range_blocks
            )
            cursor = last
    finally:
        rpc.close()
    return events, time.perf_counter() - started
