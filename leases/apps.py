from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeasesConfig(AppConfig):
    name = "leases"
    verbose_name = _("Ground leases")

    def ready(self) -> None:
        from clt.dashboard import register
        from clt.jobs import registry

        registry.register("leases.documents.jobs.KIND", "statements")
        registry.register("leases.lifecycle.jobs.KIND", "deadline_emails")
        registry.register("leases.resale.jobs.PORTFOLIO_KIND", "portfolio_csv")
        registry.register("leases.resale.jobs.IMPACT_KIND", "impact_export")

        register("leases.views.dashboard_panel")
