"""申诉管理: a hospital's appeals on a batch, the bureau's replies."""

app_name = "appeals"
urlpatterns = []
