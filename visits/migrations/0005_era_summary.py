import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models


def build(apps, schema_editor):
    from visits.summary import rebuild

    rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0004_person_search_key"),
    ]

    operations = [
        migrations.CreateModel(
            name="EraCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "level",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (60, "Leader"),
                            (50, "Head of state"),
                            (40, "Head of government"),
                            (30, "Senior"),
                            (20, "Minister"),
                            (10, "Sub-minister"),
                            (0, "Unknown"),
                        ]
                    ),
                ),
                ("year", models.PositiveSmallIntegerField(help_text="Of the visit's start date.")),
                ("ambiguous", models.BooleanField()),
                ("n", models.IntegerField(default=0)),
                (
                    "era",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="visits.era",
                    ),
                ),
                (
                    "host_country",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="visits.country",
                    ),
                ),
                (
                    "scheme",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="visits.erascheme",
                    ),
                ),
                (
                    "visitor_country",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="visits.country",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        models.F("scheme"),
                        django.db.models.functions.comparison.Coalesce("era", 0),
                        models.F("visitor_country"),
                        models.F("host_country"),
                        models.F("level"),
                        models.F("year"),
                        models.F("ambiguous"),
                        name="era_count_unique_key",
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="eracount",
            index=models.Index(
                fields=["scheme", "visitor_country", "host_country", "year"],
                name="visits_erac_scheme__fa3167_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="eracount",
            index=models.Index(
                fields=["scheme", "host_country", "year"], name="visits_erac_scheme__3a14bd_idx"
            ),
        ),
        # Visits already recorded: the summary starts current (uses today's models:
        # the table has just been made as they describe it).
        migrations.RunPython(build, migrations.RunPython.noop),
    ]
