"""The people of the simulated market, each playing one PoCo role with an anvil dev account.

Transactions go out as eth_sendTransaction from the (unlocked or impersonated) account, so the node
signs them and reports readable revert reasons; the private keys, derived from anvil's dev
mnemonic, are only used for what the protocol wants signed off-chain: EIP-712 orders and the
EIP-191 personal signatures of worker authorizations and enclave results.
"""

from dataclasses import dataclass, field
from enum import IntEnum
from functools import cache, cached_property
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak, to_checksum_address
from web3 import Web3

from marketplace.chain.anvil import DEV_MNEMONIC
from marketplace.chain.artifacts import abi
from marketplace.chain.ids import taskid_of
from marketplace.chain.orders import order_as_tuple, order_sign
from marketplace.chain.protocol import MANAGE_FUNCTION, ORDER_KINDS, ZERO_ADDRESS
from marketplace.chain.reader import Reader
from marketplace.chain.rpc import RpcClient

RLC = 10**9  # nRLC per RLC: RLC has 9 decimals
ORDERS_MATCHED = keccak(text="OrdersMatched(bytes32,bytes32,bytes32,bytes32,bytes32,uint256)")


class TaskStatus(IntEnum):
    UNSET = 0
    ACTIVE = 1
    REVEALING = 2
    COMPLETED = 3
    FAILED = 4


class ChainError(RuntimeError):
    """The node refused a call or a transaction reverted; the message carries the reason."""


@cache
def dev_key(index: int) -> bytes:
    """Private key of anvil's dev account `index` (the mnemonic anvil.py starts the node with)."""
    Account.enable_unaudited_hdwallet_features()
    path = f"m/44'/60'/0'/0/{index}"
    return bytes(Account.from_mnemonic(DEV_MNEMONIC, account_path=path).key)


@dataclass(frozen=True)
class Contract:
    """A deployed contract: the name of its ABI in marketplace.chain.artifacts, its address."""

    abi_name: str
    address: str


@cache
def function_abi(abi_name: str, function: str) -> dict:
    (entry,) = [e for e in abi(abi_name) if e["type"] == "function" and e["name"] == function]
    return entry


class Chain:
    """One node and the PoCo deployment on it: web3 encodes and reads, raw JSON-RPC sends."""

    def __init__(self, *, rpc_url: str, deployment: dict):
        self.w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 60}))
        self.hub = self.contract("IexecInterfaceToken", deployment["hub"])
        self.rlc = self.contract("RLC", deployment["rlc"])
        self.app_registry = self.contract("AppRegistry", deployment["app_registry"])
        self.dataset_registry = self.contract("DatasetRegistry", deployment["dataset_registry"])
        self.workerpool_registry = self.contract(
            "WorkerpoolRegistry", deployment["workerpool_registry"]
        )
        self.domain = Reader(RpcClient(rpc_url), deployment["hub"]).domain()
        self._unlocked = {to_checksum_address(a) for a in self.rpc("eth_accounts")}
        self._functions: dict[tuple[Contract, str], Any] = {}

    @staticmethod
    def contract(abi_name: str, address: str) -> Contract:
        return Contract(abi_name, to_checksum_address(address))

    def _function(self, contract: Contract, function: str):
        """web3 for one function only: with the hub's whole ABI, web3 re-validates every
        selector on each call, which cost more than the node's own work."""
        key = (contract, function)
        if key not in self._functions:
            self._functions[key] = self.w3.eth.contract(
                address=contract.address,
                abi=[function_abi(contract.abi_name, function)],
                decode_tuples=True,
            )
        return self._functions[key]

    def rpc(self, method: str, *params):
        answer = self.w3.provider.make_request(method, list(params))
        if "error" in answer:
            error = answer["error"]
            raise ChainError(f"{method}: {error.get('message', error)}")
        return answer["result"]

    def enable_sender(self, address: str):
        """Lets eth_sendTransaction come from `address` even when the node has fewer dev
        accounts unlocked than the market has actors."""
        if address in self._unlocked:
            return
        self.rpc("anvil_impersonateAccount", address)
        if self.w3.eth.get_balance(address) < 10**21:
            self.rpc("anvil_setBalance", address, hex(10**24))
        self._unlocked.add(address)

    def send(self, sender: str, contract: Contract, function: str, *args) -> dict:
        """Mine one transaction and return its receipt. Without gas, the node estimates it and
        so refuses a reverting call with its reason instead of mining a failure."""
        data = self._function(contract, function).encode_abi(function, args=list(args))
        tx = {"from": sender, "to": contract.address, "data": data}
        try:
            tx_hash = self.rpc("eth_sendTransaction", tx)
        except ChainError as exc:
            raise ChainError(f"{function} from {sender}: {exc}") from None
        receipt = self._receipt(tx_hash)
        if receipt["status"] != 1:
            raise ChainError(f"{function} from {sender} reverted in {tx_hash}")
        return receipt

    def _receipt(self, tx_hash: str) -> dict:
        receipt = self.rpc("eth_getTransactionReceipt", tx_hash)
        if receipt is None:
            # Interval mining or automine off: mine now rather than wait for the next block.
            self.rpc("evm_mine")
            receipt = self.rpc("eth_getTransactionReceipt", tx_hash)
        if receipt is None:
            raise ChainError(f"{tx_hash} was not mined")
        return {**receipt, "status": int(receipt["status"], 16)}

    def view(self, contract: Contract, function: str, *args):
        return self._function(contract, function).functions[function](*args).call()

    def timestamp(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def advance_time_past(self, deadline: int):
        """Move the chain clock just past `deadline`. It moves for every task on the chain."""
        delta = deadline - self.timestamp() + 1
        if delta > 0:
            self.rpc("evm_increaseTime", delta)
        self.rpc("evm_mine")

    def task(self, taskid: bytes):
        return self.view(self.hub, "viewTask", taskid)

    def stake(self, address: str) -> int:
        return self.view(self.hub, "viewAccount", address).stake


def dealid_of(receipt: dict) -> bytes:
    """The dealid of the OrdersMatched log in a matchOrders receipt (its first data word)."""
    for log in receipt["logs"]:
        if bytes.fromhex(log["topics"][0][2:]) == ORDERS_MATCHED:
            return bytes.fromhex(log["data"][2:66])
    raise ChainError("no OrdersMatched in the receipt")


@dataclass
class Actor:
    """A dev account: sends transactions and signs what its role signs."""

    chain: Chain
    index: int

    @cached_property
    def key(self) -> bytes:
        return dev_key(self.index)

    @cached_property
    def address(self) -> str:
        return Account.from_key(self.key).address

    def send(self, contract: Contract, function: str, *args) -> dict:
        return self.chain.send(self.address, contract, function, *args)

    def personal_sign(self, message: bytes) -> bytes:
        """EIP-191 signature of keccak(message), as the hub's _verifySignatureOfEthSignedMessage
        checks it."""
        return _personal_sign(self.key, message)

    def sign_order(self, kind: str, order: dict) -> dict:
        sign = order_sign(kind=kind, order=order, domain=self.chain.domain, private_key=self.key)
        return {**order, "sign": sign}

    def stake(self) -> int:
        return self.chain.stake(self.address)

    def deposit(self, amount: int):
        # approveAndCall: one transaction approves the hub and lets it pull the deposit.
        self.send(self.chain.rlc, "approveAndCall", self.chain.hub.address, amount, b"")

    def withdraw(self, amount: int):
        self.send(self.chain.hub, "withdraw", amount)

    def manage(self, kind: str, order: dict, operation: int) -> dict:
        """Close (or presign) one of this actor's orders on chain with a direct call; the
        receipt."""
        return self.send(
            self.chain.hub,
            MANAGE_FUNCTION[kind],
            (order_as_tuple(kind=kind, order=order), operation, b""),
        )


def _personal_sign(key: bytes, message: bytes) -> bytes:
    signed = Account.sign_message(encode_defunct(primitive=keccak(message)), key)
    return bytes(signed.signature)


class AppDeveloper(Actor):
    def ensure_app(self, *, name: str, multiaddr: bytes, checksum: bytes, mrenclave: bytes) -> str:
        """The app's address; registered now unless it already is (addresses are CREATE2 of the
        owner and arguments, so re-running finds the same app)."""
        args = (self.address, name, "DOCKER", multiaddr, checksum, mrenclave)
        registry = self.chain.app_registry
        return _ensure_entry(self, registry, "predictApp", "createApp", args)

    def app_order(self, *, app: str, price: int, volume: int, tag: str, salt: str) -> dict:
        order = {
            "app": app,
            "appprice": price,
            "volume": volume,
            "tag": tag,
            "datasetrestrict": ZERO_ADDRESS,
            "workerpoolrestrict": ZERO_ADDRESS,
            "requesterrestrict": ZERO_ADDRESS,
            "salt": salt,
        }
        return self.sign_order("apporder", order)


class DatasetProvider(Actor):
    def ensure_dataset(self, *, name: str, multiaddr: bytes, checksum: bytes) -> str:
        args = (self.address, name, multiaddr, checksum)
        registry = self.chain.dataset_registry
        return _ensure_entry(self, registry, "predictDataset", "createDataset", args)

    def dataset_order(self, *, dataset: str, price: int, volume: int, tag: str, salt: str) -> dict:
        order = {
            "dataset": dataset,
            "datasetprice": price,
            "volume": volume,
            "tag": tag,
            "apprestrict": ZERO_ADDRESS,
            "workerpoolrestrict": ZERO_ADDRESS,
            "requesterrestrict": ZERO_ADDRESS,
            "salt": salt,
        }
        return self.sign_order("datasetorder", order)


class Scheduler(Actor):
    """A workerpool owner: publishes its pool's offers and drives the tasks of its deals."""

    def ensure_workerpool(self, *, description: str) -> str:
        args = (self.address, description)
        registry = self.chain.workerpool_registry
        return _ensure_entry(self, registry, "predictWorkerpool", "createWorkerpool", args)

    def ensure_policy(self, *, workerpool: str, worker_stake_ratio: int, scheduler_reward: int):
        """changePolicy (emits PolicyUpdate) only when the pool does not have it yet."""
        pool = self.chain.contract("Workerpool", workerpool)
        current = (
            self.chain.view(pool, "m_workerStakeRatioPolicy"),
            self.chain.view(pool, "m_schedulerRewardRatioPolicy"),
        )
        if current != (worker_stake_ratio, scheduler_reward):
            self.send(pool, "changePolicy", worker_stake_ratio, scheduler_reward)

    def workerpool_order(
        self,
        *,
        workerpool: str,
        price: int,
        volume: int,
        tag: str,
        category: int,
        trust: int,
        salt: str,
        requesterrestrict: str = ZERO_ADDRESS,
        signed: bool = True,
    ) -> dict:
        order = {
            "workerpool": workerpool,
            "workerpoolprice": price,
            "volume": volume,
            "tag": tag,
            "category": category,
            "trust": trust,
            "apprestrict": ZERO_ADDRESS,
            "datasetrestrict": ZERO_ADDRESS,
            "requesterrestrict": requesterrestrict,
            "salt": salt,
        }
        return self.sign_order("workerpoolorder", order) if signed else {**order, "sign": "0x"}

    def initialize(self, dealid: bytes, idx: int) -> bytes:
        self.send(self.chain.hub, "initialize", dealid, idx)
        return taskid_of(dealid, idx)

    def initialize_all(self, dealid: bytes, count: int, *, first: int = 0) -> list[bytes]:
        """The tasks of a deal of `count` tasks whose first index is `first` (its botFirst)."""
        indices = list(range(first, first + count))
        self.send(self.chain.hub, "initializeArray", [dealid] * count, indices)
        return [taskid_of(dealid, idx) for idx in indices]

    def authorize(self, worker: "Worker", taskid: bytes, enclave: str = ZERO_ADDRESS) -> bytes:
        """The scheduler's go-ahead for one worker (and enclave) on one task."""
        message = bytes.fromhex(worker.address[2:]) + taskid + bytes.fromhex(enclave[2:])
        return self.personal_sign(message)

    def finalize(self, taskid: bytes, results: bytes):
        self.send(self.chain.hub, "finalize", taskid, results, b"")

    def reopen(self, taskid: bytes):
        self.send(self.chain.hub, "reopen", taskid)


@dataclass
class Enclave:
    """A simulated TEE enclave key: its address is the enclaveChallenge of a contribution."""

    key: bytes
    address: str = field(init=False)

    def __post_init__(self):
        self.address = Account.from_key(self.key).address

    def sign_result(self, result_hash: bytes, result_seal: bytes) -> bytes:
        return _personal_sign(self.key, result_hash + result_seal)


class Worker(Actor):
    def result(self, taskid: bytes, digest: bytes) -> tuple[bytes, bytes]:
        """(resultHash, resultSeal): the hash everyone agreeing shares, the seal only this
        worker could produce, so a reveal proves who computed it."""
        worker = bytes.fromhex(self.address[2:])
        return keccak(taskid + digest), keccak(worker + taskid + digest)

    def contribute(
        self, *, taskid: bytes, digest: bytes, authorization: bytes, enclave: "Enclave | None"
    ):
        result_hash, result_seal = self.result(taskid, digest)
        challenge, enclave_sign = _enclave_proof(enclave, result_hash, result_seal)
        self.send(
            self.chain.hub,
            "contribute",
            taskid,
            result_hash,
            result_seal,
            challenge,
            enclave_sign,
            authorization,
        )

    def contribute_and_finalize(
        self, *, taskid: bytes, digest: bytes, results: bytes, authorization: bytes
    ):
        """Trust 1 only: contribution, consensus, reveal and finalize in one transaction."""
        no_callback = b""
        self.send(
            self.chain.hub,
            "contributeAndFinalize",
            taskid,
            digest,
            results,
            no_callback,
            ZERO_ADDRESS,
            b"",
            authorization,
        )

    def reveal(self, taskid: bytes, digest: bytes):
        self.send(self.chain.hub, "reveal", taskid, digest)


def _enclave_proof(enclave: Enclave | None, result_hash: bytes, result_seal: bytes):
    if enclave is None:
        return ZERO_ADDRESS, b""
    return enclave.address, enclave.sign_result(result_hash, result_seal)


class Requester(Actor):
    def request_order(
        self,
        *,
        app: str,
        appmaxprice: int,
        workerpoolmaxprice: int,
        volume: int,
        tag: str,
        category: int,
        trust: int,
        params: str,
        salt: str,
        dataset: str = ZERO_ADDRESS,
        datasetmaxprice: int = 0,
        workerpool: str = ZERO_ADDRESS,
    ) -> dict:
        order = {
            "app": app,
            "appmaxprice": appmaxprice,
            "dataset": dataset,
            "datasetmaxprice": datasetmaxprice,
            "workerpool": workerpool,
            "workerpoolmaxprice": workerpoolmaxprice,
            "requester": self.address,
            "volume": volume,
            "tag": tag,
            "category": category,
            "trust": trust,
            "beneficiary": self.address,
            "callback": ZERO_ADDRESS,
            "params": params,
            "salt": salt,
        }
        return self.sign_order("requestorder", order)


def match_orders(sender: Actor, orders: dict, *, sponsored: bool = False) -> bytes:
    """matchOrders (the requester pays) or sponsorMatchOrders (the sender pays); the dealid."""
    args = [order_as_tuple(kind=kind, order=orders[kind]) for kind in ORDER_KINDS]
    function = "sponsorMatchOrders" if sponsored else "matchOrders"
    return dealid_of(sender.send(sender.chain.hub, function, *args))


def _ensure_entry(owner: Actor, registry: Contract, predict: str, create: str, args: tuple) -> str:
    address = owner.chain.view(registry, predict, *args)
    if not owner.chain.view(registry, "isRegistered", address):
        owner.send(registry, create, *args)
    return to_checksum_address(address)
