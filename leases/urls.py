"""Staff pages of leases (``/leases/``) and the document links that staff and homeowners share."""

from django.urls import path

from leases import views as lease_pages
from leases.documents import views as documents_views
from leases.ledger import currency_views
from leases.ledger import views as ledger_views
from leases.lifecycle import views as lifecycle_views
from leases.monitoring import views as monitoring_views
from leases.resale.views import calculations as resale_views
from leases.resale.views import exports as resale_exports
from leases.resale.views import improvements, indexes
from leases.resale.views.portfolio import portfolio_page
from leases.resale.views.reports import impact_report

app_name = "leases"

urlpatterns = [
    path("", lifecycle_views.lease_list, name="lease_list"),
    path("deadlines/", lifecycle_views.deadlines_dashboard, name="deadlines"),
    path("portfolio/", portfolio_page, name="portfolio"),
    path("portfolio/export/", resale_exports.portfolio_export, name="portfolio_export"),
    path("reports/impact/", impact_report, name="impact_report"),
    path("reports/impact/export/", resale_exports.impact_export, name="impact_export"),
    path("currencies/", currency_views.currency_list, name="currency_list"),
    path("currencies/new/", currency_views.currency_create, name="currency_create"),
    path("currencies/report/", currency_views.currency_report, name="currency_report"),
    path("currencies/<slug:code>/rates/new/", currency_views.currency_rate_create, name="currency_rate_create"),
    path("indexes/", indexes.index_list, name="index_list"),
    path("indexes/<slug:code>/", indexes.index_detail, name="index_detail"),
    path("new/", lifecycle_views.lease_create, name="lease_create"),
    path("<int:pk>/", lease_pages.lease_detail, name="lease_detail"),
    path("<int:pk>/edit/", lifecycle_views.lease_edit, name="lease_edit"),
    path("<int:pk>/events/new/", lifecycle_views.event_record, name="event_record"),
    path("<int:pk>/payments/new/", ledger_views.payment_record, name="payment_record"),
    path("<int:pk>/payments/<int:payment_pk>/reverse/", ledger_views.payment_reverse, name="payment_reverse"),
    path("<int:pk>/charges/new/", ledger_views.charge_add, name="charge_add"),
    path("<int:pk>/charges/<int:charge_pk>/waive/", ledger_views.charge_waive, name="charge_waive"),
    path("<int:pk>/fee/change/", ledger_views.fee_change, name="fee_change"),
    path("<int:pk>/fee/suspend/", ledger_views.fee_suspend, name="fee_suspend"),
    path("<int:pk>/monitoring/new/", monitoring_views.monitoring_create, name="monitoring_create"),
    path("<int:pk>/monitoring/<int:record_pk>/review/", monitoring_views.monitoring_review, name="monitoring_review"),
    path("<int:pk>/deadlines/<int:deadline_pk>/extend/", lifecycle_views.deadline_extend, name="deadline_extend"),
    path("<int:pk>/improvements/new/", improvements.improvement_create, name="improvement_create"),
    path("<int:pk>/improvements/<int:item_pk>/approve/", improvements.improvement_approve, name="improvement_approve"),
    path("<int:pk>/improvements/<int:item_pk>/deny/", improvements.improvement_deny, name="improvement_deny"),
    path(
        "<int:pk>/improvements/<int:item_pk>/complete/",
        improvements.improvement_complete,
        name="improvement_complete",
    ),
    path("<int:pk>/documents/<str:kind>/", documents_views.lease_document, name="lease_document"),
    path("<int:pk>/resale/determine/", resale_views.determine, name="resale_determine"),
    path("<int:pk>/resale/<int:calculation_pk>/", resale_views.calculation_detail, name="resale_calculation"),
    path("<int:pk>/resale/<int:calculation_pk>/certificate/", resale_views.certificate, name="resale_certificate"),
    path("terms/", lifecycle_views.terms_list, name="terms_list"),
    path("terms/new/", lifecycle_views.terms_create, name="terms_create"),
    path("terms/<int:template_pk>/", lifecycle_views.terms_detail, name="terms_detail"),
    path("terms/<int:template_pk>/versions/new/", lifecycle_views.terms_version_create, name="terms_version_create"),
    path(
        "terms/<int:template_pk>/versions/<int:version_pk>/edit/",
        lifecycle_views.terms_version_edit,
        name="terms_version_edit",
    ),
]
