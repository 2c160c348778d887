"""The PoCo contracts' ABIs and bytecode, read from the npm package in node_modules.

Called by the devchain deployer, the indexer's decoder and the view readers; nothing here is
copied from PoCo, it is all loaded from the installed @iexec/poco and rlc-faucet-contract.
"""

import json
from functools import cache
from pathlib import Path

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
POCO_DIR = NODE_MODULES / "@iexec" / "poco"
ARTIFACTS = POCO_DIR / "artifacts" / "contracts"

# Paths below ARTIFACTS of every contract the project uses, by short name.
CONTRACTS = {
    "IexecInterfaceToken": "IexecInterfaceToken.sol",
    "Diamond": "Diamond.sol",
    "IexecLibOrders_v5": "libs/IexecLibOrders_v5.sol",
    "AppRegistry": "registries/apps/AppRegistry.sol",
    "DatasetRegistry": "registries/datasets/DatasetRegistry.sol",
    "WorkerpoolRegistry": "registries/workerpools/WorkerpoolRegistry.sol",
    "App": "registries/apps/App.sol",
    "Dataset": "registries/datasets/Dataset.sol",
    "Workerpool": "registries/workerpools/Workerpool.sol",
    # PoCo's stand-in for a contract wallet (a Safe), which the tests sign with.
    "ERC1271Mock": "tools/testing/ERC1271Mock.sol",
}
FACETS = [
    "IexecAccessorsABILegacyFacet",
    "IexecCategoryManagerFacet",
    "IexecConfigurationExtraFacet",
    "IexecConfigurationFacet",
    "IexecERC20Facet",
    "IexecEscrowTokenFacet",
    "IexecOrderManagementFacet",
    "IexecPoco1Facet",
    "IexecPoco2Facet",
    "IexecPocoAccessorsFacet",
    "IexecRelayFacet",
]
# Facets the diamond needs before any other cut; PoCo ships them prebuilt (unlinked) here.
DIAMOND_BASE = ["DiamondInit", "DiamondCutFacet", "DiamondLoupeFacet", "OwnershipFacet"]


class MissingArtifacts(RuntimeError):
    pass


def _read(path: Path) -> dict:
    if not path.exists():
        raise MissingArtifacts(
            f"{path} is missing: run `npm ci --ignore-scripts` (or `make setup`)"
        )
    return json.loads(path.read_text())


@cache
def artifact(name: str) -> dict:
    """abi, bytecode and linkReferences of a contract compiled in the PoCo package."""
    if name in FACETS:
        return _read(ARTIFACTS / "facets" / f"{name}.sol" / f"{name}.json")
    if name in DIAMOND_BASE:
        return _read(POCO_DIR / "deployments" / "arbitrum" / f"{name}.json")
    if name == "RLC":
        rlc = _read(NODE_MODULES / "rlc-faucet-contract" / "build" / "contracts" / "RLC.json")
        return {"abi": rlc["abi"], "bytecode": rlc["bytecode"]}
    return _read(ARTIFACTS / CONTRACTS[name] / f"{name}.json")


def abi(name: str) -> list[dict]:
    return artifact(name)["abi"]
