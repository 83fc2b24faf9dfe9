from rest_framework.routers import DefaultRouter

from leases.ledger.api import views as ledger
from leases.lifecycle.api import views as lifecycle
from leases.monitoring.api import views as monitoring
from leases.resale.api import calculations
from leases.resale.api import views as resale
from leases.resale.api.improvements import CapitalImprovementViewSet
from leases.resale.api.reports import ImpactReportViewSet

router = DefaultRouter()
router.register("households", lifecycle.HouseholdViewSet)
router.register("lease-templates", lifecycle.LeaseTemplateViewSet)
router.register("lease-template-versions", lifecycle.LeaseTemplateVersionViewSet)
router.register("ground-leases", lifecycle.GroundLeaseViewSet)
router.register("lease-events", lifecycle.LeaseEventViewSet)
router.register("deadlines", lifecycle.DeadlineViewSet)
router.register("fee-schedules", ledger.FeeScheduleViewSet)
router.register("fee-rates", ledger.FeeRateViewSet)
router.register("fee-suspensions", ledger.FeeSuspensionViewSet)
router.register("charges", ledger.ChargeViewSet)
router.register("payments", ledger.PaymentViewSet)
router.register("local-currencies", ledger.LocalCurrencyViewSet)
router.register("local-currency-rates", ledger.LocalCurrencyRateViewSet)
router.register("monitoring-records", monitoring.MonitoringRecordViewSet)
router.register("capital-improvements", CapitalImprovementViewSet)
router.register("index-series", resale.IndexSeriesViewSet)
router.register("resale-policies", resale.ResalePolicyViewSet)
router.register("resale-policy-versions", resale.ResalePolicyVersionViewSet)
router.register("resale", resale.ResaleViewSet, basename="resale")
router.register("reports/impact", ImpactReportViewSet, basename="impact-report")
router.register("resale-calculations", calculations.ResaleCalculationViewSet)

urlpatterns = router.urls
