"""JSON shapes of the read API, named after PoCo's view structs (camelCase, as in the ABI).

uint256 amounts (nRLC) are decimal strings: they can exceed 2^53, past which JSON numbers lose
precision in JavaScript. Counts, indices and unix timestamps stay JSON integers.
"""

from collections.abc import Callable

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.chain.parse import (
    ADDRESS_PATTERN,
    BYTES32_PATTERN,
    InputInvalid,
    address_parse,
    bytes32_parse,
    uint_parse,
)
from marketplace.models import Contribution, Task

# Chain and category ids are uint256 on chain but int64 columns here; larger ones cannot exist.
INT64_MAX = 2**63 - 1


def catid_parse(name: str, text: str) -> int:
    return uint_parse(name, text, maximum=INT64_MAX)


# --- Fields --------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": "^[0-9]+$", "example": "1000000000"})
class Uint256StringField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "nRLC, as a decimal string: uint256 may exceed 2^53.")
        super().__init__(**kwargs)

    def to_representation(self, value: int) -> str:
        return str(value)


class ParsedField(serializers.CharField):
    """A query parameter read by the one parser core; its refusal is a DRF validation error."""

    parse: Callable[[str, object], object]

    def to_internal_value(self, data):
        try:
            return self.parse(self.field_name, super().to_internal_value(data))
        except InputInvalid as refusal:
            raise serializers.ValidationError(refusal.message) from None


@extend_schema_field({"type": "string", "pattern": f"^{ADDRESS_PATTERN}$"})
class AddressField(ParsedField):
    """An address: `0x` optional, one letter case or EIP-55; checksummed out."""

    parse = staticmethod(address_parse)


@extend_schema_field({"type": "string", "pattern": f"^{BYTES32_PATTERN}$"})
class Bytes32Field(ParsedField):
    """A bytes32 id: `0x` optional, any letter case in, lower-case out."""

    parse = staticmethod(bytes32_parse)


class EnumNameField(serializers.Field):
    """A PoCo enum stored as its index and shown by name, as a named schema component.

    Task and contribution statuses share the field name `status`; naming their components
    spares clients drf-spectacular's generated, hash-suffixed enum names.
    """

    names: list[str]
    component_name: str

    def to_representation(self, value: int) -> str:
        return self.names[value]


class TaskStatusField(EnumNameField):
    names = Task.STATUSES
    component_name = "TaskStatus"


class ContributionStatusField(EnumNameField):
    names = Contribution.STATUSES
    component_name = "ContributionStatus"


class EnumNameFieldExtension(OpenApiSerializerFieldExtension):
    target_class = EnumNameField
    match_subclasses = True

    def get_name(self) -> str:
        return self.target.component_name

    def map_serializer_field(self, auto_schema, direction) -> dict:
        return {"type": "string", "enum": self.target.names}


def _block_number():
    return serializers.IntegerField(
        source="block.number", help_text="Block of the event that created this entry."
    )


def _block_timestamp():
    return serializers.DateTimeField(
        source="block.timestamp", help_text="Timestamp of that block, ISO 8601 in UTC."
    )


def _transaction_hash():
    return serializers.CharField(
        source="tx_hash", help_text="Transaction of the event that created this entry."
    )


# --- Resources -----------------------------------------------------------------------------


class CategorySerializer(serializers.Serializer):
    catid = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    workClockTimeRef = serializers.IntegerField(
        source="work_clock_time_ref", help_text="Seconds: the category's time reference."
    )
    blockNumber = _block_number()
    transactionHash = _transaction_hash()


class TransferSerializer(serializers.Serializer):
    """An ERC-721 Transfer of the asset in its registry; the first, from 0x0, is the mint."""

    sender = serializers.CharField(source="sender")
    to = serializers.CharField(source="receiver")
    blockNumber = serializers.IntegerField(source="block.number")
    transactionHash = serializers.CharField(source="tx_hash")

    def get_fields(self):
        # `from` is a Python keyword, so it cannot be declared as a class attribute.
        fields = super().get_fields()
        return {("from" if name == "sender" else name): field for name, field in fields.items()}


class AppSerializer(serializers.Serializer):
    address = serializers.CharField()
    owner = serializers.CharField()
    appName = serializers.CharField(source="name")
    appType = serializers.CharField(source="type")
    appMultiaddr = serializers.CharField(source="multiaddr")
    appChecksum = serializers.CharField(source="checksum")
    appMREnclave = serializers.CharField(source="mrenclave")
    blockNumber = _block_number()
    transactionHash = _transaction_hash()
    blockTimestamp = _block_timestamp()


class AppDetailSerializer(AppSerializer):
    transfers = TransferSerializer(many=True)


class DatasetSerializer(serializers.Serializer):
    address = serializers.CharField()
    owner = serializers.CharField()
    datasetName = serializers.CharField(source="name")
    datasetMultiaddr = serializers.CharField(source="multiaddr")
    datasetChecksum = serializers.CharField(source="checksum")
    blockNumber = _block_number()
    transactionHash = _transaction_hash()
    blockTimestamp = _block_timestamp()


class DatasetDetailSerializer(DatasetSerializer):
    transfers = TransferSerializer(many=True)


class WorkerpoolSerializer(serializers.Serializer):
    address = serializers.CharField()
    owner = serializers.CharField()
    workerpoolDescription = serializers.CharField(source="description")
    workerStakeRatioPolicy = serializers.IntegerField(
        source="worker_stake_ratio_policy",
        help_text="Percentage of the workerpool price a worker stakes per task.",
    )
    schedulerRewardRatioPolicy = serializers.IntegerField(
        source="scheduler_reward_ratio_policy",
        help_text="Percentage of the task reward kept by the scheduler.",
    )
    blockNumber = _block_number()
    transactionHash = _transaction_hash()
    blockTimestamp = _block_timestamp()


class WorkerpoolDetailSerializer(WorkerpoolSerializer):
    transfers = TransferSerializer(many=True)


class DealResourceSerializer(serializers.Serializer):
    """One resource of a deal (viewDeal's app, dataset or workerpool)."""

    pointer = serializers.CharField(help_text="Address of the app, dataset or workerpool.")
    owner = serializers.CharField()
    price = Uint256StringField(help_text="Price per task in nRLC, as a decimal string.")

    def get_attribute(self, deal):
        # Deal stores each resource flat, as <resource>_pointer etc., named like this field.
        return {name: getattr(deal, f"{self.field_name}_{name}") for name in self.fields}


class DealSerializer(serializers.Serializer):
    dealid = serializers.CharField()
    app = DealResourceSerializer()
    dataset = DealResourceSerializer(help_text="pointer is 0x0 when the deal has no dataset.")
    workerpool = DealResourceSerializer()
    trust = Uint256StringField(help_text="Trust level, as a decimal string (uint256).")
    category = serializers.IntegerField(help_text="catid of the deal's category.")
    tag = serializers.CharField()
    requester = serializers.CharField()
    beneficiary = serializers.CharField()
    callback = serializers.CharField()
    params = serializers.CharField()
    startTime = serializers.IntegerField(source="start_time", help_text="Unix seconds.")
    botFirst = serializers.IntegerField(source="bot_first")
    botSize = serializers.IntegerField(source="bot_size")
    workerStake = Uint256StringField(
        source="worker_stake", help_text="nRLC each worker stakes per task, as a decimal string."
    )
    schedulerRewardRatio = serializers.IntegerField(source="scheduler_reward_ratio")
    sponsor = serializers.CharField()
    appHash = serializers.CharField(source="app_hash")
    datasetHash = serializers.CharField(source="dataset_hash")
    workerpoolHash = serializers.CharField(source="workerpool_hash")
    requestHash = serializers.CharField(source="request_hash")
    volume = serializers.IntegerField()
    blockNumber = _block_number()
    blockTimestamp = _block_timestamp()
    transactionHash = _transaction_hash()


class DealTaskSerializer(serializers.Serializer):
    taskid = serializers.CharField()
    idx = serializers.IntegerField()
    status = TaskStatusField()


class DealDetailSerializer(DealSerializer):
    tasks = DealTaskSerializer(many=True, help_text="Its initialized tasks, by idx.")


class ContributionSerializer(serializers.Serializer):
    worker = serializers.CharField()
    status = ContributionStatusField()
    resultHash = serializers.CharField(source="result_hash")
    resultSeal = serializers.CharField(source="result_seal")
    enclaveChallenge = serializers.CharField(source="enclave_challenge")
    weight = serializers.IntegerField()


class TaskSerializer(serializers.Serializer):
    taskid = serializers.CharField()
    status = TaskStatusField()
    dealid = serializers.CharField(source="deal.dealid")
    idx = serializers.IntegerField()
    timeref = serializers.IntegerField(help_text="Seconds.")
    contributionDeadline = serializers.IntegerField(
        source="contribution_deadline", help_text="Unix seconds."
    )
    revealDeadline = serializers.IntegerField(source="reveal_deadline", help_text="Unix seconds.")
    finalDeadline = serializers.IntegerField(source="final_deadline", help_text="Unix seconds.")
    consensusValue = serializers.CharField(source="consensus_value")
    revealCounter = serializers.IntegerField(source="reveal_counter")
    winnerCounter = serializers.IntegerField(source="winner_counter")
    contributors = serializers.ListField(child=serializers.CharField())
    resultDigest = serializers.CharField(source="result_digest")
    results = serializers.CharField()
    resultsTimestamp = serializers.IntegerField(
        source="results_timestamp", help_text="Unix seconds."
    )
    resultsCallback = serializers.CharField(source="results_callback")
    blockNumber = _block_number()
    transactionHash = _transaction_hash()
    contributions = ContributionSerializer(many=True)


class AccountSerializer(serializers.Serializer):
    address = serializers.CharField()
    stake = Uint256StringField(help_text="Free balance in nRLC, as a decimal string.")
    locked = Uint256StringField(help_text="Balance locked in deals in nRLC, as a decimal string.")
    score = serializers.IntegerField(help_text="Worker score.")


# --- Query parameters ----------------------------------------------------------------------


class ChainQuerySerializer(serializers.Serializer):
    chainId = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=INT64_MAX,
        help_text="Chain to read; defaults to the one chain this deployment indexes.",
    )


class AssetQuerySerializer(ChainQuerySerializer):
    owner = AddressField(required=False, help_text="Current owner, in any letter case.")


class DealQuerySerializer(ChainQuerySerializer):
    requester = AddressField(required=False)
    beneficiary = AddressField(required=False)
    app = AddressField(required=False)
    dataset = AddressField(required=False)
    workerpool = AddressField(required=False)
    category = serializers.IntegerField(
        required=False, min_value=0, max_value=INT64_MAX, help_text="A catid."
    )


class TaskQuerySerializer(ChainQuerySerializer):
    dealid = Bytes32Field(required=False)
    status = serializers.ChoiceField(choices=Task.STATUSES, required=False)

    def validate_status(self, name: str) -> int:
        return Task.STATUSES.index(name)
