"""tokens/: the signed-in user's API tokens (session or token): list, issue, revoke one
or all. Another user's tokens are never seen: a prefix naming none of yours is a 404."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from api import tokens
from api.parameters import FORMAT, KnownParametersMixin


class TokenSerializer(serializers.Serializer):
    prefix = serializers.CharField(
        source="token_key",
        read_only=True,
        help_text="The token's first characters: names it here and in DELETE tokens/<prefix>/.",
    )
    created = serializers.DateTimeField(read_only=True)
    expires = serializers.DateTimeField(
        source="expiry", read_only=True, allow_null=True, help_text="null: never."
    )
    expired = serializers.SerializerMethodField()

    def get_expired(self, token) -> bool:
        return tokens.is_expired(token)


class IssuedTokenSerializer(TokenSerializer):
    token = serializers.CharField(
        read_only=True,
        help_text="The secret, for `Authorization: Token <token>`: shown now, never again.",
    )


PREFIX = OpenApiParameter(
    "prefix", OpenApiTypes.STR, OpenApiParameter.PATH, description="A token's `prefix`."
)


class TokenView(KnownParametersMixin, APIView):
    """The signed-in user's own tokens only."""

    permission_classes = [permissions.IsAuthenticated]

    def known_parameters(self):
        return FORMAT


@extend_schema(tags=["tokens"])
class TokenListView(TokenView):
    """Your API tokens: each named by its prefix, with when it was created and when it
    expires (DJANGO_API_TOKEN_TTL_DAYS after issue); an expired token is listed, marked
    `expired`, until revoked. A secret is shown only in the answer that issues it."""

    @extend_schema(summary="Your tokens (no secrets)", responses=TokenSerializer(many=True))
    def get(self, request):
        return Response(TokenSerializer(tokens.tokens_of(user=request.user), many=True).data)

    @extend_schema(
        summary="Issue a token; its secret is in this answer only",
        request=None,
        responses={201: IssuedTokenSerializer},
    )
    def post(self, request):
        issued = tokens.issue_token(user=request.user)
        data = {**TokenSerializer(issued.token).data, "token": issued.secret}
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke all your tokens",
        operation_id="v1_tokens_revoke_all",
        request=None,
        responses={204: None},
    )
    def delete(self, request):
        tokens.revoke_tokens(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["tokens"])
class TokenDetailView(TokenView):
    """One of your tokens, by its prefix; a prefix naming none of yours is a 404."""

    @extend_schema(
        summary="Revoke one of your tokens",
        operation_id="v1_tokens_revoke",
        parameters=[PREFIX],
        request=None,
        responses={204: None},
    )
    def delete(self, request, prefix: str):
        if not tokens.revoke_tokens(user=request.user, prefix=prefix):
            raise NotFound("You have no token with this prefix.")
        return Response(status=status.HTTP_204_NO_CONTENT)
