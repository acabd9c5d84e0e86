"""Keyset ("cursor") pagination on (ordering field, id).

DRF's CursorPagination keys on the first ordering field plus an offset among ties,
so rows inserted with the same date between two page requests can shift a page.
Keying on the pair (value, id) cannot: a page starts strictly after the last row
of the previous one, whatever is inserted meanwhile.
"""

from __future__ import annotations

import base64
import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

ORDERINGS = ("start_date", "level", "updated_at")


class KeysetPagination(BasePagination):
    page_size = 50
    max_page_size = 1000
    default_ordering = "start_date"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.field, self.descending = self._ordering(request)
        self.size = self._page_size(request)
        cursor = self._decode(request.query_params.get("cursor"), queryset.model)
        backwards = bool(cursor and cursor["back"])
        desc = self.descending != backwards
        sign = "-" if desc else ""
        qs = queryset.order_by(f"{sign}{self.field}", f"{sign}pk")
        if cursor:
            op = "lt" if desc else "gt"
            qs = qs.filter(
                Q(**{f"{self.field}__{op}": cursor["value"]})
                | Q(**{self.field: cursor["value"], f"pk__{op}": cursor["pk"]})
            )
        rows = list(qs[: self.size + 1])
        more = len(rows) > self.size
        rows = rows[: self.size]
        if backwards:
            rows.reverse()
        self.has_next = more if not backwards else bool(cursor)
        self.has_previous = bool(cursor) if not backwards else more
        self.rows = rows
        return rows

    def get_paginated_response(self, data):
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_next_link(self):
        if not (self.has_next and self.rows):
            return None
        return self._link(self.rows[-1], back=False)

    def get_previous_link(self):
        if not (self.has_previous and self.rows):
            return None
        return self._link(self.rows[0], back=True)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "Opaque position from a next or previous link.",
                "schema": {"type": "string"},
            },
            {
                "name": "page_size",
                "in": "query",
                "required": False,
                "description": f"Rows per page, 1 to {self.max_page_size}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

    def _link(self, row, *, back: bool) -> str:
        value = getattr(row, self.field)
        payload = {
            "v": value.isoformat() if hasattr(value, "isoformat") else value,
            "pk": row.pk,
            "back": back,
        }
        token = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
        return replace_query_param(self.request.build_absolute_uri(), "cursor", token)

    def _decode(self, token, model):
        if not token:
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(token.encode()))
            field = model._meta.pk if self.field == "pk" else model._meta.get_field(self.field)
            return {
                "value": field.to_python(payload["v"]),
                "pk": int(payload["pk"]),
                "back": bool(payload["back"]),
            }
        except (ValueError, KeyError, TypeError, DjangoValidationError):
            raise ValidationError(
                {"cursor": ["invalid cursor; use a next or previous link"]}
            ) from None

    def _ordering(self, request):
        value = request.query_params.get("ordering", self.default_ordering)
        field = value.removeprefix("-")
        if field not in ORDERINGS:
            raise ValidationError(
                {
                    "ordering": [
                        f"unknown ordering {value!r}; use {', '.join(ORDERINGS)}, "
                        "with - for descending"
                    ]
                }
            )
        return field, value.startswith("-")

    def _page_size(self, request):
        raw = request.query_params.get("page_size")
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {"page_size": [f"must be a whole number from 1 to {self.max_page_size}"]}
            )
        return int(raw)


class SimplePagination(KeysetPagination):
    """Keyset pagination by primary key, for the small reference resources."""

    def _ordering(self, request):
        return "pk", False
