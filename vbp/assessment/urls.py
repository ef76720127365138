"""考核评分 pages: the hospital's self-assessment, the bureaus' reviews, and Wuhan's offline scoring."""

from django.urls import include, path

from vbp.assessment import offline_views, review_views, self_views

app_name = "assessment"
urlpatterns = [
    path("self/", include(self_views.urlpatterns)),
    path("review/", include(review_views.urlpatterns)),
    path("offline/", include(offline_views.urlpatterns)),
]
