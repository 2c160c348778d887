"""Read-only endpoints over the indexed chain: each resource is a paginated list and a detail.

Views only parse the request, pick the chain and hand over to marketplace.selectors.
"""

from collections.abc import Callable

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from marketplace.api import serializers as api
from marketplace.api.serializers import catid_parse
from marketplace.chain.parse import InputInvalid, address_parse, bytes32_parse
from marketplace.models import Account, App, Category, Dataset, Deal, Task, Workerpool
from marketplace.selectors import entities as selectors


class NothingIndexed(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Nothing is indexed yet; pass chainId to read a chain anyway."
    default_code = "nothing_indexed"


ADDRESS = "40 hex digits, `0x` optional, in one letter case or EIP-55 checksummed."
BYTES32 = "64 hex digits, `0x` optional, in any letter case."


ERROR = inline_serializer("Error", fields={"detail": serializers.CharField()})
BAD_QUERY = OpenApiResponse(
    description="A query parameter is invalid, or chainId is missing while several chains "
    "are indexed: an object mapping each bad parameter to its messages."
)
NOT_INDEXED = OpenApiResponse(ERROR, description="No chainId given and nothing indexed yet.")


def documented(cls):
    """Tells drf-spectacular what the generic ChainReadViewSet hides: filters, id and errors."""
    key = OpenApiParameter(
        cls.lookup_url_kwarg, cls.key_type, OpenApiParameter.PATH, description=cls.key_format
    )
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {cls.resource_plural}",
            tags=[cls.resource_plural],
            parameters=[cls.query_serializer_class],
            responses={200: cls.serializer_class, 400: BAD_QUERY, 503: NOT_INDEXED},
        ),
        retrieve=extend_schema(
            summary=f"One {cls.resource} by {cls.lookup_url_kwarg}",
            tags=[cls.resource_plural],
            parameters=[key, api.ChainQuerySerializer],
            responses={
                200: cls.detail_serializer_class,
                400: BAD_QUERY,
                404: OpenApiResponse(ERROR, description=f"Unknown or malformed {key.name}."),
                503: NOT_INDEXED,
            },
        ),
    )(cls)


class ChainReadViewSet(viewsets.GenericViewSet):
    """List and detail of one resource, on the chain named by chainId or else the indexed one.

    Subclasses name the resource, its serializers, query serializer and selectors, and how to
    parse the id in the URL; the router builds the URL from lookup_url_kwarg. Their docstring
    is the resource's description in the API docs.
    """

    # The index is public; no session or credentials are read.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    # Subclasses set `queryset` to an empty one of their model only to name that model to the
    # browsable API and drf-spectacular; their rows come from the selectors.

    resource: str
    resource_plural: str
    key_type: OpenApiTypes = OpenApiTypes.STR
    key_format: str
    detail_serializer_class: type[serializers.Serializer]
    query_serializer_class: type[api.ChainQuerySerializer] = api.ChainQuerySerializer
    lookup_url_kwarg: str
    parse_key: Callable[[str, str], object]
    list_rows: Callable[..., QuerySet]
    get_row: Callable[..., Model]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return self.detail_serializer_class
        return self.serializer_class

    def list(self, request):
        filters = self._query(self.query_serializer_class)
        page = self.paginate_queryset(self.list_rows(**filters))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, **kwargs):
        chain = self._query(api.ChainQuerySerializer)
        text = kwargs[self.lookup_url_kwarg]
        try:
            key = self.parse_key(self.lookup_url_kwarg, text)
        except InputInvalid as refusal:
            # An id that cannot exist names no resource: same status as an unknown one.
            raise NotFound(f"No {self.resource} {text}: {refusal.message}.") from None
        try:
            row = self.get_row(**chain, **{self.lookup_url_kwarg: key})
        except ObjectDoesNotExist:
            raise NotFound(f"No {self.resource} {key} on chain {chain['chain_id']}.") from None
        return Response(self.get_serializer(row).data)

    def _query(self, serializer_class) -> dict:
        """The validated query parameters as selector arguments, chainId resolved to chain_id."""
        query = serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = dict(query.validated_data)
        chain_id = filters.pop("chainId", None)
        return {"chain_id": self._indexed_chain() if chain_id is None else chain_id, **filters}

    @staticmethod
    def _indexed_chain() -> int:
        chain_ids = selectors.indexed_chain_ids()
        if not chain_ids:
            raise NothingIndexed()
        if len(chain_ids) > 1:
            listed = ", ".join(map(str, chain_ids))
            raise ValidationError(
                {"chainId": [f"Several chains are indexed ({listed}); pick one."]}
            )
        return chain_ids[0]


@documented
class CategoryViewSet(ChainReadViewSet):
    """Task categories of the hub, each with the time reference its deadlines scale with."""

    resource, resource_plural = "category", "categories"
    queryset = Category.objects.none()
    key_type, key_format = OpenApiTypes.INT, "The category's catid."
    serializer_class = detail_serializer_class = api.CategorySerializer
    lookup_url_kwarg = "catid"
    parse_key = staticmethod(catid_parse)
    list_rows = staticmethod(selectors.categories_list)
    get_row = staticmethod(selectors.category_get)


@documented
class AppViewSet(ChainReadViewSet):
    """Apps of the app registry; the detail adds the registry transfers of the app."""

    resource, resource_plural = "app", "apps"
    queryset = App.objects.none()
    key_format = ADDRESS
    serializer_class = api.AppSerializer
    detail_serializer_class = api.AppDetailSerializer
    query_serializer_class = api.AssetQuerySerializer
    lookup_url_kwarg = "address"
    parse_key = staticmethod(address_parse)
    list_rows = staticmethod(selectors.apps_list)
    get_row = staticmethod(selectors.app_get)


@documented
class DatasetViewSet(ChainReadViewSet):
    """Datasets of the dataset registry; the detail adds the registry transfers of the dataset."""

    resource, resource_plural = "dataset", "datasets"
    queryset = Dataset.objects.none()
    key_format = ADDRESS
    serializer_class = api.DatasetSerializer
    detail_serializer_class = api.DatasetDetailSerializer
    query_serializer_class = api.AssetQuerySerializer
    lookup_url_kwarg = "address"
    parse_key = staticmethod(address_parse)
    list_rows = staticmethod(selectors.datasets_list)
    get_row = staticmethod(selectors.dataset_get)


@documented
class WorkerpoolViewSet(ChainReadViewSet):
    """Workerpools of the workerpool registry; the detail adds their registry transfers."""

    resource, resource_plural = "workerpool", "workerpools"
    queryset = Workerpool.objects.none()
    key_format = ADDRESS
    serializer_class = api.WorkerpoolSerializer
    detail_serializer_class = api.WorkerpoolDetailSerializer
    query_serializer_class = api.AssetQuerySerializer
    lookup_url_kwarg = "address"
    parse_key = staticmethod(address_parse)
    list_rows = staticmethod(selectors.workerpools_list)
    get_row = staticmethod(selectors.workerpool_get)


@documented
class DealViewSet(ChainReadViewSet):
    """Deals the hub matched from orders (viewDeal); the detail adds their initialized tasks."""

    resource, resource_plural = "deal", "deals"
    queryset = Deal.objects.none()
    key_format = BYTES32
    serializer_class = api.DealSerializer
    detail_serializer_class = api.DealDetailSerializer
    query_serializer_class = api.DealQuerySerializer
    lookup_url_kwarg = "dealid"
    parse_key = staticmethod(bytes32_parse)
    list_rows = staticmethod(selectors.deals_list)
    get_row = staticmethod(selectors.deal_get)


@documented
class TaskViewSet(ChainReadViewSet):
    """Initialized tasks (viewTask), with the contributions of their workers."""

    resource, resource_plural = "task", "tasks"
    queryset = Task.objects.none()
    key_format = BYTES32
    serializer_class = detail_serializer_class = api.TaskSerializer
    query_serializer_class = api.TaskQuerySerializer
    lookup_url_kwarg = "taskid"
    parse_key = staticmethod(bytes32_parse)
    list_rows = staticmethod(selectors.tasks_list)
    get_row = staticmethod(selectors.task_get)


@documented
class AccountViewSet(ChainReadViewSet):
    """Escrow balances and worker scores of everyone the hub has touched."""

    resource, resource_plural = "account", "accounts"
    queryset = Account.objects.none()
    key_format = ADDRESS
    serializer_class = detail_serializer_class = api.AccountSerializer
    lookup_url_kwarg = "address"
    parse_key = staticmethod(address_parse)
    list_rows = staticmethod(selectors.accounts_list)
    get_row = staticmethod(selectors.account_get)
