"""PoCo's vocabulary, written once: tag bits, order kinds and what each is about, zero values,
and the function tables of the contracts the project calls.

Every other module takes these from here, so a new tag (TDX came in 2025) or a new order kind
is one edit. The tag bits are the iExec SDK's TAG_MAP (../shared/specs/networks.md).
"""

from collections.abc import Iterable

from marketplace.chain.abi_codec import functions
from marketplace.chain.artifacts import abi

ZERO_ADDRESS = "0x" + "00" * 20
ZERO_BYTES32 = "0x" + "00" * 32
NO_TAG = ZERO_BYTES32

# Tag bits by name, in bit order; the labels are what the pages show.
TAG_BITS = {"tee": 0, "scone": 1, "gramine": 2, "tdx": 3, "gpu": 8}
TAG_LABELS = {"tee": "TEE", "scone": "SCONE", "gramine": "Gramine", "tdx": "TDX", "gpu": "GPU"}
TEE_MASK = 1 << TAG_BITS["tee"]


def tag_value(names: Iterable[str]) -> int:
    """The tag setting the named bits; KeyError on a name that is not in TAG_BITS."""
    return sum(1 << TAG_BITS[name] for name in set(names))


def tag_hex(value: int) -> str:
    """A tag as the bytes32 hex orders carry."""
    return "0x" + value.to_bytes(32, "big").hex()


TEE_TAG = tag_hex(TEE_MASK)

ORDER_KINDS = ("apporder", "datasetorder", "workerpoolorder", "requestorder")
# The asset a sell order offers, and the kind of order that offers an asset.
ASSET_OF_KIND = {"apporder": "app", "datasetorder": "dataset", "workerpoolorder": "workerpool"}
KIND_OF_ASSET = {asset: kind for kind, asset in ASSET_OF_KIND.items()}
SELL_KINDS = tuple(ASSET_OF_KIND)
# The field naming whose order it is: the asset for sell orders, the requester for requests.
RESOURCE_OF_KIND = {**ASSET_OF_KIND, "requestorder": "requester"}
# The hub names orders by these in its events (Closed<Name>Order) and functions
# (manage<Name>Order, broadcast<Name>Order).
ORDER_NAMES = {
    "apporder": "App",
    "datasetorder": "Dataset",
    "workerpoolorder": "Workerpool",
    "requestorder": "Request",
}
MANAGE_FUNCTION = {kind: f"manage{name}Order" for kind, name in ORDER_NAMES.items()}
SIGN, CLOSE = 0, 1  # PoCo's OrderOperationEnum

HUB = functions(abi("IexecInterfaceToken"))
RLC = functions(abi("RLC"))
APP_REGISTRY = functions(abi("AppRegistry"))
DATASET_REGISTRY = functions(abi("DatasetRegistry"))
APP = functions(abi("App"))
DATASET = functions(abi("Dataset"))
WORKERPOOL = functions(abi("Workerpool"))
