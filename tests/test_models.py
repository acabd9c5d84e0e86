import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import CountryFactory, EraFactory, PersonFactory, SchemeFactory, VisitFactory
from visits.models import Level, Visit

pytestmark = pytest.mark.django_db


def test_visit_stores_latest_possible_start_and_labels_at_precision():
    visit = VisitFactory(start_date=dt.date(1958, 11, 1), date_precision="month")
    assert visit.start_latest == dt.date(1958, 11, 30)
    assert visit.date_label == "November 1958"
    assert visit.direction == "CHN-PRK"
    assert str(visit) == f"{visit.visitor} to PRK, November 1958"


@pytest.mark.parametrize(
    "changes",
    [
        {"end_date": dt.date(2005, 10, 27)},
        {"host_country_id": "CHN"},
        {"level": 99},
        {"status": "secret"},
        {"date_precision": "week"},
    ],
)
def test_database_rejects_broken_invariants(changes):
    visit = VisitFactory()
    Visit.objects.filter(pk=visit.pk).update(end_date=None)  # baseline is valid
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.filter(pk=visit.pk).update(**changes)


def test_end_date_on_start_day_is_allowed():
    visit = VisitFactory(end_date=dt.date(2005, 10, 28))
    assert visit.end_date == visit.start_date


def test_clean_names_each_bad_field():
    visit = VisitFactory.build(
        visitor=PersonFactory(),
        visitor_country=CountryFactory(code="CHN"),
        host_country=CountryFactory(code="CHN"),
        end_date=dt.date(1958, 10, 1),
        start_date=dt.date(1958, 11, 5),
        date_precision="month",
    )
    with pytest.raises(ValidationError) as error:
        visit.full_clean()
    assert set(error.value.message_dict) >= {"end_date", "host_country", "start_date"}


def test_eras_of_one_scheme_may_not_overlap():
    scheme = SchemeFactory()
    EraFactory(scheme=scheme, start_date=dt.date(2002, 11, 15), end_date=dt.date(2012, 11, 15))
    touching = EraFactory.build(scheme=scheme, slug="xi", start_date=dt.date(2012, 11, 15))
    touching.full_clean()  # end is exclusive: touching is fine
    clash = EraFactory.build(scheme=scheme, slug="clash", start_date=dt.date(2012, 11, 14))
    with pytest.raises(ValidationError, match="Overlaps"):
        clash.full_clean()
    other = EraFactory.build(
        scheme=SchemeFactory(slug="other"), slug="x", start_date=dt.date(2012, 1, 1)
    )
    other.full_clean()


def test_postgres_exclusion_constraint_blocks_overlap(postgres_only):
    scheme = SchemeFactory()
    EraFactory(scheme=scheme, start_date=dt.date(2002, 1, 1), end_date=dt.date(2012, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        EraFactory(scheme=scheme, start_date=dt.date(2011, 1, 1))


def test_level_is_ordered_and_has_slugs():
    assert Level.LEADER > Level.HEAD_OF_STATE > Level.MINISTER > Level.SUB_MINISTER
    assert Level.from_slug("minister") == Level.MINISTER
    with pytest.raises(ValueError, match="expected one of leader"):
        Level.from_slug("king")


def test_history_records_changes_and_reverts():
    visit = VisitFactory(purpose="First wording")
    visit.purpose = "Second wording"
    visit.save()
    assert [h.purpose for h in visit.history.all()] == ["Second wording", "First wording"]
    visit.history.earliest().instance.save()
    visit.refresh_from_db()
    assert visit.purpose == "First wording"
    assert visit.history.count() == 3


@pytest.mark.django_db
def test_an_entity_outside_iso_3166_takes_a_user_assigned_code_and_a_note():
    from visits.models import Country

    entity = Country(code="QQA", name="Somewhere", user_assigned=True, note="")
    with pytest.raises(ValidationError) as refused:
        entity.full_clean()
    assert "note" in refused.value.message_dict
    outside = Country(code="KOS", name="Kosovo", user_assigned=True, note="Disputed.")
    with pytest.raises(ValidationError) as refused:
        outside.full_clean()
    assert "AAA–AAZ, QMA–QZZ, XAA–XZZ or ZZA–ZZZ" in refused.value.message_dict["code"][0]
    entity.note = "A test entity."
    entity.full_clean()
    entity.save()
    assert Country.objects.get(code="QQA").user_assigned
