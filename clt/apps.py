from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _create_cache_table(sender: AppConfig, using: str = "default", verbosity: int = 1, **kwargs: object) -> None:
    """With ``CACHE_BACKEND=database`` the rate limits' table is made by ``migrate``: a forgotten
    ``createcachetable`` would otherwise turn every vote-page POST into a server error."""
    from django.conf import settings
    from django.core.management import call_command

    if any(c["BACKEND"].endswith("DatabaseCache") for c in settings.CACHES.values()):
        call_command("createcachetable", database=using, verbosity=0)


class CltConfig(AppConfig):
    name = "clt"
    verbose_name = _("Community land trust")

    def ready(self) -> None:
        from clt import (
            checks,  # noqa: F401 - registers the system checks
            i18n,  # noqa: F401 - remembers a person's language at sign-in
        )

        post_migrate.connect(_create_cache_table, sender=self, dispatch_uid="clt.create_cache_table")
