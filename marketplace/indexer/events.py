"""Decodes raw logs into named events, telling apart the three `Transfer`s by emitter and topics.

Built once from the PoCo ABIs: a (emitter kind, topic0, topic count) key selects the spec, and
eth_abi decodes the data with prebuilt types (web3's process_log is ~10x slower). Most PoCo events
carry only one-word values (uint, address, bytes32, bool): those are read straight from the hex
words, ~10x faster than eth_abi, with the same results; any other shape goes through eth_abi.
"""

from dataclasses import dataclass
from functools import cached_property

from eth_abi import decode

from marketplace.chain.abi_codec import abi_type, checksum, event_topic, to_python
from marketplace.chain.artifacts import abi

HUB, APP_REGISTRY, DATASET_REGISTRY, WORKERPOOL_REGISTRY, WORKERPOOL = (
    "hub",
    "app_registry",
    "dataset_registry",
    "workerpool_registry",
    "workerpool",
)
REGISTRY_KINDS = {
    APP_REGISTRY: "app",
    DATASET_REGISTRY: "dataset",
    WORKERPOOL_REGISTRY: "workerpool",
}


def _word_reader(kind: str):
    """How to read one 64-hex-digit word of type `kind` as to_python would give it, or None
    when the type is not a single static word."""
    if kind.startswith("uint"):
        return lambda word: int(word, 16)
    if kind == "address":
        return lambda word: checksum("0x" + word[24:])
    if kind == "bytes32":
        return lambda word: "0x" + word.lower()
    if kind == "bool":
        return lambda word: int(word, 16) != 0
    return None


@dataclass(frozen=True)
class EventSpec:
    name: str
    indexed: list[dict]
    unindexed: list[dict]
    data_types: list[str]

    @cached_property
    def word_readers(self) -> list | None:
        readers = [_word_reader(kind) for kind in self.data_types]
        return None if None in readers else readers

    def decode(self, topics: list[str], data: str) -> dict:
        args = {}
        for param, topic in zip(self.indexed, topics[1:], strict=True):
            args[param["name"]] = _topic_value(param, topic)
        if not self.unindexed:
            return args
        readers = self.word_readers
        if readers is not None and len(data) == 2 + 64 * len(readers):
            for i, (param, read) in enumerate(zip(self.unindexed, readers, strict=True)):
                args[param["name"]] = read(data[2 + 64 * i : 66 + 64 * i])
            return args
        values = decode(self.data_types, bytes.fromhex(data[2:]))
        for param, value in zip(self.unindexed, values, strict=True):
            args[param["name"]] = to_python(param, value)
        return args


def _topic_value(param: dict, topic: str):
    kind = param["type"]
    if kind == "address":
        return checksum("0x" + topic[-40:])
    if kind.startswith("uint"):
        return int(topic, 16)
    return topic.lower()


def _specs(entries: list[dict]) -> dict[tuple[str, int], EventSpec]:
    specs = {}
    for entry in entries:
        if entry["type"] != "event" or entry.get("anonymous"):
            continue
        indexed = [p for p in entry["inputs"] if p["indexed"]]
        unindexed = [p for p in entry["inputs"] if not p["indexed"]]
        spec = EventSpec(entry["name"], indexed, unindexed, [abi_type(p) for p in unindexed])
        specs[(event_topic(entry), len(indexed) + 1)] = spec
    return specs


_BY_EMITTER = {
    HUB: _specs(abi("IexecInterfaceToken")),
    APP_REGISTRY: _specs(abi("AppRegistry")),
    DATASET_REGISTRY: _specs(abi("DatasetRegistry")),
    WORKERPOOL_REGISTRY: _specs(abi("WorkerpoolRegistry")),
    WORKERPOOL: _specs(abi("Workerpool")),
}
POLICY_UPDATE_TOPIC = next(
    t for (t, _n), s in _BY_EMITTER[WORKERPOOL].items() if s.name == "PolicyUpdate"
)


@dataclass
class Event:
    emitter: str
    name: str
    args: dict
    address: str
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    topics: list[str]
    data: str


def event_decode(*, emitter: str, log: dict) -> Event:
    """A decoded event; an event this project does not know keeps an empty name and no args."""
    topics = [t.lower() for t in log["topics"]]
    spec = _BY_EMITTER[emitter].get((topics[0], len(topics))) if topics else None
    return Event(
        emitter=emitter,
        name=spec.name if spec else "",
        args=spec.decode(topics, log["data"]) if spec else {},
        address=checksum(log["address"]),
        block_number=int(log["blockNumber"], 16),
        block_hash=log["blockHash"].lower(),
        tx_hash=log["transactionHash"].lower(),
        log_index=int(log["logIndex"], 16),
        topics=topics,
        data=log["data"],
    )


# The argument naming what an event is about (`ref`) and whom it concerns (`account`).
_REF_ARGS = ("taskid", "dealid", "dealId", "ref")
_ACCOUNT_ARGS = ("worker", "owner", "sponsor")
_AMOUNT_EVENTS = {"Lock", "Unlock", "Reward", "Seize"}


def event_keys(event: Event) -> dict:
    """ref, account and amount of a hub event, as RawEvent stores them for indexed lookups."""
    if event.emitter != HUB:
        return {"ref": "", "account": "", "amount": None}
    args = event.args
    ref = next((args[a] for a in _REF_ARGS if a in args), "")
    account = next((args[a] for a in _ACCOUNT_ARGS if a in args), "")
    amount = args["amount"] if event.name in _AMOUNT_EVENTS else None
    return {"ref": ref, "account": account, "amount": amount}
