from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("", views.rounds, name="rounds"),
    path("<int:pk>/", views.round_detail, name="round"),
    path("rate/", views.rate_list, name="rate-list"),
    path("rate/<int:pk>/", views.rate, name="rate"),
    path("mine/", views.mine, name="mine"),
]
