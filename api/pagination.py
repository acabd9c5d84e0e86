"""Keyset ("cursor") pagination on (ordering field, id).

DRF's CursorPagination keys on the first ordering field plus an offset among ties,
so rows inserted with the same date between two page requests can shift a page.
Keying on the pair (value, id) cannot: a page starts strictly after the last row
of the previous one, whatever is inserted meanwhile.

Every page carries `count`, the total number of rows the walk returns (one COUNT
query; for the change feed, visits and tombstones together). A view that knows the
data version (api.conditional) has its list's count cached under that version and
the query's SQL: the walk's later pages, and every client asking the same filters,
read it instead of counting again (at a million visits a filtered COUNT costs
hundreds of milliseconds; a write moves the version, so a cached count is never
stale).

The change feed (`modified_since`) pages the same way on (updated_at, id) through
two sources at once, changed visits and tombstones (paginate_feed). A visit changed
again while a client walks the feed moves to the end and is seen again there, never
lost: the client keeps the later copy.
"""

from __future__ import annotations

import base64
import datetime as dt
import json

from django.core.exceptions import EmptyResultSet
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from api.conditional import cached_under
from api.feed import Tombstone

ORDERINGS = ("start_date", "level", "updated_at")


def counted(queryset, data_version=None) -> int:
    """`queryset.count()`, cached under the data version and the query's SQL when the
    version is known (see the module docstring)."""
    if data_version is None:
        return queryset.count()
    try:
        sql = str(queryset.order_by().query)
    except EmptyResultSet:  # a filter that matches nothing by construction
        return queryset.count()
    return cached_under(data_version, f"count|{sql}", queryset.count)


class KeysetPagination(BasePagination):
    page_size = 50
    max_page_size = 1000
    default_ordering = "start_date"
    query_parameters = frozenset({"cursor", "page_size", "ordering"})

    def paginate_queryset(self, queryset, request, view=None):
        cursor = self._start(request, ORDERINGS, self.default_ordering, queryset.model)
        self.count = counted(queryset, getattr(view, "data_version", None))
        return self._finish(self._window(queryset, cursor, "pk"), cursor)

    def paginate_feed(self, visits, tombstones, request):
        """A page of the change feed: `visits` (changed since) and `tombstones` (rows
        {"id", "updated_at"} of visits withdrawn since, see api.feed) merged in the
        order of (updated_at, id). A visit is never on both sides, so the pair is a
        key across both and one cursor pages through the two."""
        cursor = self._start(request, ("updated_at",), "updated_at", visits.model)
        self.count = visits.count() + tombstones.count()
        rows = self._window(visits, cursor, "pk")
        rows += [Tombstone(**row) for row in self._window(tombstones, cursor, "id")]
        rows.sort(key=lambda row: (row.updated_at, row.pk), reverse=self.desc)
        return self._finish(rows, cursor)

    def _start(self, request, orderings, default, model):
        """Read the ordering, page size and cursor; return the cursor."""
        self.request = request
        self.field, self.descending = self._ordering(request, orderings, default)
        self.size = self._page_size(request)
        cursor = self._decode(request.query_params.get("cursor"), model)
        self.backwards = bool(cursor and cursor["back"])
        self.desc = self.descending != self.backwards
        return cursor

    def _window(self, queryset, cursor, pk: str) -> list:
        """Up to size + 1 rows of `queryset` after the cursor, in page order."""
        sign = "-" if self.desc else ""
        qs = queryset.order_by(f"{sign}{self.field}", f"{sign}{pk}")
        if cursor:
            op = "lt" if self.desc else "gt"
            qs = qs.filter(
                Q(**{f"{self.field}__{op}": cursor["value"]})
                | Q(**{self.field: cursor["value"], f"{pk}__{op}": cursor["pk"]})
            )
            # Redundant with the OR, but what an index can range on (PostgreSQL
            # would otherwise filter the index from its first entry).
            qs = qs.filter(**{f"{self.field}__{op}e": cursor["value"]})
        return list(qs[: self.size + 1])

    def _finish(self, rows: list, cursor) -> list:
        more = len(rows) > self.size
        rows = rows[: self.size]
        if self.backwards:
            rows.reverse()
        self.has_next = more if not self.backwards else bool(cursor)
        self.has_previous = bool(cursor) if not self.backwards else more
        self.rows = rows
        return rows

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        count = {
            "type": "integer",
            "minimum": 0,
            "description": "How many rows match the filters, on every page together.",
        }
        return {
            "type": "object",
            "required": ["count", "results"],
            "properties": {"count": count, "next": link, "previous": link, "results": schema},
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
            *self._ordering_parameters(),
        ]

    def _ordering_parameters(self) -> list[dict]:
        orderings = [f"{sign}{field}" for field in ORDERINGS for sign in ("", "-")]
        return [
            {
                "name": "ordering",
                "in": "query",
                "required": False,
                "description": f"Sort key, - for descending; default {self.default_ordering}. "
                "The change feed (modified_since) is ordered by updated_at.",
                "schema": {"type": "string", "enum": orderings},
            }
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
        """The cursor's position; a 400 naming `cursor` for a token that is not one of
        ours (a crafted `Infinity` or 2**64 was an OverflowError, a 500)."""
        if not token:
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(token.encode()))
            field = model._meta.pk if self.field == "pk" else model._meta.get_field(self.field)
            return {
                "value": _in_range(field.to_python(payload["v"])),
                "pk": _in_range(_whole(payload["pk"])),
                "back": bool(payload["back"]),
            }
        except (ValueError, KeyError, TypeError, OverflowError, DjangoValidationError):
            raise ValidationError(
                {"cursor": ["invalid cursor; use a next or previous link"]}
            ) from None

    def _ordering(self, request, orderings, default):
        value = request.query_params.get("ordering", default)
        field = value.removeprefix("-")
        if field not in orderings:
            raise ValidationError(
                {
                    "ordering": [
                        f"unknown ordering {value!r}; use {', '.join(orderings)}, "
                        "with - for descending"
                    ]
                }
            )
        return field, value.startswith("-")

    def _page_size(self, request):
        """ASCII digits only: `²` and `٣` are digits to str.isdigit (and `²` no number
        to int(), a 500)."""
        raw = request.query_params.get("page_size")
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {"page_size": [f"must be a whole number from 1 to {self.max_page_size}"]}
            )
        return int(raw)


BIGINT = 2**63  # the widest integer column, and what SQLite binds


def _whole(value) -> int:
    """A cursor's id as written by `_link`: an integer, never a float or a bool."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(value)
    return int(value)


def _in_range(value):
    """`value` if every database can compare a column with it: an integer within
    64 bits, a date-time that has a UTC instant (year 1 to 9999 in UTC)."""
    if isinstance(value, int) and not -BIGINT <= value < BIGINT:
        raise OverflowError(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value.astimezone(dt.UTC)
    return value


class SimplePagination(KeysetPagination):
    """Keyset pagination by primary key, for the small reference resources."""

    query_parameters = frozenset({"cursor", "page_size"})

    def _ordering_parameters(self) -> list[dict]:
        return []

    def _ordering(self, request, orderings, default):
        return "pk", False
