"""The importer: every bad row named, all or nothing, idempotent, lossless round trip."""

import csv
import io

import pytest
from django.db import connection

from tests.factories import PersonFactory
from visits import importing, services
from visits.importing import import_rows
from visits.interchange import COLUMNS, csv_lines, export_visits, read_csv
from visits.models import Person, Source, Visit

pytestmark = pytest.mark.django_db

GOOD = """start_date,end_date,visitor,visitor_title,visitor_country,host_country,level,channel,kind,hosts,places,purpose,source_url,source_title,confidence,status,external_id
1958-11,,Kim Il-sung,Premier,PRK,CN,leader,state,official,Mao Zedong; Zhou Enlai,Beijing; Wuhan,Friendship,https://a.example/1; https://b.example/2,First; Second,medium,published,
2018-03-25,2018-03-28,김정은 Kim Jong-un,Chairman,North Korea,CHN,leader,party,unofficial,Xi Jinping,Beijing,Première visite,https://c.example/3,Yonhap,high,published,yna-1
1964,,Chen Yi,Foreign Minister,CHN,PRK,minister,,,,,,,,low,draft,
"""

BAD = """start_date,end_date,visitor,visitor_country,host_country,level,source_url,status
soon,,A,PRK,CHN,leader,https://x.example,draft
2001-01-01,2000-01-01,B,PRK,CHN,,,
2001-01-01,,C,PRK,PRK,,,
2001-01-01,,D,XXX,CHN,king,,
2001-01-01,,,PRK,CHN,,,
2001-01-01,,F,PRK,CHN,,notaurl,published
2001-01-01,,G,PRK,CHN,,,published
2001-01-01,,H,PRK,CHN,,,
"""


def load(text, **kw):
    rows, errors = read_csv(text)
    assert errors == []
    return import_rows(rows, **kw)


def test_bad_rows_each_named_and_nothing_written(countries):
    report = load(BAD)
    assert [str(e) for e in report.errors] == [
        "row 2, column start_date: 'soon' is not a date; use YYYY, YYYY-MM or YYYY-MM-DD",
        "row 3, column end_date: 2000-01-01 is before the start",
        "row 4, column host_country: same country as the visitor's",
        "row 5, column visitor_country: unknown country 'XXX'; use an ISO 3166 alpha-3 code, "
        "or for an entity outside ISO 3166 have an editor add it in the admin (Countries, Add) "
        "under a user-assigned code such as XKX, with a note on its status",
        "row 5, column level: unknown level 'king'; expected one of leader, head_of_state, "
        "head_of_government, senior, minister, sub_minister, unknown",
        "row 6, column visitor: required but empty",
        "row 7, column source_url: 'notaurl' is not an http(s) URL",
        "row 8, column source_url: a published visit needs at least one source",
    ]
    assert report.invalid_rows == 7
    assert not report.written
    assert Visit.objects.count() == 0 and Person.objects.count() == 0


def test_skip_invalid_writes_the_good_rows(countries):
    report = load(BAD, skip_invalid=True)
    assert (report.created, report.invalid_rows) == (1, 7)
    assert list(Visit.objects.values_list("visitor__name", flat=True)) == ["H"]


def test_missing_and_unknown_columns_rejected_before_rows():
    rows, errors = read_csv("start_date,visitor,host_country,colour\n2001,A,CHN,red\n")
    assert rows == []
    assert [str(e) for e in errors] == [
        "row 1, column visitor_country: missing column",
        "row 1, column colour: unknown column",
    ]


def test_repeated_key_in_one_file_is_an_error(countries):
    text = "start_date,visitor,visitor_country,host_country\n2001,A,PRK,CHN\n2001,a,PRK,CHN\n"
    assert [str(e) for e in load(text).errors] == ["row 3, column start_date: repeats row 2"]


def test_import_creates_people_hosts_sources_and_history(countries):
    report = load(GOOD)
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    visit = Visit.objects.get(visitor__name="Kim Il-sung")
    assert (visit.date_precision, visit.date_label) == ("month", "November 1958")
    assert visit.host_country_id == "CHN"  # alpha-2 accepted
    assert sorted(h.name for h in visit.hosts.all()) == ["Mao Zedong", "Zhou Enlai"]
    assert [(s.url, s.title) for s in visit.sources.all()] == [
        ("https://a.example/1", "First"),
        ("https://b.example/2", "Second"),
    ]
    assert visit.history.count() == 1
    assert Source.history.count() == 3
    assert Visit.objects.get(external_id="yna-1").visitor_country_id == "PRK"  # by name


def test_reimport_changes_nothing_and_edit_updates(countries):
    load(GOOD)
    again = load(GOOD)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Visit.history.count() == 3
    edited = load(GOOD.replace("Friendship", "Friendship treaty"))
    assert (edited.created, edited.updated, edited.unchanged) == (0, 1, 2)
    assert Visit.objects.get(visitor__name="Kim Il-sung").purpose == "Friendship treaty"
    assert Visit.objects.count() == 3


def test_dry_run_reports_without_writing(countries):
    report = load(GOOD, dry_run=True)
    assert (report.created, report.people_created) == (3, 6)
    assert "would be created" in report.summary()
    assert Visit.objects.count() == 0 and Person.objects.count() == 0


def test_known_people_matched_by_alias(countries):
    person = PersonFactory(name="Kim Jong-un", aliases="Kim Jong Un; 김정은 Kim Jong-un")
    load(GOOD)
    assert Visit.objects.get(external_id="yna-1").visitor == person
    assert not Person.objects.filter(name="Kim Jong Un").exists()


def test_round_trip_is_lossless(countries):
    load(GOOD)
    first = "".join(csv_lines(export_visits(Visit.objects.all())))
    Visit.objects.all().delete()
    Person.objects.all().delete()
    rows = list(csv.DictReader(io.StringIO(first)))
    assert import_rows(rows).created == 3
    second = "".join(csv_lines(export_visits(Visit.objects.all())))
    assert second == first
    header, *lines = first.splitlines()
    assert header.split(",") == COLUMNS
    assert lines[0].startswith(
        "1958-11,,Kim Il-sung,Premier,PRK,CHN,leader,state,official,false,"
        "Mao Zedong; Zhou Enlai,Beijing; Wuhan,Friendship,,"
    )
    assert "김정은 Kim Jong-un" in first and "Première" in first


# The write service's rules hold on import: who may publish, sources kept, every
# change shown, duplicates refused, all errors at once.

HEADER = "start_date,end_date,visitor,visitor_country,host_country,purpose,source_url,status,external_id\n"
PUBLISHED = (
    HEADER + "2000-05-29,2000-05-31,Kim Jong-il,PRK,CHN,Talks,https://a.example/1,published,\n"
)


def researcher():
    from tests.factories import user_in

    return user_in("Researchers")


def test_researcher_may_not_publish_or_unpublish_through_import(countries):
    user = researcher()
    report = load(PUBLISHED, user=user)
    assert [str(e) for e in report.errors] == [
        "row 2, column status: you may not create a published visit: "
        "that needs the publish permission (Editors)"
    ]
    assert Visit.objects.count() == 0
    load(PUBLISHED)  # the system publishes it
    as_draft = PUBLISHED.replace(",published,", ",draft,")
    report = load(as_draft, user=user)
    assert [str(e) for e in report.errors] == [
        "row 2, column status: you may not unpublish a visit: "
        "that needs the publish permission (Editors)"
    ]
    changed = load(PUBLISHED.replace("Talks", "Other talks"), user=user)
    assert "you may not change a published visit" in str(changed.errors[0])
    visit = Visit.objects.get()
    assert (visit.status, visit.purpose, visit.version) == ("published", "Talks", 1)


def test_researcher_creates_and_changes_drafts_recorded_as_them(countries):
    user = researcher()
    draft = HEADER + "2001,,Chen Yi,CHN,PRK,Visit,,draft,\n"
    assert load(draft, user=user).created == 1
    report = load(draft.replace("Visit", "Friendship visit"), user=user)
    assert report.updated == 1 and report.errors == []
    visit = Visit.objects.get()
    assert (visit.purpose, visit.version, visit.created_by, visit.updated_by) == (
        "Friendship visit",
        2,
        user,
        user,
    )
    assert [(h.history_user, h.history_change_reason) for h in visit.history.all()] == [
        (user, "import"),
        (user, "import"),
    ]


def test_empty_status_keeps_a_published_visit_published(countries):
    load(PUBLISHED)
    report = load(PUBLISHED.replace(",published,", ",,").replace("Talks", "Summit"))
    assert report.updated == 1
    visit = Visit.objects.get()
    assert (visit.status, visit.purpose) == ("published", "Summit")


def test_import_adds_sources_and_keeps_the_old_ones(countries):
    load(PUBLISHED)
    other = PUBLISHED.replace("https://a.example/1", "https://b.example/2")
    report = load(other, dry_run=True)
    assert [str(c) for c in report.changes[2]] == ["source_url: (empty) → + https://b.example/2"]
    load(other)
    visit = Visit.objects.get()
    assert [s.url for s in visit.sources.all()] == ["https://a.example/1", "https://b.example/2"]
    replaced = load(other, replace_sources=True)
    assert [str(c) for c in replaced.changes[2]] == ["source_url: - https://a.example/1 → (empty)"]
    assert [s.url for s in visit.sources.all()] == ["https://b.example/2"]
    assert Source.history.filter(history_type="-", url="https://a.example/1").count() == 1


def test_dry_run_lists_every_changed_field_old_to_new(countries):
    load(PUBLISHED)
    edited = PUBLISHED.replace("2000-05-31", "2000-06-01").replace("Talks", "Summit talks")
    report = load(edited, dry_run=True)
    assert report.updated == 1 and not report.written
    assert [str(c) for c in report.changes[2]] == [
        "end_date: 2000-05-31 → 2000-06-01",
        "purpose: Talks → Summit talks",
    ]
    assert Visit.objects.get().purpose == "Talks"


def test_every_problem_of_a_row_reported_at_once(countries):
    text = "start_date,visitor,visitor_country,host_country,level,source_url\n2018-13,A,XXX,CHN,king,ftp://x\n"
    assert [(e.column) for e in load(text).errors] == [
        "start_date",
        "visitor_country",
        "level",
        "source_url",
    ]


def test_same_visit_twice_under_different_external_ids_is_reported(countries):
    text = HEADER + ("2001-03-01,,A,PRK,CHN,,,,x-1\n2001-03-01,,A,PRK,CHN,,,,x-2\n")
    report = load(text)
    assert [str(e) for e in report.errors] == ["row 3, column start_date: repeats row 2"]
    assert Visit.objects.count() == 0


def test_possible_duplicates_refused_unless_allowed(countries):
    load(PUBLISHED)
    month = HEADER + "2000-05,,Kim Jong-il,PRK,CHN,,https://c.example/3,,other-id\n"
    report = load(month, dry_run=True)
    visit = Visit.objects.get()
    assert [str(e) for e in report.errors] == [
        f"row 2, column start_date: may be the same trip as visit {visit.pk} ({visit}); "
        "check it, or import with --allow-duplicates"
    ]
    assert load(month, allow_duplicates=True).created == 1
    other_way = HEADER + "2000-05-30,,Kim Jong-il,CHN,PRK,,,,\n"
    assert load(other_way).created == 1  # another direction is another trip


def test_columns_missing_from_the_file_leave_recorded_values_alone(countries):
    load(GOOD)
    partial = (
        "start_date,visitor,visitor_country,host_country,purpose,external_id\n"
        "2018-03-25,김정은 Kim Jong-un,PRK,CHN,First summit with Xi,yna-1\n"
    )
    report = load(partial, dry_run=True)
    assert [str(c) for c in report.changes[2]] == [
        "purpose: Première visite → First summit with Xi"
    ]
    load(partial)
    visit = Visit.objects.get(external_id="yna-1")
    assert (visit.visitor_title, visit.kind, visit.confidence, visit.status) == (
        "Chairman",
        "unofficial",
        "high",
        "published",
    )
    assert [h.name for h in visit.hosts.all()] == ["Xi Jinping"]
    assert [s.url for s in visit.sources.all()] == ["https://c.example/3"]


def test_a_refused_row_still_shows_what_it_would_change(countries):
    load(PUBLISHED)
    report = load(PUBLISHED.replace("Talks", "Other talks"), user=researcher(), dry_run=True)
    assert [str(c) for c in report.changes[2]] == ["purpose: Talks → Other talks"]
    assert report.updated == 0 and report.invalid_rows == 1


# Streaming: batches planned and written in one transaction, the file read lazily,
# a fixed number of queries per batch.


def many(first: int, last: int, **extra) -> list[dict]:
    return [
        {
            "start_date": f"{1960 + n % 60}-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
            "visitor": f"Visitor {n}",
            "visitor_country": "PRK",
            "host_country": "CHN",
            "hosts": f"Host {n % 7}",
            "source_url": f"https://example.org/{n}",
            "status": "published",
            "external_id": f"x-{n}",
            **extra,
        }
        for n in range(first, last)
    ]


def test_a_bad_row_in_the_last_batch_writes_nothing_of_the_earlier_ones(countries):
    rows = many(0, 25)
    rows[23]["start_date"] = "1999-02-30"
    report = import_rows(rows, batch_size=10)
    assert [str(e) for e in report.errors] == [
        "row 25, column start_date: '1999-02-30' is not a real date (day is out of range for month)"
    ]
    assert (report.created, report.invalid_rows, report.written) == (24, 1, False)
    assert Visit.objects.count() == 0 and Person.objects.count() == 0
    assert Source.objects.count() == 0 and Visit.history.count() == 0
    skipped = import_rows(rows, batch_size=10, skip_invalid=True)
    assert (skipped.created, skipped.written) == (24, True)
    assert Visit.objects.count() == 24 and Visit.history.count() == 24
    assert sorted(Visit.objects.get(external_id="x-3").hosts.values_list("name", flat=True)) == [
        "Host 3"
    ]


def test_a_row_repeating_one_of_an_earlier_batch_names_it(countries):
    rows = many(0, 12)
    rows[11]["external_id"] = "x-2"
    report = import_rows(rows, batch_size=5, dry_run=True)
    assert [str(e) for e in report.errors] == ["row 13, column external_id: repeats row 4"]


def test_a_row_repeating_an_earlier_batch_under_another_id_names_it(countries):
    rows = many(0, 12)
    rows[11].update(rows[1], external_id="another")  # row 3's visit, another id
    report = import_rows(rows, batch_size=5, allow_duplicates=True)
    assert [str(e) for e in report.errors] == ["row 13, column start_date: repeats row 3"]
    assert not report.written and Visit.objects.count() == 0


def test_a_possible_duplicate_of_an_earlier_batch_names_its_row(countries):
    rows = many(0, 6)
    rows[5].update(rows[0], start_date="1959-12-31", end_date="1960-01-02", external_id="other")
    report = import_rows(rows, batch_size=3, dry_run=True)
    assert [str(e) for e in report.errors] == [
        "row 7, column start_date: may be the same trip as row 2 (Visitor 0 to CHN, "
        "1 January 1960); check it, or import with --allow-duplicates"
    ]
    assert Visit.objects.count() == 0


def test_rows_are_read_lazily_batch_by_batch(countries, monkeypatch):
    read = []

    def rows():
        for n, row in enumerate(many(0, 30)):
            read.append(n)
            yield row

    written_after = []
    apply = services.apply_import

    def spy(**kwargs):
        written_after.append(len(read))
        apply(**kwargs)

    monkeypatch.setattr(services, "apply_import", spy)
    assert import_rows(rows(), batch_size=10).created == 30
    assert written_after == [10, 20, 30]


def test_errors_kept_are_capped_and_the_rest_counted(countries, monkeypatch):
    monkeypatch.setattr(importing, "KEPT", 3)
    seen = []
    report = import_rows(
        many(0, 5, host_country="XXX"), batch_size=2, on_error=lambda e: seen.append(e.row)
    )
    assert [e.row for e in report.errors] == [2, 3, 4]
    assert (report.invalid_rows, report.errors_left_off, seen) == (5, 2, [2, 3, 4, 5, 6])
    assert "only the first 3 problems are listed, 2 more" in report.summary()


QUERIES = {"postgresql": 28, "sqlite": 25}


@pytest.mark.parametrize("size", [5, 40])
def test_queries_per_batch_do_not_grow_with_its_rows(countries, django_assert_num_queries, size):
    import_rows(many(0, size))  # the people and half the visits recorded
    rows = many(size // 2, size + size // 2, purpose="Changed")
    rows += many(1000, 1000 + size, visitor="New person {n}")
    # lock, people, then per batch: visits matched, hosts, sources, overlaps;
    # ids (people, visits, visit history, hosts, sources); insert people and their
    # history, visits and history, update visits and history, hosts and their history,
    # sources and history; the published version; savepoints
    with django_assert_num_queries(QUERIES[connection.vendor]):
        import_rows(rows, batch_size=2 * size)


def test_a_kosovo_visit_imports(countries):
    text = (
        "start_date,visitor,visitor_country,host_country,level,source_url,status\n"
        "2010-05-03,Someone,XKX,CHN,minister,https://example.org/kosovo,published\n"
    )
    report = load(text)
    assert report.errors == [] and report.created == 1
    visit = Visit.objects.get()
    assert (visit.visitor_country_id, visit.visitor_country.name) == ("XKX", "Kosovo")
    assert visit.visitor_country.user_assigned and "user-assigned" in visit.visitor_country.note


def test_multilateral_and_notes_are_columns(countries):
    text = (
        "start_date,visitor,visitor_country,host_country,kind,multilateral,notes\n"
        "2015-09-03,Choe Ryong-hae,PRK,CHN,event,Yes,Parade; Xinhua gives 2-4 Sep\n"
        "2015-10-09,Liu Yunshan,CHN,PRK,event,,\n"
    )
    assert load(text).created == 2
    parade, anniversary = Visit.objects.order_by("start_date")
    assert (parade.multilateral, parade.notes) == (True, "Parade; Xinhua gives 2-4 Sep")
    assert (anniversary.multilateral, anniversary.notes) == (False, "")
    bad = load(text.replace("Yes", "perhaps"))
    assert [str(e) for e in bad.errors] == [
        "row 2, column multilateral: 'perhaps' is not true or false"
    ]
    partial = "start_date,visitor,visitor_country,host_country,purpose\n"
    partial += "2015-09-03,Choe Ryong-hae,PRK,CHN,Attended the parade\n"
    assert load(partial).updated == 1
    parade.refresh_from_db()  # a column the file lacks leaves the recorded value alone
    assert (parade.multilateral, parade.notes) == (True, "Parade; Xinhua gives 2-4 Sep")


def test_source_urls_are_read_as_valid_uris():
    """A character a URI may not hold (^, |, non-ASCII) is percent-encoded on reading,
    so the API's `format: uri` holds for every stored source (Schemathesis found a
    People's Daily archive URL with ^ in it); an encoded URL is kept as it is."""
    from visits.interchange import uri

    assert uri("https://www.gmw.cn/GB/GM^18176^3.HTM") == "https://www.gmw.cn/GB/GM%5E18176%5E3.HTM"
    assert uri("https://zh.wikipedia.org/wiki/江泽民") == (
        "https://zh.wikipedia.org/wiki/%E6%B1%9F%E6%B3%BD%E6%B0%91"
    )
    kept = "https://a.example/display.w3p%3Bquery=Id:%22x%22?a=1&b=2#top"
    assert uri(kept) == kept


def test_each_history_row_of_an_import_records_the_hosts_a_revert_restores(countries):
    """An imported visit's history rows hold its hosts as the row left them, as the
    admin's writes do: reverting to one puts its hosts back."""
    header = "external_id,start_date,visitor,visitor_country,host_country,level,hosts,purpose\n"
    load(header + "t-1,2018-03-26,Kim Jong-un,PRK,CHN,leader,Xi Jinping; Li Keqiang,Talks\n")
    visit = Visit.objects.get()
    first = visit.history.get()
    both = {"Xi Jinping", "Li Keqiang"}
    assert {h.person.name for h in first.hosts.all()} == both
    load(header + "t-1,2018-03-26,Kim Jong-un,PRK,CHN,leader,Xi Jinping; Li Keqiang,Changed\n")
    kept = visit.history.latest()
    assert kept.purpose == "Changed" and {h.person.name for h in kept.hosts.all()} == both
    load(header + "t-1,2018-03-26,Kim Jong-un,PRK,CHN,leader,Xi Jinping,Changed\n")
    assert [h.person.name for h in visit.history.latest().hosts.all()] == ["Xi Jinping"]
    services.revert_visit(user=None, visit=visit, history_id=first.history_id)
    assert set(visit.hosts.values_list("name", flat=True)) == both


def test_the_migration_fills_the_hosts_an_earlier_import_left_out_of_history(countries):
    """visits 0016: the latest history row at the visit's version gets the visit's
    hosts; a row that has hosts, or an older version's row, is left alone."""
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    header = "external_id,start_date,visitor,visitor_country,host_country,level,hosts,purpose\n"
    load(header + "t-1,2018-03-26,Kim Jong-un,PRK,CHN,leader,Xi Jinping; Li Keqiang,Talks\n")
    load(header + "t-1,2018-03-26,Kim Jong-un,PRK,CHN,leader,Xi Jinping; Li Keqiang,Changed\n")
    load(header + "t-2,2019-06-20,Xi Jinping,CHN,PRK,leader,Kim Jong-un,Talks\n")
    rows = apps.get_model("visits", "HistoricalVisit_hosts").objects
    kept = set(rows.filter(visit__external_id="t-2").values_list())
    rows.filter(visit__external_id="t-1").delete()  # as an import before the fix left it
    fill = import_module("visits.migrations.0016_import_history_hosts").fill
    fill(apps, type("Editor", (), {"connection": connection})())
    first, second = Visit.objects.get(external_id="t-1").history.order_by("history_id")
    assert {h.person.name for h in second.hosts.all()} == {"Xi Jinping", "Li Keqiang"}
    assert not first.hosts.exists()  # unknowable: left as it was
    assert set(rows.filter(visit__external_id="t-2").values_list()) == kept


def test_a_large_import_refreshes_the_planners_statistics(countries, monkeypatch):
    """After a bulk load the planner knows the tables' sizes (the admin's estimated
    count reads them): an import of ANALYZE_AFTER rows or more analyses what it wrote."""
    from visits.admin_lists import table_estimate

    monkeypatch.setattr(importing, "ANALYZE_AFTER", 30)
    import_rows(many(0, 29))
    if connection.vendor == "postgresql":
        assert table_estimate(Visit, "default") == -1  # never analysed
    import_rows(many(100, 130))
    if connection.vendor == "postgresql":
        assert table_estimate(Visit, "default") == Visit.objects.count() == 59
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'visits_visit'")
            assert cursor.fetchone()[0].split()[0] == "59"
