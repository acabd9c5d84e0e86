from rest_framework.pagination import CursorPagination


class VisitCursorPagination(CursorPagination):
    """Cursor pagination: stable while rows are inserted between pages."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = ("start_date", "id")


class NamedCursorPagination(VisitCursorPagination):
    ordering = ("pk",)
