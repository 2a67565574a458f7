from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("plans/", views.plans, name="plans"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("work/", views.work, name="work"),
    path("items/<int:pk>/", views.item, name="item"),
    path("records/<int:pk>/photo/", views.record_photo, name="record-photo"),
    path("rectifications/", views.rectifications, name="rectifications"),
    path("rectifications/<int:pk>/", views.rectification, name="rectification"),
    path("risks/", views.risks, name="risks"),
    path("risks/new/", views.risk_create, name="risk-create"),
    path("risks/<int:pk>/", views.risk_detail, name="risk"),
    path("risk-rules/", views.risk_rules, name="risk-rules"),
]
