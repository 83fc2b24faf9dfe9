from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeasesConfig(AppConfig):
    name = "leases"
    verbose_name = _("Ground leases")

    def ready(self) -> None:
        from clt.dashboard import register
        from clt.jobs import registry
        from leases.documents import jobs as document_jobs
        from leases.lifecycle import jobs as lifecycle_jobs
        from leases.resale import jobs as resale_jobs

        registry.register(document_jobs.KIND)
        registry.register(lifecycle_jobs.KIND)
        registry.register(resale_jobs.PORTFOLIO_KIND)
        registry.register(resale_jobs.IMPACT_KIND)

        register("leases.views.dashboard_panel")
