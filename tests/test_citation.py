import datetime as dt
import json
import re

import pytest

from tests.factories import PersonFactory, VisitFactory
from visits import citation
from visits.models import DataVersion, Status

CC_BY = "https://creativecommons.org/licenses/by/4.0/"


def meta(page: str, name: str) -> str | None:
    found = re.search(rf'<meta name="{name}" content="([^"]*)">', page)
    return found and found.group(1)


@pytest.mark.parametrize(
    ("path", "title"),
    [
        (
            "/",
            "Visits between China and North Korea by era (China: paramount leaders), minister or above",
        ),
        (
            "/compare/?pair=CHN,PRK&scheme=dprk-supreme-leader&min_level=senior&as_of=2018-03-28",
            "Visits between China and North Korea by era (North Korea: supreme leaders), senior or above, as of 2018-03-28",
        ),
        ("/about/", citation.DATASET_TITLE),
        ("/people/kim-jong-il/", "Kim Jong-il: high-level visits"),
        ("/eras/china-paramount/hu/", "Hu Jintao (China: paramount leaders): high-level visits"),
    ],
)
def test_pages_carry_highwire_tags_and_json_ld(client, seeded, path, title):
    page = client.get(path).content.decode()
    updated = DataVersion.current().changed_at.date()
    assert meta(page, "citation_title") == title.replace("'", "&#x27;")
    assert meta(page, "citation_author") == "Summitry"
    assert meta(page, "citation_publication_date") == f"{updated:%Y/%m/%d}"
    assert meta(page, "citation_public_url") == "http://testserver" + path.replace("&", "&amp;")
    assert f'<link rel="license" href="{CC_BY}">' in page
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page).group(1))
    assert ld["@type"] == "Dataset" and ld["license"] == CC_BY
    assert ld["dateModified"] == updated.isoformat()
    assert ("isPartOf" in ld) == (path != "/about/")


def test_a_visit_record_is_cited_by_its_visitor_host_and_date(client, countries):
    visit = VisitFactory(start_date=dt.date(2010, 5, 3))
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert meta(page, "citation_title") == f"Visit: {visit.visitor.name} to PRK, 3 May 2010"
    assert f"/cite.bib?url=/visits/{visit.pk}/" in page
    assert f"/cite.json?url=/visits/{visit.pk}/" in page


def test_bibtex_of_a_visit(client, countries):
    visit = VisitFactory(start_date=dt.date(2010, 5, 3), visitor__name="Kim_Jong-il & Co")
    response = client.get(f"/cite.bib?url=/visits/{visit.pk}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    year = DataVersion.current().changed_at.year
    assert text.startswith(f"@misc{{summitry-visits-{visit.pk}-{year},\n")
    assert r"title = {{Visit: Kim\_Jong-il \& Co to PRK, 3 May 2010}}," in text
    assert f"url = {{http://testserver/visits/{visit.pk}/}}," in text
    assert f"urldate = {{{dt.date.today().isoformat()}}}," in text
    assert "CC BY 4.0" in text and text.endswith("}\n")


def test_csl_json_of_the_dataset_by_default(client, seeded):
    response = client.get("/cite.json")
    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json"
    (item,) = response.json()
    updated = DataVersion.current().changed_at.date()
    assert item["type"] == "dataset" and item["title"] == citation.DATASET_TITLE
    assert item["URL"] == "http://testserver/about/"
    assert item["author"] == [{"literal": "Summitry"}]
    assert item["issued"] == {"date-parts": [[updated.year, updated.month, updated.day]]}
    assert item["license"] == CC_BY and "container-title" not in item


def test_csl_json_of_a_comparison_keeps_its_query(client, seeded):
    url = "http://testserver/compare/?pair=CHN,PRK&as_of=2018-03-28"
    (item,) = client.get("/cite.json", {"url": url}).json()
    assert item["URL"] == url and item["container-title"] == citation.DATASET_TITLE
    assert item["title"].endswith(", as of 2018-03-28")


@pytest.mark.parametrize(
    "url",
    [
        "/nowhere/",
        "/api/v1/visits/",
        "https://elsewhere.example/about/",
        "//elsewhere/about/",
        "about",
    ],
)
def test_cite_refuses_what_is_no_public_page(client, db, url):
    response = client.get("/cite.bib", {"url": url})
    assert response.status_code == 400 and response.content.startswith(b"url: ")


def test_drafts_and_hidden_people_are_not_cited(client, countries):
    draft = VisitFactory(status=Status.DRAFT, visitor=PersonFactory(name="Draft Only"))
    assert client.get("/cite.json", {"url": f"/visits/{draft.pk}/"}).status_code == 400
    slug = draft.visitor.slug
    assert client.get("/cite.json", {"url": f"/people/{slug}/"}).status_code == 400
    assert "Draft Only" not in client.get(f"/people/{slug}/").content.decode()


def test_a_renamed_scheme_is_cited_by_its_new_name(client, seeded):
    from visits.models import EraScheme

    client.get("/")
    scheme = EraScheme.objects.get(slug="china-paramount")
    scheme.name = "Paramount leaders"
    scheme.save()
    page = client.get("/").content.decode()
    assert "(Paramount leaders)" in meta(page, "citation_title")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/visits/export.csv",
        "/api/v1/visits/export.csv?pair=CHN,PRK&min_level=leader",
        "/compare/era-comparison.csv?pair=CHN,PRK&scheme=china-paramount",
    ],
)
def test_csv_downloads_link_citation_and_licence(client, seeded, path):
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    link = response["Link"]
    assert '<http://testserver/about/#cite>; rel="cite-as"' in link
    assert f'<{CC_BY}>; rel="license"' in link


def test_other_responses_carry_no_citation_link(client, seeded):
    assert "Link" not in client.get("/api/v1/visits/")
    assert "Link" not in client.get("/")
