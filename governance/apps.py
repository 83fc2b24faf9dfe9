from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Membership and governance")

    def ready(self) -> None:
        from clt.dashboard import register
        from governance.views import dashboard_panel, membership_panel

        register(dashboard_panel)
        register(membership_panel)
