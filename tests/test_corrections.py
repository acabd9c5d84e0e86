"""Readers' corrections: /corrections/new/ (visits.corrections), its defences
(visits.reader_guard) and the editors' queue in the admin."""

import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from tests.factories import VisitFactory, user_in
from visits import reader_guard
from visits.models import Correction, Status

pytestmark = pytest.mark.django_db
NEW = "/corrections/new/"
CHANGELIST = reverse("admin:visits_correction_changelist")
MESSAGE = "The visit ended on 4 May, not 3 May: the communiqué is dated 4 May."


def sent(**fields):
    """A POST body as a person sends it: the form started ten seconds ago."""
    return {
        "kind": "correction",
        "message": MESSAGE,
        "source_url": "https://example.org/communique",
        "email": "",
        "website": "",
        "started": reader_guard.start_token(at=time.time() - 10),
        **fields,
    }


@pytest.fixture
def visit(countries):
    return VisitFactory()


def test_form_page_has_labels_csrf_honeypot_and_is_never_cached(client, db):
    response = client.get(NEW)
    page = response.content.decode()
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert 'name="csrfmiddlewaretoken"' in page
    assert '<label for="id_message">What is wrong or missing?</label>' in page
    assert '<label for="id_source_url">Source (web address)</label>' in page
    assert "<legend>What are you sending?</legend>" in page
    assert '<div class="field hp">' in page and 'name="website"' in page
    assert 'aria-describedby="id_message_helptext"' in page
    assert "<script" not in page.split("<main")[1]  # nothing inline for the CSP
    assert response.context["form"]["kind"].value() == "missing"  # no visit named


def test_preselected_visit_is_named_and_posted(client, visit):
    page = client.get(f"{NEW}?visit={visit.pk}").content.decode()
    assert f'<a href="{visit.get_absolute_url()}">{visit.visitor.name} to' in page
    assert f'name="visit" value="{visit.pk}"' in page
    assert f"(record {visit.pk})" in page


def test_draft_is_not_preselected(client, countries):
    hidden = VisitFactory(status=Status.DRAFT)
    response = client.get(f"{NEW}?visit={hidden.pk}")
    page = response.content.decode()
    assert response.status_code == 200
    assert hidden.visitor.name not in page and f"record {hidden.pk}" not in page
    assert 'name="visit" id="id_visit"' in page and f'value="{hidden.pk}"' not in page
    # nor can one be named by a forged POST
    assert client.post(NEW, sent(visit=hidden.pk)).status_code == 400
    assert not Correction.objects.exists()


def test_post_lands_in_the_queue_and_thanks(client, visit):
    response = client.post(NEW, sent(visit=visit.pk), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302 and response["Location"] == "/corrections/thanks/"
    correction = Correction.objects.get()
    assert (correction.kind, correction.visit, correction.message) == ("correction", visit, MESSAGE)
    assert correction.source_url == "https://example.org/communique"
    assert correction.status == Correction.Status.NEW and correction.reviewed_at is None
    assert len(correction.submitter_hash) == 64 and "203.0.113.7" not in correction.submitter_hash
    thanks = client.get("/corrections/thanks/").content.decode()
    assert "will be reviewed" in thanks and "Nothing is published without review" in thanks


def test_missing_visit_needs_no_visit_and_may_omit_the_source(client, db):
    assert client.post(NEW, sent(kind="missing", source_url="")).status_code == 302
    correction = Correction.objects.get()
    assert (correction.kind, correction.visit, correction.source_url) == ("missing", None, "")


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"message": "too short"}, "message"),
        ({"message": "x" * 4001}, "message"),
        ({"source_url": "javascript:alert(1)"}, "source_url"),
        ({"source_url": "not a url at all"}, "source_url"),
        ({"email": "nobody@"}, "email"),
        ({"email": "a" * 250 + "@example.org"}, "email"),
        ({"source_url": "ftp://example.org/file"}, "source_url"),
        ({"kind": "praise"}, "kind"),
    ],
)
def test_bad_values_come_back_with_the_form_unsaved(client, db, fields, field):
    response = client.post(NEW, sent(**fields))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field] and len(errors[field]) == 1
    assert not Correction.objects.exists()


def test_honeypot_is_refused_unsaved(client, db):
    response = client.post(NEW, sent(website="http://spam.example/"))
    assert response.status_code == 400
    assert "Not sent: please check your message" in response.content.decode()
    assert not Correction.objects.exists()
    assert response.context["form"]["website"].value() == ""  # a person may send it again


@pytest.mark.parametrize(
    "ago",
    [0, -60, reader_guard.MAX_AGE + 5, "forged", "none"],
)
def test_too_fast_stale_or_forged_start_is_refused_unsaved(client, db, ago):
    tokens = {"forged": "12345", "none": ""}
    started = tokens[ago] if ago in tokens else reader_guard.start_token(at=time.time() - ago)
    response = client.post(NEW, sent(started=started))
    assert response.status_code == 400
    assert not Correction.objects.exists()
    fresh = response.context["form"]["started"].value()
    # the form comes back started anew, now
    assert time.time() - signing.loads(fresh, salt=reader_guard.SALT) < 2


def test_start_time_edges():
    def refused(ago):
        return reader_guard.too_fast_or_forged(reader_guard.start_token(at=time.time() - ago))

    assert refused(reader_guard.MIN_SECONDS - 1)
    assert not refused(reader_guard.MIN_SECONDS)
    assert not refused(reader_guard.MAX_AGE - 5)
    assert refused(reader_guard.MAX_AGE + 5)


def test_rate_limit_gives_429_after_the_limit_per_address(client, db):
    for _ in range(reader_guard.LIMIT):
        assert client.post(NEW, sent(), REMOTE_ADDR="198.51.100.1").status_code == 302
    over = client.post(NEW, sent(), REMOTE_ADDR="198.51.100.1")
    assert over.status_code == 429 and over["Retry-After"] == "3600"
    assert f"at most {reader_guard.LIMIT} suggestions an hour" in over.content.decode()
    assert Correction.objects.count() == reader_guard.LIMIT
    assert client.post(NEW, sent(), REMOTE_ADDR="198.51.100.2").status_code == 302
    assert client.get(NEW, REMOTE_ADDR="198.51.100.1").status_code == 200  # reading is free


def test_spam_counts_toward_the_limit(client, db):
    for _ in range(reader_guard.LIMIT):
        client.post(NEW, sent(website="x"), REMOTE_ADDR="198.51.100.3")
    assert client.post(NEW, sent(), REMOTE_ADDR="198.51.100.3").status_code == 429


def test_limit_follows_the_client_address_rule_not_a_forged_header(client, db):
    for i in range(reader_guard.LIMIT):
        forged = {"HTTP_X_FORWARDED_FOR": f"10.0.0.{i}", "REMOTE_ADDR": "198.51.100.4"}
        assert client.post(NEW, sent(), **forged).status_code == 302
    assert client.post(NEW, sent(), REMOTE_ADDR="198.51.100.4").status_code == 429


def test_post_without_csrf_token_is_refused(db):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(NEW, sent()).status_code == 403
    assert not Correction.objects.exists()


def test_pages_link_to_the_form(client, visit):
    page = client.get(visit.get_absolute_url()).content.decode()
    assert f'<a href="/corrections/new/?visit={visit.pk}">Suggest a correction</a>' in page
    assert "<form" not in page.split("<main")[1]  # the visit page is cached: no form, no token
    about = client.get("/about/").content.decode()
    assert '<a href="/corrections/new/">Report a missing visit or suggest a correction</a>' in about


@pytest.fixture
def queued(visit):
    first = Correction.objects.create(
        kind="correction", visit=visit, message=MESSAGE, source_url="https://example.org/a"
    )
    second = Correction.objects.create(kind="missing", message="A visit in 1970 is missing.")
    return first, second


def test_editor_sees_the_queue_newest_first(client, countries, queued):
    first, second = queued
    client.force_login(user_in("Editors"))
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [second, first]
    page = response.content.decode()
    assert reverse("admin:visits_visit_change", args=[first.visit_id]) in page
    assert '<a href="https://example.org/a" rel="noopener noreferrer">' in page
    assert list(
        client.get(CHANGELIST, {"status__exact": "new", "kind__exact": "missing"})
        .context["cl"]
        .result_list
    ) == [second]


def test_action_marks_reviewed_and_leaves_the_visit(client, countries, queued):
    first, second = queued
    editor = user_in("Editors")
    client.force_login(editor)
    version, updated = first.visit.version, first.visit.updated_at
    response = client.post(
        CHANGELIST,
        {"action": "mark_accepted", "_selected_action": [first.pk, second.pk]},
    )
    assert response.status_code == 302
    for correction in (first, second):
        correction.refresh_from_db()
        assert (correction.status, correction.reviewed_by) == ("accepted", editor)
        assert correction.reviewed_at is not None
    first.visit.refresh_from_db()
    assert (first.visit.version, first.visit.updated_at) == (version, updated)


def test_editor_changes_status_in_the_form(client, countries, queued):
    first, _ = queued
    editor = user_in("Editors")
    client.force_login(editor)
    url = reverse("admin:visits_correction_change", args=[first.pk])
    response = client.post(url, {"status": "duplicate", "reviewer_note": "Same as #3."})
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.status, first.reviewer_note, first.reviewed_by) == (
        "duplicate",
        "Same as #3.",
        editor,
    )
    client.post(url, {"status": "new", "reviewer_note": "Reopened."})
    first.refresh_from_db()
    assert (first.status, first.reviewed_by, first.reviewed_at) == ("new", None, None)


def test_researcher_may_view_but_not_review(client, countries, queued):
    first, _ = queued
    client.force_login(user_in("Researchers"))
    response = client.get(CHANGELIST)
    assert response.status_code == 200 and "mark_accepted" not in response.content.decode()
    change = client.get(reverse("admin:visits_correction_change", args=[first.pk]))
    assert change.status_code == 200 and "email" not in change.context["adminform"].form.fields
    client.post(CHANGELIST, {"action": "mark_rejected", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.status == "new"


def test_review_service_refuses_researchers(countries, queued):
    from visits.services.corrections import review_corrections
    from visits.services.rules import WriteRefused

    with pytest.raises(WriteRefused):
        review_corrections(user=user_in("Researchers"), corrections=queued, status="rejected")


def test_database_holds_reviewed_exactly_when_not_new(db):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    for status, reviewed_at in [("accepted", None), ("new", timezone.now())]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Correction.objects.create(message=MESSAGE, status=status, reviewed_at=reviewed_at)
