from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CltConfig(AppConfig):
    name = "clt"
    verbose_name = _("Community land trust")

    def ready(self) -> None:
        from clt import checks  # noqa: F401 - registers the system checks
