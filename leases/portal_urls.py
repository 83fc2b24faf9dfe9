"""The homeowner portal (``/my/``): their own lease, ledger, deadlines and documents, and two forms."""

from django.urls import path

from leases import views
from leases.views import improvements
from leases.views.portal_resale import portal_resale

app_name = "portal"

urlpatterns = [
    path("", views.portal_home, name="home"),
    path("leases/<int:pk>/", views.portal_lease, name="lease"),
    path("leases/<int:pk>/certify/", views.portal_certify, name="certify"),
    path("leases/<int:pk>/intent-to-sell/", views.portal_intent_to_sell, name="intent_to_sell"),
    path("leases/<int:pk>/resale/", portal_resale, name="resale"),
    path("leases/<int:pk>/improvements/new/", improvements.portal_improvement_request, name="improvement_request"),
]
