from django.urls import path

from vbp.web import views

urlpatterns = [path("", views.home, name="home")]
