"""The one write path for visits and their sources.

Every change to a visit or a source is made here: the admin form, its actions and
history revert, the spreadsheet import, `import_visits` and the API all call these
functions, and nothing else writes visits or sources. Each write

- checks the acting user's permissions (`rules`): publishing, unpublishing, or
  changing or deleting a published visit needs `visits.publish_visit`;
- keeps the rule that a published visit has at least one source;
- writes one history row per visit with the user and a reason for the change;
- moves the visit's `version` (its ETag) and `updated_at`, and the data version
  that conditional GETs compare against.

`user=None` is the system (the seed, `import_visits` without `--user`): full rights.
Every write moves the data version first, taking its row lock: writes are serialized in
one order and two imports never plan against the same state.
"""

from visits.services.imports import apply_import
from visits.services.rules import (
    ImportBusy,
    PossibleDuplicates,
    StaleVersion,
    WriteRefused,
    check_delete,
    check_sources,
    check_write,
    may_change,
    may_delete,
    may_publish,
)
from visits.services.versioning import bump_data_version
from visits.services.visits import (
    create_visit,
    delete_visit,
    publish_visits,
    revert_visit,
    unpublish_visits,
    update_visit,
)

__all__ = [
    "ImportBusy",
    "PossibleDuplicates",
    "StaleVersion",
    "WriteRefused",
    "apply_import",
    "bump_data_version",
    "check_delete",
    "check_sources",
    "check_write",
    "create_visit",
    "delete_visit",
    "may_change",
    "may_delete",
    "may_publish",
    "publish_visits",
    "revert_visit",
    "unpublish_visits",
    "update_visit",
]
