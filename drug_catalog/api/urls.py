from rest_framework.routers import SimpleRouter

from drug_catalog.api.views import CatalogItemViewSet

router = SimpleRouter()
router.register("items", CatalogItemViewSet, basename="catalog-item")
urlpatterns = router.urls
