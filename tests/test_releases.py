"""visits.releases: a release is a valid data package, and its change log is exact."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from frictionless import validate

from tests.factories import PersonFactory, VisitFactory
from visits import releases, services
from visits.models import Release, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def visits(countries):
    kim = PersonFactory(name="Kim Jong-un", slug="kim-jong-un", native_name="김정은")
    return [
        VisitFactory(visitor=kim, start_date=dt.date(2018, 3, 25), purpose="First visit"),
        VisitFactory(start_date=dt.date(1958, 11, 1), date_precision="month"),
        VisitFactory(start_date=dt.date(2019, 6, 20), purpose="Draft", status=Status.DRAFT),
    ]


def release(version, tmp_path):
    out = tmp_path / version
    call_command("release_dataset", "--version", version, "-o", str(out))
    return out


def test_a_release_is_a_valid_data_package(visits, tmp_path):
    out = release("1.0", tmp_path)
    report = validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((out / "datapackage.json").read_text())
    assert package["version"] == "1.0"
    assert [r["name"] for r in package["resources"]] == [
        "visits",
        "people",
        "sources",
        "eras",
        "published_figures",
        "changes",
    ]
    rows = (out / "visits.csv").read_text().splitlines()
    assert len(rows) == 3  # the header and the two published visits; no draft
    assert rows[1].split(",")[1] == "1958-11"
    assert "김정은" in (out / "people.csv").read_text()
    assert 'version: "1.0"' in (out / "CITATION.cff").read_text()
    recorded = Release.objects.get(version="1.0")
    assert (recorded.visits, recorded.added, recorded.changed, recorded.withdrawn) == (2, 2, 0, 0)
    names = zipfile.ZipFile(io.BytesIO(recorded.package)).namelist()
    assert "summitry-1.0/datapackage.json" in names and "summitry-1.0/visits.csv" in names


def test_the_change_log_lists_added_changed_and_withdrawn(visits, tmp_path):
    first, second, draft = visits
    release("1.0", tmp_path)
    services.update_visit(user=None, visit=first, values={"purpose": "Talks with Xi"})
    services.unpublish_visits(user=None, visits=[second])
    services.publish_visits(user=None, visits=[draft])
    out = release("1.1", tmp_path)
    changes = (out / "changes.csv").read_text().splitlines()
    assert changes == [
        "change,visit_id,fields",
        f"changed,{first.pk},purpose",
        f"withdrawn,{second.pk},",
        f"added,{draft.pk},",
    ]
    assert validate(str(out / "datapackage.json")).valid
    latest = Release.objects.first()
    assert (latest.version, latest.added, latest.changed, latest.withdrawn) == ("1.1", 1, 1, 1)


def test_a_version_is_released_once(visits, tmp_path):
    release("1.0", tmp_path)
    with pytest.raises(CommandError, match="release 1.0 exists already"):
        release("1.0", tmp_path)


def test_the_label_says_which_release_the_data_are(visits, tmp_path):
    first, _, draft = visits
    assert releases.label() == "unreleased (no release yet)"
    release("1.0", tmp_path)
    assert releases.label() == "release 1.0"
    services.update_visit(user=None, visit=draft, values={"purpose": "Still a draft"})
    assert releases.label() == "release 1.0"  # a draft is no part of the public data
    services.update_visit(user=None, visit=first, values={"purpose": "Changed"})
    assert releases.label() == "unreleased changes since release 1.0"


def test_releases_are_listed_and_downloadable(visits, tmp_path, client):
    release("1.0", tmp_path)
    listed = client.get("/api/v1/releases/").json()["results"]
    assert [(r["version"], r["visits"], r["added"]) for r in listed] == [("1.0", 2, 2)]
    assert listed[0]["download"] == "http://testserver/releases/1.0.zip"
    download = client.get("/releases/1.0.zip")
    assert download["Content-Type"] == "application/zip"
    assert 'filename="summitry-1.0.zip"' in download["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert "summitry-1.0/changes.csv" in archive.namelist()
    assert client.get("/releases/9.9.zip").status_code == 404
    about = client.get("/about/").content.decode()
    assert 'href="/releases/1.0.zip"' in about and "This page shows\n      <a" in about


def test_answers_say_which_release_they_show(visits, tmp_path, client):
    first = visits[0]
    assert client.get("/api/v1/visits/")["Summitry-Release"] == "unreleased (no release yet)"
    release("1.0", tmp_path)
    for url in ["/api/v1/visits/", "/api/v1/visits/export.csv", "/api/v1/releases/"]:
        assert client.get(url)["Summitry-Release"] == "release 1.0", url
    assert "version = {release 1.0}" in client.get("/cite.bib").content.decode()
    assert ">release 1.0</a>" in client.get(f"/visits/{first.pk}/").content.decode()
    services.update_visit(user=None, visit=first, values={"purpose": "Changed"})
    label = "unreleased changes since release 1.0"
    assert client.get("/api/v1/visits/")["Summitry-Release"] == label
