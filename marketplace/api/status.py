"""GET /api/v1/status: how current the index is, for monitors and clients that want to know
whether to trust what the other endpoints answer (the same facts as the X-Index-* headers)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.api.serializers import ChainQuerySerializer
from marketplace.selectors.status import index_staleness

STATUS = inline_serializer(
    "IndexStatus",
    {
        "chainId": serializers.IntegerField(allow_null=True),
        "lastBlock": serializers.IntegerField(allow_null=True, help_text="the last indexed block"),
        "head": serializers.IntegerField(
            allow_null=True, help_text="the node's head when the indexer last checked"
        ),
        "lag": serializers.IntegerField(allow_null=True, help_text="head - lastBlock"),
        "checkedAt": serializers.DateTimeField(
            allow_null=True, help_text="when the indexer last stored a range or checked the head"
        ),
        "age": serializers.FloatField(allow_null=True, help_text="seconds since checkedAt"),
        "stale": serializers.BooleanField(
            help_text="nothing indexed, the indexer silent for INDEX_STALE_SECONDS, "
            "or more than INDEX_STALE_BLOCKS behind"
        ),
    },
)


class StatusView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        summary="How current the index is",
        tags=["status"],
        parameters=[ChainQuerySerializer],
        responses={200: STATUS},
    )
    def get(self, request):
        query = ChainQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        status = index_staleness(chain_id=query.validated_data.get("chainId"))
        return Response(status.as_json())
