from django.urls import path
from rest_framework.routers import SimpleRouter

from vbp.api import views

app_name = "api"

router = SimpleRouter()
router.register("hospitals", views.HospitalViewSet, basename="hospital")
router.register("batches", views.BatchViewSet, basename="batch")
router.register("products", views.ProductViewSet, basename="product")
router.register("platform-records", views.PlatformRecordViewSet, basename="platform-record")

urlpatterns = [
    path("schema/", views.schema, name="schema"),
    path("docs/", views.docs, name="docs"),
    *router.urls,
]
