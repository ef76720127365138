"""医保资金留用: payment ratios, inpatient visits and shares, retained amounts, their confirmation and overview."""

app_name = "funding"
urlpatterns = []
