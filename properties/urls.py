from django.urls import path

from properties import views

app_name = "properties"

urlpatterns = [
    path("", views.parcel_list, name="parcel_list"),
    path("map/", views.parcel_map, name="parcel_map"),
    path("new/", views.parcel_create, name="parcel_create"),
    path("merge/", views.parcel_merge, name="parcel_merge"),
    path("export/<str:file_format>/", views.parcel_export, name="parcel_export"),
    path("<int:pk>/", views.parcel_detail, name="parcel_detail"),
    path("<int:pk>/edit/", views.parcel_edit, name="parcel_edit"),
    path("<int:pk>/split/", views.parcel_split, name="parcel_split"),
    path("<int:pk>/homes/new/", views.unit_create, name="unit_create"),
    path("<int:pk>/funding/new/", views.funding_create, name="funding_create"),
    path("<int:pk>/accept-area/", views.parcel_accept_area, name="parcel_accept_area"),
    path("homes/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("overlaps/<int:pk>/accept/", views.overlap_accept, name="overlap_accept"),
]
