"""申诉管理: a hospital's appeals on a batch, the bureau's replies."""

from django.urls import path

from vbp.appeals import views

app_name = "appeals"
urlpatterns = [
    path("", views.appeal_list, name="list"),
    path("new/", views.new_appeal, name="new"),
    path("<id:pk>/", views.appeal_detail, name="detail"),
    path("<id:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("<id:pk>/reply/", views.reply, name="reply"),
    path("<id:pk>/close/", views.close, name="close"),
    path("attachment/<id:pk>/", views.attachment_file, name="attachment"),
]
