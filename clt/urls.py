"""Root URLs: pages, the API under /api/, the admin as a staff escape hatch."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from clt import i18n, views
from clt.forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("parcels/", include("properties.urls")),
    path("leases/", include("leases.urls")),
    path("my/", include("leases.portal_urls")),
    path("governance/", include("governance.urls")),
    path("jobs/", include("clt.jobs.urls")),
    path("api/", include("clt.api.urls")),
    path("i18n/setlang/", i18n.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

# A 404 under /api/ answers JSON like the rest of the API.
handler404 = "clt.exceptions.not_found"
