import datetime as dt

import factory
from django.contrib.auth.models import Group, User

from visits.models import Country, Era, EraScheme, Level, Person, Source, Status, Visit


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ["code"]

    code = "CHN"
    name = factory.LazyAttribute(
        lambda o: {"CHN": "China", "PRK": "North Korea"}.get(o.code, o.code)
    )


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Person {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit
        skip_postgeneration_save = True

    start_date = dt.date(2005, 10, 28)
    visitor = factory.SubFactory(PersonFactory)
    visitor_country = factory.SubFactory(CountryFactory, code="CHN")
    host_country = factory.SubFactory(CountryFactory, code="PRK")
    level = Level.MINISTER
    status = Status.PUBLISHED

    @factory.post_generation
    def sourced(visit, create, extracted, **kwargs):
        if create and extracted is not False:
            Source.objects.create(visit=visit, url="https://example.org/report", title="Report")


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EraScheme
        django_get_or_create = ["slug"]

    slug = "test-scheme"
    name = "Test scheme"
    country = factory.SubFactory(CountryFactory, code="CHN")


class EraFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Era

    scheme = factory.SubFactory(SchemeFactory)
    slug = factory.Sequence(lambda n: f"era-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())


def user_in(group: str, username: str | None = None) -> User:
    user = User.objects.create_user(username or group.lower(), password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def bulk_visits(n: int, people: list[Person], start: dt.date, step_days: int = 1, **fields):
    """`n` visits in one INSERT (for query-count tests at 1,000 rows), cycling through
    `people`, one every `step_days` from `start`; derived fields set as save() would."""
    visits = []
    for i in range(n):
        visit = Visit(
            start_date=start + dt.timedelta(days=i * step_days),
            visitor=people[i % len(people)],
            **{"visitor_country_id": "CHN", "host_country_id": "PRK", "level": Level.MINISTER}
            | fields,
        )
        visit.derive()
        visits.append(visit)
    return Visit.objects.bulk_create(visits)
