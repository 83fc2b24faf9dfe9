from rest_framework.routers import DefaultRouter

from leases.api import calculations, views
from leases.api.improvements import CapitalImprovementViewSet
from leases.api.reports import ImpactReportViewSet

router = DefaultRouter()
router.register("households", views.HouseholdViewSet)
router.register("lease-templates", views.LeaseTemplateViewSet)
router.register("lease-template-versions", views.LeaseTemplateVersionViewSet)
router.register("ground-leases", views.GroundLeaseViewSet)
router.register("lease-events", views.LeaseEventViewSet)
router.register("deadlines", views.DeadlineViewSet)
router.register("fee-schedules", views.FeeScheduleViewSet)
router.register("fee-rates", views.FeeRateViewSet)
router.register("fee-suspensions", views.FeeSuspensionViewSet)
router.register("charges", views.ChargeViewSet)
router.register("payments", views.PaymentViewSet)
router.register("monitoring-records", views.MonitoringRecordViewSet)
router.register("capital-improvements", CapitalImprovementViewSet)
router.register("index-series", views.IndexSeriesViewSet)
router.register("resale-policies", views.ResalePolicyViewSet)
router.register("resale-policy-versions", views.ResalePolicyVersionViewSet)
router.register("resale", views.ResaleViewSet, basename="resale")
router.register("reports/impact", ImpactReportViewSet, basename="impact-report")
router.register("resale-calculations", calculations.ResaleCalculationViewSet)

urlpatterns = router.urls
