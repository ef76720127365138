from django.urls import path

from vbp.supervision import views

app_name = "supervision"
urlpatterns = [
    path("distributors/", views.distributors, name="distributors"),
    path("distributors/new/", views.distributor_new, name="distributor_new"),
    path("distributors/<id:pk>/", views.distributor_edit, name="distributor"),
    path("issues/", views.issues, name="issues"),
    path("issues/new/", views.issue_new, name="issue_new"),
    path("issues/<id:pk>/", views.issue_detail, name="issue"),
    path("issues/<id:pk>/follow-up/", views.issue_follow_up, name="issue_follow_up"),
    path("interviews/", views.interviews, name="interviews"),
    path("interviews/new/", views.interview_new, name="interview_new"),
    path("interviews/<id:pk>/", views.interview_detail, name="interview"),
    path("interviews/attachment/<id:pk>/", views.interview_attachment, name="attachment"),
]
