"""The homeowner portal (``/my/``): their own lease, ledger, deadlines and documents, and two forms."""

from django.urls import path

from leases import views

app_name = "portal"

urlpatterns = [
    path("", views.portal_home, name="home"),
    path("leases/<int:pk>/", views.portal_lease, name="lease"),
    path("leases/<int:pk>/certify/", views.portal_certify, name="certify"),
    path("leases/<int:pk>/intent-to-sell/", views.portal_intent_to_sell, name="intent_to_sell"),
]
