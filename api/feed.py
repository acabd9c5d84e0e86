"""The change feed's tombstones: visits withdrawn since a time, so that a mirror
can delete them.

Derived from the visits' history (django-simple-history): a `-` record is a
deletion; a record with status draft is a visit that is not public at that moment.

- Users who may see drafts see every visit that exists, so for them only deleted
  visits are withdrawn: a `-` record since then, and no visit with that id now.
- Everyone else sees published visits only, so a visit is withdrawn for them when it
  is not published now, was published once (a draft that was never public is never
  named), and has a deletion or a draft record since then.

A tombstone's `updated_at` is its latest such record. A visit that is visible now is
never a tombstone: it is in the feed itself, with its own later `updated_at`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, Q, QuerySet
from rest_framework import serializers

from visits.models import Status, Visit

WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Tombstone:
    id: int
    updated_at: dt.datetime

    @property
    def pk(self) -> int:
        return self.id

    def data(self) -> dict:
        updated = serializers.DateTimeField().to_representation(self.updated_at)
        return {"id": self.id, "status": WITHDRAWN, "updated_at": updated}


def withdrawn_since(user, since: dt.datetime) -> QuerySet:
    """Rows {"id", "updated_at"} of the visits withdrawn for `user` at or after
    `since` (see the module docstring), one per visit."""
    history = Visit.history.filter(history_date__gte=since)
    if user.has_perm("visits.view_visit"):
        gone = history.filter(history_type="-").exclude(id__in=Visit.objects.values("id"))
    else:
        once_public = Visit.history.filter(status=Status.PUBLISHED).values("id")
        gone = (
            history.filter(Q(history_type="-") | Q(status=Status.DRAFT))
            .exclude(id__in=Visit.objects.published().values("id"))
            .filter(id__in=once_public)
        )
    return gone.order_by().values("id").annotate(updated_at=Max("history_date"))
