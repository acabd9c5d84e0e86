"""The shipped URLs, except that the API export fails after FAIL_AFTER_LINES lines
(the header and rows), as a database error part-way through would: for
tests/test_export.py only."""

from django.urls import include, path

from api.views import VisitViewSet

FAIL_AFTER_LINES = 1000
real_export = VisitViewSet.as_view({"get": "export"})


def failing_export(request):
    response = real_export(request)
    response.streaming_content = _fail_after(response.streaming_content, FAIL_AFTER_LINES)
    return response


def _fail_after(blocks, lines_wanted: int):
    seen = 0
    for block in blocks:
        lines = block.splitlines(keepends=True)
        if seen + len(lines) > lines_wanted:
            yield b"".join(lines[: lines_wanted - seen])
            raise RuntimeError("export failed part-way (test)")
        seen += len(lines)
        yield block


urlpatterns = [
    path("api/v1/visits/export.csv", failing_export),
    path("", include("config.urls")),
]
