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
        _history_managers_made_once()


def _history_managers_made_once() -> None:
    """simple-history builds a new manager class (``from_queryset``) each time ``instance.history`` is read,
    and it reads it on every save it records: 4 % of ``load_demo``'s time. The class depends only on the
    descriptor, so it is made once per descriptor; the manager itself is still new each time."""
    from simple_history.manager import HistoryDescriptor

    if getattr(HistoryDescriptor, "_clt_cached", False):
        return

    def __get__(self: HistoryDescriptor, instance: object, owner: type) -> object:
        manager_class = self.__dict__.get("_clt_manager_class")
        if manager_class is None:
            manager_class = self._clt_manager_class = self.manager_class.from_queryset(self.queryset_class)
        return manager_class(self.model, instance)

    HistoryDescriptor.__get__ = __get__
    HistoryDescriptor._clt_cached = True
