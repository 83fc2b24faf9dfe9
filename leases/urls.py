"""Staff pages of leases (``/leases/``) and the document links that staff and homeowners share."""

from django.urls import path

from leases import views
from leases.views import improvements
from leases.views import resale as resale_views
from leases.views.portfolio import portfolio_page
from leases.views.reports import impact_report

app_name = "leases"

urlpatterns = [
    path("", views.lease_list, name="lease_list"),
    path("deadlines/", views.deadlines_dashboard, name="deadlines"),
    path("portfolio/", portfolio_page, name="portfolio"),
    path("reports/impact/", impact_report, name="impact_report"),
    path("new/", views.lease_create, name="lease_create"),
    path("<int:pk>/", views.lease_detail, name="lease_detail"),
    path("<int:pk>/edit/", views.lease_edit, name="lease_edit"),
    path("<int:pk>/events/new/", views.event_record, name="event_record"),
    path("<int:pk>/payments/new/", views.payment_record, name="payment_record"),
    path("<int:pk>/payments/<int:payment_pk>/reverse/", views.payment_reverse, name="payment_reverse"),
    path("<int:pk>/charges/new/", views.charge_add, name="charge_add"),
    path("<int:pk>/charges/<int:charge_pk>/waive/", views.charge_waive, name="charge_waive"),
    path("<int:pk>/fee/change/", views.fee_change, name="fee_change"),
    path("<int:pk>/fee/suspend/", views.fee_suspend, name="fee_suspend"),
    path("<int:pk>/monitoring/new/", views.monitoring_create, name="monitoring_create"),
    path("<int:pk>/monitoring/<int:record_pk>/review/", views.monitoring_review, name="monitoring_review"),
    path("<int:pk>/deadlines/<int:deadline_pk>/extend/", views.deadline_extend, name="deadline_extend"),
    path("<int:pk>/improvements/new/", improvements.improvement_create, name="improvement_create"),
    path("<int:pk>/improvements/<int:item_pk>/approve/", improvements.improvement_approve, name="improvement_approve"),
    path("<int:pk>/improvements/<int:item_pk>/deny/", improvements.improvement_deny, name="improvement_deny"),
    path(
        "<int:pk>/improvements/<int:item_pk>/complete/",
        improvements.improvement_complete,
        name="improvement_complete",
    ),
    path("<int:pk>/documents/<str:kind>/", views.lease_document, name="lease_document"),
    path("<int:pk>/resale/determine/", resale_views.determine, name="resale_determine"),
    path("<int:pk>/resale/<int:calculation_pk>/", resale_views.calculation_detail, name="resale_calculation"),
    path("<int:pk>/resale/<int:calculation_pk>/certificate/", resale_views.certificate, name="resale_certificate"),
    path("terms/", views.terms_list, name="terms_list"),
    path("terms/new/", views.terms_create, name="terms_create"),
    path("terms/<int:template_pk>/", views.terms_detail, name="terms_detail"),
    path("terms/<int:template_pk>/versions/new/", views.terms_version_create, name="terms_version_create"),
    path(
        "terms/<int:template_pk>/versions/<int:version_pk>/edit/",
        views.terms_version_edit,
        name="terms_version_edit",
    ),
]
