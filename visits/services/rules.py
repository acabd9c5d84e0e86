"""Who may make which change, and what a visit must have: stated once, asked by
every entry point (the admin form asks early to show errors beside the fields; the
write functions ask again under the lock)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from visits.models import Status, Visit

PUBLISH = "visits.publish_visit"
NEEDS_SOURCE = "a published visit needs at least one source"


class WriteRefused(PermissionDenied):
    """The acting user may not make this change; the message says why."""


class StaleVersion(Exception):
    """The visit changed since the version the client read (`current` holds it now)."""

    def __init__(self, current: Visit):
        super().__init__(f"visit {current.pk} is now at version {current.version}")
        self.current = current


class PossibleDuplicates(Exception):
    """Saving would record what may be the same trip twice; `candidates` lists them."""

    def __init__(self, candidates: list[Visit]):
        super().__init__(f"{len(candidates)} possible duplicates")
        self.candidates = candidates


class ImportBusy(Exception):
    """Another write held the lock for longer than the database waits."""


def may_publish(user) -> bool:
    return user is None or user.has_perm(PUBLISH)


def _may(user, action: str) -> bool:
    return user is None or user.has_perm(f"visits.{action}_visit")


def check_write(*, user, before: str | None, after: str | None) -> None:
    """Raise WriteRefused unless `user` may take a visit from status `before` to
    status `after` (None before = create, None after = delete).

    Creating needs add_visit, changing change_visit, deleting delete_visit; any
    write that touches a published visit (publishing, unpublishing, changing or
    deleting one) also needs publish_visit."""
    action = "add" if before is None else "delete" if after is None else "change"
    if not _may(user, action):
        raise WriteRefused(f"you may not {action} visits")
    if Status.PUBLISHED in (before, after) and not may_publish(user):
        verb = {
            (None, Status.PUBLISHED): "create a published visit",
            (Status.DRAFT, Status.PUBLISHED): "publish a visit",
            (Status.PUBLISHED, Status.DRAFT): "unpublish a visit",
            (Status.PUBLISHED, None): "delete a published visit",
        }.get((before, after), "change a published visit")
        raise WriteRefused(f"you may not {verb}: that needs the publish permission (Editors)")


def check_delete(*, user, visit: Visit) -> None:
    """Editors may delete; anyone who may add visits may delete a draft they created
    themselves that was never published. Raises WriteRefused otherwise."""
    try:
        check_write(user=user, before=visit.status, after=None)
    except WriteRefused:
        own_draft = (
            user is not None
            and _may(user, "add")
            and visit.status == Status.DRAFT
            and visit.created_by_id == user.pk
            and not visit.history.filter(status=Status.PUBLISHED).exists()
        )
        if not own_draft:
            raise


def may_change(user, visit: Visit) -> bool:
    """Whether `user` may change `visit` as it stands (its status kept)."""
    try:
        check_write(user=user, before=visit.status, after=visit.status)
    except WriteRefused:
        return False
    return True


def may_delete(user, visit: Visit) -> bool:
    try:
        check_delete(user=user, visit=visit)
    except WriteRefused:
        return False
    return True


def check_sources(status: str, source_count: int) -> None:
    """The source rule: a published visit has at least one source."""
    if status == Status.PUBLISHED and source_count == 0:
        raise ValidationError({"sources": NEEDS_SOURCE})
