from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeasesConfig(AppConfig):
    name = "leases"
    verbose_name = _("Ground leases")

    def ready(self) -> None:
        from clt.dashboard import register

        register("leases.views.dashboard_panel")
