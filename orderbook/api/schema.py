"""OpenAPI description of the market API (served at /docs): shapes of answers and parameters.

Only documentation: the views build their JSON themselves, as the wire contract fixes it.
"""

from typing import Literal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

Q: Literal["query"] = OpenApiParameter.QUERY


def param(name: str, kind=str, description: str = "", required: bool = False) -> OpenApiParameter:
    return OpenApiParameter(name, kind, Q, required=required, description=description)


CHAIN = param("chainId", int, "the chain's id", required=True)
PAGING = [
    param("pageIndex", int, "page number from 0 (with pageSize)"),
    param("pageSize", int, "10 to 1000, default 20"),
    param("page", int, "legacy: a raw offset, 20 per page"),
]
ADDRESS = "an address: `0x` optional, in one letter case or EIP-55 checksummed"
RESTRICT = "an address or `any`; absent: public orders only"

ERROR = inline_serializer(
    "MarketError", {"ok": serializers.BooleanField(), "error": serializers.CharField()}
)


class PublishedOrder(serializers.Serializer):
    orderHash = serializers.CharField()
    chainId = serializers.IntegerField()
    remaining = serializers.IntegerField()
    status = serializers.ChoiceField(["open", "filled", "canceled", "dead"])
    publicationTimestamp = serializers.DateTimeField()
    signer = serializers.CharField()
    order = serializers.DictField(help_text="the signed order: PoCo's struct fields plus sign")
    bulk = serializers.BooleanField(required=False, help_text="dataset orders only")


def order_schema():
    return PublishedOrder()


def envelope(name: str, fields: dict):
    return inline_serializer(name, {"ok": serializers.BooleanField(), **fields})


def page(name: str, key: str, item=None):
    return envelope(
        name,
        {
            key: serializers.ListField(child=item() if item else serializers.DictField()),
            "count": serializers.IntegerField(),
            "nextPage": serializers.IntegerField(
                required=False, help_text="offset of the next page"
            ),
        },
    )


OBJECT = OpenApiTypes.OBJECT
ANSWERS = {400: ERROR, 403: ERROR, 404: ERROR, 500: ERROR}
BOOK_PARAMS = {
    "apporder": [
        param("app", str, "the app, or `any` (app or appOwner is required)"),
        param("appOwner", str, ADDRESS),
        param("dataset", str, RESTRICT),
        param("isDatasetStrict", bool),
        param("workerpool", str, RESTRICT),
        param("isWorkerpoolStrict", bool),
        param("requester", str, RESTRICT),
        param("isRequesterStrict", bool),
    ],
    "datasetorder": [
        param("dataset", str, "the dataset, or `any` (dataset or datasetOwner is required)"),
        param("datasetOwner", str, ADDRESS),
        param("app", str, RESTRICT),
        param("isAppStrict", bool),
        param("workerpool", str, RESTRICT),
        param("isWorkerpoolStrict", bool),
        param("requester", str, RESTRICT),
        param("isRequesterStrict", bool),
        param("bulkOnly", bool),
    ],
    "workerpoolorder": [
        param("workerpool", str, ADDRESS),
        param("workerpoolOwner", str, ADDRESS),
        param("category", int),
        param("app", str, RESTRICT),
        param("isAppStrict", bool),
        param("dataset", str, RESTRICT),
        param("isDatasetStrict", bool),
        param("requester", str, RESTRICT),
        param("isRequesterStrict", bool),
        param("minTrust", int),
    ],
    "requestorder": [
        param("app", str, ADDRESS),
        param("dataset", str, ADDRESS),
        param("requester", str, ADDRESS),
        param("beneficiary", str, ADDRESS),
        param("category", int),
        param("maxTrust", int),
        param("workerpool", str, "an address or `any`; absent: orders open to any workerpool"),
        param("isWorkerpoolStrict", bool),
    ],
}
COMMON_BOOK = [
    param("minTag", str, "bytes32"),
    param("maxTag", str, "bytes32"),
    param("minVolume", int),
]
DEAL_PARAMS = (
    [
        param(name, str, ADDRESS)
        for name in (
            "requester",
            "beneficiary",
            "app",
            "dataset",
            "workerpool",
            "appOwner",
            "datasetOwner",
            "workerpoolOwner",
        )
    ]
    + [
        param(f"{kind}Hash", str, "bytes32")
        for kind in ("apporder", "datasetorder", "workerpoolorder", "requestorder")
    ]
    + [param("category", int)]
)
PUBLISH_BODY = inline_serializer("PublishBody", {"order": serializers.DictField()})
UNPUBLISH_BODY = inline_serializer(
    "UnpublishBody",
    {
        "target": serializers.ChoiceField(
            ["unpublish_orderHash", "unpublish_last", "unpublish_all"]
        ),
        "orderHash": serializers.CharField(required=False),
        "app": serializers.CharField(required=False),
        "dataset": serializers.CharField(required=False),
        "workerpool": serializers.CharField(required=False),
        "requester": serializers.CharField(required=False),
    },
)
AUTH = OpenApiParameter(
    "authorization",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="<challenge hash>_<signature>_<address> (GET /challenge, sign with EIP-712)",
)
