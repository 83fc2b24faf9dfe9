"""/api/v1/: one router gathering every app's routes, plus the schema and its documentation."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from governance.api.urls import router as governance_router
from leases.api.urls import router as leases_router
from properties.api.urls import router as properties_router

router = DefaultRouter()
for app_router in (properties_router, leases_router, governance_router):
    router.registry.extend(app_router.registry)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]
