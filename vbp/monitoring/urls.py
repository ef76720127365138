from django.urls import path

from vbp.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.progress, name="progress"),
    path("late-payments/", views.late_payments, name="late_payments"),
    path("payments/", views.payments, name="payments"),
    path("delivery/", views.delivery, name="delivery"),
    path("offline/", views.offline, name="offline"),
    path("bulletin/", views.quarterly_bulletin, name="bulletin"),
]
