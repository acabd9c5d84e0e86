"""OpenAPI post-processing: every operation documents the one error shape for the
errors it can answer with."""

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
WHEN = {
    "400": "A parameter or field does not parse or names nothing.",
    "401": "The credentials were wrong.",
    "403": "The user may not do this.",
    "404": "Not found, or not visible to this user.",
    "429": "Too many requests; see the Retry-After header.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
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
