"""Deploys the real PoCo "token" flavour (RLC, diamond, facets, registries, categories) on a node.

Called by `manage.py devchain` and the test fixtures. The order follows PoCo's own deploy script;
the bytecode comes from node_modules (artifacts/, linked here against our own library address).
"""

from dataclasses import asdict, dataclass

from eth_utils import function_abi_to_4byte_selector, to_checksum_address
from web3 import Web3

from marketplace.chain.artifacts import FACETS, artifact
from marketplace.chain.protocol import ZERO_ADDRESS

CATEGORIES = [("XS", 300), ("S", 1200), ("M", 3600), ("L", 10800), ("XL", 36000)]
# The standard deployment gives every category this two-character description.
CATEGORY_DESCRIPTION = '""'
BASE_URIS = {
    "AppRegistry": "https://nfts-metadata.iex.ec/app/",
    "DatasetRegistry": "https://nfts-metadata.iex.ec/dataset/",
    "WorkerpoolRegistry": "https://nfts-metadata.iex.ec/workerpool/",
}
ADD = 0
INIT_SELECTOR = "0xe1c7392a"  # DiamondInit.init()
RECEIVE_SELECTOR = "0x00000000"
FALLBACK_SELECTOR = "0xffffffff"


@dataclass
class Deployment:
    chain_id: int
    hub: str
    rlc: str
    app_registry: str
    dataset_registry: str
    workerpool_registry: str
    owner: str
    start_block: int

    def as_dict(self) -> dict:
        return asdict(self)


def _linked_bytecode(name: str, libraries: dict[str, str]) -> str:
    art = artifact(name)
    code = art["bytecode"][2:] if art["bytecode"].startswith("0x") else art["bytecode"]
    for _source, libs in (art.get("linkReferences") or {}).items():
        for lib_name, places in libs.items():
            address = libraries[lib_name][2:].lower()
            for place in places:
                start = place["start"] * 2
                code = code[:start] + address + code[start + place["length"] * 2 :]
    return "0x" + code


def _selectors(abi: list[dict]) -> list[str]:
    selectors = []
    for entry in abi:
        if entry["type"] == "function":
            selectors.append("0x" + function_abi_to_4byte_selector(entry).hex())
        elif entry["type"] == "receive":
            selectors.append(RECEIVE_SELECTOR)
        elif entry["type"] == "fallback":
            selectors.append(FALLBACK_SELECTOR)
    return selectors


class _Deployer:
    def __init__(self, w3: Web3, owner: str):
        self.w3 = w3
        self.owner = owner

    def send(self, tx: dict) -> dict:
        tx = {"from": self.owner, **tx}
        receipt = self.w3.eth.wait_for_transaction_receipt(self.w3.eth.send_transaction(tx))
        if receipt["status"] != 1:
            raise RuntimeError(f"deployment transaction reverted: {tx.get('to')}")
        return receipt

    def create(self, name: str, *args, abi: list | None = None, bytecode: str | None = None) -> str:
        art = artifact(name)
        contract = self.w3.eth.contract(
            abi=art["abi"] if abi is None else abi, bytecode=bytecode or art["bytecode"]
        )
        data = contract.constructor(*args).data_in_transaction
        return to_checksum_address(self.send({"data": data})["contractAddress"])

    def transact(self, address: str, name: str, function: str, *args) -> dict:
        contract = self.w3.eth.contract(address=address, abi=artifact(name)["abi"])
        data = contract.get_function_by_name(function)(*args)._encode_transaction_data()
        return self.send({"to": address, "data": data})


def deploy_poco(w3: Web3, *, owner: str) -> Deployment:
    """Deploy everything from a funded, unlocked `owner` account; returns the addresses."""
    d = _Deployer(w3, owner)
    start_block = w3.eth.block_number
    rlc = d.create("RLC")
    init = d.create("DiamondInit")
    cut_facet = d.create("DiamondCutFacet")
    loupe_facet = d.create("DiamondLoupeFacet")
    ownership_facet = d.create("OwnershipFacet")
    base_cuts = [
        (cut_facet, ADD, [bytes.fromhex("1f931c1c")]),
        (
            loupe_facet,
            ADD,
            [
                bytes.fromhex(s)
                for s in ("cdffacc6", "52ef6b2c", "adfca15e", "7a0ed627", "01ffc9a7")
            ],
        ),
        (ownership_facet, ADD, [bytes.fromhex("8da5cb5b"), bytes.fromhex("f2fde38b")]),
    ]
    hub = d.create("Diamond", base_cuts, (owner, init, bytes.fromhex(INIT_SELECTOR[2:])))

    # web3 rejects this library's ABI (colliding internal selectors): it is deployed ABI-less.
    orders_lib = d.create("IexecLibOrders_v5", abi=[])
    libraries = {"IexecLibOrders_v5": orders_lib}
    taken: set[str] = set()
    for facet in FACETS:
        address = d.create(facet, bytecode=_linked_bytecode(facet, libraries))
        selectors = [s for s in _selectors(artifact(facet)["abi"]) if s not in taken]
        taken.update(selectors)
        cut = [(address, ADD, [bytes.fromhex(s[2:]) for s in selectors])]
        d.transact(hub, "DiamondCutFacet", "diamondCut", cut, ZERO_ADDRESS, b"")

    registries = {}
    for name, uri in BASE_URIS.items():
        registries[name] = d.create(name)
        d.transact(registries[name], name, "initialize", ZERO_ADDRESS)
        d.transact(registries[name], name, "setBaseURI", uri)

    d.transact(
        hub,
        "IexecInterfaceToken",
        "configure",
        rlc,
        "Staked RLC",
        "SRLC",
        9,
        registries["AppRegistry"],
        registries["DatasetRegistry"],
        registries["WorkerpoolRegistry"],
        ZERO_ADDRESS,
    )
    for name, ref in CATEGORIES:
        d.transact(hub, "IexecInterfaceToken", "createCategory", name, CATEGORY_DESCRIPTION, ref)

    return Deployment(
        chain_id=w3.eth.chain_id,
        hub=hub,
        rlc=rlc,
        app_registry=registries["AppRegistry"],
        dataset_registry=registries["DatasetRegistry"],
        workerpool_registry=registries["WorkerpoolRegistry"],
        owner=owner,
        start_block=start_block,
    )
