from rest_framework.routers import SimpleRouter

from drug_catalog.api.views import CatalogItemViewSet, HospitalItemViewSet

router = SimpleRouter()
router.register("items", CatalogItemViewSet, basename="catalog-item")
router.register("hospital-items", HospitalItemViewSet, basename="catalog-hospital-item")
urlpatterns = router.urls
