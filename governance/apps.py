from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Membership and governance")

    def ready(self) -> None:
        from clt.dashboard import register
        from clt.jobs import registry

        registry.register("governance.elections.jobs.KIND", "election_count")

        register("governance.views.dashboard_panel")
        register("governance.views.membership_panel")
