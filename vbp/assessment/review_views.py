"""Pages: see urls.py."""

urlpatterns = []
