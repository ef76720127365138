"""医保资金留用: payment ratios, inpatient visits and shares, retained amounts, their confirmation and overview."""

from vbp.funding import amount_views, views

app_name = "funding"
urlpatterns = views.urlpatterns + amount_views.urlpatterns
