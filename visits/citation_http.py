"""Citations over HTTP: the page's citation in every template's context, /cite.bib and
/cite.json, and a citation and licence `Link` on every CSV download."""

import datetime as dt
import json

from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.functional import SimpleLazyObject

from visits import citation, releases
from visits.releases import RELEASE_HEADER

DOWNLOAD_PATH = "/api/v1/visits/export.csv"


def _base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def context_processor(request) -> dict:
    """`citation` (the page's, None where it has none), computed only if a template
    uses it; `citation_json_ld` likewise."""
    page = SimpleLazyObject(
        lambda: citation.cite(
            request.get_full_path(), base_url=_base_url(request), user=request.user
        )
    )
    return {
        "citation": page,
        "citation_json_ld": SimpleLazyObject(lambda: _json_ld(request, page)),
        "release_label": SimpleLazyObject(releases.label),
    }


def _json_ld(request, page) -> str:
    if not page:
        return ""
    base = _base_url(request)
    return citation.to_json_ld(
        page, dataset_url=base + citation.DATASET_PATH, download_url=base + DOWNLOAD_PATH
    )


def _requested(request):
    """The citation named by ?url= (a path, or a full URL of this site; none = the
    dataset), or None when it names no citable page."""
    path = request.GET.get("url", citation.DATASET_PATH)
    base = _base_url(request)
    if path.startswith(base + "/"):
        path = path[len(base) :]
    if not path.startswith("/") or path.startswith("//"):
        return None
    return citation.cite(path, base_url=base, user=request.user)


def _refuse() -> HttpResponse:
    return HttpResponseBadRequest(
        "url: not a public Summitry page (give a path such as /visits/12/ or /about/).",
        content_type="text/plain; charset=utf-8",
    )


def cite_bib(request) -> HttpResponse:
    found = _requested(request)
    if found is None:
        return _refuse()
    text = citation.to_bibtex(found, accessed=dt.date.today())
    response = HttpResponse(text, content_type="application/x-bibtex; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{found.key}.bib"'
    return response


def cite_json(request) -> HttpResponse:
    found = _requested(request)
    if found is None:
        return _refuse()
    text = json.dumps(citation.to_csl(found, accessed=dt.date.today()), ensure_ascii=False)
    return HttpResponse(text, content_type="application/vnd.citationstyles.csl+json")


class CitationLinkMiddleware:
    """Every CSV response (API export, chart CSVs, the /visits/ CSV) says how to cite
    it and under which licence, in `Link` headers (RFC 8288, rel cite-as: RFC 8574),
    and which release of the data it holds (`Summitry-Release`, as every API answer
    does: api.conditional), so no view has to."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/csv"):
            base = _base_url(request)
            links = [
                f'<{base}{citation.DATASET_PATH}#cite>; rel="cite-as"',
                f'<{citation.LICENSE_URL}>; rel="license"',
                f'<{base}/cite.bib>; rel="describedby"; type="application/x-bibtex"',
            ]
            if response.get("Link"):
                links.insert(0, response["Link"])
            response["Link"] = ", ".join(links)
            if RELEASE_HEADER not in response:  # the API's own says it already
                response[RELEASE_HEADER] = releases.label()
        return response
