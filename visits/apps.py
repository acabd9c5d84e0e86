from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class VisitsConfig(AppConfig):
    name = "visits"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from visits import summary  # noqa: F401  (its era and scheme signals)
        from visits.models import Country, Era, EraScheme, Person, PublishedFigure

        # Visits and sources move the data version in visits.services; the
        # reference data around them is edited through plain admin and API forms.
        for model in (Country, Person, EraScheme, Era, PublishedFigure):
            post_save.connect(_moved, sender=model, dispatch_uid=f"version-{model.__name__}")
            post_delete.connect(_moved, sender=model, dispatch_uid=f"version-del-{model.__name__}")


def _moved(sender, raw=False, **kwargs):
    if not raw:
        from visits.services.versioning import bump_data_version, published_changed

        bump_data_version()
        published_changed()  # reference data is public
