from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PropertiesConfig(AppConfig):
    name = "properties"
    verbose_name = _("Parcels and homes")

    def ready(self) -> None:
        from clt.dashboard import register
        from clt.jobs import registry

        registry.register("properties.jobs.KIND", "parcels_import")

        register("properties.selectors.dashboard_panel")
