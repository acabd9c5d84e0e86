"""Imports wrote visits' history rows without their hosts (fixed with this
migration): a revert to such a row dropped the visit's hosts. Where it is exact, the
hosts are filled in: a visit's latest history row at the visit's current version
holds the visit as it is now, hosts included (every write of hosts moves the
version and writes a history row). Older rows of imported visits stay as they are:
what hosts they had is not recorded anywhere."""

from django.db import migrations

FILL = """
INSERT INTO visits_historicalvisit_hosts (id, visit_id, person_id, history_id)
SELECT vh.id, vh.visit_id, vh.person_id, h.history_id
  FROM (SELECT id, max(history_id) AS history_id FROM visits_historicalvisit GROUP BY id) l
  JOIN visits_historicalvisit h ON h.history_id = l.history_id
  JOIN visits_visit v ON v.id = h.id AND v.version = h.version
  JOIN visits_visit_hosts vh ON vh.visit_id = v.id
 WHERE h.history_type <> '-'
   AND NOT EXISTS (
       SELECT 1 FROM visits_historicalvisit_hosts x WHERE x.history_id = h.history_id
   )
"""


def fill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FILL)


class Migration(migrations.Migration):
    dependencies = [("visits", "0015_regions_and_general_figures")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
