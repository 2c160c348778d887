"""Fetches one block range: logs of the hub, the registries and workerpools, and block headers.

Two JSON-RPC batches per range. The first carries both log queries, the last block's header and
the header the range must build on; the second the headers of blocks that have logs, checked
against each log's blockHash, so a range read across a reorg is refused rather than stored.
Every log query names its contracts (providers refuse or bill unfiltered ones): the workerpools
known before the range, and in a third query only when the range creates some, the new ones.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from eth_abi.exceptions import DecodingError

from marketplace.chain.answers import MalformedAnswer, fields, hex_text, items, quantity
from marketplace.chain.protocol import ZERO_BYTES32
from marketplace.chain.refusals import logs_refused
from marketplace.chain.rpc import RpcClient, RpcError
from marketplace.indexer.events import (
    HUB,
    POLICY_UPDATE_TOPIC,
    REGISTRY_KINDS,
    WORKERPOOL,
    WORKERPOOL_REGISTRY,
    Event,
    event_decode,
)
from marketplace.indexer.ranges import range_cut


class ReorgDetected(Exception):
    """The block a range builds on is no longer on the node's chain."""


class Inconsistent(Exception):
    """The node's chain moved while the range was read: read it again."""


class RangeRefused(Exception):
    """The provider refused a log query for its block range ("range") or its number of
    results ("count"): a shorter range is the cure."""

    def __init__(self, *, reason: str, blocks: int, error: RpcError):
        self.reason = reason
        self.blocks = blocks
        self.error = error
        super().__init__(f"{blocks} blocks refused ({reason}): {error}")


@dataclass
class Header:
    number: int
    hash: str
    parent_hash: str
    timestamp: datetime


@dataclass
class Batch:
    start: int
    end: int
    headers: dict[int, Header]
    events: list[Event]

    @property
    def end_header(self) -> Header:
        return self.headers[self.end]


def _header(raw, number: int) -> Header:
    if raw is None:
        raise Inconsistent(f"block {number} is not available yet")
    raw = fields(raw, "number", "hash", "parentHash", "timestamp")
    try:
        timestamp = datetime.fromtimestamp(quantity(raw["timestamp"]), tz=UTC)
    except (OverflowError, ValueError, OSError) as exc:
        raise MalformedAnswer(f"block {number}: timestamp {raw['timestamp']!r:.80}") from exc
    return Header(
        number=quantity(raw["number"]),
        hash=hex_text(raw["hash"], size=32).lower(),
        parent_hash=hex_text(raw["parentHash"], size=32).lower(),
        timestamp=timestamp,
    )


def _block_hash(raw) -> str | None:
    """The hash of an eth_getBlockByNumber answer, None for a block the node does not have."""
    return None if raw is None else hex_text(fields(raw, "hash")["hash"], size=32).lower()


LOG_FIELDS = ("address", "topics", "data", "blockNumber", "blockHash", "transactionHash")


def _log(raw) -> dict:
    """An eth_getLogs entry whose every field event_decode reads is of the right shape."""
    log = fields(raw, *LOG_FIELDS, "logIndex")
    hex_text(log["address"], size=20)
    for topic in items(log["topics"]):
        hex_text(topic, size=32)
    hex_text(log["data"])
    hex_text(log["blockHash"], size=32)
    hex_text(log["transactionHash"], size=32)
    quantity(log["blockNumber"])
    quantity(log["logIndex"])
    return log


def _block_request(number: int) -> tuple[str, list]:
    return ("eth_getBlockByNumber", [hex(number), False])


def _policy_request(span: dict, workerpools: list[str]) -> tuple[str, list]:
    return ("eth_getLogs", [{**span, "address": workerpools, "topics": [POLICY_UPDATE_TOPIC]}])


class Fetcher:
    def __init__(self, *, rpc: RpcClient, hub: str, registries: dict[str, str]):
        self.rpc = rpc
        self.hub = hub
        self.emitters = {hub.lower(): HUB}
        for emitter, kind in REGISTRY_KINDS.items():
            self.emitters[registries[kind].lower()] = emitter
        self.addresses = list(self.emitters)

    def head(self) -> int:
        return quantity(self.rpc.call("eth_blockNumber"))

    def block_hashes(self, numbers: list[int]) -> dict[int, str | None]:
        raws = self.rpc.batch([_block_request(n) for n in numbers])
        return {n: _block_hash(raw) for n, raw in zip(numbers, raws, strict=True)}

    def _event(self, log: dict, *, emitter: str | None = None) -> Event:
        """The event of a checked log (_log) of `emitter`, by default the contract that
        emitted it."""
        emitter = emitter or self.emitters.get(log["address"].lower())
        if emitter is None:
            raise MalformedAnswer(f"a log of {log['address']}, which was not asked for")
        try:
            return event_decode(emitter=emitter, log=log)
        except (DecodingError, UnicodeDecodeError) as exc:
            raise MalformedAnswer(f"log {log['transactionHash']}: {exc}") from exc

    def _logs_batch(self, requests: list[tuple[str, list]], *, blocks: int) -> list:
        try:
            return self.rpc.batch(requests)
        except RpcError as exc:
            reason = logs_refused(exc.message) if exc.method == "eth_getLogs" else None
            if reason is None:
                raise
            raise RangeRefused(reason=reason, blocks=blocks, error=exc) from exc

    def fetch(
        self, *, start: int, end: int, parent: tuple[int, str] | None, workerpools: list[str]
    ) -> Batch:
        """The range's events and headers; `workerpools` are those created before `start`."""
        blocks = end - start + 1
        span = {"fromBlock": hex(start), "toBlock": hex(end)}
        requests = [("eth_getLogs", [{**span, "address": self.addresses}]), _block_request(end)]
        if parent:
            requests.append(_block_request(parent[0]))
        if workerpools:
            requests.append(_policy_request(span, workerpools))
        hub_raw, end_raw, *rest = self._logs_batch(requests, blocks=blocks)
        if parent and _block_hash(rest.pop(0)) != parent[1]:
            raise ReorgDetected(f"block {parent[0]} changed")
        policy_logs = [_log(log) for log in items(rest[0])] if workerpools else []
        end_header: Header | None = _header(end_raw, end)
        events = [self._event(_log(log)) for log in items(hub_raw)]
        minted = {
            "0x" + e.topics[3][-40:]
            for e in events
            if e.emitter == WORKERPOOL_REGISTRY
            and e.name == "Transfer"
            and e.topics[1] == ZERO_BYTES32
        } - {a.lower() for a in workerpools}
        if minted:
            (more,) = self._logs_batch([_policy_request(span, sorted(minted))], blocks=blocks)
            policy_logs += [_log(log) for log in items(more)]
        cut = range_cut(
            [e.block_number for e in events] + [quantity(log["blockNumber"]) for log in policy_logs]
        )
        if cut is not None:
            end, end_header = cut, None
            events = [e for e in events if e.block_number <= cut]
            policy_logs = [log for log in policy_logs if quantity(log["blockNumber"]) <= cut]
        events += [self._event(log, emitter=WORKERPOOL) for log in policy_logs]
        events.sort(key=lambda e: (e.block_number, e.log_index))

        headers = self._headers(events, end, end_header)
        return Batch(start=start, end=end, headers=headers, events=events)

    def _headers(self, events: list[Event], end: int, end_header: Header | None):
        """Headers of the blocks with events and of `end`. `end_header`, read with the logs,
        must not have changed since; a cut range's end has events, checked like the others."""
        numbers = sorted({e.block_number for e in events} - {end})
        raws = self.rpc.batch([_block_request(n) for n in [*numbers, end]])
        headers = {n: _header(raw, n) for n, raw in zip(numbers, raws, strict=False)}
        latest = _header(raws[-1], end)
        if end_header and latest.hash != end_header.hash:
            raise Inconsistent(f"block {end} changed while reading the range")
        headers[end] = end_header or latest
        for event in events:
            if headers[event.block_number].hash != event.block_hash:
                raise Inconsistent(f"log of block {event.block_number} is from another fork")
        return headers
