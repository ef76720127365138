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
    path("refresh/", views.refresh_figures, name="refresh"),
    path("reports/", views.reports, name="reports"),
    path("reports/<id:pk>/", views.report_detail, name="report"),
    path("reports/<id:pk>/explain/", views.report_explain, name="report_explain"),
    path("reports/<id:pk>/review/", views.report_review, name="report_review"),
]
