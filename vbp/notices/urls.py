"""通知公告: the list, a notice, its editing, 发布 and 撤回, its attachments."""

from django.urls import path

from vbp.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("new/", views.notice_new, name="new"),
    path("<id:pk>/", views.notice_detail, name="detail"),
    path("<id:pk>/edit/", views.notice_edit, name="edit"),
    path("<id:pk>/publish/", views.notice_publish, name="publish"),
    path("<id:pk>/withdraw/", views.notice_withdraw, name="withdraw"),
    path("attachment/<id:pk>/", views.notice_attachment, name="attachment"),
]
