"""Each era rule at its exact edge, in Python and in the database."""

import datetime as dt
from types import SimpleNamespace

import pytest

from tests.factories import EraFactory, VisitFactory
from visits import eras as rules
from visits.models import Visit

D = dt.date
HU = SimpleNamespace(start_date=D(2002, 11, 15), end_date=D(2012, 11, 15))
XI = SimpleNamespace(start_date=D(2012, 11, 15), end_date=None)
EARLY = SimpleNamespace(start_date=D(1949, 10, 1), end_date=D(1959, 4, 27))
ERAS = [EARLY, HU, XI]  # a gap between 1959-04-27 and 2002-11-15


@pytest.mark.parametrize(
    ("day", "era"),
    [
        (D(2002, 11, 15), HU),  # start inclusive
        (D(2002, 11, 14), None),  # the day before: in the gap
        (D(2012, 11, 14), HU),  # last day
        (D(2012, 11, 15), XI),  # end exclusive: first day of the next
        (D(2099, 1, 1), XI),  # open-ended
        (D(1949, 9, 30), None),  # before the first era
        (D(1959, 4, 27), None),  # end of an era followed by a gap
    ],
)
def test_era_for_edges(day, era):
    assert rules.era_for(day, ERAS) is era


def test_membership_day_precision_never_ambiguous():
    m = rules.membership(D(2012, 11, 14), D(2012, 11, 14), ERAS)
    assert (m.era, m.ambiguous) == (HU, False)


def test_membership_month_crossing_boundary_is_ambiguous_in_first_era():
    m = rules.membership(D(2012, 11, 1), D(2012, 11, 30), ERAS)
    assert (m.era, m.ambiguous) == (HU, True)


def test_membership_month_ending_the_day_before_boundary_is_not_ambiguous():
    era = SimpleNamespace(start_date=D(2000, 1, 1), end_date=D(2012, 12, 1))
    m = rules.membership(D(2012, 11, 1), D(2012, 11, 30), [era])
    assert (m.era, m.ambiguous) == (era, False)


def test_membership_year_from_gap_into_era_is_ambiguous_outside():
    m = rules.membership(D(2002, 1, 1), D(2002, 12, 31), ERAS)
    assert (m.era, m.ambiguous) == (None, True)


def test_years_between():
    assert rules.years_between(HU.start_date, HU.end_date) == pytest.approx(10.0, abs=0.01)


@pytest.mark.django_db
def test_database_rules_agree_with_python_at_each_edge():
    hu = EraFactory(start_date=HU.start_date, end_date=HU.end_date)
    xi = EraFactory(start_date=XI.start_date, end_date=None)
    cases = {
        VisitFactory(start_date=D(2002, 11, 15)).pk: (hu, False),
        VisitFactory(start_date=D(2012, 11, 14)).pk: (hu, False),
        VisitFactory(start_date=D(2012, 11, 15)).pk: (xi, False),
        VisitFactory(start_date=D(2012, 11, 1), date_precision="month").pk: (hu, True),
        VisitFactory(start_date=D(2002, 11, 14)).pk: (None, False),
    }
    for pk, (era, ambiguous) in cases.items():
        visit = Visit.objects.get(pk=pk)
        in_hu = Visit.objects.filter(rules.in_era_q(hu), pk=pk).exists()
        in_xi = Visit.objects.filter(rules.in_era_q(xi), pk=pk).exists()
        assert (in_hu, in_xi) == (era == hu, era == xi), visit
        amb = Visit.objects.filter(rules.ambiguous_q(hu), pk=pk).exists()
        assert amb == (ambiguous and era == hu), visit
        py = rules.membership(visit.start_date, visit.start_latest, [hu, xi])
        assert (py.era, py.ambiguous) == (era, ambiguous)
    assert rules.ambiguous_q(xi) is None
    outside = Visit.objects.filter(rules.outside_q([hu, xi]))
    assert [v.start_date for v in outside] == [D(2002, 11, 14)]
