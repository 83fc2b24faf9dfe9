from rest_framework.routers import DefaultRouter

from properties.api import views

router = DefaultRouter()
router.register("parcels", views.ParcelViewSet)
router.register("homes", views.UnitViewSet)
router.register("funding-sources", views.FundingViewSet)
router.register("parcel-overlaps", views.ParcelOverlapViewSet)

urlpatterns = router.urls
