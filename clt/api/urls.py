"""/api/v1/: one router gathering every app's routes, plus the schema and its documentation."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from governance.api.urls import router as governance_router
from leases.api.urls import router as leases_router
from properties.api.urls import router as properties_router


class Router(DefaultRouter):
    """The API's router: an id in a route is a whole number unless the viewset says otherwise.

    ``ground-leases/abc/`` or ``…/null/events/`` is a 404 before any view turns "abc" into a number
    (``ValueError``, a 500). A viewset looked up by something else sets ``lookup_value_regex``.
    """

    def get_lookup_regex(self, viewset, lookup_prefix: str = "") -> str:
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        lookup_value = getattr(viewset, "lookup_value_regex", r"[0-9]+")
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{lookup_value})"


router = Router()
for app_router in (properties_router, leases_router, governance_router):
    router.registry.extend(app_router.registry)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]
