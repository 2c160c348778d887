"""The market API (iExec's iexec-market-api wire contract) at the root of the site.

Views stay thin: they parse the query, call selectors or services, and shape the JSON the SDK
expects. Every answer below 500 is JSON, errors as {"ok": false, "error": message}.
"""

from django.conf import settings
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.chain.parse import InputInvalid, bytes32_parse
from marketplace.chain.protocol import ORDER_KINDS
from marketplace.ratelimit import rate_limited
from orderbook import book, facts
from orderbook.api.errors import market_exception_handler
from orderbook.api.parsers import JSONBodyParser
from orderbook.api.query import Query
from orderbook.api.schema import (
    ADDRESS,
    ANSWERS,
    AUTH,
    BOOK_PARAMS,
    CHAIN,
    COMMON_BOOK,
    DEAL_PARAMS,
    OBJECT,
    PAGING,
    PUBLISH_BODY,
    UNPUBLISH_BODY,
    envelope,
    order_schema,
    page,
    param,
)
from orderbook.auth import authorization_use, challenge_create
from orderbook.services import order_publish, order_unpublish


def ok(**data) -> Response:
    return Response({"ok": True, **data})


class MarketView(APIView):
    """Base: no session auth or CSRF (clients prove themselves with the challenge), JSON only."""

    authentication_classes = []
    permission_classes = []
    renderer_classes = [JSONRenderer]
    # Forms would be parsed as bodies too (and documented): only the SDK's JSON is taken.
    parser_classes = [JSONBodyParser]

    def get_exception_handler(self):
        return market_exception_handler

    def chain(self, query: Query) -> int:
        value = query.required("chainId", query.raw("chainId"))
        supported = facts.chain_id()
        if value != str(supported):
            raise InputInvalid(f"chainId {value} is not supported")
        return supported


class VersionView(MarketView):
    @extend_schema(
        operation_id="version",
        summary="The API's version",
        responses={200: envelope("Version", {"version": serializers.CharField()})},
    )
    def get(self, request):
        return ok(version=settings.MARKET_API_VERSION)


class MetricsView(MarketView):
    @extend_schema(
        operation_id="metrics",
        summary="Indexing progress and open order counts",
        parameters=[CHAIN],
        responses={200: OBJECT, **ANSWERS},
    )
    def get(self, request):
        chain_id = self.chain(Query(request.query_params))
        return ok(**book.metrics(chain_id=chain_id))


class ChallengeView(MarketView):
    @extend_schema(
        operation_id="challenge",
        summary="A single-use EIP-712 challenge to sign for POST and PUT",
        parameters=[CHAIN, param("address", str, ADDRESS, required=True)],
        responses={200: envelope("Challenge", {"data": serializers.DictField()}), **ANSWERS},
    )
    @rate_limited(group="challenge")
    def get(self, request):
        query = Query(request.query_params)
        chain_id = self.chain(query)
        address = query.required("address", query.address("address"))
        return ok(data=challenge_create(chain_id=chain_id, address=address))


class CategoriesView(MarketView):
    @extend_schema(
        operation_id="categories_list",
        summary="Categories, workClockTimeRef ascending",
        parameters=[
            CHAIN,
            param("minWorkClockTimeRef", int),
            param("maxWorkClockTimeRef", int),
            *PAGING,
        ],
        responses={200: page("CategoriesPage", "categories"), **ANSWERS},
    )
    def get(self, request):
        query = Query(request.query_params)
        return ok(**book.categories_page(chain_id=self.chain(query), query=query))


class CategoryView(MarketView):
    @extend_schema(
        operation_id="category_get",
        summary="One category",
        parameters=[CHAIN],
        responses={200: OBJECT, **ANSWERS},
    )
    def get(self, request, catid: int):
        chain_id = self.chain(Query(request.query_params))
        return ok(**book.category_get(chain_id=chain_id, catid=catid))


class DealsView(MarketView):
    @extend_schema(
        operation_id="deals_list",
        summary="Deals, newest first",
        parameters=[CHAIN, *DEAL_PARAMS, *PAGING],
        responses={200: page("DealsPage", "deals"), **ANSWERS},
    )
    def get(self, request):
        query = Query(request.query_params)
        return ok(**book.deals_page(chain_id=self.chain(query), query=query))


class DealView(MarketView):
    @extend_schema(
        operation_id="deal_get",
        summary="One deal",
        parameters=[CHAIN],
        responses={200: OBJECT, **ANSWERS},
    )
    def get(self, request, dealid: str):
        chain_id = self.chain(Query(request.query_params))
        return ok(**book.deal_get(chain_id=chain_id, dealid=bytes32_parse("dealid", dealid)))


class OhlcView(MarketView):
    @extend_schema(
        operation_id="ohlc",
        summary="Last 100 deals of a category as [time, price, volume]",
        parameters=[CHAIN, param("category", int, required=True)],
        responses={200: envelope("Ohlc", {"ohlc": serializers.ListField()}), **ANSWERS},
    )
    def get(self, request):
        query = Query(request.query_params)
        chain_id = self.chain(query)
        category = query.required("category", query.uint("category"))
        return ok(ohlc=book.ohlc(chain_id=chain_id, category=category))


class OrdersView(MarketView):
    kind = ""

    def get(self, request):
        query = Query(request.query_params)
        return ok(**book.orders_page(chain_id=self.chain(query), kind=self.kind, query=query))

    @rate_limited(group="publish")
    def post(self, request):
        chain_id = self.chain(Query(request.query_params))
        authorized = authorization_use(
            chain_id=chain_id, header=request.headers.get("authorization")
        )
        body = request.data if isinstance(request.data, dict) else {}
        published = order_publish(
            chain_id=chain_id, kind=self.kind, data=body.get("order"), authorized=authorized
        )
        return ok(published=book.order_json(published))

    @rate_limited(group="publish")
    def put(self, request):
        chain_id = self.chain(Query(request.query_params))
        authorized = authorization_use(
            chain_id=chain_id, header=request.headers.get("authorization")
        )
        unpublished = order_unpublish(
            chain_id=chain_id, kind=self.kind, data=request.data, authorized=authorized
        )
        return ok(unpublished=unpublished)


class OrderView(MarketView):
    kind = ""

    def get(self, request, order_hash: str):
        chain_id = self.chain(Query(request.query_params))
        digest = bytes32_parse("orderHash", order_hash)
        return ok(**book.order_lookup(chain_id=chain_id, kind=self.kind, order_hash=digest))


def orders_views(kind: str) -> tuple[type[APIView], type[APIView]]:
    """The list/publish/unpublish view and the lookup view of one order kind, documented."""
    book = extend_schema_view(
        get=extend_schema(
            operation_id=f"{kind}s_list",
            summary=f"Open {kind}s, best first",
            parameters=[CHAIN, *BOOK_PARAMS[kind], *COMMON_BOOK, *PAGING],
            responses={200: page(f"{kind}Page", "orders", order_schema), **ANSWERS},
        ),
        post=extend_schema(
            operation_id=f"{kind}s_publish",
            summary=f"Publish a signed {kind}",
            parameters=[CHAIN, AUTH],
            request=PUBLISH_BODY,
            responses={200: envelope(f"{kind}Published", {"published": order_schema()}), **ANSWERS},
        ),
        put=extend_schema(
            operation_id=f"{kind}s_unpublish",
            summary=f"Unpublish {kind}s by hash, the last one, or all for a resource",
            parameters=[CHAIN, AUTH],
            request=UNPUBLISH_BODY,
            responses={
                200: envelope(
                    f"{kind}Unpublished",
                    {"unpublished": serializers.ListField(child=serializers.CharField())},
                ),
                **ANSWERS,
            },
        ),
    )(type(f"{kind.capitalize()}sView", (OrdersView,), {"kind": kind}))
    lookup = extend_schema_view(
        get=extend_schema(
            operation_id=f"{kind}_get",
            summary=f"One {kind} by hash, whatever its status",
            parameters=[CHAIN],
            responses={200: order_schema(), **ANSWERS},
        )
    )(type(f"{kind.capitalize()}View", (OrderView,), {"kind": kind}))
    return book, lookup


LOOKUPS = {"categories": "category", "deals": "deal", **{f"{k}s": k for k in ORDER_KINDS}}


def lookup_not_found(request, resource: str):
    """A lookup whose id cannot exist (the routes only take well-formed ids): the same JSON 404
    as an unknown id. Django's own 404 page is HTML when DEBUG is on, which the SDK rejects."""
    return JsonResponse({"ok": False, "error": f"{LOOKUPS[resource]} not found"}, status=404)


def route_not_found(request, route: str):
    return JsonResponse({"ok": False, "error": "Not Found"}, status=404)
