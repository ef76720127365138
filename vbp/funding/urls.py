"""医保资金留用: payment ratios, inpatient visits and shares, retained amounts, their confirmation and overview.

Ids are ``<id:…>`` and years ``<year:…>`` (registered by config/urls.py before this module is read), so a number
the database cannot hold is simply not found."""

from django.urls import path

from vbp.funding import amount_views, views

app_name = "funding"
SHEET = "amounts/<id:hospital_id>/<id:batch_id>/<year:year>"  # a hospital's amounts of a batch and year
urlpatterns = [
    path("ratios/", views.pay_ratios, name="pay_ratios"),
    path("ratios/<id:batch_id>/<year:year>/save/", views.pay_ratio_save, name="pay_ratio_save"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/capital/", views.capital_visit_list, name="capital_visits"),
    path("visits/submit/", views.visit_submit, name="visit_submit"),
    path("visits/<id:hospital_id>/<year:year>/", views.visit_detail, name="visit_detail"),
    path("visits/<id:hospital_id>/<year:year>/total/", views.visit_total, name="visit_total"),
    path("visits/<id:hospital_id>/<year:year>/pools/", views.visit_pools, name="visit_pools"),
    path("visits/<id:hospital_id>/<year:year>/proof/", views.proof_upload, name="proof_upload"),
    path("visits/<id:hospital_id>/<year:year>/reopen/", views.visit_reopen, name="visit_reopen"),
    path("proof/<id:pk>/", views.proof_file, name="proof"),
    path("proof/<id:pk>/delete/", views.proof_delete, name="proof_delete"),
    path("shares/", views.share_list, name="shares"),
    path("shares/<id:hospital_id>/<year:year>/", views.share_detail, name="share_detail"),
    path("amounts/", amount_views.amount_list, name="amounts"),
    path("amounts/<id:hospital_id>/<id:batch_id>/<year:year>/", amount_views.amount_detail, name="amount_detail"),
    path(
        "amounts/<id:hospital_id>/<id:batch_id>/<year:year>/confirm/",
        amount_views.amount_confirm,
        name="amount_confirm",
    ),
    path(
        "amounts/<id:hospital_id>/<id:batch_id>/<year:year>/reopen/", amount_views.amount_reopen, name="amount_reopen"
    ),
    path("overview/", amount_views.overview, name="overview"),
    path("overview/hospitals/", amount_views.overview_hospitals, name="overview_hospitals"),
    path("surplus/", amount_views.surplus_batches, name="surplus"),
    path("surplus/products/", amount_views.surplus_products, name="surplus_products"),
    path("surplus/<id:batch_id>/<year:year>/", amount_views.surplus_hospitals, name="surplus_hospitals"),
    path("recalculate/<id:batch_id>/<year:year>/", amount_views.recalculate, name="recalculate"),
    path("recalculations/<id:pk>/", amount_views.recalculation, name="recalculation"),
    path("recalculations/<id:pk>/rerun/", amount_views.recalculation_rerun, name="recalculation_rerun"),
    path("recalculations/<id:pk>/cancel/", amount_views.recalculation_cancel, name="recalculation_cancel"),
    path("workbook/<id:batch_id>/<year:year>/", amount_views.workbook, name="workbook"),
]
