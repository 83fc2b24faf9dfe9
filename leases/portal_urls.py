"""The homeowner portal (``/my/``): their own lease, ledger, deadlines and documents, and two forms."""

from django.urls import path

from leases import views as lease_pages
from leases.lifecycle import views as lifecycle_views
from leases.monitoring import views as monitoring_views
from leases.resale.views import improvements
from leases.resale.views.portal_resale import portal_resale

app_name = "portal"

urlpatterns = [
    path("", lease_pages.portal_home, name="home"),
    path("leases/<int:pk>/", lease_pages.portal_lease, name="lease"),
    path("leases/<int:pk>/certify/", monitoring_views.portal_certify, name="certify"),
    path("leases/<int:pk>/intent-to-sell/", lifecycle_views.portal_intent_to_sell, name="intent_to_sell"),
    path("leases/<int:pk>/resale/", portal_resale, name="resale"),
    path("leases/<int:pk>/improvements/new/", improvements.portal_improvement_request, name="improvement_request"),
]
