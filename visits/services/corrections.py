"""Reviews of readers' corrections (visits.models.Correction): the one place that
sets a correction's status. A review changes only the correction, never its visit:
an editor who accepts one edits the visit through the visit write path."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from visits.models import Correction
from visits.services.rules import WriteRefused

REVIEW = "visits.change_correction"


@transaction.atomic
def review_corrections(
    *, user, corrections: Iterable[Correction | int], status: str, note: str | None = None
) -> int:
    """Set `status` on `corrections`, recording `user` and now as the review (back to
    new: no review); `note` None leaves each reviewer note as it is. Returns how many
    changed. Needs `visits.change_correction` (Editors)."""
    if user is not None and not user.has_perm(REVIEW):
        raise WriteRefused("you may not review corrections: that needs the Editors group")
    reviewed = status != Correction.Status.NEW
    rows = Correction.objects.select_for_update().filter(
        pk__in=[c.pk if isinstance(c, Correction) else c for c in corrections]
    )
    for correction in rows:
        correction.status = status
        correction.reviewed_by = user if reviewed else None
        correction.reviewed_at = timezone.now() if reviewed else None
        if note is not None:
            correction.reviewer_note = note
        correction.save(update_fields=["status", "reviewed_by", "reviewed_at", "reviewer_note"])
    return len(rows)
