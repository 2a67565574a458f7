from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("", views.visit_list, name="list"),
    path("today/", views.today, name="today"),
    path("compliance/", views.compliance, name="compliance"),
    path("key-lists/", views.keylists, name="keylists"),
    path("policies/", views.policies, name="policies"),
    path("policies/new/", views.policy_edit, name="policy-create"),
    path("policies/<int:pk>/", views.policy_edit, name="policy-edit"),
    path("cycle/", views.cycle, name="cycle"),
    path("add/<int:customer_pk>/", views.add, name="add"),
    path("<int:pk>/", views.record, name="record"),
    path("<int:pk>/photo/", views.photo, name="photo"),
]
