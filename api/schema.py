"""OpenAPI: what the views declare about conditional writes (If-Match, 409, 412),
and the post-processing by which every operation documents the one error shape for
the errors it can answer with, and every GET its ETag."""

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

ERROR = {
    "type": "object",
    "required": ["detail", "errors"],
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Problems by parameter or field name.",
            "additionalProperties": {"type": "array", "items": {}},
        },
    },
}
CONFLICT_SCHEMA = {
    "allOf": [
        {"$ref": "#/components/schemas/Error"},
        {
            "type": "object",
            "required": ["candidates"],
            "properties": {
                "candidates": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "integer"},
                            "url": {"type": "string", "format": "uri"},
                            "date_label": {"type": "string"},
                            "visitor": {
                                "type": "object",
                                "properties": {
                                    "slug": {"type": "string"},
                                    "name": {"type": "string"},
                                },
                            },
                        },
                    },
                }
            },
        },
    ]
}
TOMBSTONE_SCHEMA = {
    "type": "object",
    "description": "A visit withdrawn (unpublished or deleted) since modified_since.",
    "required": ["id", "status", "updated_at"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": ["withdrawn"]},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}
VISIT_PAGE = OpenApiResponse(
    {
        "oneOf": [
            {"$ref": "#/components/schemas/Visit"},
            {"$ref": "#/components/schemas/Tombstone"},
        ]
    },
    description="A page of visits; with modified_since, the change feed: visits changed "
    "since then and tombstones of those withdrawn since then, in the order of updated_at.",
)
ETAG = {
    "schema": {"type": "string"},
    "description": "Send it back in If-None-Match for a 304. A visit's is "
    '`"<version>.<data tag>"`, and If-Match compares its version part.',
}
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of the visit as you read it: the write answers 412 if the "
    "visit has changed since. `*` or no header: write whatever the version.",
)
CONFLICT = OpenApiResponse(
    {"$ref": "#/components/schemas/Conflict"},
    description="Possible duplicates of a recorded visit (same visitor, countries, "
    'overlapping dates), listed in `candidates`; send `"confirm_duplicate": true` '
    "to save anyway.",
)
STALE = OpenApiResponse(
    {"$ref": "#/components/schemas/Error"},
    description="If-Match names an older version; the ETag header carries the current one.",
)
VISIT_ETAG = (
    'The ETag is `"<version>.<data tag>"`: send it back as If-None-Match for a 304, '
    "or as If-Match on PUT, PATCH or DELETE, which compares the version part only."
)


class TokenScheme(KnoxTokenScheme):
    """`Authorization: Token <secret>` (api.tokens), named as DRF's tokens were."""

    target_class = "api.tokens.ExpiringTokenAuthentication"
    name = "tokenAuth"


def visit_write(code: int) -> dict:
    from api.serializers import VisitSerializer

    return {code: VisitSerializer, 409: CONFLICT, 412: STALE}


WHEN = {
    "400": "A parameter is unknown to the endpoint, or a parameter or field does not "
    "parse or names nothing; `errors` names each.",
    "401": "The credentials were wrong, or the token expired (`detail` says which).",
    "403": "The user may not do this.",
    "404": "Not found, or not visible to this user.",
    "429": "Too many requests; see the Retry-After header.",
}


def add_filter_parameters(result) -> None:
    """Document on the export and the computed endpoints the visit filters they read
    (api.parameters.FILTERS_BY_PATH), as the visits list documents them."""
    from api.parameters import FILTERS_BY_PATH

    paths = result.get("paths", {})
    listed = paths.get("/api/v1/visits/", {}).get("get", {}).get("parameters", [])
    for path, names in FILTERS_BY_PATH.items():
        operation = paths.get(path, {}).get("get")
        if operation is None:
            continue
        parameters = operation.setdefault("parameters", [])
        have = {p["name"] for p in parameters}
        parameters += [p for p in listed if p["name"] in names and p["name"] not in have]
        parameters.sort(key=lambda p: (p["in"] != "path", p["name"]))


def add_error_responses(result, generator, request, public):
    add_filter_parameters(result)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(Error=ERROR, Conflict=CONFLICT_SCHEMA, Tombstone=TOMBSTONE_SCHEMA)
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            codes = ["400", "401", "403", "429"]
            if "{" in path:
                codes.append("404")
            if method == "get" and "{" not in path and not path.endswith(("/", ".csv")):
                codes.remove("400")
            for code in codes:
                responses.setdefault(
                    code,
                    {
                        "description": WHEN[code],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
            for code in ("200", "412"):
                if code in responses and (method == "get" or code == "412"):
                    responses[code].setdefault("headers", {})["ETag"] = ETAG
            if "429" in responses:
                responses["429"].setdefault(
                    "headers",
                    {
                        "Retry-After": {
                            "schema": {"type": "integer"},
                            "description": "Seconds to wait.",
                        }
                    },
                )
    return result
